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
from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select
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
from dashboard.metrics.sqlfn import epoch_day, epoch_microsecond, epoch_week, monday_of_week
from db.models import Client, Clinician, Task

KEYS: tuple[str, ...] = ("open_tasks", "overdue_tasks", "on_time_rate")
ZERO_KEYS: frozenset[str] = frozenset({"open_tasks", "overdue_tasks"})

EPOCH = dt.datetime(1970, 1, 1)
# Bounds no moment reaches: a task without created_at was always created; an open one never
# closes.
NEVER_BEFORE = -(2**62)
NEVER_AFTER = 2**62
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
    if by == "modality":
        practice = _rows(conn, period, filters, None).get(PRACTICE, {})
        rows = repeat_for_modalities(conn, period, filters, practice)
    else:
        rows = _rows(conn, period, filters, by)
    if by is None:
        rows.setdefault(PRACTICE, {})
    return frame(rows, KEYS, ZERO_KEYS, by)


def _microseconds(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def _open_and_overdue(
    conn: Connection, as_ofs: Sequence[dt.datetime], filters: Filters
) -> list[tuple[int, int]]:
    """(open, overdue) tasks as of each moment (``open_condition``), from one read of the tasks
    open at some of them: times come back as exact microseconds and are compared in numpy."""
    first, last = min(as_ofs), max(as_ofs)
    closed = Task.status.in_(("done", "cancelled"))
    stmt = select(
        func.coalesce(epoch_microsecond(Task.created_at), NEVER_BEFORE),
        case((closed, epoch_microsecond(Task.completed_at)), else_=None),
        epoch_microsecond(Task.due_at),
    ).where(
        or_(Task.created_at.is_(None), Task.created_at <= last),
        or_(Task.status == "open", and_(closed, Task.completed_at > first)),
        all_of(task_conditions(filters)),
    )
    rows = conn.execute(stmt).all()
    created = np.array([row[0] for row in rows], dtype=np.int64)
    # Only open tasks come back without a closing moment (a closed task without completed_at
    # is never open, and the query leaves it out): they never close.
    closes_at = np.array(
        [NEVER_AFTER if row[1] is None else row[1] for row in rows], dtype=np.int64
    )
    due = np.array([row[2] for row in rows], dtype=np.int64)
    counts = []
    for as_of in as_ofs:
        moment = _microseconds(as_of)
        is_open = (created <= moment) & (closes_at > moment)
        counts.append((int(is_open.sum()), int((is_open & (due < moment)).sum())))
    return counts


def weekly(
    conn: Connection, period: Period, filters: Filters, weeks: Sequence[tuple[dt.date, Period]]
) -> dict[dt.date, dict[str, Any]]:
    """Task keys for each week (its own period and as-of): open and overdue tasks as of each
    week's as-of from one read, tasks done on time grouped by the week of completion (a task
    done in a week was done before the week's as-of when it was done before the period's)."""
    if not weeks:
        return {}
    counts = _open_and_overdue(conn, [week.as_of for _, week in weeks], filters)
    week = epoch_week(epoch_day(Task.completed_at))
    is_done = done_condition(period)
    done_stmt = (
        select(
            week.label("week"),
            func.count().label("done"),
            count_if(Task.completed_at <= Task.due_at).label("on_time"),
        )
        .where(is_done, all_of(task_conditions(filters)))
        .group_by(week)
    )
    done = {monday_of_week(row.week): row for row in conn.execute(done_stmt)}
    rows = {}
    for (monday, _), (open_, overdue) in zip(weeks, counts, strict=True):
        finished = done.get(monday)
        on_time = ratio(int(finished.on_time or 0), int(finished.done)) if finished else None
        rows[monday] = {
            "open_tasks": open_,
            "overdue_tasks": overdue,
            "on_time_rate": rate(on_time),
        }
    return rows


__all__ = [
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "compute",
    "open_condition",
    "task_conditions",
    "weekly",
]
