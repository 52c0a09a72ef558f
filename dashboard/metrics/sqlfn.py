"""Date arithmetic that SQLite and PostgreSQL spell differently, as portable SQL functions
(each one's spelling per database in ``SPELLINGS``).

Both return integers, so grouping by day or week and subtracting dates is plain arithmetic in
the query, on one code path for both databases.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# 1970-01-01 was a Thursday; adding 3 makes weeks start on Monday.
MONDAY_OFFSET = 3
# SQLite's unixepoch() (3.38+): strftime('%s')'s integer without the text round trip.
SQLITE_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)
EPOCH = dt.date(1970, 1, 1)


class epoch_day(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """Whole days from 1970-01-01 to the date of a date or naive timestamp."""

    type = Integer()
    inherit_cache = True
    name = "epoch_day"


class epoch_minute(FunctionElement[int]):  # noqa: N801
    """Whole minutes from 1970-01-01 00:00 to a naive timestamp."""

    type = Integer()
    inherit_cache = True
    name = "epoch_minute"


class epoch_second(FunctionElement[int]):  # noqa: N801
    """Whole seconds from 1970-01-01 00:00 to a naive timestamp (fractions dropped)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_second"


class epoch_microsecond(FunctionElement[int]):  # noqa: N801
    """Whole microseconds from 1970-01-01 00:00 to a naive timestamp: exact, so moments can be
    compared in numpy as they compare in SQL."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_microsecond"


class start_day(FunctionElement[Any]):  # noqa: N801
    """The date of a naive timestamp as the database sorts it: on SQLite the stored text's
    first ten characters ('YYYY-MM-DD'), spelled exactly as the expression index of migration
    0007 so that a query grouped by it reads that index in order; on PostgreSQL a DATE."""

    inherit_cache = True
    name = "start_day"


class day_after(FunctionElement[Any]):  # noqa: N801
    """``day_after(moment, days)``: the date that many days after a naive timestamp's date,
    comparable with ``start_day`` (SQLite's 'YYYY-MM-DD' text, PostgreSQL's DATE): a test of
    dates that parses one date per row, where a difference of ``epoch_day``s parses two
    moments twice (early engagement over two years at 1M: 74 -> 53 ms)."""

    inherit_cache = True
    name = "day_after"


@compiles(day_after, "sqlite")
def _day_after_sqlite(found: day_after, compiler: Any, **kw: Any) -> str:
    moment, days = (compiler.process(clause, **kw) for clause in found.clauses)
    # Of the date alone: SQLite parses a time's fraction to milliseconds, which would put
    # 23:59:59.9999995 on the next day.
    return f"date(substr({moment}, 1, 10), '+' || {days} || ' days')"


@compiles(day_after, "postgresql")
def _day_after_postgresql(found: day_after, compiler: Any, **kw: Any) -> str:
    moment, days = (compiler.process(clause, **kw) for clause in found.clauses)
    return f"(CAST({moment} AS DATE) + CAST({days} AS INTEGER))"


class moment_text(FunctionElement[str]):  # noqa: N801
    """A naive timestamp as text numpy parses by the hundred thousand at once, for reads that
    hand many moments over as one string per group rather than a row each: on SQLite the
    stored text as it is ('YYYY-MM-DD HH:MM:SS.ffffff' as SQLAlchemy writes it; cutting it to
    the second cost a third of a year's read of held moments), on PostgreSQL cut to the
    second ('YYYY-MM-DD HH:MM:SS'). ``availability.parse_moments`` reads either, to whole
    seconds (fractions dropped, as ``epoch_second``)."""

    type = String()
    inherit_cache = True
    name = "moment_text"


class unindexed(FunctionElement[Any]):  # noqa: N801
    """A column the SQLite planner must not pick an index for (its unary ``+``): a filter
    that would otherwise lead a read through the wrong index. Plain elsewhere."""

    type = String()
    inherit_cache = True
    name = "unindexed"


class at_midnight(FunctionElement[bool]):  # noqa: N801
    """Whether a timestamp is at (or, on SQLite, sorts at or before) its day's 00:00, as the
    database compares it with a midnight as-of: on SQLite the stored text after the date
    against SQLAlchemy's ' 00:00:00.000000'."""

    type = Boolean()
    inherit_cache = True
    name = "at_midnight"


def _sqlite_seconds(arg: str) -> str:
    # Only 'YYYY-MM-DD HH:MM:SS': SQLite parses the fraction to milliseconds, rounding
    # 10:00:00.9999 up to 10:00:01, where PostgreSQL's FLOOR keeps 10:00:00.
    whole = f"substr({arg}, 1, 19)"
    return (
        f"unixepoch({whole})" if SQLITE_UNIXEPOCH else f"CAST(strftime('%s', {whole}) AS INTEGER)"
    )


def _pg_epoch(arg: str) -> str:
    return f"EXTRACT(EPOCH FROM CAST({arg} AS TIMESTAMP))"


Spelling = Callable[[str], str]
# Each function's SQL on each database, from its compiled argument.
SPELLINGS: dict[type[FunctionElement[Any]], dict[str, Spelling]] = {
    epoch_day: {
        # date() first: julianday of the whole text rounds to milliseconds, which would put
        # 23:59:59.9999 on the next day; date() keeps it on its own.
        "sqlite": lambda a: f"CAST(julianday(date({a})) - 2440587.5 AS INTEGER)",
        "postgresql": lambda a: f"(CAST({a} AS DATE) - DATE '1970-01-01')",
    },
    epoch_minute: {
        "sqlite": lambda a: f"CAST(ROUND((julianday({a}) - 2440587.5) * 1440) AS INTEGER)",
        "postgresql": lambda a: f"CAST(FLOOR({_pg_epoch(a)} / 60) AS INTEGER)",
    },
    epoch_second: {
        "sqlite": _sqlite_seconds,
        "postgresql": lambda a: f"CAST(FLOOR({_pg_epoch(a)}) AS BIGINT)",
    },
    epoch_microsecond: {
        # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff"; the fraction, when there is one, is
        # characters 21 to 26.
        "sqlite": lambda a: (
            f"({_sqlite_seconds(a)} * 1000000 + CAST(substr({a} || '.000000', 21, 6) AS INTEGER))"
        ),
        "postgresql": lambda a: f"CAST({_pg_epoch(a)} * 1000000 AS BIGINT)",
    },
    start_day: {
        "sqlite": lambda a: f"substr({a}, 1, 10)",
        "postgresql": lambda a: f"CAST({a} AS DATE)",
    },
    moment_text: {
        "sqlite": lambda a: a,
        # The text of a timestamp cut to its second: faster than to_char (0.12 s against
        # 0.19 s for a year's 200,000 held appointments at 1M).
        "postgresql": lambda a: f"CAST(date_trunc('second', CAST({a} AS TIMESTAMP)) AS TEXT)",
    },
    unindexed: {"sqlite": lambda a: f"+{a}", "postgresql": lambda a: a},
    at_midnight: {
        "sqlite": lambda a: f"(substr({a}, 11) <= ' 00:00:00.000000')",
        "postgresql": lambda a: f"({a} = date_trunc('day', {a}))",
    },
}


def _register(element: type[FunctionElement[Any]], dialect: str, spell: Spelling) -> None:
    @compiles(element, dialect)
    def _compile(found: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
        return spell(compiler.process(found.clauses, **kw))


for _element, _spellings in SPELLINGS.items():
    for _dialect, _spell in _spellings.items():
        _register(_element, _dialect, _spell)


def epoch_week(day_number: Any) -> Any:
    """Monday-based week number of an epoch_day expression (integer division)."""
    return (day_number + MONDAY_OFFSET) // 7


@functools.cache  # called per row of reads grouped by day; a few hundred weeks ever asked
def monday_of_week(week_number: int) -> dt.date:
    """The Monday of an ``epoch_week`` number."""
    return EPOCH + dt.timedelta(days=int(week_number) * 7 - MONDAY_OFFSET)
