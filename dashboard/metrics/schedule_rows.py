"""The front desk's schedule: appointment rows, timeline shading and open-slot summaries.

Nothing clinical is read here: client display names, times, clinician, service, modality,
location and status. Open slots and third next available come from ``availability`` (one
definition, metrics.md); this module only names and groups them for the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, select

from dashboard.metrics.availability import (
    GROUP_STRIDE,
    LONGEST_APPOINTMENT,
    available_intervals,
    interval_columns,
    merge_intervals,
    open_slots,
    overlapping,
    third_next_available,
)
from dashboard.metrics.common import (
    ONE_DAY,
    Filters,
    Rules,
    all_of,
    appointment_conditions,
    days,
    effective_status,
    is_held,
)
from dashboard.metrics.sqlfn import EPOCH, epoch_day, epoch_second
from db.models import Appointment, Client, Clinician, TimeOff
from db.vocab import APPOINTMENT_STATUSES, HELD_STATUSES

APPOINTMENT_COLUMNS = [
    "appointment_id",
    "client_id",
    "client",
    "clinician_id",
    "clinician",
    "start_at",
    "end_at",
    "duration_min",
    "service",
    "modality",
    "location",
    "status",
    "version",
]
SHADING_COLUMNS = ["clinician_id", "kind", "start_at", "end_at"]
DAY_TOTAL_COLUMNS = ["clinician_id", "day", "available_min", "booked_min", *APPOINTMENT_STATUSES]
SLOT_COLUMNS = [
    "clinician_id",
    "clinician",
    "program",
    "accepting_new",
    "location",
    "start_at",
    "end_at",
    "freed_by_cancellation",
]
NEXT_COLUMNS = ["clinician_id", "clinician", "program", "next_available", "third_next_days"]
PROGRAM_NEXT_COLUMNS = ["program", "clinicians", "next_available", "third_next_days"]
# The part of each day the timeline shows unless appointments fall outside it.
DAY_HOURS = (7, 20)
MAX_ROWS = 5000


def appointment_rows(
    conn: Connection,
    start: dt.datetime,
    end: dt.datetime,
    filters: Filters,
    rules: Rules,
    statuses: Collection[str] | None = None,
) -> pd.DataFrame:
    """Appointments starting in [start, end) that pass the filters (filter table,
    "appointments"), with the effective status (late client cancellations as late_cancel),
    optionally only those statuses; by start, clinician name, id."""
    status = effective_status(rules).label("status")
    stmt = (
        select(
            Appointment.appointment_id,
            Appointment.client_id,
            Client.display_name.label("client"),
            Appointment.clinician_id,
            Clinician.name.label("clinician"),
            Appointment.start_at,
            Appointment.end_at,
            Appointment.duration_min,
            Appointment.service,
            Appointment.modality,
            Appointment.location,
            status,
            Appointment.version,
        )
        .join(Client, Client.client_id == Appointment.client_id)
        .join(Clinician, Clinician.clinician_id == Appointment.clinician_id)
        .where(
            Appointment.start_at >= start,
            Appointment.start_at < end,
            all_of(appointment_conditions(filters)),
        )
        .order_by(Appointment.start_at, Clinician.name, Appointment.appointment_id)
        .limit(MAX_ROWS)
    )
    if statuses:
        stmt = stmt.where(effective_status(rules).in_(list(statuses)))
    return pd.DataFrame(conn.execute(stmt).all(), columns=APPOINTMENT_COLUMNS)


def day_totals(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    filters: Filters,
    rules: Rules,
    statuses: Collection[str] | None = None,
) -> pd.DataFrame:
    """Per clinician and date from start to end, what the week's overview shows: appointments
    that pass the filters (optionally only those statuses) counted by effective status, their
    held minutes (``booked_min``) and the clinician's available minutes (``available_min``,
    filter table "availability and slots"). Counted in SQL, so exact however many
    appointments the week has (the list stops at MAX_ROWS)."""
    day = epoch_day(Appointment.start_at).label("day")
    status = effective_status(rules).label("status")
    stmt = (
        select(
            Appointment.clinician_id,
            day,
            status,
            func.count().label("appointments"),
            func.sum(Appointment.duration_min).label("minutes"),
        )
        .where(
            Appointment.start_at >= dt.datetime.combine(start, dt.time()),
            Appointment.start_at < dt.datetime.combine(end + ONE_DAY, dt.time()),
            all_of(appointment_conditions(filters)),
        )
        .group_by(Appointment.clinician_id, day, status)
    )
    if statuses:
        stmt = stmt.where(effective_status(rules).in_(list(statuses)))
    counted = pd.DataFrame(
        conn.execute(stmt).all(),
        columns=["clinician_id", "day", "status", "appointments", "minutes"],
    )
    counted["day"] = [EPOCH + dt.timedelta(days=int(n)) for n in counted["day"]]
    keys = ["clinician_id", "day"]
    by_status = (
        counted.groupby([*keys, "status"])["appointments"]
        .sum()
        .unstack("status")
        .reindex(columns=list(APPOINTMENT_STATUSES))
    )
    held = counted[counted["status"].isin(HELD_STATUSES)]
    booked = held.groupby(keys)["minutes"].sum().rename("booked_min")
    available = _available_minutes(conn, start, end, filters)
    totals = pd.concat([available, booked, by_status], axis=1).fillna(0)
    totals = totals.rename_axis(keys).reset_index()[DAY_TOTAL_COLUMNS]
    return totals.astype({column: "int64" for column in DAY_TOTAL_COLUMNS[2:]})


def _available_minutes(
    conn: Connection, start: dt.date, end: dt.date, filters: Filters
) -> pd.Series:
    """Available minutes per clinician and day (availability blocks never cross midnight)."""
    intervals = available_intervals(conn, start, end, filters)
    minutes = (intervals["end_at"] - intervals["start_at"]).dt.total_seconds() // 60
    days_of = intervals["start_at"].dt.date.rename("day")
    return minutes.groupby([intervals["clinician_id"], days_of]).sum().rename("available_min")


def clinician_names(conn: Connection, clinician_ids: Collection[str]) -> dict[str, str]:
    if not clinician_ids:
        return {}
    rows = conn.execute(
        select(Clinician.clinician_id, Clinician.name).where(
            Clinician.clinician_id.in_(list(clinician_ids))
        )
    )
    return {row.clinician_id: row.name for row in rows}


def timeline_clinicians(
    conn: Connection, start: dt.date, end: dt.date, filters: Filters, appointments: pd.DataFrame
) -> list[tuple[str, str]]:
    """The rows of the timeline, as (id, name) by name: clinicians with available time on the
    dates (filter table, "availability and slots") and clinicians of the appointments shown."""
    available = available_intervals(conn, start, end, filters)
    ids = set(available["clinician_id"]) | set(appointments["clinician_id"])
    names = clinician_names(conn, ids)
    return sorted(((cid, names.get(cid, cid)) for cid in ids), key=lambda row: (row[1], row[0]))


def _subtract(
    window: tuple[dt.datetime, dt.datetime], cuts: Sequence[tuple[dt.datetime, dt.datetime]]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The parts of a window that no cut covers."""
    pieces, cursor = [], window[0]
    for cut_start, cut_end in sorted(cuts):
        if cut_end <= cursor or cut_start >= window[1]:
            continue
        if cut_start > cursor:
            pieces.append((cursor, cut_start))
        cursor = max(cursor, cut_end)
    if cursor < window[1]:
        pieces.append((cursor, window[1]))
    return pieces


def day_hours(appointments: pd.DataFrame) -> tuple[int, int]:
    """The hours the timeline shows each day: DAY_HOURS, widened to the appointments'."""
    first, last = DAY_HOURS
    if not appointments.empty:
        starts = pd.to_datetime(appointments["start_at"])
        ends = pd.to_datetime(appointments["end_at"])
        first = min(first, int(starts.dt.hour.min()))
        # An appointment ending exactly on the hour needs nothing past it.
        end_hours = ends.dt.hour + (ends.dt.minute > 0).astype(int)
        last = max(last, int(end_hours.max()) if ends.dt.date.eq(starts.dt.date).all() else 24)
    return first, min(last, 24)


def timeline_shading(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    filters: Filters,
    clinician_ids: Sequence[str],
    hours: tuple[int, int] = DAY_HOURS,
) -> pd.DataFrame:
    """What the timeline shades for each clinician and date within the shown hours:
    ``time_off`` (their time off) and ``unavailable`` (outside available time, time off
    aside). Available time follows the filters like ``available_intervals``."""
    if not clinician_ids:
        return pd.DataFrame(columns=SHADING_COLUMNS)
    available = available_intervals(conn, start, end, filters)
    window_start = dt.datetime.combine(start, dt.time())
    window_end = dt.datetime.combine(end + ONE_DAY, dt.time())
    time_off = conn.execute(
        select(TimeOff.clinician_id, TimeOff.start_at, TimeOff.end_at).where(
            TimeOff.clinician_id.in_(list(clinician_ids)),
            TimeOff.start_at < window_end,
            TimeOff.end_at > window_start,
        )
    ).all()
    free: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for row in available.itertuples():
        free.setdefault(row.clinician_id, []).append(
            (row.start_at.to_pydatetime(), row.end_at.to_pydatetime())
        )
    away: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for row in time_off:
        away.setdefault(row.clinician_id, []).append((row.start_at, row.end_at))
    rows: list[tuple[str, str, dt.datetime, dt.datetime]] = []
    day = start
    while day <= end:
        shown = (
            dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours[0]),
            dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hours[1]),
        )
        for clinician_id in clinician_ids:
            off = [
                (max(a, shown[0]), min(b, shown[1]))
                for a, b in away.get(clinician_id, [])
                if a < shown[1] and b > shown[0]
            ]
            rows.extend((clinician_id, "time_off", a, b) for a, b in off)
            for a, b in _subtract(shown, free.get(clinician_id, []) + off):
                rows.append((clinician_id, "unavailable", a, b))
        day += ONE_DAY
    return pd.DataFrame(rows, columns=SHADING_COLUMNS)


# --- open slots ----------------------------------------------------------------------------------


def _active_clinicians(conn: Connection, filters: Filters) -> pd.DataFrame:
    stmt = select(
        Clinician.clinician_id,
        Clinician.name.label("clinician"),
        Clinician.program,
        Clinician.accepting_new,
    ).where(Clinician.active.is_(True))
    if filters.clinician:
        stmt = stmt.where(Clinician.clinician_id == filters.clinician)
    if filters.program:
        stmt = stmt.where(Clinician.program == filters.program)
    return pd.DataFrame(
        conn.execute(stmt).all(), columns=["clinician_id", "clinician", "program", "accepting_new"]
    )


def _freed(
    conn: Connection, slots: pd.DataFrame, start: dt.datetime, end: dt.datetime, rules: Rules
) -> np.ndarray:
    """Which slots overlap an appointment cancelled in time (not held): time a cancellation
    gave back, the first to fill from the waitlist."""
    # Bounded below on the indexed start (as availability's held appointments are), so only
    # the window is read, not each clinician's whole history.
    cancelled = conn.execute(
        select(
            Appointment.clinician_id,
            epoch_second(Appointment.start_at),
            epoch_second(Appointment.end_at),
        ).where(
            Appointment.clinician_id.in_(list(pd.unique(slots["clinician_id"]))),
            Appointment.start_at >= start - LONGEST_APPOINTMENT,
            Appointment.start_at < end,
            Appointment.end_at > start,
            ~is_held(rules),
        )
    ).all()
    if not cancelled:
        return np.zeros(len(slots), dtype=bool)
    clinicians = pd.Index(pd.unique(slots["clinician_id"]))
    ids, starts, ends = interval_columns(cancelled)
    offset = clinicians.get_indexer(pd.Index(ids)).astype(np.int64) * GROUP_STRIDE
    union = merge_intervals(starts + offset, ends + offset)
    codes = clinicians.get_indexer(slots["clinician_id"]).astype(np.int64) * GROUP_STRIDE
    slot_starts = slots["start_at"].to_numpy().astype("datetime64[s]").astype(np.int64) + codes
    slot_ends = slots["end_at"].to_numpy().astype("datetime64[s]").astype(np.int64) + codes
    return overlapping(union, slot_starts, slot_ends)


def open_slot_rows(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    rules: Rules,
) -> pd.DataFrame:
    """Each active clinician's open slots on the dates (``availability.open_slots``), with
    the clinician's name, program, whether they accept new clients, and whether a
    cancellation freed the slot; by start, then clinician name."""
    clinicians = _active_clinicians(conn, filters)
    if clinicians.empty:
        return pd.DataFrame(columns=SLOT_COLUMNS)
    slots = open_slots(
        conn, start, end, as_of, filters, rules, clinician_ids=list(clinicians["clinician_id"])
    )
    if slots.empty:
        return pd.DataFrame(columns=SLOT_COLUMNS)
    slots = slots.merge(clinicians, on="clinician_id", how="left")
    slots["freed_by_cancellation"] = _freed(
        conn,
        slots,
        dt.datetime.combine(start, dt.time()),
        dt.datetime.combine(end + ONE_DAY, dt.time()),
        rules,
    )
    slots = slots.sort_values(["start_at", "clinician", "location"], kind="stable")
    return slots[SLOT_COLUMNS].reset_index(drop=True)


def next_available(
    conn: Connection, as_of: dt.datetime, filters: Filters, rules: Rules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Next available and third next available (``availability.third_next_available``) per
    active clinician accepting new clients, and per program: the earliest next available and
    the median third next available over its clinicians that have one (metrics.md)."""
    per = third_next_available(conn, as_of, filters, rules)
    clinicians = _active_clinicians(conn, filters)
    per = per.merge(clinicians, on="clinician_id", how="left")
    per = per.rename(columns={"third_next_available_days": "third_next_days"})
    per = per.sort_values(["clinician", "clinician_id"], kind="stable").reset_index(drop=True)
    programs = []
    for program, group in per.groupby("program", sort=True):
        known = group["third_next_days"].dropna()
        programs.append(
            (
                program,
                len(group),
                group["next_available"].min(),
                days(float(np.median(known))) if len(known) else None,
            )
        )
    return per[NEXT_COLUMNS], pd.DataFrame(programs, columns=PROGRAM_NEXT_COLUMNS)


def is_rebooked(
    conn: Connection, clinician_id: str, start: dt.datetime, end: dt.datetime, rules: Rules
) -> bool:
    """Whether the clinician has an appointment still on the books (held, late cancels
    aside) overlapping [start, end)."""
    booked = tuple(s for s in HELD_STATUSES if s != "late_cancel")
    stmt = select(Appointment.appointment_id).where(
        and_(
            Appointment.clinician_id == clinician_id,
            Appointment.start_at < end,
            Appointment.end_at > start,
            effective_status(rules).in_(booked),
        )
    )
    return conn.execute(stmt.limit(1)).first() is not None


def appointment_brief(conn: Connection, appointment_id: str) -> dict | None:
    """One appointment as the front desk acts on it: the stored status (not the effective
    one: the status rules apply to what is stored), times, names and version."""
    row = conn.execute(
        select(
            Appointment.appointment_id,
            Appointment.client_id,
            Client.display_name.label("client"),
            Clinician.name.label("clinician"),
            Appointment.start_at,
            Appointment.end_at,
            Appointment.status,
            Appointment.version,
        )
        .join(Client, Client.client_id == Appointment.client_id)
        .join(Clinician, Clinician.clinician_id == Appointment.clinician_id)
        .where(Appointment.appointment_id == appointment_id)
    ).one_or_none()
    return row._asdict() if row is not None else None


__all__ = [
    "APPOINTMENT_COLUMNS",
    "appointment_brief",
    "appointment_rows",
    "day_hours",
    "day_totals",
    "is_rebooked",
    "next_available",
    "open_slot_rows",
    "timeline_clinicians",
    "timeline_shading",
]
