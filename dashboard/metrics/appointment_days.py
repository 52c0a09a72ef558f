"""The appointment sums of utilization and attendance by day, from one read grouped by day and
stored status.

Utilization wants held and kept minutes and kept sessions, attendance the count of each
effective status; both by day, before or after the split moment (``grouping.DaySums``). Written
as one SQL sum per key, every row evaluated each key's status expression and SQLite sorted the
rows by an expression of their day. Here the database only groups by the day and the stored
status (in index order on SQLite, migration 0007) and counts, per group, the rows, their
minutes, the client cancellations that are late by the rules, and the same before the split;
the statuses' meaning (metrics.md "Appointment statuses") is applied to those few thousand
groups in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import ColumnElement, Connection, FromClause, and_, func, select

from dashboard.metrics.common import ONE_DAY, Filters, Period, Rules, appointment_conditions
from dashboard.metrics.grouping import (
    PRACTICE,
    DaySums,
    appointment_group_column,
    day_number,
    join_appointment_client,
    packed_rows,
    span_of,
    split_moment,
)
from dashboard.metrics.shared import shared
from dashboard.metrics.sqlfn import start_day
from db.engine import read_beside
from db.models import Appointment, Clinician
from db.vocab import APPOINTMENT_STATUSES, HELD_STATUSES, KEPT_STATUSES

COUNT_KEYS = ("completed", "no_show", "late_cancel", "cancelled_client", "cancelled_clinician")
SUM_KEYS = ("booked_minutes", "kept_minutes", "kept_sessions", *COUNT_KEYS)
# What each group is counted by: rows and minutes, all of them and the late client
# cancellations among them.
PARTS = ("rows", "minutes", "late_rows", "late_minutes")
T = TypeVar("T")
# Spans of this many days or more are read by day in two halves side by side (``_read_days``).
SPLIT_DAYS = 90


def status_day_sums(
    conn: Connection, periods: Sequence[Period], filters: Filters, rules: Rules
) -> DaySums:
    """``SUM_KEYS`` of the appointments that pass the filters, by the day of their start and by
    its being before ``split_moment(periods)``: one read for every period, and one of the
    split's own day before the split."""
    span, split = span_of(periods), split_moment(periods)
    conditions = _conditions(filters)
    whole = _read_days(conn, rules, span, filters, conditions)
    before: dict[str, list[int]] = {}  # the split's day before the split, by status
    if split is not None and span.start <= split.date() <= span.end:
        moments = [Appointment.start_at >= _midnight(split), Appointment.start_at < split]
        # One day, so by status alone: grouped by day too, SQLite skip-scanned the day index
        # over every day it holds (25 ms at 1M) instead of reading the start index's few rows.
        found = _read(conn, rules, None, [*moments, *conditions])
        before = {status: parts for (_, status), parts in found.items()}
    totals: dict[tuple[int, bool], dict[str, int]] = {}
    split_day = None if split is None else split.date()
    for (text, status), counted in whole.items():
        on = day_of(text)
        number = day_number(on)
        earlier = before.get(status, [0] * len(PARTS)) if on == split_day else [0] * len(PARTS)
        later = [a - b for a, b in zip(counted, earlier, strict=True)]
        for is_before, part in ((True, earlier), (False, later)):
            if part[0]:
                sums = totals.setdefault((number, is_before), dict.fromkeys(SUM_KEYS, 0))
                _add(sums, status, dict(zip(PARTS, part, strict=True)))
    keys = sorted(totals)
    return DaySums(
        np.array([number for number, _ in keys], dtype=np.int64),
        np.array([is_before for _, is_before in keys], dtype=bool),
        {name: np.array([totals[k][name] for k in keys], dtype=np.int64) for name in SUM_KEYS},
    )


def _read_days(
    conn: Connection,
    rules: Rules,
    span: Period,
    filters: Filters,
    conditions: Sequence[ColumnElement[bool]],
) -> dict[tuple[Any, str], list[int]]:
    """``_read`` by day and status of the span's days, a long span in two halves side by side
    (``read_by_halves``: two years of the practice's days for a program filter at 1M take
    0.23 s on one core). The halves hold different days, so their groups are apart."""
    day = start_day(Appointment.start_at)

    def read(c: Connection, part: Period) -> dict[tuple[Any, str], list[int]]:
        return _read(c, rules, day, [*in_day_span(c, day, part, filters), *conditions])

    found: dict[tuple[Any, str], list[int]] = {}
    for part in read_by_halves(conn, span, read):
        found.update(part)
    return found


def read_by_halves(
    conn: Connection, span: Period, read: Callable[[Connection, Period], T]
) -> list[T]:
    """``read`` of the span's days: of the whole span when it is short, else of its two halves
    (``split_days``), the later read beside (``read_beside``) so that two cores share it."""
    halves = split_days(span)
    if halves is None:
        return [read(conn, span)]
    later = read_beside(conn, lambda c: read(c, halves[1]))
    return [read(conn, halves[0]), later()]


def split_days(span: Period) -> tuple[Period, Period] | None:
    """A span of ``SPLIT_DAYS`` days or more as its first and second halves (days apart, as of
    the span's as-of), for reads by day made side by side; None for a shorter span."""
    if (span.end - span.start).days < SPLIT_DAYS:
        return None
    middle = span.start + dt.timedelta(days=(span.end - span.start).days // 2)
    return Period(span.start, middle, span.as_of), Period(middle + ONE_DAY, span.end, span.as_of)


def status_group_sums(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, int]]:
    """``SUM_KEYS`` of the period's appointments that pass the filters, for the practice
    (``{"practice": ...}``, zeros when none) or per non-null value of ``by``: booked minutes
    over the whole period, the others over its past (before as-of). Each group also has
    ``rows`` and ``past_rows``, its appointments in the period and those before as-of."""
    key = ("appointment groups", conn, period, filters, rules.late_cancel_minutes, by)
    found = shared(key, lambda: _group_sums(conn, period, filters, rules, by))
    return {group: dict(sums) for group, sums in found.items()}


def _group_sums(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str | None
) -> dict[Any, dict[str, int]]:
    column = appointment_group_column(by)
    source = join_appointment_client(Appointment.__table__, by)
    day = start_day(Appointment.start_at)
    conditions = _conditions(filters)
    if column is not None:
        conditions.append(column.is_not(None))
    span = in_day_span(conn, day, period, filters)
    by_day = reads_day_index(conn, filters)
    if by == "clinician" and by_day:
        # Every status named too: SQLite then reads migration 0009's index one range per
        # clinician and status, in group order, where through the day index it sorted every
        # row of the span (a year at 1M: 0.16 s -> 0.06 s). A status is checked against the
        # set, so the names exclude nothing.
        span += [every_clinician(), Appointment.status.in_(APPOINTMENT_STATUSES)]
    whole = _read(conn, rules, column, [*span, *conditions], source, in_day_order=by_day)
    later: dict[tuple[Any, str], list[int]] = {}
    # The period's part from its as-of on (all of it when the as-of is before its start).
    future_from = max(period.past_end, period.start_at)
    if future_from < period.end_at:
        future = [Appointment.start_at >= future_from, Appointment.start_at < period.end_at]
        later = _read(conn, rules, column, [*future, *conditions], source)
    zeros = {**dict.fromkeys(SUM_KEYS, 0), "rows": 0, "past_rows": 0}
    result = {} if column is not None else {PRACTICE: dict(zeros)}
    for (group, status), counted in whole.items():
        after = later.get((group, status), [0] * len(PARTS))
        past = [a - b for a, b in zip(counted, after, strict=True)]
        sums = result.setdefault(group, dict(zeros))
        booked, kept = dict.fromkeys(SUM_KEYS, 0), dict.fromkeys(SUM_KEYS, 0)
        _add(booked, status, dict(zip(PARTS, counted, strict=True)))
        _add(kept, status, dict(zip(PARTS, past, strict=True)))
        sums["booked_minutes"] += booked["booked_minutes"]
        for name in SUM_KEYS[1:]:
            sums[name] += kept[name]
        sums["rows"] += counted[0]
        sums["past_rows"] += past[0]
    return result


def _read(
    conn: Connection,
    rules: Rules,
    key: Any,
    conditions: Sequence[ColumnElement[bool]],
    source: FromClause = Appointment.__table__,
    in_day_order: bool = False,
) -> dict[tuple[Any, str], list[int]]:
    """``PARTS`` of the appointments meeting ``conditions``, by ``key`` (a column; None: one
    group, ``PRACTICE``) and stored status; ``in_day_order`` when the conditions read the day
    index (``reads_day_index``)."""
    late = and_(
        Appointment.status == "cancelled_client",
        Appointment.cancel_lead_min.is_not(None),
        Appointment.cancel_lead_min < rules.late_cancel_minutes,
    )
    minutes = Appointment.duration_min
    keys = [Appointment.status] if key is None else [key, Appointment.status]
    if key is None and in_day_order:
        # Grouped by day and status, the day index (0007) hands the groups over in its own
        # order; by status alone SQLite sorted every row first (a year's practice sums at 1M:
        # 0.09 s -> 0.05 s). The days are added up below.
        keys.insert(0, start_day(Appointment.start_at))
    stmt = (
        select(
            *keys,
            func.count(),
            func.sum(minutes),
            # FILTER, not a CASE in the sum: SQLite tests the condition and adds only those rows
            # (two years of the practice's days at 1M: 0.11 -> 0.09 s).
            func.count().filter(late),
            func.sum(minutes).filter(late),
        )
        .select_from(source)
        .where(*conditions)
        .group_by(*keys)
    )
    width = len(keys)
    found: dict[tuple[Any, str], list[int]] = {}
    for row in packed_rows(conn, stmt):
        group = PRACTICE if key is None else row[width - 2]
        counted = [int(value or 0) for value in row[width:]]
        earlier = found.get((group, row[width - 1]))
        found[(group, row[width - 1])] = (
            counted if earlier is None else [a + b for a, b in zip(earlier, counted, strict=True)]
        )
    return found


def _midnight(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.date(), dt.time())


def in_day_span(
    conn: Connection, day: Any, span: Period, filters: Filters
) -> list[ColumnElement[bool]]:
    """The span's days: on SQLite as a range of the indexed day text ``day`` (``start_day``;
    the index of migration 0007, which covers the status, minutes, clinician, location and
    modality, is then read from its first day to its last), elsewhere, or for one clinician
    (whose own index holds a few hundred rows of the span), as a range of the start."""
    if reads_day_index(conn, filters):
        return [day >= span.start.isoformat(), day <= span.end.isoformat()]
    return [Appointment.start_at >= span.start_at, Appointment.start_at < span.end_at]


def every_clinician() -> ColumnElement[bool]:
    """The appointment's clinician is one of the practice's: true of every appointment with a
    clinician (a foreign key), but named, it lets SQLite read migration 0009's index (clinician,
    status, day) one range per clinician, in the order of a grouping by clinician."""
    return Appointment.clinician_id.in_(select(Clinician.clinician_id))


def reads_day_index(conn: Connection, filters: Filters) -> bool:
    """Whether ``in_day_span`` reads the day index (SQLite, no one clinician)."""
    return conn.dialect.name == "sqlite" and not filters.clinician


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """``appointment_conditions``, the program tested on each row of the ordered pass over the
    day index (a location or modality already is: they are in the index)."""
    return appointment_conditions(filters, scan={"program"})


def day_of(value: Any) -> dt.date:
    """A ``start_day`` as read: SQLite's 'YYYY-MM-DD' text, PostgreSQL's date."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _add(sums: dict[str, int], status: str, part: dict[str, int]) -> None:
    """One group's rows into the day's sums, a late client cancellation counting as
    ``late_cancel`` (held) everywhere."""
    rows, minutes = part["rows"], part["minutes"]
    if status == "cancelled_client":
        late_rows, late_minutes = part["late_rows"], part["late_minutes"]
        sums["cancelled_client"] += rows - late_rows
        sums["late_cancel"] += late_rows
        sums["booked_minutes"] += late_minutes
        return
    if status in COUNT_KEYS:
        sums[status] += rows
    if status in HELD_STATUSES:
        sums["booked_minutes"] += minutes
    if status in KEPT_STATUSES:
        sums["kept_minutes"] += minutes
        sums["kept_sessions"] += rows


__all__ = ["SUM_KEYS", "status_day_sums", "status_group_sums"]
