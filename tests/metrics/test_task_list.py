"""The task list's closed tasks: newest first, the newest ``limit`` of them, read from the index
of their completion moments (migration 0011) on SQLite without sorting every closed task."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from dashboard.metrics.task_queue import CLOSED, TaskFilters, task_list
from db.task_queue import TaskScope
from tests.factory import Practice

NOW = dt.datetime(2026, 3, 20, 12, 0)


def _build(p: Practice) -> None:
    p.clinician("C1")
    p.client("K1", primary="C1")
    # Closed in this order of completion: X2 (03-02), X4 (03-05), X1 (03-09), X3 (03-12).
    p.task("X1", due="2026-03-10", client_id="K1", status="done", completed="2026-03-09T10:00")
    p.task("X2", due="2026-03-03", client_id="K1", status="done", completed="2026-03-02T16:00")
    p.task("X3", due="2026-03-13", client_id="K1", status="cancelled", completed="2026-03-12T08:00")
    p.task("X4", due="2026-03-06", client_id="K1", status="done", completed="2026-03-05T09:30")
    p.task("O1", due="2026-03-25", client_id="K1")  # open: never in the closed list


def test_closed_tasks_newest_first_and_only_the_newest(practice: Practice) -> None:
    _build(practice)
    director = TaskScope("director")
    with practice.db.read() as conn:
        every = task_list(conn, director, TaskFilters(status=CLOSED), NOW)
        newest = task_list(conn, director, TaskFilters(status=CLOSED), NOW, limit=2)
    assert every["task_id"].tolist() == ["X3", "X1", "X4", "X2"]
    assert newest["task_id"].tolist() == ["X3", "X1"]


def test_closed_tasks_are_read_from_the_completion_index(practice: Practice) -> None:
    """SQLite walks the completion index from its newest end instead of finding the closed
    tasks through the status index and sorting them all. Its choice between the two rests on
    statistics of the table's size: without any (this small practice has none; its ANALYZE
    would say a sort is cheap, where at 230,000 tasks it says the opposite, as the bench shows)
    the query's shape decides, and a status filter the planner may use picked the status
    index."""
    if practice.db.engine.dialect.name != "sqlite":
        return  # PostgreSQL: the index exists (test_schema); its plan depends on table size
    _build(practice)
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    with practice.db.read() as conn:
        event.listen(conn, "before_cursor_execute", keep)
        for scope in (TaskScope("director"), TaskScope("front_desk")):
            task_list(conn, scope, TaskFilters(status=CLOSED), NOW)
        event.remove(conn, "before_cursor_execute", keep)
        plans = [
            " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            for statement, parameters in statements
            if "ORDER BY" in statement
        ]
    director, front_desk = plans
    assert "USING INDEX ix_tasks_completed_at" in director
    assert "USING INDEX ix_tasks_assignee_completed_at (assignee=?)" in front_desk
    # Only the tie-break on the task id is sorted, among tasks closed at the same moment.
    assert all("TEMP B-TREE FOR ORDER BY" not in plan for plan in plans)
