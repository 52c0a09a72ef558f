"""Reads behind the access page: the waitlist day by day, how long open entries have waited,
the entries over target, third next available week by week, and visit volume by weekday and
hour (with the clinicians booked and open at one time of the week).

Waitlist entries follow the waitlist's filters (program only; nothing under a clinician filter,
as ``waitlist_open`` is null there). Everything here reproduces a key of metrics.md for one
day, week or group: the last day of ``waitlist_daily`` is ``waitlist_open`` and
``waitlist_over_target``; ``third_next_available_weekly`` is ``third_next_available_days`` per
clinician as of each week's end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from dashboard.metrics.availability import open_slots, third_next_available_at
from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    appointment_conditions,
    days,
    in_period,
    is_held,
    open_entry_condition,
    waitlist_conditions,
)
from dashboard.metrics.director import clinician_profiles
from dashboard.metrics.sqlfn import MONDAY_OFFSET, epoch_day, epoch_minute
from dashboard.metrics.trends import week_periods
from db.models import Appointment, Clinician, WaitlistEntry

OVER_TARGET_COLUMNS = [
    "entry_id",
    "client_id",
    "program",
    "priority",
    "referred_at",
    "days_waiting",
    "target_days",
    "preferred_modality",
    "language",
]
DAILY_COLUMNS = ["date", "waitlist_open", "waitlist_over_target"]
WAIT_COLUMNS = ["priority", "days_waiting", "entries"]
VOLUME_COLUMNS = ["weekday", "hour", "appointments"]
TIME_OF_WEEK_COLUMNS = ["clinician_id", "booked", "open_slots"]
HELD_COLUMNS = ["clinician_id", "weekday", "hour", "appointments"]
WEEK_MINUTES = 7 * 1440
TNA_COLUMNS = ["week", "clinician_id", "program", "third_next_available_days"]
# Open slots at a time of the week are counted this many days ahead of as-of.
OPEN_SLOT_DAYS = 28


NEVER = np.iinfo(np.int64).max // 2  # a resolution date that never comes


def _target(rules: Rules, priority: str) -> float:
    return rules.waitlist_target_days.get(priority, np.inf)


# --- the waitlist ---------------------------------------------------------------------------------


def waitlist_daily(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """For each date of the period up to the as-of date: entries open at its end and those of
    them waiting longer than their priority's target. Empty under a clinician filter."""
    last = min(period.end, period.as_of_date)
    if filters.clinician or last < period.start:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    stmt = (
        select(
            WaitlistEntry.priority,
            WaitlistEntry.referred_at,
            WaitlistEntry.resolved_at,
            func.count().label("entries"),
        )
        .where(
            WaitlistEntry.referred_at <= last,
            or_(WaitlistEntry.resolved_at.is_(None), WaitlistEntry.resolved_at > period.start),
            *waitlist_conditions(filters),
        )
        .group_by(WaitlistEntry.priority, WaitlistEntry.referred_at, WaitlistEntry.resolved_at)
    )
    groups = conn.execute(stmt).all()
    dates = [period.start + dt.timedelta(days=n) for n in range((last - period.start).days + 1)]
    first = period.start.toordinal()
    entries = np.array([int(row.entries) for row in groups], dtype=np.int64)
    referred = np.array([row.referred_at.toordinal() for row in groups], dtype=np.int64)
    resolved = np.array(
        [row.resolved_at.toordinal() if row.resolved_at else NEVER for row in groups],
        dtype=np.int64,
    )
    targets = np.array([_target(rules, row.priority) for row in groups], dtype=float)
    # Each group is open on the days [referred, resolved) and over its target on the days
    # [referred + target + 1, resolved): counted with a difference array over the dates.
    over_from = np.where(np.isinf(targets), NEVER, referred + np.nan_to_num(targets) + 1)
    return pd.DataFrame(
        {
            "date": dates,
            "waitlist_open": _daily_counts(referred, resolved, entries, first, len(dates)),
            "waitlist_over_target": _daily_counts(
                over_from.astype(np.int64), resolved, entries, first, len(dates)
            ),
        },
        columns=DAILY_COLUMNS,
    )


def _daily_counts(
    starts: np.ndarray, ends: np.ndarray, weights: np.ndarray, first: int, days_: int
) -> np.ndarray:
    """How much weight lies on each of ``days_`` days from ordinal ``first``, each weight on
    the days [start, end)."""
    changes = np.zeros(days_ + 1, dtype=np.int64)
    valid = starts < ends
    np.add.at(changes, np.clip(starts[valid] - first, 0, days_), weights[valid])
    np.add.at(changes, np.clip(ends[valid] - first, 0, days_), -weights[valid])
    return np.cumsum(changes)[:days_]


def open_waits(conn: Connection, period: Period, filters: Filters, rules: Rules) -> pd.DataFrame:
    """Open entries as of the as-of date counted by priority and whole days waited (the
    histogram behind ``waitlist_median_days``). Empty under a clinician filter."""
    if filters.clinician:
        return pd.DataFrame(columns=WAIT_COLUMNS)
    as_of_date = period.as_of_date
    stmt = (
        select(WaitlistEntry.priority, WaitlistEntry.referred_at, func.count().label("entries"))
        .where(open_entry_condition(as_of_date), *waitlist_conditions(filters))
        .group_by(WaitlistEntry.priority, WaitlistEntry.referred_at)
    )
    rows = [
        (row.priority, (as_of_date - row.referred_at).days, int(row.entries))
        for row in conn.execute(stmt)
    ]
    frame = pd.DataFrame(rows, columns=WAIT_COLUMNS)
    summed = frame.groupby(["priority", "days_waiting"], as_index=False)["entries"].sum()
    return summed.sort_values(["priority", "days_waiting"], ignore_index=True)


def over_target_entries(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """The open entries waiting longer than their priority's target as of the as-of date
    (``waitlist_over_target``), longest wait first. Empty under a clinician filter."""
    if filters.clinician:
        return pd.DataFrame(columns=OVER_TARGET_COLUMNS)
    as_of_date = period.as_of_date
    conditions = []
    for priority, target in rules.waitlist_target_days.items():
        latest_referral = as_of_date - dt.timedelta(days=target + 1)
        conditions.append(
            and_(WaitlistEntry.priority == priority, WaitlistEntry.referred_at <= latest_referral)
        )
    stmt = (
        select(
            WaitlistEntry.entry_id,
            WaitlistEntry.client_id,
            WaitlistEntry.program,
            WaitlistEntry.priority,
            WaitlistEntry.referred_at,
            WaitlistEntry.preferred_modality,
            WaitlistEntry.language,
        )
        .where(open_entry_condition(as_of_date), or_(*conditions), *waitlist_conditions(filters))
        .order_by(WaitlistEntry.referred_at, WaitlistEntry.entry_id)
    )
    records = [
        {
            **row._asdict(),
            "days_waiting": (as_of_date - row.referred_at).days,
            "target_days": rules.waitlist_target_days[row.priority],
        }
        for row in conn.execute(stmt)
    ]
    return pd.DataFrame.from_records(records, columns=OVER_TARGET_COLUMNS)


# --- third next available ------------------------------------------------------------------------


def third_next_available_weekly(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """``third_next_available_days`` of each clinician counted, as of the end of each week of
    the period (the period's as-of for the current week): week (Monday), clinician_id,
    program, days (null: no third slot within the horizon)."""
    programs = clinician_profiles(conn, filters).set_index("clinician_id")["program"].to_dict()
    weeks = week_periods(period)
    if not weeks:
        return pd.DataFrame(columns=TNA_COLUMNS)
    found = third_next_available_at(conn, [week.as_of for _, week in weeks], filters, rules)
    frames = [
        each.assign(week=monday, program=each["clinician_id"].map(programs))[TNA_COLUMNS]
        for (monday, _), each in zip(weeks, found, strict=True)
    ]
    return pd.concat(frames, ignore_index=True)


def median_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The practice's rule for a group's third next available: the median over the clinicians
    that have a value, per week and ``column`` value."""
    known = frame.dropna(subset=["third_next_available_days"])
    grouped = known.groupby(["week", column], as_index=False)["third_next_available_days"]
    result = grouped.median()
    result["third_next_available_days"] = result["third_next_available_days"].map(days)
    return result


# --- visit volume by time of the week ------------------------------------------------------------


def _weekday() -> Any:
    return (epoch_day(Appointment.start_at) + MONDAY_OFFSET) % 7


def _hour() -> Any:
    return (epoch_minute(Appointment.start_at) % 1440) // 60


def held_by_time_of_week(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """Held appointments in the period (booked, attended or missed: the slot was used) counted
    by clinician, weekday of the start (Monday = 0) and hour of the start: what both
    ``visit_volume`` and ``time_of_week_by_clinician`` sum, read once.

    Grouped in SQL by the hour of the epoch's week (one date function per row); naming every
    clinician lets SQLite walk the covering index of migration 0005 clinician by clinician
    instead of visiting each table row."""
    hour_of_week = (epoch_minute(Appointment.start_at) % WEEK_MINUTES) // 60
    every_clinician = select(Clinician.clinician_id).scalar_subquery()
    stmt = (
        select(Appointment.clinician_id, hour_of_week, func.count())
        .where(
            *_held_in_period(period, filters, rules),
            Appointment.clinician_id.in_(every_clinician),
        )
        .group_by(Appointment.clinician_id, hour_of_week)
    )
    rows = conn.execute(stmt).all()
    hours = np.array([int(row[1]) for row in rows], dtype=np.int64)
    # Epoch minute 0 was a Thursday 00:00: three days after a Monday.
    return pd.DataFrame(
        {
            "clinician_id": np.array([row[0] for row in rows], dtype=object),
            "weekday": (hours // 24 + MONDAY_OFFSET) % 7,
            "hour": hours % 24,
            "appointments": np.array([int(row[2]) for row in rows], dtype=np.int64),
        },
        columns=HELD_COLUMNS,
    )


def _held_in_period(period: Period, filters: Filters, rules: Rules) -> list[ColumnElement[bool]]:
    return [in_period(period), is_held(rules), *appointment_conditions(filters)]


def visit_volume(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    held: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Held appointments in the period (booked, attended or missed: the slot was used) by
    weekday of the start (Monday = 0) and hour of the start. ``held``: the counts of
    ``held_by_time_of_week`` when already read."""
    if held is None:
        held = held_by_time_of_week(conn, period, filters, rules)
    summed = held.groupby(["weekday", "hour"], as_index=False)["appointments"].sum()
    summed = summed.sort_values(["weekday", "hour"], ignore_index=True)
    return summed[VOLUME_COLUMNS].astype("int64")


def active_open_slots(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """The open slots (``open_slots``) of the active clinicians passing the filters in the
    28 days from the period's as-of date."""
    profiles = clinician_profiles(conn, filters)
    active = list(profiles.loc[profiles["active"].astype(bool), "clinician_id"])
    first = period.as_of_date
    return open_slots(
        conn,
        first,
        first + dt.timedelta(days=OPEN_SLOT_DAYS - 1),
        period.as_of,
        filters,
        rules,
        clinician_ids=active,
    )


def time_of_week_by_clinician(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weekday: int | None = None,
    hour: int | None = None,
    held: pd.DataFrame | None = None,
    slots: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per clinician counted: held appointments in the period and open slots (``open_slots``,
    active clinicians) in the 28 days from the as-of date, both at one weekday and start hour
    when given. Clinicians with neither are left out. ``held``: as for ``visit_volume``;
    ``slots``: ``active_open_slots`` when already read."""
    if held is None:
        held = held_by_time_of_week(conn, period, filters, rules)
    at_time = np.ones(len(held), dtype=bool)
    if weekday is not None:
        at_time &= (held["weekday"] == weekday).to_numpy()
    if hour is not None:
        at_time &= (held["hour"] == hour).to_numpy()
    booked = held[at_time].groupby("clinician_id")["appointments"].sum().to_dict()
    profiles = clinician_profiles(conn, filters)
    if slots is None:
        slots = active_open_slots(conn, period, filters, rules)
    starts = slots["start_at"]
    keep = np.ones(len(slots), dtype=bool)
    if weekday is not None:
        keep &= (starts.dt.day_of_week == weekday).to_numpy()
    if hour is not None:
        keep &= (starts.dt.hour == hour).to_numpy()
    open_counts = slots[keep].groupby("clinician_id").size().to_dict()
    allowed = set(profiles["clinician_id"])
    rows = [
        (clinician_id, int(booked.get(clinician_id, 0)), int(open_counts.get(clinician_id, 0)))
        for clinician_id in sorted((set(booked) | set(open_counts)) & allowed)
    ]
    return pd.DataFrame(rows, columns=TIME_OF_WEEK_COLUMNS)


__all__ = [
    "OPEN_SLOT_DAYS",
    "held_by_time_of_week",
    "median_by",
    "open_waits",
    "over_target_entries",
    "third_next_available_weekly",
    "time_of_week_by_clinician",
    "visit_volume",
    "waitlist_daily",
]
