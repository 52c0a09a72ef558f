"""Waitlist and access (metrics.md): who is waiting as of the as-of date and for how long, how
long referral to first visit took, and third next available.

Waits come back from SQL already counted per (program, priority, referral date) or per (program,
days), so percentiles are taken on a histogram, never on a row per entry. Waitlist entries are
filtered by program only; with a clinician filter the waitlist keys are null, while third next
available is about clinicians and follows the clinician filters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Subquery, func, or_, select

from dashboard.metrics.availability import third_next_available, third_next_available_at
from dashboard.metrics.common import (
    ONE_DAY,
    Filters,
    Period,
    Rules,
    clinician_conditions,
    days,
    in_period,
    open_entry_condition,
    waitlist_conditions,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    check_dimension,
    day_number,
    dimension_values,
    frame,
    packed_rows,
    raw_rows,
)
from dashboard.metrics.shared import shared
from dashboard.metrics.sqlfn import epoch_day, epoch_week, monday_of_week, start_day
from db.engine import read_beside
from db.models import Clinician, WaitlistEntry
from db.timeutil import day_start

WAITLIST_KEYS = (
    "waitlist_open",
    "waitlist_median_days",
    "waitlist_p90_days",
    "waitlist_over_target",
    "median_days_to_intake",
)
KEYS: tuple[str, ...] = (*WAITLIST_KEYS, "third_next_available_days")
ZERO_KEYS: frozenset[str] = frozenset({"waitlist_open", "waitlist_over_target"})
COUNT_KEYS = ZERO_KEYS
# With a clinician filter the waitlist says nothing (waiting clients have no clinician yet).
NO_WAITLIST: dict[str, Any] = dict.fromkeys(WAITLIST_KEYS)


def _open_waits(
    conn: Connection, period: Period, filters: Filters
) -> dict[str, list[tuple[str, int, int]]]:
    """Per program: (priority, whole days waited as of the as-of date, entries) of the open
    entries (callers only read it: it may be shared)."""
    return shared(("open", conn, period, filters), lambda: _read_open_waits(conn, period, filters))


def _read_open_waits(
    conn: Connection, period: Period, filters: Filters
) -> dict[str, list[tuple[str, int, int]]]:
    as_of_date = period.as_of_date
    stmt = (
        select(
            WaitlistEntry.program,
            WaitlistEntry.priority,
            WaitlistEntry.referred_at,
            func.count().label("entries"),
        )
        .where(open_entry_condition(as_of_date), *waitlist_conditions(filters))
        .group_by(WaitlistEntry.program, WaitlistEntry.priority, WaitlistEntry.referred_at)
    )
    waits: dict[str, list[tuple[str, int, int]]] = {}
    for row in conn.execute(stmt):
        waited = (as_of_date - row.referred_at).days
        waits.setdefault(row.program, []).append((row.priority, waited, int(row.entries)))
    return waits


def open_waits_on(
    conn: Connection, days_: Sequence[dt.date], filters: Filters
) -> dict[dt.date, list[tuple[str, int, int]]]:
    """``_open_waits`` of the practice on each of several as-of dates, in one query: the
    entries open on some of those dates, counted by priority, referral and resolution date."""
    if not days_:
        return {}
    first, last = min(days_), max(days_)
    # Dates as day numbers and the driver's own rows: parsing the dates of the thousands of
    # groups of a year's weeks cost more than the query (0.14 s at 1M).
    stmt = (
        select(
            WaitlistEntry.priority,
            epoch_day(WaitlistEntry.referred_at),
            epoch_day(WaitlistEntry.resolved_at),
            func.count().label("entries"),
        )
        .where(
            WaitlistEntry.referred_at <= last,
            or_(WaitlistEntry.resolved_at.is_(None), WaitlistEntry.resolved_at > first),
            *waitlist_conditions(filters),
        )
        .group_by(WaitlistEntry.priority, WaitlistEntry.referred_at, WaitlistEntry.resolved_at)
    )
    rows = packed_rows(conn, stmt)  # beside the third next available search: see packed_rows
    priorities = np.array([row[0] for row in rows], dtype=object)
    referred = np.array([row[1] for row in rows], dtype=np.int64)
    never = np.iinfo(np.int64).max
    resolved = np.array([never if row[2] is None else row[2] for row in rows], dtype=np.int64)
    counts = np.array([int(row[3]) for row in rows], dtype=np.int64)
    found: dict[dt.date, list[tuple[str, int, int]]] = {}
    for day in days_:
        number = day_number(day)
        open_ = (referred <= number) & (resolved > number)  # open_entry_condition
        found[day] = list(
            zip(
                priorities[open_].tolist(),
                (number - referred[open_]).tolist(),
                counts[open_].tolist(),
                strict=True,
            )
        )
    return found


def first_visits(period: Period, filters: Filters) -> Subquery:
    """The entries whose client's first visit on or after the referral date falls in the
    period, before its as-of: program, referred_at, first_visit. The first visit is kept on the
    entry by triggers (``first_visit_at``, migration 0010): one range of its index."""
    first_visit = WaitlistEntry.first_visit_at
    return (
        select(WaitlistEntry.program, WaitlistEntry.referred_at, first_visit.label("first_visit"))
        .where(in_period(period, first_visit), first_visit < period.as_of)
        .where(*waitlist_conditions(filters))
        .subquery("first_visits")
    )


def intake_waits_by_program_week(
    conn: Connection, period: Period, filters: Filters
) -> dict[tuple[str, dt.date], list[tuple[int, int]]]:
    """Per program and week of the first visit (its Monday): (whole days from referral to
    first visit, entries) of the entries whose client's first visit on or after the referral
    date falls in the period. One read gives time to intake for the practice, per program and
    per week (a first visit before a week's end is before its as-of too); inside
    ``intake_waits_together`` the read made there serves every period it covers."""
    together = _TOGETHER.get()
    if together is not None and together.covers(period, filters):
        return _waits_by_week(together.rows, period)
    return shared(
        ("intake", conn, period, filters), lambda: _read_intake_waits(conn, period, filters)
    )


def _read_intake_days(conn: Connection, period: Period, filters: Filters) -> list[tuple]:
    """(program, epoch day of the first visit, whole days waited, entries) of the entries whose
    first visit on or after referral falls in the period, before its as-of."""
    firsts = first_visits(period, filters)
    if conn.dialect.name == "sqlite":
        # The entries themselves, counted below: grouped in SQL, each of two years' 28,000
        # entries at 1M cost three date functions and a sort (70 ms against 25).
        stmt = select(firsts.c.program, start_day(firsts.c.first_visit), firsts.c.referred_at)
        return _counted_intake_days(packed_rows(conn, stmt))
    day = epoch_day(firsts.c.first_visit)
    waited = day - epoch_day(firsts.c.referred_at)
    stmt = select(firsts.c.program, day, waited, func.count()).group_by(
        firsts.c.program, day, waited
    )
    return raw_rows(conn, stmt)


def _counted_intake_days(rows: Sequence[tuple]) -> list[tuple]:
    """(program, first visit's date text, referral's date text) rows as ``_read_intake_days``
    rows: (program, epoch day of the first visit, whole days waited, entries)."""
    if not rows:
        return []
    codes, programs = pd.factorize(
        np.array([row[0] for row in rows], dtype=object), use_na_sentinel=False
    )
    days = np.array([row[1] for row in rows], dtype="datetime64[D]").astype(np.int64)
    referred = np.array([row[2] for row in rows], dtype="datetime64[D]").astype(np.int64)
    waited = days - referred
    # One integer per (program, day, wait), so that a plain sort counts them.
    low_day, low_wait = int(days.min()), int(waited.min())
    day_span = int(days.max()) - low_day + 1
    wait_span = int(waited.max()) - low_wait + 1
    keys = (codes.astype(np.int64) * day_span + days - low_day) * wait_span + waited - low_wait
    found, entries = np.unique(keys, return_counts=True)
    code, rest = np.divmod(found, day_span * wait_span)
    day, wait = np.divmod(rest, wait_span)
    return list(
        zip(
            [programs[c] for c in code.tolist()],
            (day + low_day).tolist(),
            (wait + low_wait).tolist(),
            entries.tolist(),
            strict=True,
        )
    )


def _waits_by_week(
    rows: Iterable[tuple], period: Period
) -> dict[tuple[str, dt.date], list[tuple[int, int]]]:
    """The rows of ``_read_intake_days`` whose day is in the period, by program and week."""
    first, last = day_number(period.start), day_number(period.end)
    counted: dict[tuple[str, dt.date], dict[int, int]] = {}
    for program, day, waited, entries in rows:
        if first <= day <= last:
            week = counted.setdefault((program, monday_of_week(epoch_week(day))), {})
            week[int(waited)] = week.get(int(waited), 0) + int(entries)
    return {key: sorted(found.items()) for key, found in counted.items()}


def _read_intake_waits(
    conn: Connection, period: Period, filters: Filters
) -> dict[tuple[str, dt.date], list[tuple[int, int]]]:
    return _waits_by_week(_read_intake_days(conn, period, filters), period)


class _IntakeDays:
    """One ``_read_intake_days`` over a span of periods, as of the latest of their as-ofs; its
    rows when first asked for (the read may still be running beside the caller's)."""

    def __init__(self, span: Period, filters: Filters, rows: Callable[[], list[tuple]]) -> None:
        self.span, self.filters, self._rows = span, filters, rows

    @functools.cached_property
    def rows(self) -> list[tuple]:
        return self._rows()

    def covers(self, period: Period, filters: Filters) -> bool:
        """Whether the span's rows are the period's own: its days inside the span, and its
        as-of the span's, or from the end of its last day up to the span's (then every visit
        on its days is before its as-of and was read, and a first visit found before the
        span's as-of that falls on its days is its first visit too; one found after its days
        was none of its own)."""
        inside = self.span.start <= period.start and period.end <= self.span.end
        ends = day_start(period.end + ONE_DAY) <= period.as_of <= self.span.as_of
        return self.filters == filters and inside and (period.as_of == self.span.as_of or ends)


_TOGETHER: ContextVar[_IntakeDays | None] = ContextVar("intake_waits_together", default=None)


@contextmanager
def intake_waits_together(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> Iterator[None]:
    """Within the block, times to intake of any period that the span of ``periods`` covers
    come from one read (the overview's period, the one before it and the trend's weeks: one
    range of the first-visit index over the span instead of one per period and week), made
    beside the block's other reads (``read_beside``) until first needed."""
    if not periods or filters.clinician:
        yield
        return
    span = Period(
        min(p.start for p in periods), max(p.end for p in periods), max(p.as_of for p in periods)
    )
    rows = read_beside(conn, lambda c: _read_intake_days(c, span, filters))
    token = _TOGETHER.set(_IntakeDays(span, filters, rows))
    try:
        yield
    finally:
        _TOGETHER.reset(token)


def _intake_waits(
    conn: Connection, period: Period, filters: Filters
) -> dict[str, list[tuple[int, int]]]:
    """Per program: (whole days from referral to first visit, entries) of the entries whose
    client's first visit on or after the referral date falls in the period."""
    waits: dict[str, list[tuple[int, int]]] = {}
    for (program, _monday), found in intake_waits_by_program_week(conn, period, filters).items():
        waits.setdefault(program, []).extend(found)
    return waits


def intake_waits_by_week(
    conn: Connection, period: Period, filters: Filters
) -> dict[dt.date, list[tuple[int, int]]]:
    """``_intake_waits`` of the practice for each week of the period, by the week's Monday."""
    waits: dict[dt.date, list[tuple[int, int]]] = {}
    for (_program, monday), found in intake_waits_by_program_week(conn, period, filters).items():
        waits.setdefault(monday, []).extend(found)
    return waits


def _percentile(histogram: Iterable[tuple[int, int]], q: float) -> float | None:
    """numpy.percentile (linear) of the values a (value, count) histogram stands for."""
    pairs = list(histogram)
    if not pairs:
        return None
    values = np.repeat([value for value, _ in pairs], [count for _, count in pairs])
    return float(np.percentile(values, q))


def waitlist_keys(
    open_waits: list[tuple[str, int, int]], intake_waits: list[tuple[int, int]], rules: Rules
) -> dict[str, Any]:
    """The waitlist keys of one group from its histograms."""
    waited = [(days_waited, entries) for _, days_waited, entries in open_waits]
    # "Longer than" the target: strictly more whole days.
    over = sum(
        entries
        for priority, days_waited, entries in open_waits
        if priority in rules.waitlist_target_days
        and days_waited > rules.waitlist_target_days[priority]
    )
    return {
        "waitlist_open": sum(entries for _, entries in waited),
        "waitlist_median_days": days(_percentile(waited, 50)),
        "waitlist_p90_days": days(_percentile(waited, 90)),
        "waitlist_over_target": over,
        "median_days_to_intake": days(_percentile(intake_waits, 50)),
    }


def _waitlist_by_program(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, Any]]:
    """The waitlist keys for the practice, or per program with ``by="program"``."""
    if filters.clinician:
        return {PRACTICE: NO_WAITLIST}
    open_waits = _open_waits(conn, period, filters)
    intake_waits = _intake_waits(conn, period, filters)
    if by == "program":
        programs = set(open_waits) | set(intake_waits)
        return {
            program: waitlist_keys(
                open_waits.get(program, []), intake_waits.get(program, []), rules
            )
            for program in programs
        }
    return {
        PRACTICE: waitlist_keys(
            [wait for waits in open_waits.values() for wait in waits],
            [wait for waits in intake_waits.values() for wait in waits],
            rules,
        )
    }


def _median_days(values: Iterable[float | None]) -> float | None:
    """Median over the clinicians that have a value (null: NaN or None)."""
    found = pd.to_numeric(pd.Series(list(values), dtype=object)).to_numpy(dtype="float64")
    known = found[~np.isnan(found)]
    return days(float(np.median(known))) if len(known) else None


def _counted_clinicians(conn: Connection, filters: Filters) -> pd.Series:
    """The clinicians third next available counts (active, accepting new clients, passing the
    filters), each with a null value: the groups of a search not made."""
    stmt = select(Clinician.clinician_id).where(
        Clinician.active.is_(True),
        Clinician.accepting_new.is_(True),
        *clinician_conditions(filters),
    )
    ids = list(conn.execute(stmt).scalars())
    return pd.Series([None] * len(ids), index=pd.Index(ids, dtype=object), dtype=object)


def _third_next(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    by: str | None,
    search: bool = True,
) -> dict[Any, float | None]:
    """third_next_available_days for the practice or per group (clinician or program; location
    is handled by the caller, since it also decides which slots count). Without ``search``
    the same groups, every value null."""
    if not search and by is None:
        return {PRACTICE: None}
    if search:
        clinicians = third_next_available(conn, period.as_of, filters, rules)
        per_clinician = clinicians.set_index("clinician_id")["third_next_available_days"]
    else:
        per_clinician = _counted_clinicians(conn, filters)
    if by is None:
        return {PRACTICE: _median_days(per_clinician)}
    if by == "clinician":
        return {clinician_id: days(value) for clinician_id, value in per_clinician.items()}
    programs = dict(conn.execute(select(Clinician.clinician_id, Clinician.program)).all())
    grouped: dict[Any, list[float]] = {}
    for clinician_id, value in per_clinician.items():
        grouped.setdefault(programs[clinician_id], []).append(value)
    return {program: _median_days(values) for program, values in grouped.items()}


def _row(waitlist: Mapping[str, Any], third_next: float | None) -> dict[str, Any]:
    return {**waitlist, "third_next_available_days": third_next}


def _by_location(
    conn: Connection, period: Period, filters: Filters, rules: Rules, search: bool
) -> dict[Any, dict[str, Any]]:
    """Location does not filter entries, but picks clinicians (home) and slots (block)."""
    waitlist = _waitlist_by_program(conn, period, filters, rules, None)[PRACTICE]
    rows = {}
    for location in dimension_values(conn, period, filters, "location"):
        located = dataclasses.replace(filters, location=location)
        rows[location] = _row(
            waitlist, _third_next(conn, period, located, rules, None, search)[PRACTICE]
        )
    return rows


def _by_clinician(
    conn: Connection, period: Period, filters: Filters, rules: Rules, search: bool
) -> dict[Any, dict[str, Any]]:
    """Null waitlist keys, as under a clinician filter; each clinician's own third next."""
    third_next = _third_next(conn, period, filters, rules, "clinician", search)
    groups = dimension_values(conn, period, filters, "clinician")
    return {group: _row(NO_WAITLIST, third_next.get(group)) for group in groups}


def _by_program(
    conn: Connection, period: Period, filters: Filters, rules: Rules, search: bool
) -> dict[Any, dict[str, Any]]:
    """Entries by their program, clinicians by theirs."""
    third_next = _third_next(conn, period, filters, rules, "program", search)
    if filters.clinician:
        waitlists, empty = {}, NO_WAITLIST
    else:
        waitlists = _waitlist_by_program(conn, period, filters, rules, "program")
        empty = waitlist_keys([], [], rules)
    return {
        group: _row(waitlists.get(group, empty), third_next.get(group))
        for group in (set(waitlists) | set(third_next)) - {None}
    }


def compute(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    *,
    by: str | None = None,
    third_next: bool = True,
) -> pd.DataFrame:
    """Waitlist and access keys for the practice (``by=None``) or per value of a dimension.

    By clinician the waitlist keys are null (as under a clinician filter); by location and by
    modality, which do not filter waitlist entries, every group carries the practice's
    waitlist values; third next available follows each dimension's "clinicians counted" and
    "availability and slots" columns (modality filters neither: the practice value).
    ``third_next=False`` leaves third next available null (same groups) and skips its slot
    search, for views that show only the waitlist keys."""
    check_dimension(by)
    if by == "location":
        return frame(_by_location(conn, period, filters, rules, third_next), KEYS, COUNT_KEYS, by)
    if by == "clinician":
        rows = _by_clinician(conn, period, filters, rules, third_next)
        return frame(rows, KEYS, COUNT_KEYS, by)
    if by == "program":
        return frame(_by_program(conn, period, filters, rules, third_next), KEYS, COUNT_KEYS, by)
    practice = _practice_row(conn, period, filters, rules, third_next)()
    groups = [PRACTICE] if by is None else dimension_values(conn, period, filters, by)
    return frame({group: practice for group in groups}, KEYS, COUNT_KEYS, by)


def _practice_row(
    conn: Connection, period: Period, filters: Filters, rules: Rules, search: bool
) -> Callable[[], dict[str, Any]]:
    """The practice's keys in two steps: the waitlist's reads now, third next available (the
    ``searched_together`` search, which may still be running beside) when asked for."""
    waits = _waitlist_by_program(conn, period, filters, rules, None)[PRACTICE]
    return lambda: _row(waits, _third_next(conn, period, filters, rules, None, search)[PRACTICE])


def compute_in_steps(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> Callable[[], pd.DataFrame]:
    """``compute`` for the practice in two steps (``_practice_row``): the waitlist's reads now,
    the frame when the returned function is called, so a caller can make the reads while the
    search runs."""
    practice = _practice_row(conn, period, filters, rules, True)
    return lambda: frame({PRACTICE: practice()}, KEYS, COUNT_KEYS, None)


OPEN_KEYS = frozenset(
    {"waitlist_open", "waitlist_median_days", "waitlist_p90_days", "waitlist_over_target"}
)


def weekly(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    weeks: Sequence[tuple[dt.date, Period]],
    keys: Collection[str],
) -> dict[dt.date, dict[str, Any]]:
    """The waitlist keys asked for in ``keys``, for each week (its own period and as-of): open
    entries on each week's as-of date from one read, times to intake grouped by the week of
    the first visit, third next available from one slot search for all the weeks' as-ofs."""
    rows: dict[dt.date, dict[str, Any]] = {monday: dict(NO_WAITLIST) for monday, _ in weeks}
    if not filters.clinician and (OPEN_KEYS | {"median_days_to_intake"}) & set(keys):
        as_of_dates = [week.as_of_date for _, week in weeks]
        opens = open_waits_on(conn, as_of_dates, filters) if OPEN_KEYS & set(keys) else {}
        intakes = (
            intake_waits_by_week(conn, period, filters) if "median_days_to_intake" in keys else {}
        )
        for monday, week in weeks:
            rows[monday] = waitlist_keys(
                opens.get(week.as_of_date, []), intakes.get(monday, []), rules
            )
    if "third_next_available_days" in keys and weeks:
        found = third_next_available_at(conn, [week.as_of for _, week in weeks], filters, rules)
        for (monday, _), clinicians in zip(weeks, found, strict=True):
            rows[monday]["third_next_available_days"] = _median_days(
                clinicians["third_next_available_days"]
            )
    return rows


__all__ = ["DIMENSIONS", "KEYS", "ZERO_KEYS", "compute", "weekly"]
