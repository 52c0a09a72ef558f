"""The rule-generated follow-up tasks: what ``careboard tasks generate`` creates and closes.

Every rule is judged as of the run's moment ``now``; visits, held and kept appointments, late
cancels and "lost to follow-up" are metrics.md's, through ``dashboard.metrics``.

- **outreach** (front desk), ``outreach:{appointment_id}``: a no-show or late cancel in the
  last 14 days; due by the end of the next business day after the run.
- **re_engagement** (primary clinician), ``re_engagement:{client_id}:{last visit date}`` (the
  intake date when there was no visit): an active client lost to follow-up
  (``engagement.lost_to_follow_up_clients``); due by the end of the 7th day after the run.
- **alliance_check** (that session's clinician), ``alliance_check:{appointment_id}``: a past
  kept session in the last 14 days with SRS below 36; due at the start of the client's next
  booked session with that clinician, else by the end of the 7th day after the low session.
- **post_discharge** (primary clinician), ``post_discharge:{event_id}``: a hospital discharge
  of an active client in the last 30 days; due by the end of the 7th day after it (HEDIS FUH).
- **plan_review** (primary clinician), ``plan_review:{client_id}:{due date}``: an active client
  whose last plan review (the completion of a done plan_review task) or, without one, intake
  turns 90 days old within the next 14 days; due on that 90th day.

The look-back windows keep a first run on years of history from flooding the queue with events
nobody can still act on. A rule creates nothing for a discharged client, nothing whose closing
condition already holds, and nothing that exists: the same rule key, or, for imported tasks that
carry no key, an outreach or alliance check for the same appointment, an open re-engagement or
plan review for the client, a post-discharge follow-up for the client created since the
discharge. A clinician who is no longer active gets nothing: the task is left unassigned, for a
director to give to someone.

Generated tasks close themselves (only tasks with a rule key), recording ``completed_at`` = the
run's moment and ``closed_reason``:

- **done** when the condition is met: outreach, the client had a visit after the missed session
  or was rebooked (a scheduled session created after the miss); re-engagement, a visit after the
  last visit in its key; alliance check, a later visit with the same clinician scored SRS 36 or
  more; post-discharge, a visit on a later day than the discharge. A plan review is done only
  when its clinician marks it done.
- **cancelled** when it is moot: the client was discharged (every kind), or the next scored
  session with that clinician was low again (its own alliance check replaces the old one).

Closing is version-checked, so an edit a user saves at the same moment wins and the next run
looks again. One run is one transaction; reruns and overlapping runs create nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    active_client_condition,
    effective_status,
    is_kept,
    is_visit,
)
from dashboard.metrics.engagement import lost_to_follow_up_clients
from dashboard.metrics.sqlfn import epoch_day
from db.audit import Actor, audit_values, record_in
from db.engine import Database
from db.meta import bump_data_version
from db.models import Appointment, CareEvent, Client, Clinician, SessionFeedback, Task
from db.task_queue import (
    ALLIANCE_CHECK,
    OUTREACH,
    PLAN_REVIEW,
    POST_DISCHARGE,
    RE_ENGAGEMENT,
    _insert,
    end_of_day,
    ensure_outreach_task,
    open_task_values,
)
from db.vocab import LOW_ALLIANCE_SRS, UPCOMING_STATUSES

OUTREACH_LOOKBACK_DAYS = 14
ALLIANCE_LOOKBACK_DAYS = 14
DISCHARGE_LOOKBACK_DAYS = 30
RE_ENGAGEMENT_DUE_DAYS = 7
ALLIANCE_DUE_DAYS = 7
POST_DISCHARGE_DUE_DAYS = 7
PLAN_REVIEW_DAYS = 90
PLAN_REVIEW_LEAD_DAYS = 14
HOSPITAL_DISCHARGE = "hospital_discharge"
MAX_REASON = 500

# A second copy of the appointment and feedback tables, for "a later session of the same
# client" inside a query about one session; metrics' conditions are adapted to it.
LATER = Appointment.__table__.alias("later_appointment")
LATER_FEEDBACK = SessionFeedback.__table__.alias("later_feedback")
_on_later = ClauseAdapter(LATER).traverse


@dataclass
class GenerateResult:
    """What one run did: tasks created and closed, by kind, and the clients concerned."""

    as_of: dt.datetime
    created: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)  # "kind status", e.g. "outreach done"
    client_ids: set[str] = field(default_factory=set)

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.closed.values())

    def summary(self) -> str:
        def listed(counts: Counter[str]) -> str:
            return ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none"

        return (
            f"as of {self.as_of:%Y-%m-%d %H:%M}: created {sum(self.created.values())} "
            f"({listed(self.created)}); closed {sum(self.closed.values())} "
            f"({listed(self.closed)})"
        )


def as_of_period(now: dt.datetime) -> Period:
    """A one-day period as of ``now``: the rules only use its as-of."""
    return Period(now.date(), now.date(), now)


def _not_discharged(as_of_date: dt.date) -> ColumnElement[bool]:
    return or_(Client.discharge_date.is_(None), Client.discharge_date > as_of_date)


def _rule_key(kind: str, subject: Any) -> ColumnElement[str]:
    return literal(f"{kind}:").concat(subject)


def _active_clinicians(session: Session) -> set[str]:
    return set(session.execute(select(Clinician.clinician_id).where(Clinician.active)).scalars())


def _add_rule_task(
    session: Session,
    result: GenerateResult,
    *,
    kind: str,
    rule_key: str,
    client_id: str,
    assignee: str | None,
    due_at: dt.datetime,
    due_date_only: bool,
    note: str,
    appointment_id: str | None = None,
) -> None:
    created = _insert(
        session,
        open_task_values(
            kind=kind,
            client_id=client_id,
            assignee=assignee,
            due_at=due_at,
            due_date_only=due_date_only,
            note=note,
            rule_key=rule_key,
            now=result.as_of,
            appointment_id=appointment_id,
        ),
    )
    if created:
        result.created[kind] += 1
        result.client_ids.add(client_id)


def _close(
    session: Session,
    result: GenerateResult,
    row: Any,
    kind: str,
    status: str,
    reason: str,
) -> None:
    """Close an open task still at the version read; a concurrent edit wins."""
    changed = session.execute(
        update(Task)
        .where(Task.task_id == row.task_id, Task.version == row.version, Task.status == "open")
        .values(
            status=status,
            completed_at=result.as_of,
            closed_reason=reason[:MAX_REASON],
            version=Task.version + 1,
            updated_at=result.as_of,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        result.closed[f"{kind} {status}"] += 1
        if row.client_id:
            result.client_ids.add(row.client_id)


def _open_rule_tasks(kind: str) -> list[ColumnElement[bool]]:
    return [Task.status == "open", Task.kind == kind, Task.rule_key.is_not(None)]


# --- outreach ---------------------------------------------------------------------------------


def _missed_at() -> ColumnElement[dt.datetime]:
    """When a session was missed: a no-show at its start, a late cancel when it was called off."""
    return case(
        (Appointment.status == "no_show", Appointment.start_at),
        else_=func.coalesce(Appointment.cancelled_at, Appointment.start_at),
    )


def _outreach_progress(period: Period) -> tuple[Any, Any]:
    """The client's first visit after the missed session, and their first session booked since
    the miss (scalar subqueries about the outer Appointment)."""
    seen = (
        select(func.min(LATER.c.start_at))
        .where(
            LATER.c.client_id == Appointment.client_id,
            _on_later(is_visit(period)),
            LATER.c.start_at > Appointment.start_at,
        )
        .scalar_subquery()
    )
    rebooked = (
        select(func.min(LATER.c.start_at))
        .where(
            LATER.c.client_id == Appointment.client_id,
            LATER.c.appointment_id != Appointment.appointment_id,
            LATER.c.status.in_(UPCOMING_STATUSES),
            LATER.c.start_at > Appointment.start_at,
            LATER.c.created_at >= _missed_at(),
        )
        .scalar_subquery()
    )
    return seen.label("seen"), rebooked.label("rebooked")


def _outreach_done_reason(row: Any) -> str | None:
    if row.seen is not None:
        return f"client seen on {row.seen:%Y-%m-%d}"
    if row.rebooked is not None:
        return f"client rebooked for {row.rebooked:%Y-%m-%d %H:%M}"
    return None


def _generate_outreach(session: Session, result: GenerateResult, rules: Rules) -> None:
    now, period = result.as_of, as_of_period(result.as_of)
    status = effective_status(rules)
    missed = _missed_at()
    task_exists = exists().where(
        or_(
            Task.rule_key == _rule_key(OUTREACH, Appointment.appointment_id),
            and_(Task.kind == OUTREACH, Task.appointment_id == Appointment.appointment_id),
        )
    )
    rows = session.execute(
        select(Appointment.appointment_id, *_outreach_progress(period))
        .join(Client, Client.client_id == Appointment.client_id)
        .where(
            status.in_(("no_show", "late_cancel")),
            missed <= now,
            missed >= now - dt.timedelta(days=OUTREACH_LOOKBACK_DAYS),
            _not_discharged(period.as_of_date),
            ~task_exists,
        )
        .order_by(Appointment.start_at, Appointment.appointment_id)
    ).all()
    for row in rows:
        if _outreach_done_reason(row) is None and ensure_outreach_task(
            session, row.appointment_id, now
        ):
            result.created[OUTREACH] += 1


def _close_outreach(session: Session, result: GenerateResult) -> None:
    rows = session.execute(
        select(
            Task.task_id,
            Task.version,
            Task.client_id,
            *_outreach_progress(as_of_period(result.as_of)),
        )
        .join(Appointment, Appointment.appointment_id == Task.appointment_id)
        .where(*_open_rule_tasks(OUTREACH))
    ).all()
    for row in rows:
        reason = _outreach_done_reason(row)
        if reason:
            _close(session, result, row, OUTREACH, "done", reason)


# --- alliance check ---------------------------------------------------------------------------


def _past_kept(now: dt.datetime) -> ColumnElement[bool]:
    """Past kept sessions of any service: SRS is asked in groups too (low_alliance_sessions)."""
    return and_(is_kept(), Appointment.start_at < now)


def _alliance_progress(now: dt.datetime) -> tuple[Any, Any, Any]:
    """About the outer (low-SRS) Appointment: the SRS and start of the client's next scored
    session with the same clinician, and the start of the next booked one."""
    later_scored = and_(
        LATER.c.client_id == Appointment.client_id,
        LATER.c.clinician_id == Appointment.clinician_id,
        _on_later(_past_kept(now)),
        LATER.c.start_at > Appointment.start_at,
        LATER_FEEDBACK.c.srs.is_not(None),
    )
    scored = LATER.join(LATER_FEEDBACK, LATER_FEEDBACK.c.appointment_id == LATER.c.appointment_id)

    def first(column: Any) -> Any:
        return (
            select(column)
            .select_from(scored)
            .where(later_scored)
            .order_by(LATER.c.start_at, LATER.c.appointment_id)
            .limit(1)
            .scalar_subquery()
        )

    next_session = (
        select(func.min(LATER.c.start_at))
        .where(
            LATER.c.client_id == Appointment.client_id,
            LATER.c.clinician_id == Appointment.clinician_id,
            LATER.c.status.in_(UPCOMING_STATUSES),
            LATER.c.start_at >= now,
        )
        .scalar_subquery()
    )
    return (
        first(LATER_FEEDBACK.c.srs).label("next_srs"),
        first(LATER.c.start_at).label("next_scored_at"),
        next_session.label("next_session"),
    )


def _generate_alliance_checks(session: Session, result: GenerateResult) -> None:
    now, as_of_date = result.as_of, as_of_period(result.as_of).as_of_date
    task_exists = exists().where(
        or_(
            Task.rule_key == _rule_key(ALLIANCE_CHECK, Appointment.appointment_id),
            and_(Task.kind == ALLIANCE_CHECK, Task.appointment_id == Appointment.appointment_id),
        )
    )
    rows = session.execute(
        select(
            Appointment.appointment_id,
            Appointment.client_id,
            Appointment.clinician_id,
            Appointment.start_at,
            SessionFeedback.srs,
            *_alliance_progress(now),
        )
        .join(SessionFeedback, SessionFeedback.appointment_id == Appointment.appointment_id)
        .join(Client, Client.client_id == Appointment.client_id)
        .where(
            _past_kept(now),
            SessionFeedback.srs < LOW_ALLIANCE_SRS,
            Appointment.start_at >= now - dt.timedelta(days=ALLIANCE_LOOKBACK_DAYS),
            _not_discharged(as_of_date),
            ~task_exists,
        )
        .order_by(Appointment.start_at, Appointment.appointment_id)
    ).all()
    active = _active_clinicians(session)
    for row in rows:
        if row.next_srs is not None:
            continue  # a later session was scored already: nothing left to check before it
        if row.next_session is not None:
            due_at, date_only = row.next_session, False
        else:
            due_at = end_of_day(row.start_at.date() + dt.timedelta(days=ALLIANCE_DUE_DAYS))
            date_only = True
        _add_rule_task(
            session,
            result,
            kind=ALLIANCE_CHECK,
            rule_key=f"{ALLIANCE_CHECK}:{row.appointment_id}",
            client_id=row.client_id,
            assignee=row.clinician_id if row.clinician_id in active else None,
            due_at=due_at,
            due_date_only=date_only,
            note=f"SRS {row.srs:g} on {row.start_at:%Y-%m-%d}: check the alliance before the "
            "next session.",
            appointment_id=row.appointment_id,
        )


def _close_alliance_checks(session: Session, result: GenerateResult) -> None:
    rows = session.execute(
        select(Task.task_id, Task.version, Task.client_id, *_alliance_progress(result.as_of))
        .join(Appointment, Appointment.appointment_id == Task.appointment_id)
        .where(*_open_rule_tasks(ALLIANCE_CHECK))
    ).all()
    for row in rows:
        if row.next_srs is None:
            continue
        when = f"{row.next_scored_at:%Y-%m-%d}"
        if row.next_srs >= LOW_ALLIANCE_SRS:
            _close(session, result, row, ALLIANCE_CHECK, "done", f"SRS {row.next_srs:g} on {when}")
        else:
            reason = f"superseded: the session on {when} scored SRS {row.next_srs:g} too"
            _close(session, result, row, ALLIANCE_CHECK, "cancelled", reason)


# --- post-discharge follow-up -----------------------------------------------------------------


def _first_visit_after_discharge(period: Period) -> Any:
    """The client's first visit on a later day than the outer CareEvent (FUH: not that day)."""
    return (
        select(func.min(Appointment.start_at))
        .where(
            Appointment.client_id == CareEvent.client_id,
            is_visit(period),
            epoch_day(Appointment.start_at) > epoch_day(CareEvent.occurred_at),
        )
        .scalar_subquery()
        .label("seen")
    )


def _generate_post_discharge(session: Session, result: GenerateResult) -> None:
    now, period = result.as_of, as_of_period(result.as_of)
    task_exists = exists().where(
        or_(
            Task.rule_key == _rule_key(POST_DISCHARGE, CareEvent.event_id),
            and_(
                Task.kind == POST_DISCHARGE,
                Task.client_id == CareEvent.client_id,
                Task.created_at >= CareEvent.occurred_at,
            ),
        )
    )
    rows = session.execute(
        select(
            CareEvent.event_id,
            CareEvent.client_id,
            CareEvent.occurred_at,
            Client.primary_clinician_id,
            _first_visit_after_discharge(period),
        )
        .join(Client, Client.client_id == CareEvent.client_id)
        .where(
            CareEvent.kind == HOSPITAL_DISCHARGE,
            CareEvent.occurred_at <= now,
            CareEvent.occurred_at >= now - dt.timedelta(days=DISCHARGE_LOOKBACK_DAYS),
            active_client_condition(period.as_of_date),
            ~task_exists,
        )
        .order_by(CareEvent.occurred_at, CareEvent.event_id)
    ).all()
    active = _active_clinicians(session)
    for row in rows:
        if row.seen is not None:
            continue
        discharged = row.occurred_at.date()
        _add_rule_task(
            session,
            result,
            kind=POST_DISCHARGE,
            rule_key=f"{POST_DISCHARGE}:{row.event_id}",
            client_id=row.client_id,
            assignee=row.primary_clinician_id if row.primary_clinician_id in active else None,
            due_at=end_of_day(discharged + dt.timedelta(days=POST_DISCHARGE_DUE_DAYS)),
            due_date_only=True,
            note=f"Hospital discharge on {discharged:%Y-%m-%d}: see the client within 7 days.",
        )


def _close_post_discharge(session: Session, result: GenerateResult) -> None:
    period = as_of_period(result.as_of)
    rows = session.execute(
        select(Task.task_id, Task.version, Task.client_id, _first_visit_after_discharge(period))
        .join(CareEvent, Task.rule_key == _rule_key(POST_DISCHARGE, CareEvent.event_id))
        .where(*_open_rule_tasks(POST_DISCHARGE))
    ).all()
    for row in rows:
        if row.seen is not None:
            reason = f"client seen on {row.seen:%Y-%m-%d}"
            _close(session, result, row, POST_DISCHARGE, "done", reason)


# --- re-engagement ----------------------------------------------------------------------------


def _generate_re_engagement(session: Session, result: GenerateResult, rules: Rules) -> None:
    period = as_of_period(result.as_of)
    lost = lost_to_follow_up_clients(session.connection(), period, Filters(), rules)
    if lost.empty:
        return
    already = set(
        session.execute(
            select(Task.client_id).where(Task.kind == RE_ENGAGEMENT, Task.status == "open")
        ).scalars()
    )
    active = _active_clinicians(session)
    due_at = end_of_day(period.as_of_date + dt.timedelta(days=RE_ENGAGEMENT_DUE_DAYS))
    for row in lost.itertuples(index=False):
        if row.client_id in already:
            continue
        since = period.as_of_date - dt.timedelta(days=int(row.days_since))
        seen = row.last_visit is not None
        what = f"Last visit {since:%Y-%m-%d}" if seen else f"No visit since intake {since:%Y-%m-%d}"
        _add_rule_task(
            session,
            result,
            kind=RE_ENGAGEMENT,
            rule_key=f"{RE_ENGAGEMENT}:{row.client_id}:{since.isoformat()}",
            client_id=row.client_id,
            assignee=row.primary_clinician_id if row.primary_clinician_id in active else None,
            due_at=due_at,
            due_date_only=True,
            note=f"{what} and nothing booked: reach out to re-engage.",
        )


def _key_date(rule_key: str, fallback: dt.datetime | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(rule_key.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return fallback.date() if fallback else None


def _close_re_engagement(session: Session, result: GenerateResult) -> None:
    period = as_of_period(result.as_of)
    last_visit = (
        select(func.max(Appointment.start_at))
        .where(Appointment.client_id == Task.client_id, is_visit(period))
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Task.task_id,
            Task.version,
            Task.client_id,
            Task.rule_key,
            Task.created_at,
            last_visit.label("last_visit"),
        ).where(*_open_rule_tasks(RE_ENGAGEMENT))
    ).all()
    for row in rows:
        since = _key_date(row.rule_key, row.created_at)
        if row.last_visit is not None and since is not None and row.last_visit.date() > since:
            reason = f"client seen on {row.last_visit:%Y-%m-%d}"
            _close(session, result, row, RE_ENGAGEMENT, "done", reason)


# --- treatment-plan review --------------------------------------------------------------------


def _plan_review_rows(conn: Connection | Session, conditions: Iterable[Any]) -> list[Any]:
    """Per client: primary clinician, intake date, the last plan review (when a done
    plan_review task was completed; its due moment if it has no completion) and whether one
    is open."""
    reviews = and_(Task.client_id == Client.client_id, Task.kind == PLAN_REVIEW)
    last_review = (
        select(func.max(func.coalesce(Task.completed_at, Task.due_at)))
        .where(reviews, Task.status == "done")
        .scalar_subquery()
    )
    has_open = exists().where(reviews, Task.status == "open")
    stmt = select(
        Client.client_id,
        Client.primary_clinician_id,
        Client.intake_date,
        last_review.label("last_review"),
        has_open.label("has_open"),
    ).where(*conditions)
    return list(conn.execute(stmt.order_by(Client.client_id)).all())


def plan_review_due(intake: dt.date, last_review: dt.datetime | None) -> dt.date:
    """The date a treatment-plan review is due: 90 days after the last one, or after intake."""
    base = last_review.date() if last_review is not None else intake
    return base + dt.timedelta(days=PLAN_REVIEW_DAYS)


def plan_review_due_dates(
    conn: Connection, clinician_id: str, as_of_date: dt.date
) -> dict[str, dt.date]:
    """For each active client on ``clinician_id``'s caseload: when the next plan review is due."""
    rows = _plan_review_rows(
        conn, [active_client_condition(as_of_date), Client.primary_clinician_id == clinician_id]
    )
    return {row.client_id: plan_review_due(row.intake_date, row.last_review) for row in rows}


def _generate_plan_reviews(session: Session, result: GenerateResult) -> None:
    as_of_date = as_of_period(result.as_of).as_of_date
    horizon = as_of_date + dt.timedelta(days=PLAN_REVIEW_LEAD_DAYS)
    active = _active_clinicians(session)
    for row in _plan_review_rows(session, [active_client_condition(as_of_date)]):
        due = plan_review_due(row.intake_date, row.last_review)
        if row.has_open or due > horizon:
            continue
        last = (
            f"last review {row.last_review:%Y-%m-%d}"
            if row.last_review is not None
            else f"intake {row.intake_date:%Y-%m-%d}"
        )
        # A review whose key a cancelled task holds is still owed: it falls due today.
        for due_date in dict.fromkeys([due, max(due, as_of_date)]):
            key = f"{PLAN_REVIEW}:{row.client_id}:{due_date.isoformat()}"
            before = result.created[PLAN_REVIEW]
            _add_rule_task(
                session,
                result,
                kind=PLAN_REVIEW,
                rule_key=key,
                client_id=row.client_id,
                assignee=row.primary_clinician_id if row.primary_clinician_id in active else None,
                due_at=end_of_day(due_date),
                due_date_only=True,
                note=f"Treatment-plan review with the client ({last}).",
            )
            if result.created[PLAN_REVIEW] > before:
                break


# --- discharge --------------------------------------------------------------------------------


def _close_discharged(session: Session, result: GenerateResult) -> None:
    as_of_date = as_of_period(result.as_of).as_of_date
    rows = session.execute(
        select(Task.task_id, Task.version, Task.client_id, Task.kind, Client.discharge_date)
        .join(Client, Client.client_id == Task.client_id)
        .where(
            Task.status == "open",
            Task.rule_key.is_not(None),
            Client.discharge_date <= as_of_date,
        )
    ).all()
    for row in rows:
        reason = f"client discharged on {row.discharge_date:%Y-%m-%d}"
        _close(session, result, row, row.kind, "cancelled", reason)


# --- the run ----------------------------------------------------------------------------------


def generate(session: Session, now: dt.datetime, rules: Rules) -> GenerateResult:
    """Close the generated tasks whose condition is met, then create what the rules call for,
    in the caller's transaction (module docstring). Idempotent: a rerun changes nothing."""
    result = GenerateResult(now)
    _close_discharged(session, result)
    _close_outreach(session, result)
    _close_alliance_checks(session, result)
    _close_post_discharge(session, result)
    _close_re_engagement(session, result)
    _generate_outreach(session, result, rules)
    _generate_re_engagement(session, result, rules)
    _generate_alliance_checks(session, result)
    _generate_post_discharge(session, result)
    _generate_plan_reviews(session, result)
    if result.changes:
        bump_data_version(session)
    return result


def run(db: Database, now: dt.datetime, rules: Rules, actor: Actor, target: str) -> GenerateResult:
    """One run in one transaction, with its audit row."""
    with db.write() as session:
        result = generate(session, now, rules)
        record_in(
            session,
            audit_values(
                actor,
                "write",
                target,
                "ok",
                now,
                client_ids=sorted(result.client_ids),
                row_count=result.changes,
                detail=result.summary(),
            ),
        )
    return result


__all__ = [
    "GenerateResult",
    "PLAN_REVIEW_DAYS",
    "PLAN_REVIEW_LEAD_DAYS",
    "as_of_period",
    "generate",
    "plan_review_due",
    "plan_review_due_dates",
    "run",
]
