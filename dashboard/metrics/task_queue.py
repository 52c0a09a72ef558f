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

import pandas as pd
from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from dashboard.metrics.common import ONE_DAY, Filters, Period, Rules, in_period, rate, ratio
from dashboard.metrics.sqlfn import epoch_day, epoch_week, monday_of_week
from dashboard.metrics.tasks import done_condition, task_conditions
from dashboard.metrics.trends import week_periods, weekly
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
        conditions.append(Task.status.in_(("done", "cancelled")))
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


def _per_week(conn: Connection, moment: Any, conditions: list[Any]) -> dict[dt.date, int]:
    week = epoch_week(epoch_day(moment))
    stmt = select(week.label("week"), func.count().label("n")).where(*conditions).group_by(week)
    return {monday_of_week(row.week): int(row.n) for row in conn.execute(stmt)}


def weekly_throughput(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """Per Monday-to-Sunday week of the period (weeks starting before as-of): tasks created,
    tasks done (``completed_at`` in the week), and overdue tasks as of the week's end (or as-of)
    as metrics.md defines ``overdue_tasks``. Filters as for tasks (metrics.md)."""
    mondays = [monday for monday, _ in week_periods(period)]
    scoped = task_conditions(filters)
    created = _per_week(
        conn,
        Task.created_at,
        [in_period(period, Task.created_at), Task.created_at <= period.as_of, *scoped],
    )
    completed = _per_week(conn, Task.completed_at, [done_condition(period), *scoped])
    overdue = weekly(conn, period, filters, rules, keys=["overdue_tasks"])["overdue_tasks"]
    return pd.DataFrame(
        {
            "created": [created.get(monday, 0) for monday in mondays],
            "completed": [completed.get(monday, 0) for monday in mondays],
            "overdue": [int(overdue.get(monday, 0)) for monday in mondays],
        },
        index=pd.Index(mondays, name="week", dtype=object),
    )


def on_time_by(conn: Connection, period: Period, filters: Filters, by: str) -> pd.DataFrame:
    """Tasks done in the period (metrics.md ``on_time_rate``) by ``kind`` or ``assignee``:
    done, on_time, on_time_rate; assignees by name ("Front desk", "Unassigned")."""
    if by not in ("kind", "assignee"):
        raise ValueError(f"on-time rate is by kind or assignee, not {by!r}")
    groups: list[Any] = [Task.kind] if by == "kind" else [Task.assignee, ASSIGNED.name]
    stmt = (
        select(
            *groups,
            func.count().label("done"),
            func.sum(case((Task.completed_at <= Task.due_at, 1), else_=0)).label("on_time"),
        )
        .select_from(Task)
        .outerjoin(ASSIGNED, ASSIGNED.clinician_id == Task.assignee)
        .where(done_condition(period), *task_conditions(filters))
        .group_by(*groups)
    )
    records = []
    for row in conn.execute(stmt):
        label = kind_label(row.kind) if by == "kind" else _assignee_name(row.assignee, row.name)
        done, on_time = int(row.done), int(row.on_time or 0)
        records.append(
            {
                by: label,
                "done": done,
                "on_time": on_time,
                "on_time_rate": rate(ratio(on_time, done)),
            }
        )
    columns = [by, "done", "on_time", "on_time_rate"]
    return pd.DataFrame.from_records(records, columns=columns).sort_values(by, ignore_index=True)


__all__ = [
    "DUE_CHOICES",
    "STATUS_CHOICES",
    "TaskFilters",
    "assignee_choices",
    "due_label",
    "due_text",
    "on_time_by",
    "task_counts",
    "task_detail",
    "task_kinds",
    "task_list",
    "weekly_throughput",
]
