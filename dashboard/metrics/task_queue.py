"""Reads of the follow-up task queue: the task list and counts a user's scope allows, and the
directors' throughput (created, completed and overdue per week; on-time rate by kind and by
assignee).

Scope (who sees which task) is ``db.task_queue.visible_condition``, the same condition the
writes use. Overdue and on-time follow metrics.md ("Follow-up tasks"): ``due_at`` is the due
moment, so a task due on a date alone is overdue from the next day's 00:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from dashboard.metrics.common import ONE_DAY, Filters, Period, Rules, rate, ratio
from dashboard.metrics.grouping import raw_rows
from dashboard.metrics.sqlfn import unindexed
from dashboard.metrics.tasks import microseconds, moments, task_conditions
from dashboard.metrics.trends import week_periods
from db.models import Client, Clinician, Task
from db.task_queue import TaskScope, note_visible, visible_condition
from db.vocab import FRONT_DESK

OVERDUE, TODAY, WEEK = "overdue", "today", "week"
DUE_CHOICES = (OVERDUE, TODAY, WEEK)
OPEN, CLOSED = "open", "closed"
STATUS_CHOICES = (OPEN, CLOSED)
UNASSIGNED = "unassigned"
FRONT_DESK_NAME = "Front desk"
UNASSIGNED_NAME = "Unassigned"
MAX_ROWS = 500
KIND_LABELS = {
    "outreach": "Outreach",
    "re_engagement": "Re-engagement",
    "alliance_check": "Alliance check",
    "post_discharge": "Post-discharge follow-up",
    "plan_review": "Plan review",
}
LIST_COLUMNS = [
    "task_id",
    "version",
    "kind",
    "kind_label",
    "status",
    "due_at",
    "due_date_only",
    "due",
    "when",
    "client_id",
    "client",
    "assignee",
    "assignee_name",
    "note",
    "last_note",
    "created_at",
    "completed_at",
    "closed_reason",
]

ASSIGNED = aliased(Clinician, name="assigned_clinician")


@dataclass(frozen=True)
class TaskFilters:
    """The task list's own filters: assignee (a clinician id, ``front_desk`` or
    ``unassigned``), kind, due (overdue, today, this week), client (id or part of the name),
    status (open or closed)."""

    assignee: str | None = None
    kind: str | None = None
    due: str | None = None
    client: str | None = None
    status: str = OPEN


def end_of_today(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date() + ONE_DAY, dt.time())


def end_of_week(now: dt.datetime) -> dt.datetime:
    """The next Monday 00:00: the end of the practice's Monday-to-Sunday week."""
    return dt.datetime.combine(now.date() + dt.timedelta(days=7 - now.weekday()), dt.time())


def _due_condition(due: str | None, now: dt.datetime) -> ColumnElement[bool] | None:
    """Overdue: due before now. Today: due from now to the end of today (a task due today
    "by date" is stored at tomorrow 00:00). This week: from now to the end of Sunday."""
    if due == OVERDUE:
        return Task.due_at < now
    if due == TODAY:
        return and_(Task.due_at >= now, Task.due_at <= end_of_today(now))
    if due == WEEK:
        return and_(Task.due_at >= now, Task.due_at <= end_of_week(now))
    return None


def due_label(due_at: dt.datetime, status: str, now: dt.datetime) -> str:
    """Where a task stands, as text (never colour alone)."""
    if status != OPEN:
        return "Done" if status == "done" else "Cancelled"
    if due_at < now:
        return "Overdue"
    if due_at <= end_of_today(now):
        return "Due today"
    if due_at <= end_of_week(now):
        return "This week"
    return "Later"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def due_text(due_at: dt.datetime, date_only: bool) -> str:
    """The due date as the practice wrote it: a date for date-only tasks, else date and time."""
    if date_only:
        return (due_at - ONE_DAY).date().isoformat()
    return f"{due_at:%Y-%m-%d %H:%M}"


def _filter_conditions(filters: TaskFilters, now: dt.datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status == CLOSED:
        # Not through the status index: SQLite then walks the completion index (0011) from
        # its newest end and stops at the list's limit, where it sorted every closed task.
        conditions.append(unindexed(Task.status).in_(("done", "cancelled")))
    else:
        conditions.append(Task.status == OPEN)
    if filters.assignee == UNASSIGNED:
        conditions.append(Task.assignee.is_(None))
    elif filters.assignee:
        conditions.append(Task.assignee == filters.assignee)
    if filters.kind:
        conditions.append(Task.kind == filters.kind)
    due = _due_condition(filters.due, now)
    if due is not None:
        conditions.append(due)
    if filters.client:
        text = filters.client.strip()
        conditions.append(
            or_(
                Task.client_id == text,
                func.lower(Client.display_name).contains(text.lower(), autoescape=True),
            )
        )
    return conditions


def _assignee_name(assignee: str | None, name: str | None) -> str:
    if assignee is None:
        return UNASSIGNED_NAME
    if assignee == FRONT_DESK:
        return FRONT_DESK_NAME
    return name or assignee


def _rows(
    conn: Connection,
    scope: TaskScope,
    conditions: list[ColumnElement[bool]],
    order: list[Any],
    now: dt.datetime,
    limit: int,
) -> pd.DataFrame:
    stmt = (
        select(
            Task.task_id,
            Task.version,
            Task.kind,
            Task.status,
            Task.due_at,
            Task.due_date_only,
            Task.client_id,
            Client.display_name.label("client"),
            Task.assignee,
            ASSIGNED.name.label("clinician_name"),
            Task.note,
            Task.created_at,
            Task.completed_at,
            Task.closed_reason,
        )
        .select_from(Task)
        .outerjoin(Client, Client.client_id == Task.client_id)
        .outerjoin(ASSIGNED, ASSIGNED.clinician_id == Task.assignee)
        .where(visible_condition(scope), *conditions)
        .order_by(*order)
        .limit(limit)
    )
    records = []
    for row in conn.execute(stmt):
        note = row.note if note_visible(scope, row.kind) else None
        values = row._asdict()
        del values["clinician_name"]
        records.append(
            {
                **values,
                "kind_label": kind_label(row.kind),
                "due": due_text(row.due_at, row.due_date_only),
                "when": due_label(row.due_at, row.status, now),
                "assignee_name": _assignee_name(row.assignee, row.clinician_name),
                "note": note,
                "last_note": note.splitlines()[-1] if note else None,
            }
        )
    return pd.DataFrame.from_records(records, columns=LIST_COLUMNS)


def task_list(
    conn: Connection,
    scope: TaskScope,
    filters: TaskFilters,
    now: dt.datetime,
    *,
    limit: int = MAX_ROWS,
) -> pd.DataFrame:
    """The tasks ``scope`` may see that pass ``filters``: open ones by due moment, closed ones
    newest first; at most ``limit`` rows. A note the scope may not read is None."""
    order = (
        [Task.completed_at.desc(), Task.task_id]
        if filters.status == CLOSED
        else [Task.due_at, Task.task_id]
    )
    return _rows(conn, scope, _filter_conditions(filters, now), order, now, limit)


def task_detail(
    conn: Connection, scope: TaskScope, task_id: str, now: dt.datetime
) -> dict[str, Any] | None:
    """One task ``scope`` may see, as a task_list row plus ``facts`` (label → text, the ones
    that apply, for the page to list), or None."""
    found = _rows(conn, scope, [Task.task_id == task_id], [Task.task_id], now, 1)
    if found.empty:
        return None
    task = found.iloc[0].to_dict()
    created = task["created_at"]
    facts = {
        "Kind": task["kind_label"],
        "Client": f"{task['client'] or '—'} ({task['client_id'] or 'no client'})",
        "Assignee": task["assignee_name"],
        "Due": f"{task['due']} · {task['when']}",
        "Created": f"{created:%Y-%m-%d %H:%M}" if pd.notna(created) else "—",
        "Closed": task["closed_reason"],
    }
    task["facts"] = {label: text for label, text in facts.items() if text}
    return task


def task_counts(
    conn: Connection, scope: TaskScope, filters: TaskFilters, now: dt.datetime
) -> dict[str, int]:
    """Open tasks ``scope`` may see that pass the assignee, kind and client filters: all,
    overdue, due later today."""
    today = _due_condition(TODAY, now)
    conditions = _filter_conditions(
        TaskFilters(filters.assignee, filters.kind, None, filters.client), now
    )
    row = conn.execute(
        select(
            func.count().label("open"),
            func.sum(case((Task.due_at < now, 1), else_=0)).label("overdue"),
            func.sum(case((today, 1), else_=0)).label("today"),
        )
        .select_from(Task)
        .outerjoin(Client, Client.client_id == Task.client_id)
        .where(visible_condition(scope), *conditions)
    ).one()
    return {"open": int(row.open), "overdue": int(row.overdue or 0), "today": int(row.today or 0)}


def assignee_choices(conn: Connection, scope: TaskScope) -> list[tuple[str, str]]:
    """(value, label) of the assignees ``scope`` may filter by: the front desk, the clinician
    themself, or (directors) every clinician, active first, and the unassigned tasks."""
    if scope.role == "front_desk":
        return [(FRONT_DESK, FRONT_DESK_NAME)]
    if scope.role == "clinician":
        return [(scope.clinician_id or "", "Me"), (FRONT_DESK, "Front desk (my clients)")]
    people = conn.execute(
        select(Clinician.clinician_id, Clinician.name).order_by(
            Clinician.active.desc(), Clinician.name
        )
    ).all()
    return [(FRONT_DESK, FRONT_DESK_NAME), *people, (UNASSIGNED, UNASSIGNED_NAME)]


def task_kinds(conn: Connection, scope: TaskScope) -> list[str]:
    """The kinds of the tasks ``scope`` may see (the kind filter's options)."""
    stmt = select(Task.kind).where(visible_condition(scope)).distinct().order_by(Task.kind)
    return list(conn.execute(stmt).scalars())


# --- throughput (directors) --------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    """The throughput charts' tables: per week (created, completed, overdue) and the on-time
    rate by kind and by assignee."""

    weekly: pd.DataFrame
    by_kind: pd.DataFrame
    by_assignee: pd.DataFrame


@dataclass(frozen=True)
class _TaskArrays:
    """The tasks that may count in a period, as arrays (moments in microseconds, null as the
    int64 minimum, which no comparison with a real moment lets through except ``<``)."""

    status: np.ndarray
    kind: np.ndarray
    assignee: np.ndarray
    name: np.ndarray
    created: np.ndarray
    completed: np.ndarray
    due: np.ndarray
    # Status tests, once (a comparison of object arrays is the slow part of a week).
    is_open: np.ndarray
    is_done: np.ndarray
    is_closed: np.ndarray


def _task_arrays(conn: Connection, period: Period, filters: Filters) -> _TaskArrays:
    """One read of the tasks open now, or created or closed since the period's start: every
    task that can be created, done or open in one of its weeks (a cheap superset)."""
    since = period.start_at
    as_text = [type_coerce(c, String) for c in (Task.created_at, Task.completed_at, Task.due_at)]
    stmt = (
        select(Task.status, Task.kind, Task.assignee, ASSIGNED.name, *as_text)
        .select_from(Task)
        .outerjoin(ASSIGNED, ASSIGNED.clinician_id == Task.assignee)
        .where(
            or_(Task.status == "open", Task.completed_at >= since, Task.created_at >= since),
            *task_conditions(filters),
        )
    )
    # The driver's tuples (a year of tasks is 60,000 rows): strings, and moments that
    # ``moments`` parses column by column.
    rows = raw_rows(conn, stmt)
    column = [np.array([row[n] for row in rows], dtype=object) for n in range(4)]
    created, completed, due = (moments([row[n] for row in rows]) for n in (4, 5, 6))
    status = column[0]
    is_closed = np.isin(status, ("done", "cancelled"))
    return _TaskArrays(
        *column, created, completed, due, status == "open", status == "done", is_closed
    )


def _done_in(tasks: _TaskArrays, period: Period) -> np.ndarray:
    """``done_condition``: done, completed in the period and by as-of."""
    completed = tasks.completed
    start, end, as_of = (microseconds(m) for m in (period.start_at, period.end_at, period.as_of))
    return tasks.is_done & (completed >= start) & (completed < end) & (completed <= as_of)


def _overdue_at(tasks: _TaskArrays, moment: dt.datetime) -> int:
    """``overdue_tasks`` as of ``moment`` (tasks.open_condition, due before it)."""
    as_of = microseconds(moment)
    null = np.iinfo(np.int64).min
    was_created = (tasks.created == null) | (tasks.created <= as_of)
    closed_later = tasks.is_closed & (tasks.completed > as_of)
    open_ = was_created & (tasks.is_open | closed_later)
    return int((open_ & (tasks.due < as_of)).sum())


def _weekly(tasks: _TaskArrays, period: Period) -> pd.DataFrame:
    """Per week of the period starting before as-of: created (in the week, by the period's
    as-of), done in the week (``done_condition`` of the period), overdue at the week's as-of."""
    weeks = week_periods(period)
    as_of = microseconds(period.as_of)
    done = _done_in(tasks, period)
    rows = []
    for _, week in weeks:
        start, end = microseconds(week.start_at), microseconds(week.end_at)
        created = (tasks.created >= start) & (tasks.created < end) & (tasks.created <= as_of)
        completed = done & (tasks.completed >= start) & (tasks.completed < end)
        rows.append((int(created.sum()), int(completed.sum()), _overdue_at(tasks, week.as_of)))
    return pd.DataFrame(
        rows,
        columns=["created", "completed", "overdue"],
        index=pd.Index([monday for monday, _ in weeks], name="week", dtype=object),
    )


def _on_time(tasks: _TaskArrays, period: Period, by: str) -> pd.DataFrame:
    """Tasks done in the period by kind or assignee (labelled): done, on_time, on_time_rate."""
    done = _done_in(tasks, period)
    if by == "kind":
        labels = [kind_label(k) for k in tasks.kind[done]]
    else:
        labels = [
            _assignee_name(a, n)
            for a, n in zip(tasks.assignee[done], tasks.name[done], strict=True)
        ]
    on_time = (tasks.completed <= tasks.due)[done]
    frame = pd.DataFrame({by: labels, "on_time": on_time.astype(int)})
    grouped = frame.groupby(by, sort=True)["on_time"].agg(["size", "sum"])
    records = [
        {by: label, "done": int(n), "on_time": int(k), "on_time_rate": rate(ratio(int(k), int(n)))}
        for label, n, k in zip(grouped.index, grouped["size"], grouped["sum"], strict=True)
    ]
    columns = [by, "done", "on_time", "on_time_rate"]
    return pd.DataFrame.from_records(records, columns=columns).sort_values(by, ignore_index=True)


def throughput(conn: Connection, period: Period, filters: Filters) -> Throughput:
    """``weekly_throughput`` and ``on_time_by`` (kind, assignee) from one read of the tasks."""
    tasks = _task_arrays(conn, period, filters)
    return Throughput(
        _weekly(tasks, period), _on_time(tasks, period, "kind"), _on_time(tasks, period, "assignee")
    )


def weekly_throughput(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """Per Monday-to-Sunday week of the period (weeks starting before as-of): tasks created,
    tasks done (``completed_at`` in the week), and overdue tasks as of the week's end (or as-of)
    as metrics.md defines ``overdue_tasks``. Filters as for tasks (metrics.md)."""
    return _weekly(_task_arrays(conn, period, filters), period)


def on_time_by(conn: Connection, period: Period, filters: Filters, by: str) -> pd.DataFrame:
    """Tasks done in the period (metrics.md ``on_time_rate``) by ``kind`` or ``assignee``:
    done, on_time, on_time_rate; assignees by name ("Front desk", "Unassigned")."""
    if by not in ("kind", "assignee"):
        raise ValueError(f"on-time rate is by kind or assignee, not {by!r}")
    return _on_time(_task_arrays(conn, period, filters), period, by)


__all__ = [
    "DUE_CHOICES",
    "STATUS_CHOICES",
    "TaskFilters",
    "assignee_choices",
    "due_label",
    "due_text",
    "on_time_by",
    "throughput",
    "task_counts",
    "task_detail",
    "task_kinds",
    "task_list",
    "weekly_throughput",
]
