"""Continuity of care (metrics.md): UPC, Bice–Boxerman COC and sequential continuity (SECON)
over each client's visits in the period.

The per-client counts (N, n_i, consecutive same-clinician pairs) are aggregated in SQL with a
LAG window; only one row per counted client comes back. The means over clients are taken in
Python with exact fractions, so a group's value does not depend on the order a database sums
floats in, and SQLite and PostgreSQL give identical results (4-decimal rounding would otherwise
flip on ties such as 0.03125).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import Connection, FromClause, case, func, select

from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    appointments_of_clients,
    in_period,
    is_visit,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    check_dimension,
    client_group_column,
    frame,
    group_of,
    join_home,
    repeat_for_modalities,
)
from dashboard.metrics.sqlfn import epoch_day, epoch_week, monday_of_week
from db.models import Appointment, Client

KEYS: tuple[str, ...] = (
    "continuity_clients",
    "upc",
    "coc",
    "secon",
    "clients_with_clinician_change",
)
ZERO_KEYS: frozenset[str] = frozenset({"continuity_clients", "clients_with_clinician_change"})


def exact_rate(value: Fraction | None) -> float | None:
    """A fraction rounded to 4 decimals exactly (half to even), as a float."""
    return None if value is None else float(round(value, 4))


def _client_visit_counts(period: Period, filters: Filters, *, weekly: bool = False) -> FromClause:
    """One row per counted client (per week when ``weekly``): N visits, the sum of n_i^2, the
    largest n_i, M clinicians and the consecutive pairs with the same clinician."""
    week = epoch_week(epoch_day(Appointment.start_at))
    partition = [Appointment.client_id, week] if weekly else [Appointment.client_id]
    previous = func.lag(Appointment.clinician_id).over(
        partition_by=partition, order_by=(Appointment.start_at, Appointment.appointment_id)
    )
    columns = [Appointment.client_id, Appointment.clinician_id, previous.label("previous")]
    if weekly:
        columns.append(week.label("week"))
    ordered = (
        select(*columns)
        .where(is_visit(period), in_period(period), *appointments_of_clients(filters))
        .subquery("ordered_visits")
    )
    keys = [ordered.c.client_id] + ([ordered.c.week] if weekly else [])
    same = case((ordered.c.previous == ordered.c.clinician_id, 1), else_=0)
    pairs = (
        select(*keys, ordered.c.clinician_id, func.count().label("n"), func.sum(same).label("same"))
        .group_by(*keys, ordered.c.clinician_id)
        .subquery("clinician_visits")
    )
    keys = [pairs.c.client_id] + ([pairs.c.week] if weekly else [])
    visits = func.sum(pairs.c.n)
    return (
        select(
            *keys,
            visits.label("visits"),
            func.sum(pairs.c.n * pairs.c.n).label("sum_sq"),
            func.max(pairs.c.n).label("max_n"),
            func.count().label("clinicians"),
            func.sum(pairs.c.same).label("same"),
        )
        .group_by(*keys)
        .having(visits >= 2)
        .subquery("client_visits")
    )


@dataclasses.dataclass(frozen=True)
class _Scores:
    visits: int
    clinicians: int
    upc: Fraction
    coc: Fraction
    secon: Fraction

    @classmethod
    def of(cls, row: Any) -> _Scores:
        n, sum_sq, same = int(row.visits), int(row.sum_sq), int(row.same)
        return cls(
            visits=n,
            clinicians=int(row.clinicians),
            upc=Fraction(int(row.max_n), n),
            coc=Fraction(sum_sq - n, n * (n - 1)),
            secon=Fraction(same, n - 1),
        )


def _summary(scores: Sequence[_Scores]) -> dict[str, Any]:
    """Group values: counts, and the means over the clients counted (null with none)."""
    count = len(scores)

    def mean(name: str) -> float | None:
        if not count:
            return None
        return exact_rate(sum((getattr(s, name) for s in scores), Fraction(0)) / count)

    return {
        "continuity_clients": count,
        "upc": mean("upc"),
        "coc": mean("coc"),
        "secon": mean("secon"),
        "clients_with_clinician_change": sum(1 for s in scores if s.clinicians >= 2),
    }


def _grouped_scores(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, list[_Scores]]:
    counts = _client_visit_counts(period, filters)
    column = client_group_column(by)
    source = join_home(counts.join(Client, Client.client_id == counts.c.client_id), by)
    columns = [counts.c.visits, counts.c.sum_sq, counts.c.max_n, counts.c.clinicians]
    columns.append(counts.c.same)
    if column is not None:
        columns.append(column.label("grp"))
    groups: dict[Any, list[_Scores]] = {}
    for row in conn.execute(select(*columns).select_from(source)):
        groups.setdefault(group_of(row, column), []).append(_Scores.of(row))
    return groups


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Continuity keys for the practice (``by=None``) or per value of a dimension."""
    check_dimension(by)
    if by == "modality":
        practice = _summary(_grouped_scores(conn, period, filters, None).get(PRACTICE, []))
        return frame(repeat_for_modalities(conn, period, filters, practice), KEYS, ZERO_KEYS, by)
    groups = _grouped_scores(conn, period, filters, by)
    if by is None:
        groups.setdefault(PRACTICE, [])
    rows = {group: _summary(scores) for group, scores in groups.items()}
    return frame(rows, KEYS, ZERO_KEYS, by)


def client_scores(conn: Connection, period: Period, filters: Filters, rules: Rules) -> pd.DataFrame:
    """One row per counted client (N >= 2 visits in the period), by client id."""
    counts = _client_visit_counts(period, filters)
    stmt = (
        select(counts, Client.primary_clinician_id)
        .select_from(counts.join(Client, Client.client_id == counts.c.client_id))
        .order_by(counts.c.client_id)
    )
    records = []
    for row in conn.execute(stmt):
        scores = _Scores.of(row)
        records.append(
            {
                "client_id": row.client_id,
                "primary_clinician_id": row.primary_clinician_id,
                "visits": scores.visits,
                "clinicians": scores.clinicians,
                "upc": exact_rate(scores.upc),
                "coc": exact_rate(scores.coc),
                "secon": exact_rate(scores.secon),
            }
        )
    columns = ["client_id", "primary_clinician_id", "visits", "clinicians", "upc", "coc", "secon"]
    result = pd.DataFrame.from_records(records, columns=columns)
    return result.astype({"visits": "int64", "clinicians": "int64"})


def weekly(conn: Connection, period: Period, filters: Filters, rules: Rules) -> pd.DataFrame:
    """Continuity keys per Monday-to-Sunday week of the period (clipped to it), in one query.

    Each week is its own period whose as-of is the earlier of the period's and the week's end;
    a week's visits all start before its end, so "past" is still ``start_at < as-of``. Weeks
    with no counted client are left out (the caller knows the weeks)."""
    counts = _client_visit_counts(period, filters, weekly=True)
    columns = [counts.c.week, counts.c.visits, counts.c.sum_sq, counts.c.max_n]
    columns += [counts.c.clinicians, counts.c.same]
    groups: dict[dt.date, list[_Scores]] = {}
    for row in conn.execute(select(*columns)):
        groups.setdefault(monday_of_week(row.week), []).append(_Scores.of(row))
    rows = {monday: _summary(scores) for monday, scores in groups.items()}
    return frame(rows, KEYS, ZERO_KEYS, "week")


__all__ = [
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "client_scores",
    "compute",
    "weekly",
]
