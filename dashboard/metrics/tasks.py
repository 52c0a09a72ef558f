"""Follow-up tasks as of as-of (metrics.md): open, overdue and completed on time.

``Task.due_at`` is the due moment (a task due on a date alone is stored as the next day's
00:00), so "overdue" is one comparison. Tasks are filtered by assignee, the client's program and
the assignee's home location; modality does not filter them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, String, and_, or_, select, type_coerce
from sqlalchemy.orm import aliased

from dashboard.metrics.common import Filters, Period, Rules, all_of, in_period, rate, ratio
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    check_dimension,
    count_if,
    frame,
    grouped_rows,
    repeat_for_modalities,
    with_group,
)
from db.models import Client, Clinician, Task
from db.timeutil import day_start

KEYS: tuple[str, ...] = ("open_tasks", "overdue_tasks", "on_time_rate")
ZERO_KEYS: frozenset[str] = frozenset({"open_tasks", "overdue_tasks"})
# One period: one SQL aggregate; more (trends): one read of the tasks, compared in numpy.
SQL_PERIODS = 1

# The assignee (when a clinician) and the task's client, joined only to group by them.
ASSIGNEE = aliased(Clinician, name="assignee_clinician")
SUBJECT = aliased(Client, name="subject_client")


def task_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Filter-table column "tasks": assignee, the client's program, the assignee's home
    location (a task without a client, or assigned to the front desk, fails those)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.clinician:
        conditions.append(Task.assignee == filters.clinician)
    if filters.program:
        conditions.append(
            Task.client_id.in_(select(Client.client_id).where(Client.program == filters.program))
        )
    if filters.location:
        conditions.append(
            Task.assignee.in_(
                select(Clinician.clinician_id).where(Clinician.location == filters.location)
            )
        )
    return conditions


def open_condition(period: Period) -> ColumnElement[bool]:
    """Open as of as-of: created by then (no created_at: always), and open, or done or
    cancelled only after as-of."""
    created = or_(Task.created_at.is_(None), Task.created_at <= period.as_of)
    closed_later = and_(Task.status.in_(("done", "cancelled")), Task.completed_at > period.as_of)
    return and_(created, or_(Task.status == "open", closed_later))


def done_condition(period: Period) -> ColumnElement[bool]:
    """Done with ``completed_at`` in the period and by as-of (a task completed later is still
    open as of as-of)."""
    return and_(
        Task.status == "done",
        in_period(period, Task.completed_at),
        Task.completed_at <= period.as_of,
    )


def _group_column(by: str | None) -> ColumnElement[Any] | None:
    if by == "clinician":
        # Only clinicians: the front-desk queue is no value of the clinician dimension.
        return ASSIGNEE.clinician_id
    if by == "program":
        return SUBJECT.program
    if by == "location":
        return ASSIGNEE.location
    return None


def _rows(
    conn: Connection, period: Period, filters: Filters, by: str | None
) -> dict[Any, dict[str, Any]]:
    column = _group_column(by)
    source = Task.__table__
    if by in ("clinician", "location"):
        source = source.outerjoin(ASSIGNEE, ASSIGNEE.clinician_id == Task.assignee)
    elif by == "program":
        source = source.outerjoin(SUBJECT, SUBJECT.client_id == Task.client_id)
    is_open, is_done = open_condition(period), done_condition(period)
    stmt = with_group(
        select(
            count_if(is_open).label("open"),
            count_if(and_(is_open, Task.due_at < period.as_of)).label("overdue"),
            count_if(is_done).label("done"),
            count_if(and_(is_done, Task.completed_at <= Task.due_at)).label("on_time"),
        )
        .select_from(source)
        .where(or_(is_open, is_done), all_of(task_conditions(filters))),
        column,
    )
    return {
        group: {
            "open_tasks": int(row.open or 0),
            "overdue_tasks": int(row.overdue or 0),
            "on_time_rate": rate(ratio(int(row.on_time or 0), int(row.done or 0))),
        }
        for group, row in grouped_rows(conn, stmt, column).items()
    }


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Task keys for the practice (``by=None``) or per value of a dimension."""
    check_dimension(by)
    if by is None:
        rows = {PRACTICE: practice_values(conn, [period], filters)[0]}
    elif by == "modality":
        practice = practice_values(conn, [period], filters)[0]
        rows = repeat_for_modalities(conn, period, filters, practice)
    else:
        rows = _rows(conn, period, filters, by)
    return frame(rows, KEYS, ZERO_KEYS, by)


def practice_values(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """The task keys of each period (its own as-of), from one scan of the tasks: per period,
    a count of the rows meeting ``open_condition`` and ``done_condition``, so each value is
    exactly the single-period definition."""
    if not periods:
        return []
    if len(periods) > SQL_PERIODS:
        return _values_in_numpy(conn, periods, filters)
    columns = []
    for period in periods:
        is_open, is_done = open_condition(period), done_condition(period)
        columns += [
            count_if(is_open),
            count_if(and_(is_open, Task.due_at < period.as_of)),
            count_if(is_done),
            count_if(and_(is_done, Task.completed_at <= Task.due_at)),
        ]
    stmt = select(*columns).where(_candidates(periods), all_of(task_conditions(filters)))
    row = conn.execute(stmt).one()
    values = []
    for n in range(len(periods)):
        open_, overdue, done, on_time = (int(x or 0) for x in row[4 * n : 4 * n + 4])
        values.append(
            {
                "open_tasks": open_,
                "overdue_tasks": overdue,
                "on_time_rate": rate(ratio(on_time, done)),
            }
        )
    return values


def _candidates(periods: Sequence[Period]) -> ColumnElement[bool]:
    """Open as of some as-of or done in some period: open now, or closed on or after the
    earliest as-of or period start (a cheap superset; each count applies its own condition)."""
    earliest = min(min(p.as_of for p in periods), min(day_start(p.start) for p in periods))
    return or_(Task.status == "open", Task.completed_at >= earliest)


def moments(values: Sequence[Any]) -> np.ndarray:
    """Datetimes (or SQLite's ISO text, read as text to skip per-row parsing) as int64
    microseconds; null as NaT's minimum, which the callers replace."""
    parsed = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")
    return parsed.to_numpy(dtype="datetime64[us]").astype(np.int64)


def _values_in_numpy(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """``practice_values`` for many periods: one read of the candidate tasks' status and
    moments, then each period's conditions (``open_condition``, ``done_condition``) as array
    comparisons, so the per-period cost is not a SQL aggregate per row."""
    as_text = [type_coerce(c, String) for c in (Task.created_at, Task.completed_at, Task.due_at)]
    stmt = select(Task.status, *as_text).where(
        _candidates(periods), all_of(task_conditions(filters))
    )
    rows = conn.execute(stmt).all()
    status = np.array([row[0] for row in rows], dtype=object)
    created, completed, due = (moments([row[n] for row in rows]) for n in (1, 2, 3))
    null = np.iinfo(np.int64).min  # NaT
    always = created == null  # no created_at: always created
    has_completed = completed != null
    is_open_now, is_done = status == "open", status == "done"
    closed = np.isin(status, ("done", "cancelled")) & has_completed
    on_time = has_completed & (completed <= due)
    values = []
    for period in periods:
        as_of = microseconds(period.as_of)
        start, end = microseconds(period.start_at), microseconds(period.end_at)
        was_created = always | (created <= as_of)
        open_ = was_created & (is_open_now | (closed & (completed > as_of)))
        done = is_done & has_completed & (completed >= start) & (completed < end)
        done &= completed <= as_of
        values.append(
            {
                "open_tasks": int(open_.sum()),
                "overdue_tasks": int((open_ & (due < as_of)).sum()),
                "on_time_rate": rate(ratio(int((done & on_time).sum()), int(done.sum()))),
            }
        )
    return values


def microseconds(moment: dt.datetime) -> int:
    return int(np.datetime64(moment, "us").astype(np.int64))


def weekly(
    conn: Connection, period: Period, filters: Filters, weeks: Sequence[tuple[dt.date, Period]]
) -> dict[dt.date, dict[str, Any]]:
    """Task keys for each week (its own period and as-of), from one scan of the tasks
    (``practice_values``)."""
    values = practice_values(conn, [week for _, week in weeks], filters)
    return {monday: found for (monday, _), found in zip(weeks, values, strict=True)}


__all__ = [
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "compute",
    "open_condition",
    "practice_values",
    "microseconds",
    "moments",
    "task_conditions",
    "weekly",
]
