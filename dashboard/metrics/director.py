"""Reads the directors' pages need beyond the areas' ``compute``: clinician profiles, the
clinician × week utilization matrix, one clinician's caseload list, cohort rates by week or
month of the cohort's start, the distribution of continuity scores, and the wider window that
trend charts use.

Definitions are metrics.md's; each function says which keys it reproduces, so a page's detail
agrees with its headline number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from dashboard.metrics import (
    attendance,
    caseload,
    continuity,
    engagement,
    tasks,
    trends,
    utilization,
    waitlist,
)
from dashboard.metrics.appointment_days import (
    every_clinician,
    in_day_span,
    read_by_halves,
    reads_day_index,
)
from dashboard.metrics.availability import DAY_SECONDS, available_intervals
from dashboard.metrics.common import (
    ONE_DAY,
    Filters,
    Period,
    Rules,
    active_client_condition,
    all_of,
    appointment_conditions,
    client_conditions,
    clinician_conditions,
    effective_status,
    hours,
    in_period,
    is_held,
    is_visit,
    rate,
    ratio,
)
from dashboard.metrics.grouping import day_number, raw_rows, sorted_group
from dashboard.metrics.report import AREA_OF_KEY, AREAS, clinician_rows
from dashboard.metrics.sqlfn import (
    MONDAY_OFFSET,
    epoch_day,
    epoch_week,
    start_day,
)
from db.models import Appointment, Client, Clinician
from db.timeutil import day_start
from db.vocab import HELD_STATUSES

PROFILE_COLUMNS = [
    "clinician_id",
    "name",
    "discipline",
    "program",
    "location",
    "fte",
    "max_caseload",
    "weekly_session_target",
    "accepting_new",
    "active",
]
MATRIX_COLUMNS = ["clinician_id", "week", "available_hours", "booked_hours", "booked_utilization"]
CASELOAD_COLUMNS = [
    "client_id",
    "display_name",
    "program",
    "intake_date",
    "last_visit",
    "next_appointment",
    "visits",
    "no_shows",
    "late_cancels",
    "upc",
    "coc",
    "secon",
]
COHORT_KEYS = ("early_engagement_rate", "fuh7_rate", "fuh30_rate")
SCORES = ("upc", "coc", "secon")
SCORE_BINS = 10
# Trend charts look back at least this far, so a short period still shows a trend.
TREND_MIN_DAYS = 84


def trend_period(period: Period, min_days: int = TREND_MIN_DAYS) -> Period:
    """The period widened back to at least ``min_days`` days, same end and as-of."""
    start = min(period.start, period.end - dt.timedelta(days=min_days - 1))
    return Period(start, period.end, period.as_of)


def clinician_profiles(conn: Connection, filters: Filters) -> pd.DataFrame:
    """The clinicians that pass the filters ("clinicians counted"), by id, with their
    capacity and weekly session target."""
    columns = [getattr(Clinician, name) for name in PROFILE_COLUMNS]
    stmt = (
        select(*columns)
        .where(all_of(clinician_conditions(filters)))
        .order_by(Clinician.clinician_id)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=PROFILE_COLUMNS)


def clinician_names(conn: Connection) -> dict[str, str]:
    """Every clinician's display name by id."""
    return dict(conn.execute(select(Clinician.clinician_id, Clinician.name)).all())


def clinician_table(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    areas: Sequence[ModuleType] = AREAS,
) -> pd.DataFrame:
    """``report.clinician_rows`` (the keys of ``areas``, default all) with each clinician's
    name, program, location, capacity and weekly target, and whether their active caseload is
    over capacity; by name. ``areas`` must include caseload."""
    rows = pd.DataFrame(clinician_rows(conn, period, filters, rules, areas))
    if rows.empty:
        rows = pd.DataFrame(columns=["clinician_id", *(k for a in areas for k in a.KEYS)])
    profiles = clinician_profiles(conn, filters)[
        ["clinician_id", "name", "program", "location", "max_caseload", "weekly_session_target"]
    ]
    table = rows.merge(profiles, on="clinician_id", how="left")
    capacity = pd.to_numeric(table["max_caseload"], errors="coerce")
    table["over_capacity"] = (table["active_caseload"] > capacity).fillna(False).astype(bool)
    return table.sort_values(["name", "clinician_id"], ignore_index=True)


# --- clinician × week utilization ----------------------------------------------------------------


def _weeks_of(period: Period) -> list[dt.date]:
    """The Mondays of the weeks that meet the period."""
    first = period.start - dt.timedelta(days=period.start.weekday())
    return [first + dt.timedelta(days=7 * n) for n in range((period.end - first).days // 7 + 1)]


def weeks_per_column(period: Period, max_columns: int, choices: Sequence[int]) -> int:
    """How many weeks each column of a clinician × week matrix holds: the first of
    ``choices`` that fits the period in ``max_columns`` columns (else the last)."""
    weeks = len(_weeks_of(period))
    return next((n for n in choices if -(-weeks // n) <= max_columns), choices[-1])


def _mondays(days: np.ndarray) -> np.ndarray:
    """The Monday (epoch day) of each epoch day: ``monday_of_week(epoch_week(day))`` in numpy."""
    return days - (days + MONDAY_OFFSET) % 7


# The stored statuses a held appointment can have: the held ones and a client's cancellation
# (held when late); named, they bound the ranges SQLite reads.
_MAYBE_HELD = (*HELD_STATUSES, "cancelled_client")


def held_minutes(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Held minutes of the period by clinician and week, possibly in several parts per pair:
    clinician ids, the week's Monday (epoch day) and whole minutes, as arrays.

    On SQLite, by clinician and status: migration 0009's index hands those groups over in its
    order, one range per clinician and status, where a grouping by week sorted every row of
    the span first (a year at 1M: 0.55 s in the database). Each group's held appointments come
    as one string of fixed-width items (day and minutes) that numpy cuts and parses at once:
    grouped by day as well, the database spent more on the year's 60,000 day groups than on
    reading the rows (0.13 s against 0.09 s, and 0.03 s of Python per row). Elsewhere by
    clinician and week, which the database hashes."""
    span = in_day_span(conn, start_day(Appointment.start_at), period, filters)
    if reads_day_index(conn, filters):
        found = _held_items_of(conn, period, filters, rules)
        if found is not None:
            return found
    conditions = [*span, is_held(rules), *appointment_conditions(filters)]
    minutes = func.sum(Appointment.duration_min)
    if reads_day_index(conn, filters):
        day = start_day(Appointment.start_at)
        stmt = (
            select(Appointment.clinician_id, day, minutes)
            .where(*conditions, every_clinician(), Appointment.status.in_(_MAYBE_HELD))
            .group_by(Appointment.clinician_id, Appointment.status, day)
        )
        rows = raw_rows(conn, stmt)
        days = np.array([row[1] for row in rows], dtype="datetime64[D]").astype(np.int64)
        mondays = _mondays(days)
    else:
        week = epoch_week(epoch_day(Appointment.start_at))
        clinician = sorted_group(Appointment.clinician_id)
        stmt = select(clinician, week, minutes).where(*conditions).group_by(clinician, week)
        rows = raw_rows(conn, stmt)
        weeks = np.array([row[1] for row in rows], dtype=np.int64)
        mondays = weeks * 7 - MONDAY_OFFSET  # monday_of_week, as epoch days
    clinicians = np.array([row[0] for row in rows], dtype=object)
    # As summed: whole minutes, unless some were stored by hand as fractions.
    held = np.array([row[2] or 0 for row in rows])
    return clinicians, mondays, held if len(held) else held.astype(np.int64)


def _held_items_of(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> tuple[np.ndarray, ...] | None:
    """``_held_items`` of the period's days, a long period in two halves side by side
    (``read_by_halves``: a year at 1M is 0.12 s of one core); None if either half is."""

    def items(c: Connection, part: Period) -> tuple[np.ndarray, ...] | None:
        span = in_day_span(c, start_day(Appointment.start_at), part, filters)
        return _held_items(c, [*span, *appointment_conditions(filters)], rules)

    found = read_by_halves(conn, period, items)
    if any(part is None for part in found):
        return None
    return tuple(np.concatenate(columns) for columns in zip(*found, strict=True))


# An item of ``_held_items``: the day ('YYYY-MM-DD') and 100,000 + the held minutes.
_DAY_WIDTH, _MINUTE_DIGITS = 10, 6
_ITEM_WIDTH = _DAY_WIDTH + _MINUTE_DIGITS
_MINUTE_BASE = 10 ** (_MINUTE_DIGITS - 1)
_DIGIT_VALUES = 10 ** np.arange(_MINUTE_DIGITS - 1, -1, -1, dtype=np.int64)


def _held_items(
    conn: Connection, conditions: list[Any], rules: Rules
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``held_minutes`` on SQLite: per clinician and stored status, the day and held minutes
    of each appointment (a client cancellation that is not late holds none) as one string of
    fixed-width items, the minutes as the digits of 100,000 + minutes (a sum, not a padding of
    text per row: a year at 1M 0.11 -> 0.08 s in the database). None when some appointment's
    minutes do not fit the width (over 99,999, or not whole: stored by hand, as careboard
    writes whole minutes and at most a day), for the caller to group by day instead."""
    # The rows read are of held statuses and client cancellations (``_MAYBE_HELD``): held
    # unless a client cancellation that is not late (``is_held`` for those rows).
    late = and_(
        Appointment.cancel_lead_min.is_not(None),
        Appointment.cancel_lead_min < rules.late_cancel_minutes,
    )
    held = case(
        (or_(Appointment.status != "cancelled_client", late), Appointment.duration_min), else_=0
    )
    # || on text, of the sum in parentheses (|| binds tighter than +): its digits.
    shifted = (literal(_MINUTE_BASE, literal_execute=True) + held).self_group()
    item = type_coerce(start_day(Appointment.start_at), String) + type_coerce(shifted, String)
    stmt = (
        select(
            Appointment.clinician_id,
            func.aggregate_strings(item, ""),
            func.max(Appointment.duration_min),
            func.count(),
        )
        .where(*conditions, every_clinician(), Appointment.status.in_(_MAYBE_HELD))
        .group_by(Appointment.clinician_id, Appointment.status)
    )
    rows = raw_rows(conn, stmt)
    # Each item exactly its width: a fraction or a negative would make some text longer or
    # shorter than its count of items says.
    if any(longest >= _MINUTE_BASE or len(text) != n * _ITEM_WIDTH for _, text, longest, n in rows):
        return None
    counts = np.array([n for *_, n in rows], dtype=np.int64)
    data = "".join(row[1] for row in rows).encode("ascii")
    items = np.frombuffer(data, dtype=np.uint8).reshape(-1, _ITEM_WIDTH)
    digits = items[:, _DAY_WIDTH:]
    if not ((digits >= ord("0")) & (digits <= ord("9"))).all():
        return None
    days = (
        np.frombuffer(data, dtype=f"S{_ITEM_WIDTH}")
        .astype(f"S{_DAY_WIDTH}")
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    minutes = (digits.astype(np.int64) - ord("0")) @ _DIGIT_VALUES - _MINUTE_BASE
    clinicians = np.repeat(np.array([row[0] for row in rows], dtype=object), counts)
    # A client cancellation that is not late holds nothing: not a held appointment at all
    # (a clinician with only those gets no row, as where the database leaves them out).
    held_any = minutes > 0
    return clinicians[held_any], _mondays(days)[held_any], minutes[held_any]


def _sums_by_column(
    clinicians: np.ndarray,
    mondays: np.ndarray,
    amounts: np.ndarray,
    columns: Sequence[dt.date],
    weeks: int,
) -> dict[tuple[str, dt.date], float]:
    """``amounts`` added up by clinician and column (its first Monday; ``weeks`` weeks each,
    from ``columns[0]``); Mondays outside the columns left out."""
    first = day_number(columns[0])
    n = (mondays - first) // 7
    inside = (mondays >= first) & (n < len(columns))
    column = n[inside] - n[inside] % weeks
    codes, ids = pd.factorize(pd.Series(clinicians[inside], dtype=object), sort=False)
    keys = codes.astype(np.int64) * len(columns) + column
    found, at = np.unique(keys, return_inverse=True)
    sums = np.zeros(len(found), dtype=amounts.dtype)
    np.add.at(sums, at, amounts[inside])
    return {
        (ids[int(key) // len(columns)], columns[int(key) % len(columns)]): total
        for key, total in zip(found.tolist(), sums.tolist(), strict=True)
    }


def utilization_matrix(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: int = 1,
    held: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Booked utilization per clinician and Monday-to-Sunday week (clipped to the period), or
    per run of ``weeks`` weeks from the period's first Monday (``week`` is the run's first
    Monday; held hours over available hours of the whole run): held minutes in SQL, available
    time from the templates; a column of a clinician with no available time has null
    utilization. Rows: clinicians passing the filters that have available time or a held
    appointment in the period, every column of the period. ``held``: ``held_minutes`` of the
    same period and filters, read beforehand (beside other reads)."""
    mondays = _weeks_of(period)
    if held is None:
        held = held_minutes(conn, period, filters, rules)
    booked = {key: total / 60 for key, total in _sums_by_column(*held, mondays, weeks).items()}
    intervals = available_intervals(conn, period.start, period.end, filters)
    # Whole seconds as integers, by day number: a year's 75,000 intervals as numbers, where
    # dates and a dict map cost 0.06 s.
    starts = intervals["start_at"].to_numpy("datetime64[s]").astype(np.int64)
    ends = intervals["end_at"].to_numpy("datetime64[s]").astype(np.int64)
    days = starts // DAY_SECONDS
    seconds = _sums_by_column(
        intervals["clinician_id"].to_numpy(dtype=object),
        _mondays(days),
        ends - starts,
        mondays,
        weeks,
    )
    available = {key: total / 3600 for key, total in seconds.items()}
    allowed = set(clinician_profiles(conn, filters)["clinician_id"])
    clinicians = sorted(({c for c, _ in booked} | {c for c, _ in available}) & allowed)
    rows = []
    for clinician_id in clinicians:
        for monday in mondays[::weeks]:
            avail = available.get((clinician_id, monday), 0.0)
            held = booked.get((clinician_id, monday), 0.0)
            rows.append((clinician_id, monday, hours(avail), hours(held), rate(ratio(held, avail))))
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


# --- one clinician's caseload ---------------------------------------------------------------------


def caseload_list(conn: Connection, period: Period, filters: Filters, rules: Rules) -> pd.DataFrame:
    """The active clients under the filters (their primary clinician, program, home location)
    as of the as-of date: last visit (any clinician, before as-of), next held appointment at or
    after as-of, in the period: visits, no-shows and late cancellations (past), and the
    client's UPC, COC and SECON (null under two visits)."""
    mine = Appointment.client_id == Client.client_id
    status = effective_status(rules)
    past_in_period = and_(mine, in_period(period), Appointment.start_at < period.as_of)

    def scalar(expr: Any, *where: Any) -> Any:
        return select(expr).where(*where).correlate(Client).scalar_subquery()

    stmt = (
        select(
            Client.client_id,
            Client.display_name,
            Client.program,
            Client.intake_date,
            scalar(func.max(Appointment.start_at), mine, is_visit(period)).label("last_visit"),
            scalar(
                func.min(Appointment.start_at),
                mine,
                is_held(rules),
                Appointment.start_at >= period.as_of,
            ).label("next_appointment"),
            scalar(func.count(), past_in_period, is_visit(period)).label("visits"),
            scalar(func.count(), past_in_period, status == "no_show").label("no_shows"),
            scalar(func.count(), past_in_period, status == "late_cancel").label("late_cancels"),
        )
        .where(active_client_condition(period.as_of_date), *client_conditions(filters))
        .order_by(Client.client_id)
    )
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=CASELOAD_COLUMNS[:-3])
    scores = continuity.client_scores(conn, period, filters, rules)[["client_id", *SCORES]]
    frame = frame.merge(scores, on="client_id", how="left")
    for column in ("last_visit", "next_appointment"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.astype({"visits": "int64", "no_shows": "int64", "late_cancels": "int64"})


# --- cohorts --------------------------------------------------------------------------------------


def _month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def cohort_buckets(period: Period, freq: str) -> list[tuple[dt.date, Period]]:
    """The period cut into weeks (Monday) or calendar months, each clipped to the period and
    judged as of the period's own as-of; buckets that start at or after as-of are left out."""
    if freq == "week":
        starts = _weeks_of(period)
        ends = [s + dt.timedelta(days=6) for s in starts]
    elif freq == "month":
        starts = _month_starts(period.start, period.end)
        ends = [(s + dt.timedelta(days=32)).replace(day=1) - ONE_DAY for s in starts]
    else:
        raise ValueError(f"unknown cohort frequency {freq!r}")
    buckets = []
    for start, end in zip(starts, ends, strict=True):
        clipped = max(start, period.start)
        if day_start(clipped) >= period.as_of:
            break
        buckets.append((start, Period(clipped, min(end, period.end), period.as_of)))
    return buckets


def cohort_rates(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    freq: str = "month",
    keys: Sequence[str] = COHORT_KEYS,
) -> pd.DataFrame:
    """Early engagement and FUH 7/30 by week or month of the first visit / discharge, each
    cohort followed up to the period's as-of (a cohort too recent to judge is null)."""
    buckets = cohort_buckets(period, freq)
    rates = engagement.cohort_rates_by_bucket(conn, period, [b for _, b in buckets], filters)
    frame = pd.DataFrame(
        {key: [row[key] for row in rates] for key in keys},
        index=pd.Index([start for start, _ in buckets], name=freq, dtype=object),
        columns=list(keys),
    )
    return frame.astype("float64")


# --- the overview ---------------------------------------------------------------------------------


def overview(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    trend_keys: Sequence[str],
    cohort_keys: Sequence[str] = COHORT_KEYS,
    areas: Sequence[ModuleType] = AREAS,
) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame]:
    """The overview's numbers for ``areas`` (default: all): the keys of
    ``report.practice_metrics`` in those areas for the period and the previous one, and the
    weekly ``trend_keys`` of those areas over ``trend_period`` joined with the weekly
    ``cohort_rates`` of ``cohort_keys`` (when engagement is among the areas); each area read
    once for all of them."""
    window = trend_period(period)
    buckets = cohort_buckets(window, "week") if engagement in areas else []
    cohort_keys = cohort_keys if engagement in areas else ()
    (current, before), weekly, rates = trends.periods_and_weeks(
        conn,
        [period, period.previous()],
        window,
        filters,
        rules,
        [key for key in trend_keys if AREA_OF_KEY[key] in areas],
        cohorts=[bucket for _, bucket in buckets],
        areas=areas,
    )
    cohorts = pd.DataFrame(
        {key: [row[key] for row in rates] for key in cohort_keys},
        index=pd.Index([start for start, _ in buckets], name=weekly.index.name, dtype=object),
        columns=list(cohort_keys),
    ).astype("float64")
    return current, before, weekly.join(cohorts, how="left")


# The overview's cards in groups, each computed on its own (its own callback): the quick
# appointment cards need not wait for third next available's slot search or for a year of
# visits behind continuity and engagement. Each group is a run of cards in the overview's order.
OVERVIEW_GROUPS: dict[str, tuple[ModuleType, ...]] = {
    "appointments": (utilization, attendance, caseload),
    "access": (waitlist,),
    "continuity": (continuity,),
    "engagement": (engagement,),
    "tasks": (tasks,),
}


# --- continuity distribution ----------------------------------------------------------------------


def score_distribution(
    conn: Connection, period: Period, filters: Filters, rules: Rules, bins: int = SCORE_BINS
) -> pd.DataFrame:
    """How many counted clients (``continuity.client_scores``) fall in each tenth of UPC, COC
    and SECON: measure, bin_start, bin_end, clients. A score of 1 is in the last bin, with
    every client who kept one clinician."""
    counted, scores = continuity.counted_and_changed(conn, period, filters)
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for measure in SCORES:
        values = scores[measure].to_numpy(dtype="float64")
        index = np.clip(np.floor(values * bins + 1e-9).astype(int), 0, bins - 1)
        counts = np.bincount(index, minlength=bins) if len(values) else np.zeros(bins, int)
        counts[bins - 1] += counted - len(values)
        for b in range(bins):
            rows.append((measure, round(edges[b], 2), round(edges[b + 1], 2), int(counts[b])))
    return pd.DataFrame(rows, columns=["measure", "bin_start", "bin_end", "clients"])


def clinician_changes(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """The counted clients who saw two or more clinicians in the period, least continuous
    first (``clients_with_clinician_change``)."""
    scores = continuity.client_scores(conn, period, filters, rules)
    changed = scores[scores["clinicians"] >= 2]
    return changed.sort_values(["coc", "client_id"], ignore_index=True)


__all__ = [
    "COHORT_KEYS",
    "clinician_table",
    "caseload_list",
    "clinician_changes",
    "clinician_names",
    "clinician_profiles",
    "cohort_buckets",
    "cohort_rates",
    "overview",
    "score_distribution",
    "trend_period",
    "utilization_matrix",
]
