"""Reads for a clinician's week: the schedule of this and next week, the week's load against
available time and the weekly target, and the caseload with its flags.

Hours come from ``utilization.compute`` with the clinician filter (metrics.md "Utilization"),
so the page shows the same numbers as every report. The weekly target is the clinician's
``weekly_session_target`` sessions; in hours, one clinical hour per session
(``TARGET_HOURS_PER_SESSION``), the length of the standard psychotherapy session (CPT 90837).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from dashboard.metrics import utilization
from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    active_client_condition,
    effective_status,
    in_period,
    is_held,
    is_kept,
    is_visit,
    rate,
    ratio,
)
from db.models import Appointment, Client, Clinician, SessionFeedback, Task
from db.task_queue import PLAN_REVIEW
from db.task_rules import PLAN_REVIEW_LEAD_DAYS, plan_review_due
from db.vocab import LOW_ALLIANCE_SRS, UPCOMING_STATUSES

TARGET_HOURS_PER_SESSION = 1.0
SCHEDULE_COLUMNS = [
    "appointment_id",
    "start_at",
    "end_at",
    "duration_min",
    "client_id",
    "client",
    "service",
    "modality",
    "location",
    "status",
]
CASELOAD_COLUMNS = [
    "client_id",
    "client",
    "last_visit",
    "next_appointment",
    "visits",
    "srs",
    "ors",
    "plan_review_due",
    "open_tasks",
    "flags",
]


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def clinician_info(conn: Connection, clinician_id: str) -> dict[str, Any] | None:
    """Name, weekly session target and whether the clinician is active; None if unknown."""
    row = conn.execute(
        select(Clinician.name, Clinician.weekly_session_target, Clinician.active).where(
            Clinician.clinician_id == clinician_id
        )
    ).first()
    return None if row is None else row._asdict()


def schedule(
    conn: Connection, clinician_id: str, start: dt.date, end: dt.date, rules: Rules
) -> pd.DataFrame:
    """The clinician's appointments starting on the dates from start to end inclusive, by start:
    client, service, modality, location and the status after the late-cancel rule."""
    period = Period(start, end, dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    stmt = (
        select(
            Appointment.appointment_id,
            Appointment.start_at,
            Appointment.end_at,
            Appointment.duration_min,
            Appointment.client_id,
            Client.display_name.label("client"),
            Appointment.service,
            Appointment.modality,
            Appointment.location,
            effective_status(rules).label("status"),
        )
        .join(Client, Client.client_id == Appointment.client_id)
        .where(Appointment.clinician_id == clinician_id, in_period(period))
        .order_by(Appointment.start_at, Appointment.appointment_id)
    )
    rows = [row._asdict() for row in conn.execute(stmt)]
    return pd.DataFrame.from_records(rows, columns=SCHEDULE_COLUMNS)


def _session_counts(conn: Connection, clinician_id: str, period: Period, rules: Rules) -> Any:
    """Held appointments in the period, and the past kept ones among them."""
    past_kept = and_(is_kept(), Appointment.start_at < period.as_of)
    return conn.execute(
        select(
            func.sum(case((is_held(rules), 1), else_=0)).label("booked"),
            func.sum(case((past_kept, 1), else_=0)).label("kept"),
        ).where(Appointment.clinician_id == clinician_id, in_period(period))
    ).one()


def week_load(
    conn: Connection, clinician_id: str, monday: dt.date, now: dt.datetime, rules: Rules
) -> dict[str, Any]:
    """The week from ``monday``, as of the earlier of now and its end: available, booked and
    kept hours (metrics.md), held and kept sessions, and the weekly target in sessions and
    hours, with the ratios the page shows (null when a denominator is 0 or unknown)."""
    period = Period.make(monday, monday + dt.timedelta(days=6), now=now)
    hours = utilization.compute(conn, period, Filters(clinician=clinician_id), rules).iloc[0]
    sessions = _session_counts(conn, clinician_id, period, rules)
    info = clinician_info(conn, clinician_id) or {}
    target = info.get("weekly_session_target")
    target_hours = target * TARGET_HOURS_PER_SESSION if target is not None else None
    booked_h, kept_h = float(hours["booked_hours"]), float(hours["kept_hours"])
    booked, kept = int(sessions.booked or 0), int(sessions.kept or 0)
    return {
        "monday": monday,
        "as_of": period.as_of,
        "available_hours": float(hours["available_hours"]),
        "booked_hours": booked_h,
        "kept_hours": kept_h,
        "booked_utilization": _plain(hours["booked_utilization"]),
        "kept_utilization": _plain(hours["kept_utilization"]),
        "target_sessions": target,
        "target_hours": target_hours,
        "booked_of_target": rate(ratio(booked_h, target_hours)),
        "kept_of_target": rate(ratio(kept_h, target_hours)),
        "booked_sessions": booked,
        "kept_sessions": kept,
        "sessions_of_target": rate(ratio(kept, target)),
    }


def _plain(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _latest_score(column: Any, period: Period) -> Any:
    """The client's most recent score on a past kept session (any clinician)."""
    return (
        select(column)
        .select_from(Appointment)
        .join(SessionFeedback, SessionFeedback.appointment_id == Appointment.appointment_id)
        .where(
            Appointment.client_id == Client.client_id,
            is_kept(),
            Appointment.start_at < period.as_of,
            column.is_not(None),
        )
        .order_by(Appointment.start_at.desc(), Appointment.appointment_id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _flags(row: dict[str, Any], review_due: dt.date | None, as_of_date: dt.date) -> str:
    flags = []
    if row["next_appointment"] is None:
        flags.append("No next appointment")
    if row["srs"] is not None and row["srs"] < LOW_ALLIANCE_SRS:
        flags.append(f"Low alliance (SRS {row['srs']:g})")
    if review_due is not None and review_due <= as_of_date + dt.timedelta(PLAN_REVIEW_LEAD_DAYS):
        late = "overdue since" if review_due < as_of_date else "due"
        flags.append(f"Plan review {late} {review_due:%Y-%m-%d}")
    return " · ".join(flags)


def _of_client_tasks(aggregate: ColumnElement[Any]) -> Any:
    """An aggregate over the client's tasks, its conditions inside CASE: with only
    ``client_id`` in WHERE, the one index the database can use is the one by client (a handful
    of rows per client). With ``status`` in WHERE, SQLite without statistics probes the index by
    status instead and walks every done task of the practice for each client."""
    return select(aggregate).where(Task.client_id == Client.client_id).scalar_subquery()


def caseload(conn: Connection, clinician_id: str, period: Period) -> pd.DataFrame:
    """The clients on the clinician's caseload as of as-of, by name: last visit and next
    appointment (with any clinician), visits in the period, latest SRS and ORS, when the next
    treatment-plan review is due, the clinician's open tasks about them, and flags (no next
    appointment, low alliance, plan review due within 14 days or overdue), as text.

    One statement driven by the clinician's own clients (index on primary clinician); every
    column is a correlated subquery probing an index by client. The plan review is
    ``task_rules.plan_review_due``: 90 days after the last done plan_review task (its
    completion, else its due moment), else after intake."""
    visit = and_(Appointment.client_id == Client.client_id, is_visit(period))
    last_visit = select(func.max(Appointment.start_at)).where(visit).scalar_subquery()
    visits = select(func.count()).where(visit, in_period(period)).scalar_subquery()
    next_appointment = (
        select(func.min(Appointment.start_at))
        .where(
            Appointment.client_id == Client.client_id,
            Appointment.status.in_(UPCOMING_STATUSES),
            Appointment.start_at >= period.as_of,
        )
        .scalar_subquery()
    )
    review_done = and_(Task.kind == PLAN_REVIEW, Task.status == "done")
    reviewed_at = func.coalesce(Task.completed_at, Task.due_at)
    last_review = _of_client_tasks(func.max(case((review_done, reviewed_at))))
    mine_open = and_(Task.status == "open", Task.assignee == clinician_id)
    open_tasks = _of_client_tasks(func.count(case((mine_open, Task.task_id))))
    stmt = (
        select(
            Client.client_id,
            Client.display_name.label("client"),
            Client.intake_date,
            last_visit.label("last_visit"),
            next_appointment.label("next_appointment"),
            visits.label("visits"),
            _latest_score(SessionFeedback.srs, period).label("srs"),
            _latest_score(SessionFeedback.ors, period).label("ors"),
            last_review.label("last_review"),
            open_tasks.label("open_tasks"),
        )
        .where(
            active_client_condition(period.as_of_date),
            Client.primary_clinician_id == clinician_id,
        )
        .order_by(Client.display_name, Client.client_id)
    )
    records = []
    for row in conn.execute(stmt):
        values = row._asdict()
        due = plan_review_due(values.pop("intake_date"), values.pop("last_review"))
        values["plan_review_due"] = due
        values["visits"] = int(values["visits"] or 0)
        values["open_tasks"] = int(values["open_tasks"] or 0)
        values["flags"] = _flags(values, due, period.as_of_date)
        records.append(values)
    return pd.DataFrame.from_records(records, columns=CASELOAD_COLUMNS)


__all__ = [
    "TARGET_HOURS_PER_SESSION",
    "caseload",
    "clinician_info",
    "monday_of",
    "schedule",
    "week_load",
]
