"""Utilization (metrics.md): booked and kept hours against available time in the period.

Appointment hours are summed in SQL; available time comes from the clinicians' templates
(``availability.available_intervals``), which is small. Appointments outside available time
still count as booked, so utilization can exceed 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from dashboard.metrics.attendance import PRACTICE, appointment_sums, check_dimension, frame
from dashboard.metrics.availability import available_intervals, dimension_values
from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    appointment_conditions,
    hours,
    in_period,
    is_held,
    is_kept,
    rate,
    ratio,
)
from db.models import Appointment, Clinician

KEYS: tuple[str, ...] = (
    "available_hours",
    "booked_hours",
    "kept_hours",
    "booked_utilization",
    "kept_utilization",
    "sessions_per_week",
)
ZERO_KEYS: frozenset[str] = frozenset({"available_hours", "booked_hours", "kept_hours"})
DIMENSIONS = ("clinician", "program", "location", "modality")
NO_APPOINTMENTS = {"booked_minutes": 0, "kept_minutes": 0, "kept_sessions": 0}
NO_AVAILABILITY = {"available_seconds": 0, "past_available_seconds": 0}


def _appointment_totals(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, int]]:
    """Minutes booked (held), minutes kept and kept sessions (past, kept) in the period."""
    past_kept = and_(is_kept(), Appointment.start_at < period.as_of)
    sums = {
        "booked_minutes": func.sum(case((is_held(rules), Appointment.duration_min), else_=0)),
        "kept_minutes": func.sum(case((past_kept, Appointment.duration_min), else_=0)),
        "kept_sessions": func.sum(case((past_kept, 1), else_=0)),
    }
    conditions = [in_period(period), *appointment_conditions(filters)]
    return appointment_sums(conn, sums, conditions, by)


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


def _available_totals(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, int]]:
    """Available seconds in the period, and those before as-of, per group."""
    intervals = available_intervals(conn, period.start, period.end, filters)
    starts = intervals["start_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    ends = intervals["end_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    past_end = np.datetime64(period.past_end, "s").astype(np.int64)
    totals = pd.DataFrame(
        {
            "group": _availability_group(conn, intervals, by),
            "available_seconds": ends - starts,
            # An as-of inside a block cuts it: only the part before as-of is past.
            "past_available_seconds": np.clip(np.minimum(ends, past_end) - starts, 0, None),
        }
    )
    summed = totals.dropna(subset=["group"]).groupby("group").sum()
    return {group: {k: int(v) for k, v in row.items()} for group, row in summed.iterrows()}


def _utilization(
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
        group: _utilization(
            appointments.get(group, NO_APPOINTMENTS),
            available.get(group, NO_AVAILABILITY),
            period,
        )
        for group in groups
    }
    return frame(rows, KEYS, (), by)  # hours are floats


__all__ = ["DIMENSIONS", "KEYS", "ZERO_KEYS", "compute"]
