"""Indicators week by week: each Monday-to-Sunday week of the period (clipped to it) is its own
period, as of the earlier of the period's as-of and the week's end; weeks that start at or
after as-of are left out.

Every area is computed for all weeks at once: appointments grouped by ``epoch_week`` in SQL
and each week's sums turned into keys with the areas' own functions (a week's past
appointments are simply those before the period's as-of, since every appointment of a week
starts before the week's end); snapshot keys (caseload, waitlist, lost to follow-up, open
tasks, third next available) from one read evaluated at each week's as-of. Only the keys asked
for are looked up. Tests check each week against its own ``compute``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, func, select

from dashboard.metrics import (
    attendance,
    caseload,
    continuity,
    engagement,
    tasks,
    utilization,
    waitlist,
)
from dashboard.metrics.availability import available_intervals
from dashboard.metrics.common import (
    ONE_DAY,
    Filters,
    Period,
    Rules,
    appointment_conditions,
    in_period,
)
from dashboard.metrics.grouping import frame
from dashboard.metrics.report import AREA_OF_KEY
from dashboard.metrics.sqlfn import epoch_day, epoch_week, monday_of_week
from db.models import Appointment
from db.timeutil import day_start

DEFAULT_KEYS: tuple[str, ...] = (
    "booked_utilization",
    "kept_utilization",
    "no_show_rate",
    "late_cancel_rate",
    "kept_rate",
    "coc",
    "upc",
    "secon",
    "waitlist_open",
    "third_next_available_days",
)
WEEK = "week"

Weeks = list[tuple[dt.date, Period]]
WeeklyFrame = Callable[[Connection, Period, Filters, Rules, Weeks, Sequence[str]], pd.DataFrame]


def week_periods(period: Period) -> Weeks:
    """(Monday, the week's own period) for each week of the period that starts before as-of."""
    weeks = []
    monday = period.start - dt.timedelta(days=period.start.weekday())
    while monday <= period.end:
        start = max(monday, period.start)
        end = min(monday + dt.timedelta(days=6), period.end)
        if day_start(start) >= period.as_of:
            break
        weeks.append((monday, Period(start, end, min(period.as_of, day_start(end + ONE_DAY)))))
        monday += dt.timedelta(days=7)
    return weeks


def _sums_by_week(
    conn: Connection,
    sums: Mapping[str, ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]],
) -> dict[dt.date, dict[str, int]]:
    """Each named SQL sum over the appointments meeting ``conditions``, by Monday."""
    week = epoch_week(epoch_day(Appointment.start_at))
    columns = [func.coalesce(expr, 0).label(name) for name, expr in sums.items()]
    stmt = select(week.label("week"), *columns).where(*conditions).group_by(week)
    return {
        monday_of_week(row.week): {name: int(row._mapping[name]) for name in sums}
        for row in conn.execute(stmt)
    }


def _attendance_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Attendance keys per week: effective-status counts of past appointments, by week."""
    past = [in_period(period), Appointment.start_at < period.as_of]
    counts = _sums_by_week(
        conn, attendance.status_counts(rules), [*past, *appointment_conditions(filters)]
    )
    nothing = dict.fromkeys(attendance.COUNT_KEYS, 0)
    rows = {monday: attendance.from_counts(counts.get(monday, nothing)) for monday, _ in weeks}
    return frame(rows, attendance.KEYS, attendance.COUNT_KEYS, WEEK)


def _utilization_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Utilization keys per week: appointment minutes by week in SQL, and the period's
    available intervals (each lies on one date) summed by week."""
    minutes = _sums_by_week(
        conn,
        utilization.minute_sums(period, rules),
        [in_period(period), *appointment_conditions(filters)],
    )
    intervals = available_intervals(conn, period.start, period.end, filters)
    interval_mondays = (
        intervals["start_at"].dt.normalize()
        - pd.to_timedelta(intervals["start_at"].dt.day_of_week, unit="D")
    ).dt.date
    rows = {}
    for monday, week_period in weeks:
        mine = (interval_mondays == monday).to_numpy()
        available, past_available = utilization.available_seconds(
            intervals[mine], week_period.past_end
        )
        totals = {
            "available_seconds": int(available.sum()),
            "past_available_seconds": int(past_available.sum()),
        }
        rows[monday] = utilization.from_totals(
            minutes.get(monday, utilization.NO_APPOINTMENTS), totals, week_period
        )
    return frame(rows, utilization.KEYS, (), WEEK)  # hours are floats, as in compute


def _continuity_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Continuity keys per week; a week without a counted client has 0 clients and null
    scores."""
    found = continuity.weekly(conn, period, filters, rules)
    empty = {"continuity_clients": 0, "clients_with_clinician_change": 0}
    rows = {
        monday: found.loc[monday].to_dict() if monday in found.index else empty
        for monday, _ in weeks
    }
    return frame(rows, continuity.KEYS, continuity.ZERO_KEYS, WEEK)


def _caseload_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    return frame(
        caseload.weekly(conn, period, filters, weeks), caseload.KEYS, caseload.COUNT_KEYS, WEEK
    )


def _waitlist_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    rows = waitlist.weekly(conn, period, filters, rules, weeks, keys)
    return frame(rows, waitlist.KEYS, waitlist.COUNT_KEYS, WEEK)


def _tasks_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    return frame(tasks.weekly(conn, period, filters, weeks), tasks.KEYS, tasks.ZERO_KEYS, WEEK)


# Engagement keys that have a weekly query; the others (cohort rates, which no week can judge
# yet) are computed week by week when asked for.
ENGAGEMENT_WEEKLY = frozenset({"lost_to_follow_up", "feedback_rate", "low_alliance_sessions"})


def _engagement_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    wanted = set(keys) & set(engagement.KEYS)
    if not wanted <= ENGAGEMENT_WEEKLY:
        return _week_by_week(engagement, conn, weeks, filters, rules)
    rows: dict[dt.date, dict[str, Any]] = {monday: {} for monday, _ in weeks}
    if "lost_to_follow_up" in wanted:
        lost = engagement.lost_by_week(conn, [week for _, week in weeks], filters, rules)
        for (monday, _), count in zip(weeks, lost, strict=True):
            rows[monday]["lost_to_follow_up"] = count
    if wanted & {"feedback_rate", "low_alliance_sessions"}:
        feedback = engagement.feedback_by_week(conn, period, filters)
        for monday, _ in weeks:
            rows[monday].update(feedback.get(monday, {}))
    return frame(rows, engagement.KEYS, engagement.ZERO_KEYS, WEEK)


# Areas computed for all weeks at once; only the keys asked for are looked up.
ALL_WEEKS: dict[ModuleType, WeeklyFrame] = {
    utilization: _utilization_weekly,
    attendance: _attendance_weekly,
    caseload: _caseload_weekly,
    waitlist: _waitlist_weekly,
    continuity: _continuity_weekly,
    engagement: _engagement_weekly,
    tasks: _tasks_weekly,
}


def _week_by_week(
    area: ModuleType,
    conn: Connection,
    weeks: Weeks,
    filters: Filters,
    rules: Rules,
) -> pd.DataFrame:
    frames = [area.compute(conn, week, filters, rules) for _, week in weeks]
    result = pd.concat(frames)
    result.index = pd.Index([monday for monday, _ in weeks], name=WEEK, dtype=object)
    return result


def weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The requested keys (default ``DEFAULT_KEYS``) per week, indexed by the week's Monday."""
    keys = list(DEFAULT_KEYS if keys is None else keys)
    unknown = [key for key in keys if key not in AREA_OF_KEY]
    if unknown:
        raise ValueError(f"unknown metric keys: {', '.join(unknown)}")
    weeks = week_periods(period)
    mondays = [monday for monday, _ in weeks]
    areas = list(dict.fromkeys(AREA_OF_KEY[key] for key in keys))
    columns: dict[str, pd.Series] = {}
    for area in areas:
        if not weeks:
            found = pd.DataFrame({key: pd.Series(dtype="float64") for key in area.KEYS})
        elif area in ALL_WEEKS:
            found = ALL_WEEKS[area](conn, period, filters, rules, weeks, keys)
        else:
            found = _week_by_week(area, conn, weeks, filters, rules)
        for key in area.KEYS:
            if key in keys:
                columns[key] = found[key]
    result = pd.DataFrame({key: columns[key].to_numpy() for key in keys}, columns=keys)
    result.index = pd.Index(mondays, name=WEEK, dtype=object)
    for key in keys:
        result[key] = result[key].astype(columns[key].dtype)
    return result


__all__ = ["DEFAULT_KEYS", "week_periods", "weekly"]
