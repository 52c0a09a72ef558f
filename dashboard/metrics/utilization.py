"""Utilization (metrics.md): booked and kept hours against available time in the period.

Appointment hours are summed in SQL; available time comes from the clinicians' templates
(``availability.available_intervals``), which is small. Appointments outside available time
still count as booked, so utilization can exceed 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from dashboard.metrics.appointment_days import status_day_sums, status_group_sums
from dashboard.metrics.availability import available_intervals
from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    hours,
    rate,
    ratio,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    DaySums,
    check_dimension,
    day_number,
    dimension_values,
    frame,
    span_of,
)
from db.models import Clinician

KEYS: tuple[str, ...] = (
    "available_hours",
    "booked_hours",
    "kept_hours",
    "booked_utilization",
    "kept_utilization",
    "sessions_per_week",
)
ZERO_KEYS: frozenset[str] = frozenset({"available_hours", "booked_hours", "kept_hours"})
NO_APPOINTMENTS = {"booked_minutes": 0, "kept_minutes": 0, "kept_sessions": 0}
NO_AVAILABILITY = {"available_seconds": 0, "past_available_seconds": 0}


def practice_values(
    conn: Connection,
    periods: Sequence[Period],
    filters: Filters,
    rules: Rules,
    by_day: DaySums | None = None,
    *,
    intervals: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """The practice's keys for each period (its own as-of), from one read of the appointments
    by day over all of them and one of the available time (``intervals``: read already, over
    the periods' span): the same totals as ``compute``."""
    if not periods:
        return []
    if by_day is None:  # else read with the other appointment sums (trends)
        by_day = status_day_sums(conn, periods, filters, rules)
    if intervals is None:
        span = span_of(periods)
        intervals = available_intervals(conn, span.start, span.end, filters)
    # Each interval lies on one date: its epoch day.
    dates = intervals["start_at"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    values = []
    for period in periods:
        appointments = {
            "booked_minutes": by_day.total("booked_minutes", period, past=False),
            "kept_minutes": by_day.total("kept_minutes", period, past=True),
            "kept_sessions": by_day.total("kept_sessions", period, past=True),
        }
        mine = (dates >= day_number(period.start)) & (dates <= day_number(period.end))
        available, past_available = available_seconds(intervals[mine], period.past_end)
        totals = {
            "available_seconds": int(available.sum()),
            "past_available_seconds": int(past_available.sum()),
        }
        values.append(from_totals(appointments, totals, period))
    return values


def _appointment_totals(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, int]]:
    """Minutes booked (held, the whole period), minutes kept and kept sessions (past) of the
    period's appointments that pass the filters, per group with any appointment."""
    return status_group_sums(conn, period, filters, rules, by)


def _availability_group(conn: Connection, intervals: pd.DataFrame, by: str | None) -> pd.Series:
    """What each interval is grouped by (filter table, "availability and slots" column)."""
    if by == "clinician":
        return intervals["clinician_id"]
    if by == "location":
        return intervals["location"]
    if by == "program":
        programs = dict(conn.execute(select(Clinician.clinician_id, Clinician.program)).all())
        return intervals["clinician_id"].map(programs)
    # The practice, and modality, which does not filter availability.
    return pd.Series(PRACTICE, index=intervals.index, dtype=object)


def available_seconds(
    intervals: pd.DataFrame, past_end: dt.datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Each available interval's seconds, and its seconds before ``past_end`` (an as-of inside
    a block cuts it: only the part before as-of is past)."""
    starts = intervals["start_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    ends = intervals["end_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    past = np.datetime64(past_end, "s").astype(np.int64)
    return ends - starts, np.clip(np.minimum(ends, past) - starts, 0, None)


def _available_totals(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, int]]:
    """Available seconds in the period, and those before as-of, per group."""
    intervals = available_intervals(conn, period.start, period.end, filters)
    available, past_available = available_seconds(intervals, period.past_end)
    totals = pd.DataFrame(
        {
            "group": _availability_group(conn, intervals, by),
            "available_seconds": available,
            "past_available_seconds": past_available,
        }
    )
    summed = totals.dropna(subset=["group"]).groupby("group").sum()
    return {group: {k: int(v) for k, v in row.items()} for group, row in summed.iterrows()}


def from_totals(
    appointments: Mapping[str, int], available: Mapping[str, int], period: Period
) -> dict[str, Any]:
    """All keys of one group from its minute and second totals."""
    available_h = available["available_seconds"] / 3600
    past_available_h = available["past_available_seconds"] / 3600
    booked_h = appointments["booked_minutes"] / 60
    kept_h = appointments["kept_minutes"] / 60
    # D in wall-clock days, like every duration here: a week across a DST change is 7 days.
    elapsed_days = (period.past_end - period.start_at).total_seconds() / 86_400
    weeks = elapsed_days / 7 if elapsed_days > 0 else None
    return {
        "available_hours": hours(available_h),
        "booked_hours": hours(booked_h),
        "kept_hours": hours(kept_h),
        "booked_utilization": rate(ratio(booked_h, available_h)),
        "kept_utilization": rate(ratio(kept_h, past_available_h)),
        "sessions_per_week": rate(ratio(appointments["kept_sessions"], weeks)),
    }


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Utilization keys for the practice (``by=None``) or per value of a dimension.

    By modality, appointment hours are grouped by the appointment's modality and every group
    carries the practice's available time, which modality does not filter."""
    check_dimension(by)
    appointments = _appointment_totals(conn, period, filters, rules, by)
    available = _available_totals(conn, period, filters, by)
    if by is None:
        groups: set[Any] = {PRACTICE}
    elif by == "modality":
        practice = available.get(PRACTICE, NO_AVAILABILITY)
        groups = set(dimension_values(conn, period, filters, by)) | set(appointments)
        available = {group: practice for group in groups}
    else:
        groups = set(appointments) | set(available)
    rows = {
        group: from_totals(
            appointments.get(group, NO_APPOINTMENTS),
            available.get(group, NO_AVAILABILITY),
            period,
        )
        for group in groups
    }
    return frame(rows, KEYS, (), by)  # hours are floats


__all__ = [
    "DIMENSIONS",
    "KEYS",
    "NO_APPOINTMENTS",
    "ZERO_KEYS",
    "available_seconds",
    "compute",
    "from_totals",
    "practice_values",
]
