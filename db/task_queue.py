"""The follow-up task queue's writes: creating tasks, and the staff's changes to them.

Who may see and change which task (the *scope*) is decided here, once, as SQL conditions that
the reads in ``dashboard/metrics/task_queue.py`` and the writes below both use:

- a **director** sees and changes every task, and alone may reassign;
- a **clinician** sees the tasks assigned to them, and the front-desk tasks about clients on
  their own caseload (read only); they change only the tasks assigned to them;
- the **front desk** sees and changes the front-desk queue, except tasks of the clinical kinds
  (``CLINICAL_KINDS``: alliance checks, post-discharge follow-ups and plan reviews reveal scores,
  hospital stays or treatment), so an outreach, a re-engagement call or any other kind the
  practice imports reaches them, and a clinical note never does.

Every change is one transaction, audited in it, version-checked and idempotent (``change_task``):

- the row is changed only if its ``version`` is still the one the user saw (``UPDATE ... WHERE
  version = :seen``); otherwise nothing is written and the user gets a conflict;
- a change the task already shows (a second "done", the same snooze date, the same assignee,
  or, from a stale view, the same note by the same person) writes nothing and is no conflict, so
  a double click changes nothing the second time.

New task ids are ``T-`` + the creation moment (``YYYYMMDDHHMMSS``) + ``-`` + 6 random hex
digits, e.g. ``T-20260304101500-3fa9c1``: they sort by creation, and cannot collide with the
practice's own ids (the demo's are ``T000001``; an import would need this exact shape and the
same random suffix).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.audit import Actor, audit_values, record_in
from db.engine import Database
from db.meta import bump_data_version
from db.models import Appointment, Client, Clinician, Task
from db.vocab import FRONT_DESK

# Kinds the rules create (metrics.md conventions and the demo practice).
OUTREACH = "outreach"
RE_ENGAGEMENT = "re_engagement"
ALLIANCE_CHECK = "alliance_check"
POST_DISCHARGE = "post_discharge"
PLAN_REVIEW = "plan_review"
RULE_KINDS = (OUTREACH, RE_ENGAGEMENT, ALLIANCE_CHECK, POST_DISCHARGE, PLAN_REVIEW)
# Kinds whose existence or note is clinical: never sent to the front desk, never assigned to it.
CLINICAL_KINDS = (ALLIANCE_CHECK, POST_DISCHARGE, PLAN_REVIEW)

DIRECTOR, CLINICIAN, FRONT_DESK_ROLE = "director", "clinician", "front_desk"
MAX_SNOOZE_DAYS = 366
MAX_NOTE_CHARS = 500

OK, UNCHANGED, CONFLICT, NOT_FOUND, INVALID = "ok", "unchanged", "conflict", "not_found", "invalid"
# Audit outcomes (audit_log.outcome) of each result.
AUDIT_OUTCOME = {
    OK: "ok",
    UNCHANGED: "ok",
    CONFLICT: "conflict",
    NOT_FOUND: "denied",
    INVALID: "invalid",
}
CONFLICT_MESSAGE = (
    "Someone else changed this task while you were looking at it, so nothing was saved. "
    "It has been reloaded: check it and try again."
)


# --- dates -----------------------------------------------------------------------------------


def end_of_day(day: dt.date) -> dt.datetime:
    """The due moment of a task due on ``day``: the next day's 00:00."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def next_business_day(day: dt.date) -> dt.date:
    """The first Monday-to-Friday date after ``day`` (no holiday calendar)."""
    following = day + dt.timedelta(days=1)
    while following.weekday() >= 5:
        following += dt.timedelta(days=1)
    return following


def new_task_id(now: dt.datetime) -> str:
    """A fresh task id: sortable by creation, distinct from the practice's imported ids."""
    return f"T-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskScope:
    """The tasks a user may see and change, from their role and linked clinician (the session,
    never a posted value)."""

    role: str
    clinician_id: str | None = None

    @property
    def is_director(self) -> bool:
        return self.role == DIRECTOR


def caseload_of(clinician_id: str) -> Any:
    """Ids of the clients whose primary clinician is ``clinician_id``."""
    return select(Client.client_id).where(Client.primary_clinician_id == clinician_id)


def front_desk_task() -> ColumnElement[bool]:
    """A task of the front-desk queue that the front desk may see (no clinical kind)."""
    return and_(Task.assignee == FRONT_DESK, Task.kind.not_in(CLINICAL_KINDS))


def visible_condition(scope: TaskScope) -> ColumnElement[bool]:
    """The tasks ``scope`` may see (module docstring)."""
    if scope.role == DIRECTOR:
        return true()
    if scope.role == CLINICIAN and scope.clinician_id:
        own_clients_at_desk = and_(
            Task.assignee == FRONT_DESK, Task.client_id.in_(caseload_of(scope.clinician_id))
        )
        return or_(Task.assignee == scope.clinician_id, own_clients_at_desk)
    if scope.role == FRONT_DESK_ROLE:
        return front_desk_task()
    return false()


def writable_condition(scope: TaskScope) -> ColumnElement[bool]:
    """The tasks ``scope`` may change (mark done, snooze, note)."""
    if scope.role == DIRECTOR:
        return true()
    if scope.role == CLINICIAN and scope.clinician_id:
        return Task.assignee == scope.clinician_id
    if scope.role == FRONT_DESK_ROLE:
        return front_desk_task()
    return false()


def note_visible(scope: TaskScope, kind: str) -> bool:
    """Whether a task's note may be sent to ``scope`` (never a clinical note to the desk)."""
    return scope.role != FRONT_DESK_ROLE or kind not in CLINICAL_KINDS


# --- creating tasks --------------------------------------------------------------------------


def _insert(session: Session, values: dict[str, Any]) -> bool:
    """Insert a task; with a rule_key, do nothing when that key exists (True if inserted).

    ON CONFLICT DO NOTHING makes two overlapping runs harmless on PostgreSQL: the second waits
    for the first's row and then skips it instead of failing its whole transaction."""
    if values.get("rule_key") is None:
        session.execute(insert(Task.__table__).values(**values))
        return True
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Task.__table__).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=["rule_key"]).returning(Task.task_id)
    # RETURNING, not rowcount: psycopg reports no rowcount for this statement.
    return session.execute(stmt).first() is not None


def check_assignee(session: Session, assignee: str, kind: str) -> None:
    """Raise ValueError unless ``assignee`` is the front desk (for a non-clinical kind) or an
    active clinician."""
    if assignee == FRONT_DESK:
        if kind in CLINICAL_KINDS:
            raise ValueError(f"a {kind} task cannot go to the front desk")
        return
    active = session.execute(
        select(Clinician.active).where(Clinician.clinician_id == assignee)
    ).scalar()
    if not active:
        raise ValueError(f"{assignee!r} is not an active clinician")


def open_task_values(
    *,
    kind: str,
    client_id: str | None,
    assignee: str | None,
    due_at: dt.datetime,
    due_date_only: bool,
    note: str | None,
    rule_key: str | None,
    now: dt.datetime,
    appointment_id: str | None = None,
) -> dict[str, Any]:
    """The row of a new open task created at ``now`` (a new id, version 1)."""
    return {
        "task_id": new_task_id(now),
        "kind": kind,
        "due_at": due_at,
        "due_date_only": due_date_only,
        "client_id": client_id,
        "appointment_id": appointment_id,
        "assignee": assignee,
        "status": "open",
        "created_at": now,
        "note": note,
        "rule_key": rule_key,
        "version": 1,
        "updated_at": now,
    }


def create_task(
    session: Session,
    *,
    kind: str,
    client_id: str | None,
    assignee: str,
    due_at: dt.datetime,
    due_date_only: bool,
    note: str | None,
    rule_key: str | None,
    now: dt.datetime,
    appointment_id: str | None = None,
) -> str:
    """Create an open task in the caller's transaction and return its id; when ``rule_key``
    exists already, create nothing and return that task's id.

    ``due_at`` is the due moment: for a task due on a date, pass ``end_of_day(date)`` with
    ``due_date_only=True``. The caller audits; the data version is bumped here."""
    if rule_key is not None:
        existing = _task_id_by_rule(session, rule_key)
        if existing is not None:
            return existing
    check_assignee(session, assignee, kind)
    values = open_task_values(
        kind=kind,
        client_id=client_id,
        assignee=assignee,
        due_at=due_at,
        due_date_only=due_date_only,
        note=note,
        rule_key=rule_key,
        now=now,
        appointment_id=appointment_id,
    )
    task_id = values["task_id"]
    if not _insert(session, values):
        # Another transaction created the same rule's task in the meantime.
        return _task_id_by_rule(session, rule_key) or task_id
    bump_data_version(session)
    return task_id


def _task_id_by_rule(session: Session, rule_key: str | None) -> str | None:
    return session.execute(select(Task.task_id).where(Task.rule_key == rule_key)).scalar()


def outreach_key(appointment_id: str) -> str:
    return f"{OUTREACH}:{appointment_id}"


def outreach_note(status: str, start_at: dt.datetime) -> str:
    what = "No-show" if status == "no_show" else "Late cancel"
    return f"{what}: session of {start_at:%Y-%m-%d %H:%M}. Reach the client and rebook."


def ensure_outreach_task(session: Session, appointment_id: str, now: dt.datetime) -> bool:
    """In the caller's transaction, create the front-desk outreach task for a no-show or late
    cancel (due by the end of the next business day after ``now``, rule_key
    ``outreach:{appointment_id}``); False when it exists already (or the appointment does not)."""
    key = outreach_key(appointment_id)
    if _task_id_by_rule(session, key) is not None:
        return False
    appointment = session.execute(
        select(Appointment.client_id, Appointment.status, Appointment.start_at).where(
            Appointment.appointment_id == appointment_id
        )
    ).first()
    if appointment is None:
        return False
    values = {
        "task_id": new_task_id(now),
        "kind": OUTREACH,
        "due_at": end_of_day(next_business_day(now.date())),
        "due_date_only": True,
        "client_id": appointment.client_id,
        "appointment_id": appointment_id,
        "assignee": FRONT_DESK,
        "status": "open",
        "created_at": now,
        "note": outreach_note(appointment.status, appointment.start_at),
        "rule_key": key,
        "version": 1,
        "updated_at": now,
    }
    created = _insert(session, values)
    if created:
        bump_data_version(session)
    return created


# --- changing tasks --------------------------------------------------------------------------

DONE, SNOOZE, NOTE, REASSIGN = "done", "snooze", "note", "reassign"
ACTIONS = (DONE, SNOOZE, NOTE, REASSIGN)


@dataclass(frozen=True)
class TaskChange:
    """One user action on a task: mark done, snooze to a date, add a note, reassign."""

    action: str
    due_date: dt.date | None = None
    text: str | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class WriteResult:
    outcome: str  # ok, unchanged, conflict, not_found, invalid
    task_id: str
    message: str
    client_id: str | None = None
    version: int | None = None

    @property
    def saved(self) -> bool:
        return self.outcome == OK


def note_line(now: dt.datetime, username: str, text: str) -> str:
    return f"{now:%Y-%m-%d %H:%M} {username}: {text}"


def _last_note_is(note: str | None, username: str, text: str) -> bool:
    if not note:
        return False
    return note.splitlines()[-1].endswith(f" {username}: {text}")


def _already_done(row: Any, change: TaskChange, username: str, stale: bool) -> bool:
    """Whether the task already shows ``change`` (so applying it again changes nothing)."""
    if change.action == DONE:
        return row.status == "done"
    if change.action == SNOOZE and change.due_date is not None:
        return row.status == "open" and row.due_at == end_of_day(change.due_date)
    if change.action == REASSIGN:
        return row.assignee == change.assignee
    # A note is a new line each time; only a stale repeat of the last one is the same click.
    return stale and _last_note_is(row.note, username, change.text or "")


def _problem(session: Session, row: Any, change: TaskChange, now: dt.datetime) -> str | None:
    """Why ``change`` cannot apply to the task, or None."""
    if change.action not in ACTIONS:
        return "unknown action"
    if change.action != NOTE and row.status != "open":
        return "only an open task can be changed; this one is closed"
    if change.action == SNOOZE:
        if change.due_date is None:
            return "choose the new due date"
        if not now.date() <= change.due_date <= now.date() + dt.timedelta(days=MAX_SNOOZE_DAYS):
            return "the new due date must be between today and a year from now"
    if change.action == NOTE:
        text = (change.text or "").strip()
        if not text:
            return "write the note first"
        if len(text) > MAX_NOTE_CHARS:
            return f"a note is at most {MAX_NOTE_CHARS} characters"
    if change.action == REASSIGN:
        if not change.assignee:
            return "choose who the task goes to"
        try:
            check_assignee(session, change.assignee, row.kind)
        except ValueError as exc:
            return str(exc)
    return None


def _new_values(row: Any, change: TaskChange, username: str, now: dt.datetime) -> dict[str, Any]:
    if change.action == DONE:
        return {
            "status": "done",
            "completed_at": now,
            "closed_reason": f"marked done by {username}",
        }
    if change.action == SNOOZE:
        assert change.due_date is not None
        return {"due_at": end_of_day(change.due_date), "due_date_only": True}
    if change.action == REASSIGN:
        return {"assignee": change.assignee}
    line = note_line(now, username, (change.text or "").strip())
    return {"note": f"{row.note}\n{line}" if row.note else line}


def _load(session: Session, task_id: str, scope: TaskScope) -> Any:
    return session.execute(
        select(
            Task.task_id,
            Task.kind,
            Task.client_id,
            Task.assignee,
            Task.status,
            Task.due_at,
            Task.note,
            Task.version,
            writable_condition(scope).label("writable"),
        ).where(Task.task_id == task_id, visible_condition(scope))
    ).first()


def apply_change(
    session: Session,
    scope: TaskScope,
    username: str,
    task_id: str,
    seen_version: int,
    change: TaskChange,
    now: dt.datetime,
) -> WriteResult:
    """Apply ``change`` to a task in the caller's transaction, if ``scope`` may and the task is
    still at ``seen_version`` (module docstring); nothing is audited here."""
    row = _load(session, task_id, scope)
    if row is None or not row.writable or (change.action == REASSIGN and not scope.is_director):
        return WriteResult(NOT_FOUND, task_id, "That task is not in your queue.")
    stale = row.version != seen_version
    if _already_done(row, change, username, stale):
        return WriteResult(UNCHANGED, task_id, "Already saved.", row.client_id, row.version)
    if stale:
        return WriteResult(CONFLICT, task_id, CONFLICT_MESSAGE, row.client_id, row.version)
    problem = _problem(session, row, change, now)
    if problem:
        return WriteResult(INVALID, task_id, f"Not saved: {problem}.", row.client_id, row.version)
    changed = session.execute(
        update(Task)
        .where(Task.task_id == task_id, Task.version == seen_version, writable_condition(scope))
        .values(**_new_values(row, change, username, now), version=Task.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        # Another transaction committed first (PostgreSQL waited for its row lock).
        row = _load(session, task_id, scope)
        if row is not None and _already_done(row, change, username, True):
            return WriteResult(UNCHANGED, task_id, "Already saved.", row.client_id, row.version)
        return WriteResult(CONFLICT, task_id, CONFLICT_MESSAGE, row and row.client_id)
    bump_data_version(session)
    return WriteResult(OK, task_id, "Saved.", row.client_id, seen_version + 1)


def change_task(
    db: Database,
    actor: Actor,
    target: str,
    scope: TaskScope,
    task_id: str,
    seen_version: int,
    change: TaskChange,
    now: dt.datetime,
) -> WriteResult:
    """Apply ``change`` in one transaction with its audit row (conflicts and refusals are
    audited too)."""
    with db.write() as session:
        result = apply_change(
            session, scope, actor.username or "?", task_id, seen_version, change, now
        )
        detail = f"task {task_id} {change.action}: {result.outcome}"
        record_in(
            session,
            audit_values(
                actor,
                "write",
                target,
                AUDIT_OUTCOME[result.outcome],
                now,
                client_ids=[result.client_id] if result.client_id else None,
                row_count=1 if result.saved else 0,
                detail=detail,
            ),
        )
    return result


__all__ = [
    "ACTIONS",
    "CLINICAL_KINDS",
    "RULE_KINDS",
    "TaskChange",
    "TaskScope",
    "WriteResult",
    "apply_change",
    "change_task",
    "create_task",
    "end_of_day",
    "ensure_outreach_task",
    "new_task_id",
    "next_business_day",
    "note_visible",
    "visible_condition",
    "writable_condition",
]
