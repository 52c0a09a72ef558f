"""Bulk writing of the demo practice: plain executemany on SQLite, COPY on PostgreSQL.

Values arrive already in their stored form: SQLAlchemy's SQLite formats for dates and times
(``2026-03-02 09:00:00.000000``, ``2026-03-02``, ``09:00:00.000000``), which PostgreSQL parses
too, so one representation serves both databases and reads back through the ORM unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection

CHUNK = 20_000
SQLITE_CACHE_KIB = 256 * 1024
MINUTES_PER_DAY = 1440

Table = dict[str, Any]  # column name -> list or numpy array of stored values


class Clock:
    """Turns the generator's day and minute numbers into stored date and time strings."""

    def __init__(self, first_monday: dt.date) -> None:
        self.first_monday = first_monday
        self.base = np.datetime64(first_monday, "m")

    def stamps(self, minutes: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Date-time strings; None where ``present`` is False."""
        days, minute_of_day = np.divmod(np.asarray(minutes, dtype=np.int64), MINUTES_PER_DAY)
        # Format each distinct day once, then join day and time texts element by element.
        unique_days, where = np.unique(days, return_inverse=True)
        day_text = self.dates(unique_days).astype(object) + " "
        return _with_nulls(day_text[where] + TIMES_OF_DAY[minute_of_day], present)

    def dates(self, days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        days = np.asarray(days, dtype=np.int64)
        stamps = self.base.astype("datetime64[D]") + days.astype("timedelta64[D]")
        return _with_nulls(np.datetime_as_string(stamps, unit="D"), present)

    def datetimes(self, minutes: np.ndarray) -> list[dt.datetime]:
        stamps = self.base + np.asarray(minutes, dtype=np.int64).astype("timedelta64[m]")
        return stamps.astype("datetime64[us]").tolist()

    def date(self, day: int) -> dt.date:
        return self.first_monday + dt.timedelta(days=int(day))


def clock_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00.000000"


TIMES_OF_DAY = np.array([clock_time(m) for m in range(MINUTES_PER_DAY)], dtype=object)


def _with_nulls(text: np.ndarray, present: np.ndarray | None) -> np.ndarray:
    values = text.astype(object)
    if present is not None:
        values[~np.asarray(present, dtype=bool)] = None
    return values


def as_list(column: Any) -> list[Any]:
    """Plain Python values (numpy scalars are not understood by the drivers)."""
    return column.tolist() if isinstance(column, np.ndarray) else list(column)


def row_count(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


def write_tables(
    conn: Connection,
    tables: Sequence[tuple[str, Table]],
    advance: Callable[[int], None] = lambda n: None,
) -> None:
    """Insert every table, in order, inside the caller's transaction."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # A large page cache keeps the random-order indexes (client, clinician) in memory.
        previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    for name, table in tables:
        if not row_count(table):
            continue
        columns = list(table)
        values = [as_list(table[c]) for c in columns]
        if sqlite:
            _insert(conn, name, columns, values, advance)
        else:
            _copy(conn, name, columns, values, advance)
    if sqlite:
        conn.exec_driver_sql(f"PRAGMA cache_size = {previous}")


def _chunks(values: list[list[Any]]) -> Iterator[list[tuple]]:
    """Rows in chunks, built as they are needed."""
    for first in range(0, len(values[0]), CHUNK):
        yield list(zip(*(column[first : first + CHUNK] for column in values), strict=True))


def _insert(
    conn: Connection,
    name: str,
    columns: list[str],
    values: list[list[Any]],
    advance: Callable[[int], None],
) -> None:
    """Rows staged in a temporary table, then moved in one INSERT ... SELECT: the row triggers
    of appointments (migration 0010) cost 2.4x more under a statement per row."""
    names = ", ".join(columns)
    stage = f"temp.stage_{name}"
    conn.exec_driver_sql(f"CREATE TEMP TABLE stage_{name} AS SELECT {names} FROM {name} WHERE 0")
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {stage} ({names}) VALUES ({marks})"
    for chunk in _chunks(values):
        conn.exec_driver_sql(sql, chunk)
        advance(len(chunk))
    conn.exec_driver_sql(f"INSERT INTO {name} ({names}) SELECT {names} FROM {stage}")
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def _copy(
    conn: Connection,
    name: str,
    columns: list[str],
    values: list[list[Any]],
    advance: Callable[[int], None],
) -> None:
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in _chunks(values):
            for row in chunk:
                copy.write_row(row)
            advance(len(chunk))
