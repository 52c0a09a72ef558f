"""What the area tests share: calendar shorthands, the default rules, a week, an area's row for
the practice, the check that a breakdown is the filtered computation, and the query plans of
a block's grouped reads.

Calendar: 2026-03-02 is a Monday; US clocks spring forward on Sunday 2026-03-08 and fall back
on Sunday 2026-11-01.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pandas as pd
from sqlalchemy import Connection, event

from dashboard.metrics.common import Filters, Period, Rules
from db.engine import Database

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
RULES = Rules()
WEEK = Period.make(D("2026-03-02"), D("2026-03-08"))  # as-of 03-09 00:00


def area_row(
    area: ModuleType,
    db: Database,
    period: Period,
    filters: Filters = Filters(),
    rules: Rules = RULES,
) -> dict[str, Any]:
    """The area's keys for the practice (null as None), after checking the frame's shape."""
    with db.read() as conn:
        result = area.compute(conn, period, filters, rules)
    assert list(result.columns) == list(area.KEYS)
    assert list(result.index) == ["practice"]
    return {key: None if pd.isna(value) else value for key, value in result.iloc[0].items()}


def assert_breakdown_matches(
    area: ModuleType, conn: Connection, period: Period, filters: Filters, by: str
) -> pd.DataFrame:
    """Each row of ``compute(by=by)`` equals ``compute`` with that dimension filtered (the
    definition of a breakdown). Returns the breakdown."""
    grouped = area.compute(conn, period, filters, RULES, by=by)
    assert grouped.index.name == by
    assert list(grouped.columns) == list(area.KEYS)
    for value in grouped.index:
        alone = area.compute(conn, period, dataclasses.replace(filters, **{by: value}), RULES)
        pd.testing.assert_frame_equal(
            grouped.loc[[value]].reset_index(drop=True), alone.reset_index(drop=True)
        )
    return grouped


@contextmanager
def grouped_plans(conn: Connection) -> Iterator[list[str]]:
    """SQLite's query plan of each grouped statement run inside the block, on ``conn`` or on a
    connection beside it (``read_beside``), filled as it ends (none on PostgreSQL)."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    plans: list[str] = []
    event.listen(conn.engine, "before_cursor_execute", keep)
    try:
        yield plans
    finally:
        event.remove(conn.engine, "before_cursor_execute", keep)
    if conn.dialect.name == "sqlite":
        for statement, parameters in statements:
            if "GROUP BY" in statement:
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans.append(" ".join(str(row[-1]) for row in plan))
