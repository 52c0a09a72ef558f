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
from sqlalchemy import Connection

from dashboard.metrics import (
    attendance,
    caseload,
    continuity,
    engagement,
    tasks,
    utilization,
    waitlist,
)
from dashboard.metrics.appointment_days import status_day_sums
from dashboard.metrics.availability import available_intervals, searched_together
from dashboard.metrics.common import ONE_DAY, Filters, Period, Rules
from dashboard.metrics.grouping import DaySums, frame, span_of
from dashboard.metrics.report import ALL_KEYS, AREA_OF_KEY, AREAS, plain
from db.engine import in_turn, read_beside
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


def _by_week(values: Sequence[Mapping[str, Any]], weeks: Weeks) -> dict[dt.date, Any]:
    return {monday: found for (monday, _), found in zip(weeks, values, strict=True)}


def _attendance_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Attendance keys per week: effective-status counts of past appointments, by day."""
    values = attendance.practice_values(conn, [week for _, week in weeks], filters, rules)
    return frame(_by_week(values, weeks), attendance.KEYS, attendance.COUNT_KEYS, WEEK)


def _utilization_weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Weeks,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Utilization keys per week: appointment minutes by day in SQL, and the weeks' available
    intervals (each lies on one date) summed by week."""
    values = utilization.practice_values(conn, [week for _, week in weeks], filters, rules)
    return frame(_by_week(values, weeks), utilization.KEYS, (), WEEK)  # hours are floats


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
        values = engagement.practice_values(conn, [week for _, week in weeks], filters, rules)
        return frame(_by_week(values, weeks), engagement.KEYS, engagement.ZERO_KEYS, WEEK)
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


# --- periods and weeks at once ------------------------------------------------------------------

ManyPeriods = Callable[[Connection, Sequence[Period], Filters, Rules], list[dict[str, Any]]]


def _caseload_values(
    conn: Connection, periods: Sequence[Period], filters: Filters, rules: Rules
) -> list[dict[str, Any]]:
    return caseload.practice_values(conn, periods, filters)


def _tasks_values(
    conn: Connection, periods: Sequence[Period], filters: Filters, rules: Rules
) -> list[dict[str, Any]]:
    return tasks.practice_values(conn, periods, filters)


# Areas that compute any number of periods (each as of its own as-of) from one read, and the
# keys their ``compute`` frames keep as whole numbers.
MANY_PERIODS: dict[ModuleType, tuple[ManyPeriods, frozenset[str]]] = {
    utilization: (utilization.practice_values, frozenset()),
    attendance: (attendance.practice_values, frozenset(attendance.COUNT_KEYS)),
    caseload: (_caseload_values, frozenset(caseload.COUNT_KEYS)),
    engagement: (engagement.practice_values, engagement.ZERO_KEYS),
    tasks: (_tasks_values, tasks.ZERO_KEYS),
}


def _rows(values: Sequence[Mapping[str, Any]], area: ModuleType, counts: frozenset[str]) -> list:
    """Each period's keys as ``report.practice_metrics`` gives them (``compute``'s dtypes)."""
    table = frame(dict(enumerate(values)), area.KEYS, counts, None)
    return [{key: plain(table[key].iloc[n]) for key in area.KEYS} for n in range(len(values))]


def _start_beside(
    conn: Connection,
    every: Sequence[Period],
    filters: Filters,
    rules: Rules,
    areas: Sequence[ModuleType],
) -> dict[ModuleType, Callable[[], Any]]:
    """The reads of ``_areas`` that need nothing from the others, started beside them
    (``read_beside``): the available time of utilization, and the caseload's and tasks' counts
    of every period."""
    pending: dict[ModuleType, Callable[[], Any]] = {}
    if utilization in areas and every:
        span = span_of(every)
        pending[utilization] = read_beside(
            conn, lambda c: available_intervals(c, span.start, span.end, filters)
        )
    for area in (caseload, tasks):
        if area in areas:
            many = MANY_PERIODS[area][0]
            pending[area] = read_beside(conn, lambda c, many=many: many(c, every, filters, rules))
    return pending


def _areas(
    conn: Connection,
    periods: Sequence[Period],
    window: Period,
    weeks: Sequence[tuple[dt.date, Period]],
    filters: Filters,
    rules: Rules,
    keys: Sequence[str],
    cohorts: Sequence[Period],
    areas: Sequence[ModuleType],
) -> tuple[list[dict[str, Any]], dict[ModuleType, pd.DataFrame], list[dict[str, Any]]]:
    """``periods_and_weeks``' reads, area by area: each period's keys, the weekly frame of
    each area charted, and the cohort rates."""
    cohort_values: list[dict[str, Any]] = []
    appointments: DaySums | None = None
    values: list[dict[str, Any]] = [{} for _ in periods]
    weekly_frames: dict[ModuleType, pd.DataFrame] = {}
    wanted = {AREA_OF_KEY[key] for key in keys}
    every = [*periods, *(week for _, week in weeks)]
    pending = _start_beside(conn, every, filters, rules, areas)
    for area in areas:
        if area in MANY_PERIODS:
            many, counts = MANY_PERIODS[area]
            if area in (utilization, attendance):
                # One read of the appointments for both areas.
                if appointments is None:
                    appointments = status_day_sums(conn, every, filters, rules)
                if area is utilization:
                    intervals = pending[utilization]()
                    found = utilization.practice_values(
                        conn, every, filters, rules, appointments, intervals=intervals
                    )
                else:
                    found = attendance.practice_values(conn, every, filters, rules, appointments)
            elif area is engagement:
                found = engagement.practice_values(conn, every, filters, rules, cohorts=cohorts)
                cohort_values = found[len(every) :]
            else:
                found = pending[area]()
            for value, row in zip(values, _rows(found[: len(periods)], area, counts), strict=True):
                value.update(row)
            rows = _by_week(found[len(periods) : len(every)], weeks)
            weekly_frames[area] = frame(rows, area.KEYS, counts, WEEK)
            continue
        # Continuity's periods and weeks are reads of their own, side by side; the waitlist's
        # read what the caller's block searched (``searched_together``), on this connection:
        # each period's other reads first, while the search runs.
        beside = read_beside if area is continuity else in_turn
        each_period = [
            waitlist.compute_in_steps(conn, period, filters, rules)
            if area is waitlist
            else beside(conn, lambda c, a=area, p=period: a.compute(c, p, filters, rules))
            for period in periods
        ]
        if area in wanted and weeks:
            weekly_frames[area] = ALL_WEEKS[area](conn, window, filters, rules, weeks, keys)
        for value, result in zip(values, each_period, strict=True):
            found = result()
            value.update({key: plain(found[key].iloc[0]) for key in area.KEYS})
    return values, weekly_frames, cohort_values


def periods_and_weeks(
    conn: Connection,
    periods: Sequence[Period],
    window: Period,
    filters: Filters,
    rules: Rules,
    keys: Sequence[str],
    cohorts: Sequence[Period] = (),
    areas: Sequence[ModuleType] = AREAS,
) -> tuple[list[dict[str, Any]], pd.DataFrame, list[dict[str, Any]]]:
    """Every key of ``areas`` (default: all, as ``report.practice_metrics``) for each of
    ``periods``, ``weekly(window, keys)`` (keys of those areas), and the cohort rates of each
    of ``cohorts`` (``engagement.practice_values``; engagement must be among the areas): the
    areas of ``MANY_PERIODS`` read once for the periods, the weeks and the cohorts together;
    the others compute each period and their weeks as ``weekly`` does."""
    outside = [key for key in keys if AREA_OF_KEY[key] not in areas]
    if outside or (cohorts and engagement not in areas):
        raise ValueError(f"keys outside the areas asked for: {', '.join(outside) or 'cohorts'}")
    weeks = week_periods(window)
    # Third next available as of every period's and (if charted) every week's as-of: one
    # slot search, which the waitlist area's calls all read.
    as_ofs = [period.as_of for period in periods] if waitlist in areas else []
    if "third_next_available_days" in keys:
        as_ofs += [week.as_of for _, week in weeks]
    # Times to intake of the periods and the weeks from one read of their span, likewise.
    intake = [*periods, window] if waitlist in areas else []
    with (
        searched_together(conn, as_ofs, filters, rules),
        waitlist.intake_waits_together(conn, intake, filters),
    ):
        values, weekly_frames, cohort_values = _areas(
            conn, periods, window, weeks, filters, rules, keys, cohorts, areas
        )
    area_keys = [key for key in ALL_KEYS if AREA_OF_KEY[key] in areas]
    mondays = pd.Index([monday for monday, _ in weeks], name=WEEK, dtype=object)
    if not weeks:
        empty = {key: pd.Series(dtype="float64") for key in keys}
        return (
            [{key: value[key] for key in area_keys} for value in values],
            pd.DataFrame(empty, index=mondays, columns=list(keys)),
            cohort_values,
        )
    result = pd.DataFrame(
        {key: weekly_frames[AREA_OF_KEY[key]][key].to_numpy() for key in keys},
        index=mondays,
        columns=list(keys),
    )
    for key in keys:
        result[key] = result[key].astype(weekly_frames[AREA_OF_KEY[key]][key].dtype)
    return [{key: value[key] for key in area_keys} for value in values], result, cohort_values


__all__ = ["DEFAULT_KEYS", "MANY_PERIODS", "periods_and_weeks", "week_periods", "weekly"]
