"""Continuity of care (metrics.md): UPC, Bice–Boxerman COC and sequential continuity (SECON)
over each client's visits in the period.

A period's figures read the visit sequence rollup (``db.visit_sequence``, migration 0004), in
which every visit knows its neighbours, so no window function runs over the period's visits;
the weeks of a trend read the same index ranges, one per week, in one query. The means
over clients are taken in Python with exact fractions, so a group's value does not depend on
the order a database sums floats in, and SQLite and PostgreSQL give identical results (4-decimal
rounding would otherwise flip on ties such as 0.03125).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    FromClause,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    all_of,
    client_conditions,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    check_dimension,
    client_group_column,
    frame,
    join_home,
    packed_rows,
    repeat_for_modalities,
)
from db.models import Client, VisitSequence
from db.timeutil import day_start

KEYS: tuple[str, ...] = (
    "continuity_clients",
    "upc",
    "coc",
    "secon",
    "clients_with_clinician_change",
)
ZERO_KEYS: frozenset[str] = frozenset({"continuity_clients", "clients_with_clinician_change"})
WEEK = dt.timedelta(days=7)


def exact_rate(value: Fraction | None) -> float | None:
    """A fraction rounded to 4 decimals exactly (half to even), as a float."""
    return None if value is None else float(round(value, 4))


# --- the window's counted clients, from the visit sequence rollup -------------------------------
#
# A counted client (N >= 2 visits in the window) who saw one clinician there has UPC = COC =
# SECON = 1 exactly (n_1 = N, every pair the same), so only the clients with a clinician change
# in the window need their visits counted. Both sets come from index ranges of the rollup: a
# client is counted by their first visit in the window (previous visit before it) when their
# next visit is in it too; a client changed clinician when one of their visits in the window
# follows a visit in the window with another clinician (M >= 2 needs such a pair).

V = VisitSequence


@dataclasses.dataclass(frozen=True)
class _Window:
    """The visits of a period: ``start_at`` from the period's start to its past end (moments,
    or the columns of a table of weeks)."""

    start: Any
    end: Any

    @classmethod
    def of(cls, period: Period) -> _Window:
        return cls(period.start_at, period.past_end)

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def _of_clients(filters: Filters) -> list[ColumnElement[bool]]:
    """The rollup's rows of the clients that pass the client filters."""
    conditions = client_conditions(filters)
    if not conditions:
        return []
    return [V.client_id.in_(select(Client.client_id).where(all_of(conditions)))]


def _of_clients_each(filters: Filters) -> list[ColumnElement[bool]]:
    """``_of_clients`` as a test of each rollup row (EXISTS): with a table of weeks for bounds,
    an IN list led SQLite to search every listed client's index range week by week (3 s for
    a program at 1M appointments) instead of reading each week's range once."""
    conditions = client_conditions(filters)
    if not conditions:
        return []
    return [exists().where(Client.client_id == V.client_id, *conditions)]


def _first_of_counted(window: _Window) -> ColumnElement[bool]:
    """The first visit in the window of a client with another visit in it."""
    before = or_(V.prev_start_at.is_(None), V.prev_start_at < window.start)
    return and_(window.holds(V.start_at), before, V.next_start_at < window.end)


def _changed_clients(window: _Window, filters: Filters) -> Select[Any]:
    """Clients with two consecutive visits in the window with different clinicians (the
    condition of the rollup's partial index of changes)."""
    change = V.same_clinician == literal(0, literal_execute=True)
    return (
        select(V.client_id)
        .where(change, window.holds(V.start_at), V.prev_start_at >= window.start)
        .where(*_of_clients(filters))
        .distinct()
    )


def _changed_counts(window: _Window, filters: Filters) -> FromClause:
    """One row per client who changed clinician in the window: N, sum of n_i^2, max n_i, M and
    the consecutive pairs in the window with the same clinician."""
    in_pair = and_(V.same_clinician == 1, V.prev_start_at >= window.start)
    pairs = (
        select(
            V.client_id,
            func.count().label("n"),
            func.sum(case((in_pair, 1), else_=0)).label("same"),
        )
        .where(V.client_id.in_(_changed_clients(window, filters)), window.holds(V.start_at))
        .group_by(V.client_id, V.clinician_id)
        .subquery("clinician_visits")
    )
    visits = func.sum(pairs.c.n)
    return (
        select(
            pairs.c.client_id,
            visits.label("visits"),
            func.sum(pairs.c.n * pairs.c.n).label("sum_sq"),
            func.max(pairs.c.n).label("max_n"),
            func.count().label("clinicians"),
            func.sum(pairs.c.same).label("same"),
        )
        .group_by(pairs.c.client_id)
        .subquery("client_visits")
    )


@dataclasses.dataclass
class _Sums:
    """A group's counted clients and the exact sums of their scores. Clients who kept one
    clinician add 1 to each sum; those who changed add their fractions, gathered per N so that
    the Fractions are built once per distinct N (a few dozen), not once per client."""

    counted: int = 0
    changed: int = 0
    by_visits: dict[int, list[int]] = dataclasses.field(default_factory=dict)

    def add_changed(self, row: Any) -> None:
        n = int(row.visits)
        sums = self.by_visits.setdefault(n, [0, 0, 0])
        sums[0] += int(row.max_n)
        sums[1] += int(row.sum_sq) - n
        sums[2] += int(row.same)
        self.changed += 1

    def summary(self) -> dict[str, Any]:
        """Group values: counts, and the means over the clients counted (null with none)."""
        kept = self.counted - self.changed
        upc, coc, secon = Fraction(kept), Fraction(kept), Fraction(kept)
        for n, (max_n, sum_sq, same) in self.by_visits.items():
            upc += Fraction(max_n, n)
            coc += Fraction(sum_sq, n * (n - 1))
            secon += Fraction(same, n - 1)

        def mean(total: Fraction) -> float | None:
            return exact_rate(total / self.counted) if self.counted else None

        return {
            "continuity_clients": self.counted,
            "upc": mean(upc),
            "coc": mean(coc),
            "secon": mean(secon),
            "clients_with_clinician_change": self.changed,
        }


def _joined(source: FromClause, client_id: Any, by: Sequence[str | None]) -> FromClause:
    """``source`` joined to its clients (and their primary clinician for locations) when a
    dimension groups by them."""
    if all(client_group_column(b) is None for b in by):
        return source
    joined = source.join(Client, Client.client_id == client_id)
    return join_home(joined, "location") if "location" in by else joined


def _grouped_sums(
    conn: Connection, period: Period, filters: Filters, by: Sequence[str | None]
) -> dict[str | None, dict[Any, _Sums]]:
    """For each dimension of ``by``, the sums of each of its groups; one query of counted
    clients and one of changes serve every dimension (grouped by all of their columns, then
    added up per dimension here). A dimension that does not group clients gets the practice."""
    window = _Window.of(period)
    columns = {b: client_group_column(b) for b in by}
    keys = list(dict.fromkeys(c for c in columns.values() if c is not None))
    labelled = [column.label(f"g{i}") for i, column in enumerate(keys)]
    slot = {b: None if c is None else keys.index(c) for b, c in columns.items()}
    result: dict[str | None, dict[Any, _Sums]] = {b: {} for b in by}

    def sums_of(row: Any) -> list[_Sums]:
        found = []
        for b, i in slot.items():
            group = PRACTICE if i is None else row[i]
            found.append(result[b].setdefault(group, _Sums()))
        return found

    counted = (
        select(*labelled, func.count().label("clients"))
        .select_from(_joined(V.__table__, V.client_id, by))
        .where(_first_of_counted(window), *_of_clients(filters))
        .group_by(*keys)
    )
    for row in conn.execute(counted).all():
        for sums in sums_of(row):
            sums.counted += int(row.clients)
    changed = _changed_counts(window, filters)
    measures = [changed.c.visits, changed.c.sum_sq, changed.c.max_n, changed.c.same]
    source = _joined(changed, changed.c.client_id, by)
    for row in conn.execute(select(*labelled, *measures).select_from(source)).all():
        for sums in sums_of(row):
            sums.add_changed(row)
    return result


def compute_many(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: Sequence[str | None]
) -> dict[str | None, pd.DataFrame]:
    """``compute`` for several dimensions at once, for the price of one."""
    for dimension in by:
        check_dimension(dimension)
    sums = _grouped_sums(conn, period, filters, by)
    frames: dict[str | None, pd.DataFrame] = {}
    for dimension, groups in sums.items():
        if dimension == "modality":
            practice = groups.get(PRACTICE, _Sums()).summary()
            rows = repeat_for_modalities(conn, period, filters, practice)
        else:
            if dimension is None:
                groups.setdefault(PRACTICE, _Sums())
            rows = {group: part.summary() for group, part in groups.items()}
        frames[dimension] = frame(rows, KEYS, ZERO_KEYS, dimension)
    return frames


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Continuity keys for the practice (``by=None``) or per value of a dimension."""
    return compute_many(conn, period, filters, rules, [by])[by]


SCORE_COLUMNS = ["client_id", "primary_clinician_id", "visits", "clinicians"]
SCORE_COLUMNS += ["upc", "coc", "secon"]
SCORE_TYPES = {"visits": "int64", "clinicians": "int64", "upc": "float64", "coc": "float64"}
SCORE_TYPES["secon"] = "float64"


def _kept_one_clinician(conn: Connection, window: _Window, filters: Filters) -> pd.DataFrame:
    """Every counted client with N from their first and last visits in the window (sequence
    numbers), as if none changed clinician: scores 1."""
    first = or_(V.prev_start_at.is_(None), V.prev_start_at < window.start)
    last = or_(V.next_start_at.is_(None), V.next_start_at >= window.end)
    edges = (
        select(V.client_id, (func.max(V.seq) - func.min(V.seq) + 1).label("visits"))
        .where(window.holds(V.start_at), or_(first, last), *_of_clients(filters))
        .group_by(V.client_id)
        .having(func.max(V.seq) > func.min(V.seq))
        .subquery("edges")
    )
    stmt = select(edges.c.client_id, Client.primary_clinician_id, edges.c.visits).join(
        Client, Client.client_id == edges.c.client_id
    )
    kept = pd.DataFrame(packed_rows(conn, stmt), columns=SCORE_COLUMNS[:3])
    return kept.assign(clinicians=1, upc=1.0, coc=1.0, secon=1.0)


def _rate(numerator: int, denominator: int) -> float:
    """``exact_rate(Fraction(numerator, denominator))`` in integers (half to even), for the
    thousands of per-client scores."""
    quotient, remainder = divmod(numerator * 10_000, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2):
        quotient += 1
    return quotient / 10_000


def _changed_scores(conn: Connection, window: _Window, filters: Filters) -> pd.DataFrame:
    counts = _changed_counts(window, filters)
    stmt = select(counts, Client.primary_clinician_id).join(
        Client, Client.client_id == counts.c.client_id
    )
    records = [
        (
            client,
            primary,
            n,
            clinicians,
            _rate(max_n, n),
            _rate(sum_sq - n, n * (n - 1)),
            _rate(same, n - 1),
        )
        for client, n, sum_sq, max_n, clinicians, same, primary in packed_rows(conn, stmt)
    ]
    return pd.DataFrame.from_records(records, columns=SCORE_COLUMNS)


def counted_and_changed(
    conn: Connection, period: Period, filters: Filters
) -> tuple[int, pd.DataFrame]:
    """How many clients are counted, and the ``client_scores`` rows of those who changed
    clinician: every other counted client scores 1 on each measure, so a count of them is all
    a distribution needs (a year at 1M: their rows cost 0.1 s to read)."""
    window = _Window.of(period)
    counted = select(func.count()).where(_first_of_counted(window), *_of_clients(filters))
    changed = _changed_scores(conn, window, filters)
    return int(conn.execute(counted.select_from(V.__table__)).scalar_one()), changed.astype(
        {key: SCORE_TYPES[key] for key in SCORE_TYPES if key in changed}
    )


def client_scores(conn: Connection, period: Period, filters: Filters, rules: Rules) -> pd.DataFrame:
    """One row per counted client (N >= 2 visits in the period), by client id."""
    window = _Window.of(period)
    changed = _changed_scores(conn, window, filters)
    kept = _kept_one_clinician(conn, window, filters)
    kept = kept[~kept["client_id"].isin(changed["client_id"])]
    parts = [part for part in (kept[SCORE_COLUMNS], changed) if not part.empty]
    if not parts:
        return pd.DataFrame(columns=SCORE_COLUMNS).astype(SCORE_TYPES)
    result = pd.concat(parts, ignore_index=True).sort_values("client_id", ignore_index=True)
    return result.astype(SCORE_TYPES)


# --- per week: the same index ranges, one per week ---------------------------------------------
#
# Each week is its own window (clipped to the period and to its past), so the period's
# conditions apply with the week's bounds taken from a small table of weeks joined to the
# rollup: one index range of the rollup per week, and a client-week is counted, or changed
# clinician, exactly as a client is in a period.


def _week_bounds(period: Period) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """The Monday-to-Sunday weeks of the period with visits to count: Monday, start (the later
    of Monday and the period's start) and end (the earlier of next Monday and the period's past
    end: each week's own as-of)."""
    bounds = []
    monday = period.start - dt.timedelta(days=period.start.weekday())
    while monday <= period.end:
        start = max(day_start(monday), period.start_at)
        end = min(day_start(monday + WEEK), period.past_end)
        if start >= end:
            break
        bounds.append((monday, start, end))
        monday += WEEK
    return bounds


def _week_table(bounds: Sequence[tuple[dt.date, dt.datetime, dt.datetime]]) -> FromClause:
    """The weeks as a table (number, start, end) to join to the rollup."""
    rows = [
        select(
            literal(number, Integer).label("number"),
            literal(start, DateTime).label("start"),
            literal(end, DateTime).label("end"),
        )
        for number, (_, start, end) in enumerate(bounds)
    ]
    return union_all(*rows).cte("weeks")


def _weekly_counted(conn: Connection, weeks: FromClause, filters: Filters) -> dict[int, int]:
    """Counted clients per week: the first visits of the week with another visit in it."""
    window = _Window(weeks.c.start, weeks.c.end)
    stmt = (
        select(weeks.c.number, func.count())
        .select_from(weeks)
        .join(V, _first_of_counted(window))
        .where(*_of_clients_each(filters))
        .group_by(weeks.c.number)
    )
    return {int(number): int(count) for number, count in conn.execute(stmt).all()}


def _weekly_changed_counts(weeks: FromClause, span: _Window, filters: Filters) -> Select[Any]:
    """``_changed_counts`` per week: one row per client and week with a change of clinician
    between two visits of the week (``span``: from the first week's start to the last's end)."""
    window = _Window(weeks.c.start, weeks.c.end)
    change = V.same_clinician == literal(0, literal_execute=True)
    changed = (
        select(weeks.c.number, weeks.c.start, weeks.c.end, V.client_id)
        .select_from(weeks)
        .join(V, and_(change, window.holds(V.start_at), V.prev_start_at >= window.start))
        .where(*_of_clients_each(filters))
        .distinct()
        .subquery("changed")
    )
    in_pair = and_(V.same_clinician == 1, V.prev_start_at >= changed.c.start)
    visits_of_week = and_(
        V.client_id == changed.c.client_id,
        V.start_at >= changed.c.start,
        V.start_at < changed.c.end,
        # Implied by the week's bounds; as constants they let PostgreSQL read only the span's
        # visits to join (it hashed the whole rollup: 0.2 s at 1M appointments).
        span.holds(V.start_at),
    )
    pairs = (
        select(
            changed.c.number,
            changed.c.client_id,
            func.count().label("n"),
            func.sum(case((in_pair, 1), else_=0)).label("same"),
        )
        .select_from(changed)
        .join(V, visits_of_week)
        .group_by(changed.c.number, changed.c.client_id, V.clinician_id)
        .subquery("clinician_visits")
    )
    visits = func.sum(pairs.c.n)
    return select(
        pairs.c.number,
        visits.label("visits"),
        func.sum(pairs.c.n * pairs.c.n).label("sum_sq"),
        func.max(pairs.c.n).label("max_n"),
        func.sum(pairs.c.same).label("same"),
    ).group_by(pairs.c.number, pairs.c.client_id)


def weekly(conn: Connection, period: Period, filters: Filters, rules: Rules) -> pd.DataFrame:
    """Continuity keys per Monday-to-Sunday week of the period (clipped to it), from the visit
    sequence rollup: one query of counted clients and one of changes for all weeks.

    Each week is its own period whose as-of is the earlier of the period's and the week's end;
    a week's visits all start before its end, so "past" is still ``start_at < as-of``. Weeks
    with no counted client are left out (the caller knows the weeks)."""
    bounds = _week_bounds(period)
    if not bounds:
        return frame({}, KEYS, ZERO_KEYS, "week")
    weeks = _week_table(bounds)
    counted = _weekly_counted(conn, weeks, filters)
    sums = {number: _Sums(counted=count) for number, count in counted.items()}
    span = _Window(bounds[0][1], bounds[-1][2])
    for row in conn.execute(_weekly_changed_counts(weeks, span, filters)).all():
        sums[int(row.number)].add_changed(row)
    rows = {bounds[number][0]: part.summary() for number, part in sums.items()}
    return frame(rows, KEYS, ZERO_KEYS, "week")


__all__ = [
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "client_scores",
    "compute",
    "compute_many",
    "weekly",
]
