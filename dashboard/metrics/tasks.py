"""Follow-up tasks as of as-of (metrics.md): open, overdue and completed on time.

``Task.due_at`` is the due moment (a task due on a date alone is stored as the next day's
00:00), so "overdue" is one comparison. Tasks are filtered by assignee, the client's program and
the assignee's home location; modality does not filter them.

Many periods at once (trends, the overview) count events instead of rows: each candidate
task's created, closed and due moments become integer positions on a timeline of the as-ofs
(``Timeline``), SQL counts tasks by position (a few thousand groups), and numpy's running
counts give every as-of's keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from dashboard.metrics.common import Filters, Period, Rules, all_of, in_period, rate, ratio
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    check_dimension,
    count_if,
    day_number,
    frame,
    grouped_rows,
    repeat_for_modalities,
    with_group,
)
from dashboard.metrics.sqlfn import at_midnight, epoch_day, unindexed
from db.models import Client, Clinician, Task
from db.timeutil import day_start

KEYS: tuple[str, ...] = ("open_tasks", "overdue_tasks", "on_time_rate")
ZERO_KEYS: frozenset[str] = frozenset({"open_tasks", "overdue_tasks"})
# One period: one SQL aggregate; more (trends): tasks counted by event position.
SQL_PERIODS = 1

# The assignee (when a clinician) and the task's client, joined only to group by them.
ASSIGNEE = aliased(Clinician, name="assignee_clinician")
SUBJECT = aliased(Client, name="subject_client")


def task_conditions(filters: Filters, *, scan: bool = False) -> list[ColumnElement[bool]]:
    """Filter-table column "tasks": assignee, the client's program, the assignee's home
    location (a task without a client, or assigned to the front desk, fails those). With
    ``scan``, SQLite tests the program's clients and the location's clinicians against each
    task it reads instead of fetching their tasks through an index one by one (slower for a
    scan that reads most tasks anyway); an assignee filter still uses its index."""
    conditions: list[ColumnElement[bool]] = []
    if filters.clinician:
        conditions.append(Task.assignee == filters.clinician)
    if filters.program:
        conditions.append(
            _listed(Task.client_id, scan).in_(
                select(Client.client_id).where(Client.program == filters.program)
            )
        )
    if filters.location:
        conditions.append(
            _listed(Task.assignee, scan).in_(
                select(Clinician.clinician_id).where(Clinician.location == filters.location)
            )
        )
    return conditions


def _listed(column: ColumnElement[Any], scan: bool) -> ColumnElement[Any]:
    return unindexed(column) if scan else column


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
    """The task keys of each period (its own as-of), from one scan of the tasks: for one
    period, a count of the rows meeting ``open_condition`` and ``done_condition``; for more,
    the same counts from events by position (``_values_from_events``)."""
    if not periods:
        return []
    if len(periods) > SQL_PERIODS:
        return _values_from_events(conn, periods, filters)
    columns = []
    for period in periods:
        is_open, is_done = open_condition(period), done_condition(period)
        columns += [
            count_if(is_open),
            count_if(and_(is_open, Task.due_at < period.as_of)),
            count_if(is_done),
            count_if(and_(is_done, Task.completed_at <= Task.due_at)),
        ]
    stmt = select(*columns).where(_candidates(periods), all_of(task_conditions(filters, scan=True)))
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


def microseconds(moment: dt.datetime) -> int:
    return int(np.datetime64(moment, "us").astype(np.int64))


# --- many as-ofs: tasks counted by the position of their events ---------------------------------


@dataclasses.dataclass(frozen=True)
class Timeline:
    """Moments as integer positions that compare exactly as the moments do with any midnight
    and any of ``splits`` (the as-ofs that are not midnights, sorted). A moment's position is
    ``width`` x its day + its slot in the day: 0 at 00:00, else 1 + the number of splits before
    it + the number at or before it. A moment is at or before a midnight or split ``t`` iff its
    position <= ``threshold(t)``, and before ``t`` iff its position + 1 <= ``threshold(t)``."""

    splits: tuple[dt.datetime, ...]

    @classmethod
    def of(cls, periods: Sequence[Period]) -> Timeline:
        return cls(tuple(sorted({p.as_of for p in periods if p.as_of.time() != dt.time()})))

    @property
    def width(self) -> int:
        return 2 * len(self.splits) + 2

    def threshold(self, moment: dt.datetime) -> int:
        """The position of a midnight or of one of the splits."""
        slot = 0 if moment.time() == dt.time() else 2 * (self.splits.index(moment) + 1)
        return self.width * day_number(moment.date()) + slot

    def position(self, moment: ColumnElement[Any]) -> ColumnElement[int]:
        """SQL: the position of ``moment`` (null when it is null)."""
        slots: list[tuple[ColumnElement[bool], int]] = [(at_midnight(moment), 0)]
        for n, split in enumerate(self.splits):
            slots += [(moment < split, 2 * n + 1), (moment <= split, 2 * n + 2)]
        return epoch_day(moment) * self.width + case(*slots, else_=self.width - 1)


# The kinds of event ``_event_counts`` counts by position.
CREATED, CLOSED, OVERDUE_FROM, CLOSED_OVERDUE, DONE_LATE, DONE_ON_TIME = range(6)
# The position of a missing created_at: before every as-of.
ALWAYS = -(2**40)
Running = tuple[np.ndarray, np.ndarray]


def kind_of(kind: int) -> ColumnElement[int]:
    return literal_column(str(kind), Integer())


def _later(a: ColumnElement[int], b: ColumnElement[int]) -> ColumnElement[int]:
    return case((a > b, a), else_=b)


def _event_counts(
    conn: Connection, timeline: Timeline, periods: Sequence[Period], filters: Filters
) -> dict[int, Running]:
    """Each kind's (positions ascending, running count of tasks up to each).

    With positions c (created_at; ``ALWAYS`` when null), x (completed_at of a done or
    cancelled task; none while open) and d (due_at + 1, so "due before t" is d <= t), a task
    is open at t iff c <= t < x, and overdue iff max(c, d) <= t < max(x, d). So, over tasks
    with c < x (the others are open at no as-of): open = CREATED(c) - CLOSED(x), and overdue =
    OVERDUE_FROM(max(c, d)) - CLOSED_OVERDUE(x), the last two over tasks with d < x (for the
    others max(c, d) = max(x, d) = d). A task closed by the earliest as-of adds 1 - 1 at
    every as-of, so only tasks still open then have c and d: one scan of the candidates,
    the shared row values computed once, a few thousand groups out."""
    earliest = min(p.as_of for p in periods)
    # Positions below the earliest as-of count at every as-of alike: one group for them all.
    floor = literal_column(str(timeline.threshold(earliest)), Integer())
    open_then = or_(Task.status == "open", Task.completed_at > earliest)
    created = case(
        (~open_then, None),
        (Task.created_at.is_(None), ALWAYS),
        else_=timeline.position(Task.created_at),
    )
    due_after = case((open_then, timeline.position(Task.due_at) + 1), else_=None)
    closed = case((Task.status == "open", None), else_=timeline.position(Task.completed_at))
    done_kind = case(
        (Task.status != "done", None),
        (Task.completed_at <= Task.due_at, DONE_ON_TIME),
        else_=DONE_LATE,
    )
    events = (
        select(created.label("c"), closed.label("x"), due_after.label("d"), done_kind.label("k"))
        .where(_candidates(periods), all_of(task_conditions(filters, scan=True)))
        .cte("task_events")
    )
    c, x, d, k = events.c.c, events.c.x, events.c.d, events.c.k
    can_open = and_(c.is_not(None), or_(x.is_(None), c < x))
    created_key, overdue_key = _later(c, floor), _later(_later(c, d), floor)
    zero = literal_column("0", Integer())
    stmt = union_all(
        select(kind_of(CREATED), created_key, func.count(), zero, zero, zero)
        .where(can_open)
        .group_by(created_key),
        select(kind_of(OVERDUE_FROM), overdue_key, func.count(), zero, zero, zero)
        .where(can_open, d.is_not(None), or_(x.is_(None), d < x))
        .group_by(overdue_key),
        # Four counts by x in one group: closed, closed overdue, done late, done on time.
        select(
            kind_of(CLOSED),
            x,
            count_if(c < x),
            count_if(and_(c < x, d < x)),
            count_if(k == DONE_LATE),
            count_if(k == DONE_ON_TIME),
        )
        .where(x.is_not(None))
        .group_by(x),
    )
    found: dict[int, dict[int, int]] = {kind: {} for kind in range(DONE_ON_TIME + 1)}
    for kind, key, *counts in conn.execute(stmt).all():
        kinds = (CLOSED, CLOSED_OVERDUE, DONE_LATE, DONE_ON_TIME) if kind == CLOSED else (kind,)
        for each, count in zip(kinds, counts, strict=False):
            if count:
                found[each][int(key)] = int(count)
    return {kind: _running(counts) for kind, counts in found.items()}


def _running(counts: dict[int, int]) -> Running:
    """(positions ascending, tasks at or before each), the latter led by a 0 for none."""
    positions = np.array(sorted(counts), dtype=np.int64)
    totals = np.cumsum([0, *(counts[p] for p in positions)], dtype=np.int64)
    return positions, totals


def _up_to(events: Running, positions: np.ndarray) -> np.ndarray:
    """How many events are at or before each of ``positions``."""
    known, totals = events
    return totals[np.searchsorted(known, positions, side="right")]


def _values_from_events(
    conn: Connection, periods: Sequence[Period], filters: Filters
) -> list[dict[str, Any]]:
    """``practice_values`` for many periods: the candidate tasks' events counted by position
    (``_event_counts``), then every period's keys from the running counts at once."""
    timeline = Timeline.of(periods)
    events = _event_counts(conn, timeline, periods, filters)

    def at(moments: Sequence[dt.datetime]) -> np.ndarray:
        return np.array([timeline.threshold(m) for m in moments], dtype=np.int64)

    as_of = at([p.as_of for p in periods])
    open_ = _up_to(events[CREATED], as_of) - _up_to(events[CLOSED], as_of)
    overdue = _up_to(events[OVERDUE_FROM], as_of) - _up_to(events[CLOSED_OVERDUE], as_of)
    # Done in the period (from start 00:00, before end + 1 day 00:00) and by as-of.
    first = at([p.start_at for p in periods])
    last = np.maximum(np.minimum(at([p.end_at for p in periods]) - 1, as_of), first - 1)
    on_time, late = (
        _up_to(events[kind], last) - _up_to(events[kind], first - 1)
        for kind in (DONE_ON_TIME, DONE_LATE)
    )
    return [
        {
            "open_tasks": int(open_[n]),
            "overdue_tasks": int(overdue[n]),
            "on_time_rate": rate(ratio(int(on_time[n]), int(on_time[n] + late[n]))),
        }
        for n in range(len(periods))
    ]


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
