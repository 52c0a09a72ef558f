"""Breakdowns by a dimension, shared by every area: the dimensions, what an appointment or a
client is grouped by (the filter table of metrics.md), the values a dimension takes in the
data, and the contract's DataFrame built from per-group rows.

A breakdown is a dict ``{group: {key: value}}`` with the practice as the one group ``PRACTICE``
when there is no dimension; ``frame`` turns it into the DataFrame every ``compute`` returns.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, FromClause, Select, case, func, select
from sqlalchemy.orm import aliased

from dashboard.metrics.common import Filters, Period, appointment_conditions, in_period
from dashboard.metrics.sqlfn import EPOCH, unindexed
from db.models import Appointment, Availability, Client, Clinician, WaitlistEntry

DIMENSIONS = ("clinician", "program", "location", "modality")
PRACTICE = "practice"

# The primary clinician of a client, joined only to group by their home location; and the
# appointment's client, joined only to group by program. Aliases, so that the subqueries of
# the filters are never auto-correlated to them.
HOME = aliased(Clinician, name="home_clinician")
APPOINTMENT_CLIENT = aliased(Client, name="group_client")


def check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; expected one of {DIMENSIONS}")


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition`` (SQL; null over no rows)."""
    return func.sum(case((condition, 1), else_=0))


# --- appointments: filter table, "appointments" column ------------------------------------------


def appointment_group_column(by: str | None) -> ColumnElement[Any] | None:
    """The column an appointment is grouped by: its clinician, its client's program, its
    location, its modality; None for the practice."""
    return {
        "clinician": Appointment.clinician_id,
        "program": APPOINTMENT_CLIENT.program,
        "location": Appointment.location,
        "modality": Appointment.modality,
    }.get(by or "")


def join_appointment_client(source: FromClause, by: str | None) -> FromClause:
    """``source`` (which includes appointments) joined to their client when grouping by
    program."""
    if by != "program":
        return source
    return source.outerjoin(
        APPOINTMENT_CLIENT, APPOINTMENT_CLIENT.client_id == Appointment.client_id
    )


# --- many periods from one read: sums by day -----------------------------------------------------


def raw_rows(conn: Connection, stmt: Any) -> list[tuple]:
    """The driver's own row tuples: no Row object or type processing per value. For reads of
    many rows whose columns are strings and numbers (or moments the caller parses itself),
    which need no processing."""
    result = conn.execute(stmt)
    try:
        return result.cursor.fetchall() if result.returns_rows else []
    finally:
        result.close()


# SQLite's JSON functions are built in from 3.38.
SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38, 0)


def packed_rows(conn: Connection, stmt: Select[Any]) -> list[Sequence[Any]]:
    """``raw_rows`` of a read whose rows hold only integers and text, in no particular order,
    that may run beside another thread: on SQLite as one JSON array, built by the database.

    The sqlite3 module lets go of the GIL for every row it steps to and must win it back for
    the next; while another thread of the process runs Python (a read beside building its
    frames), each row waits for that thread's switch interval (5 ms). Two years of the
    practice's days (3,600 rows) took 17 s beside a busy thread against 0.1 s alone; as one
    value, the database does all its work in one step and the rows cost one ``json.loads``.
    JSON keeps integers and text exact (not every real), and a statement's order is not kept."""
    if conn.dialect.name != "sqlite" or not SQLITE_JSON:
        return raw_rows(conn, stmt)
    inner = stmt.subquery()
    packed = select(func.json_group_array(func.json_array(*inner.c)))
    return json.loads(conn.execute(packed).scalar_one())


def span_of(periods: Sequence[Period]) -> Period:
    """The smallest period that holds every one of ``periods``, as of the latest as-of."""
    return Period(
        min(p.start for p in periods), max(p.end for p in periods), max(p.as_of for p in periods)
    )


def split_moment(periods: Sequence[Period]) -> dt.datetime | None:
    """The one as-of of ``periods`` that is not a midnight (None when all are); by-day sums
    split that day's rows at it. More than one such as-of has no by-day answer."""
    moments = {p.as_of for p in periods if p.as_of.time() != dt.time()}
    if len(moments) > 1:
        raise ValueError(f"periods as of more than one time of day: {sorted(moments)}")
    return next(iter(moments), None)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclasses.dataclass(frozen=True)
class DaySums:
    """Named sums of rows by the day of a moment and by whether the moment is before the split
    moment; any period made of whole days, as of a midnight or of the split moment, is then a
    sum over these rows: exactly its own query's sums."""

    days: np.ndarray
    before_split: np.ndarray
    sums: dict[str, np.ndarray]

    def mask(self, period: Period, *, past: bool) -> np.ndarray:
        """Rows in the period's dates; with ``past``, only those before its as-of."""
        inside = (self.days >= day_number(period.start)) & (self.days <= day_number(period.end))
        if not past:
            return inside
        as_of_day = day_number(period.as_of.date())
        # A midnight as-of takes whole days; the split moment (the only other) cuts its day.
        cut = self.before_split if period.as_of.time() != dt.time() else False
        return inside & ((self.days < as_of_day) | ((self.days == as_of_day) & cut))

    def total(self, name: str, period: Period, *, past: bool) -> int:
        return int(self.sums[name][self.mask(period, past=past)].sum())


# --- clients: filter table, "clients" column ----------------------------------------------------


def client_group_column(by: str | None) -> ColumnElement[Any] | None:
    """The client column a client-based indicator groups by: primary clinician, program, the
    primary clinician's home location; None for the practice and for modality, which does not
    filter clients."""
    return {
        "clinician": Client.primary_clinician_id,
        "program": Client.program,
        "location": HOME.location,
    }.get(by or "")


def join_home(source: FromClause, by: str | None) -> FromClause:
    """``source`` (which includes clients) joined to the primary clinician when grouping by
    location."""
    if by != "location":
        return source
    return source.outerjoin(HOME, HOME.clinician_id == Client.primary_clinician_id)


# --- grouped queries and rows -------------------------------------------------------------------


def sorted_group(column: ColumnElement[Any] | None) -> ColumnElement[Any] | None:
    """A breakdown's grouping column, unindexed: SQLite reads the rows as it would for the
    practice and sorts the few groups' rows, rather than walking the grouping column's index
    and fetching every row out of order (clients by clinician: 2-4x slower)."""
    return None if column is None else unindexed(column)


def with_group(stmt: Select[Any], column: ColumnElement[Any] | None) -> Select[Any]:
    """``stmt`` with a ``grp`` column grouped by, or unchanged for the practice."""
    if column is None:
        return stmt
    return stmt.add_columns(column.label("grp")).group_by(column)


def group_of(row: Any, column: ColumnElement[Any] | None) -> Any:
    return PRACTICE if column is None else row.grp


def grouped_rows(
    conn: Connection, stmt: Select[Any], column: ColumnElement[Any] | None
) -> dict[Any, Any]:
    """The rows of a ``with_group`` query (counts and its group: integers and text) by group,
    each with its columns by label. Grouped, read as ``packed_rows``: a group per clinician
    read beside a thread running Python took 1.05 s instead of 0.05 s, the database waiting
    for the GIL once per row."""
    if column is None:  # one row: nothing to wait for
        return {PRACTICE: conn.execute(stmt).one()}
    row_type = _row_type(tuple(found.key for found in stmt.selected_columns))
    rows = (row_type(*values) for values in packed_rows(conn, stmt))
    return {group_of(row, column): row for row in rows}


@functools.cache
def _row_type(labels: tuple[str, ...]) -> type:
    """A row of these column labels: a named tuple, its fields by label."""
    return collections.namedtuple("Row", labels, rename=True)  # type: ignore[misc]


def merge_groups(*parts: Mapping[Any, Mapping[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Rows from several queries over the same groups, joined by group (outer join)."""
    merged: dict[Any, dict[str, Any]] = {}
    for part in parts:
        for group, row in part.items():
            merged.setdefault(group, {}).update(row)
    return merged


def frame(
    rows: Mapping[Any, Mapping[str, Any]],
    keys: Sequence[str],
    count_keys: Iterable[str],
    by: str | None,
) -> pd.DataFrame:
    """The contract's DataFrame: one column per key, indexed by group (sorted; a null group is
    dropped, as no filter selects it). Counts are int64, 0 where a group lacks them; everything
    else, and a count that is null (the waitlist's under a clinician filter), is float64 with
    NaN for null."""
    counts = frozenset(count_keys)
    groups = sorted(group for group in rows if group is not None)
    data = {
        key: [rows[group].get(key, 0 if key in counts else None) for group in groups]
        for key in keys
    }
    result = pd.DataFrame(data, index=pd.Index(groups, name=by, dtype=object), columns=list(keys))
    for key in keys:
        whole = key in counts and bool(result[key].notna().all())
        result[key] = result[key].astype("int64" if whole else "float64")
    return result


# --- the values of a dimension ------------------------------------------------------------------


def dimension_values(conn: Connection, period: Period, filters: Filters, by: str) -> list[str]:
    """The values of a dimension found in the data, for a breakdown of keys that the dimension
    does not filter (they carry their unfiltered value in every group), so those keys have a
    row wherever another area may have one: clinician: every clinician; program: those of
    clinicians, clients and waitlist entries; location: clinicians' homes, block locations and
    the locations of the period's appointments that pass the filters; modality: those of the
    period's appointments that pass the filters. A filter on the dimension itself keeps only
    its value."""
    queries: list[Any]
    if by == "clinician":
        queries = [select(Clinician.clinician_id)]
    elif by == "program":
        queries = [select(Clinician.program), select(Client.program)]
        queries.append(select(WaitlistEntry.program))
    elif by == "location":
        others = dataclasses.replace(filters, location=None)
        queries = [select(Clinician.location), select(Availability.location)]
        queries.append(_period_appointments(Appointment.location, period, others))
    elif by == "modality":
        others = dataclasses.replace(filters, modality=None)
        queries = [_period_appointments(Appointment.modality, period, others)]
    else:
        raise ValueError(f"unknown dimension {by!r}; expected one of {DIMENSIONS}")
    values = {value for stmt in queries for value in conn.execute(stmt.distinct()).scalars()}
    own = getattr(filters, by)
    return sorted(value for value in values if value is not None and own in (None, value))


def _period_appointments(column: Any, period: Period, filters: Filters) -> Any:
    return select(column).where(in_period(period), *appointment_conditions(filters))


def repeat_for_modalities(
    conn: Connection, period: Period, filters: Filters, practice_row: Mapping[str, Any]
) -> dict[Any, Mapping[str, Any]]:
    """For an area that modality does not filter: every modality found in the data carries
    the unfiltered value."""
    return {
        modality: practice_row for modality in dimension_values(conn, period, filters, "modality")
    }


__all__ = [
    "DIMENSIONS",
    "PRACTICE",
    "DaySums",
    "appointment_group_column",
    "check_dimension",
    "client_group_column",
    "count_if",
    "day_number",
    "dimension_values",
    "frame",
    "group_of",
    "grouped_rows",
    "join_appointment_client",
    "join_home",
    "merge_groups",
    "raw_rows",
    "repeat_for_modalities",
    "span_of",
    "split_moment",
    "with_group",
]
