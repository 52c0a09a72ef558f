"""Caseload (metrics.md): clients on a caseload as of the as-of date, the capacity of the
active clinicians, and the clients who came and left in the period.

A client with no primary clinician is still waiting for intake and on nobody's caseload
(``active_client_condition``); for the same reason ``new_clients`` and ``discharges`` count
only clients with a primary clinician: a waiting client's intake_date is their registration
date, not an intake onto a caseload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, func, select

from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    active_client_condition,
    client_conditions,
    clinician_conditions,
    rate,
    ratio,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    check_dimension,
    client_group_column,
    count_if,
    dimension_values,
    frame,
    group_of,
    join_home,
    sorted_group,
    with_group,
)
from dashboard.metrics.sqlfn import unindexed
from db.models import Client, Clinician

KEYS: tuple[str, ...] = (
    "active_caseload",
    "caseload_capacity",
    "caseload_fill",
    "new_clients",
    "discharges",
)
ZERO_KEYS: frozenset[str] = frozenset({"active_caseload", "new_clients", "discharges"})
CLIENT_COUNTS = ("active_caseload", "new_clients", "discharges")
EPOCH = dt.date(1970, 1, 1)
# caseload_capacity may be null, so it stays float64 like the rates.
COUNT_KEYS = CLIENT_COUNTS


def _clinician_group(by: str | None) -> ColumnElement[Any] | None:
    """Filter table, "clinicians counted" column: the clinician, program, home location."""
    return {
        "clinician": Clinician.clinician_id,
        "program": Clinician.program,
        "location": Clinician.location,
    }.get(by or "")


def _client_counts(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, int]]:
    """Active, new and discharged clients with a primary clinician, per client group."""

    def within_period(date: Any) -> ColumnElement[bool]:
        return and_(date >= period.start, date <= period.end)

    sums = {
        "active_caseload": active_client_condition(period.as_of_date),
        "new_clients": within_period(Client.intake_date),
        "discharges": within_period(Client.discharge_date),
    }
    columns = [func.coalesce(count_if(c), 0).label(k) for k, c in sums.items()]
    # Every client is counted: a scan of the table, not a walk of the primary clinician's
    # index with each client's row fetched out of order (by clinician at 1M: 78 -> 40 ms).
    group = sorted_group(client_group_column(by))
    has_clinician = unindexed(Client.primary_clinician_id).is_not(None)
    stmt = (
        select(*columns)
        .select_from(join_home(Client.__table__, by))
        .where(has_clinician, *client_conditions(filters))
    )
    if group is not None:
        stmt = with_group(stmt.where(group.is_not(None)), group)
    return {
        group_of(row, group): {key: int(row._mapping[key]) for key in CLIENT_COUNTS}
        for row in conn.execute(stmt)
    }


def _capacity(conn: Connection, filters: Filters, by: str | None) -> dict[Any, int | None]:
    """Sum of max_caseload of the active clinicians passing the filters; null when none of
    them has one."""
    stmt = select(func.sum(Clinician.max_caseload).label("capacity")).where(
        Clinician.active.is_(True), *clinician_conditions(filters)
    )
    group = _clinician_group(by)
    if group is None:
        return {PRACTICE: conn.execute(stmt).scalar()}
    stmt = stmt.add_columns(group.label("grp")).where(group.is_not(None)).group_by(group)
    return {row.grp: row.capacity for row in conn.execute(stmt)}


def _caseload(counts: dict[str, int], capacity: int | None) -> dict[str, Any]:
    return {
        **counts,
        "caseload_capacity": None if capacity is None else int(capacity),
        "caseload_fill": rate(ratio(counts["active_caseload"], capacity)),
    }


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Caseload keys for the practice (``by=None``) or per value of a dimension.

    Modality does not filter clients or clinicians: by modality, every group carries the
    practice's values."""
    check_dimension(by)
    if by == "modality":
        practice = compute(conn, period, filters, rules).iloc[0].to_dict()
        groups = dimension_values(conn, period, filters, by)
        return frame({group: practice for group in groups}, KEYS, COUNT_KEYS, by)
    counts = _client_counts(conn, period, filters, by)
    capacity = _capacity(conn, filters, by)
    empty = dict.fromkeys(CLIENT_COUNTS, 0)
    rows = {
        group: _caseload(counts.get(group, empty), capacity.get(group))
        for group in set(counts) | set(capacity)
    }
    return frame(rows, KEYS, COUNT_KEYS, by)


def _counts_by_date(conn: Connection, date: Any, filters: Filters, last: dt.date) -> pd.Series:
    """Clients with a primary clinician passing the filters, counted by ``date`` up to ``last``,
    as a cumulative count indexed by epoch day."""
    stmt = (
        select(date.label("day"), func.count().label("clients"))
        .where(
            Client.primary_clinician_id.is_not(None),
            date.is_not(None),
            date <= last,
            *client_conditions(filters),
        )
        .group_by(date)
    )
    rows = conn.execute(stmt).all()
    days_ = np.array([(row.day - EPOCH).days for row in rows], dtype=np.int64)
    order = np.argsort(days_)
    clients = np.array([int(row.clients) for row in rows], dtype=np.int64)[order]
    return pd.Series(np.cumsum(clients), index=days_[order])


def _up_to(cumulative: pd.Series, day: dt.date) -> int:
    """How many were counted on or before ``day``."""
    position = int(np.searchsorted(cumulative.index.to_numpy(), (day - EPOCH).days, "right"))
    return int(cumulative.iloc[position - 1]) if position else 0


def practice_values(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """Caseload keys for each period (its own as-of), from two grouped counts: a client is
    active on a date when their intake date is on or before it and their discharge date
    (never before the intake) is not, so actives = intakes so far - discharges so far."""
    if not periods:
        return []
    last = max(max(period.end, period.as_of_date) for period in periods)
    intakes = _counts_by_date(conn, Client.intake_date, filters, last)
    discharges = _counts_by_date(conn, Client.discharge_date, filters, last)
    capacity = _capacity(conn, filters, None).get(PRACTICE)
    values = []
    for period in periods:
        before = period.start - dt.timedelta(days=1)
        counts = {
            "active_caseload": _up_to(intakes, period.as_of_date)
            - _up_to(discharges, period.as_of_date),
            "new_clients": _up_to(intakes, period.end) - _up_to(intakes, before),
            "discharges": _up_to(discharges, period.end) - _up_to(discharges, before),
        }
        values.append(_caseload(counts, capacity))
    return values


def weekly(
    conn: Connection, period: Period, filters: Filters, weeks: Sequence[tuple[dt.date, Period]]
) -> dict[dt.date, dict[str, Any]]:
    """Caseload keys for each week (its own period and as-of): ``practice_values``."""
    values = practice_values(conn, [week for _, week in weeks], filters)
    return {monday: found for (monday, _), found in zip(weeks, values, strict=True)}


__all__ = ["DIMENSIONS", "KEYS", "ZERO_KEYS", "compute", "practice_values", "weekly"]
