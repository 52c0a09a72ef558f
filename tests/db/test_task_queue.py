"""Task writes: creation, the four staff actions, version checks, idempotency, scope, audit,
and two sessions editing one task at once."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

import pytest
from sqlalchemy import select

from db.audit import Actor
from db.engine import Database
from db.meta import data_version
from db.models import AuditEntry, Task
from db.task_queue import (
    CONFLICT,
    INVALID,
    NOT_FOUND,
    OK,
    UNCHANGED,
    TaskChange,
    TaskScope,
    apply_change,
    change_task,
    create_task,
    end_of_day,
    ensure_outreach_task,
    new_task_id,
    next_business_day,
)
from tests.factory import Practice

NOW = dt.datetime(2026, 3, 4, 10, 0)  # a Wednesday
DIRECTOR = TaskScope("director")
CLEO = TaskScope("clinician", "C1")  # a clinician user linked to C1
FRONT = TaskScope("front_desk")
ACTORS = {
    "director": Actor(1, "dana", "director"),
    "clinician": Actor(3, "cleo", "clinician"),
    "front_desk": Actor(2, "frank", "front_desk"),
}


@pytest.fixture
def queue(practice: Practice) -> Practice:
    p = practice
    p.clinician("C1")
    p.clinician("C2")
    p.clinician("C9", active=False)
    p.client("K1", primary="C1")
    p.client("K2", primary="C2")
    p.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show")
    p.task("T1", kind="outreach", due="2026-03-05", client_id="K1", note="Left voicemail")
    p.task("T2", kind="alliance_check", due="2026-03-09", client_id="K1", assignee="C1")
    p.task("T3", kind="plan_review", due="2026-03-09", client_id="K2", assignee="C2")
    p.task("T4", kind="outreach", due="2026-03-05", client_id="K2")
    p.task("T5", kind="post_discharge", due="2026-03-05", client_id="K2", assignee="front_desk")
    return p


def task(db: Database, task_id: str) -> Task:
    with db.write() as session:
        row = session.get(Task, task_id)
        assert row is not None
        session.expunge(row)
    return row


def change(db: Database, scope: TaskScope, task_id: str, seen: int, what: TaskChange, now=NOW):  # type: ignore[no-untyped-def]
    actor = ACTORS[scope.role]
    return change_task(db, actor, "tasks.act", scope, task_id, seen, what, now)


def audit_rows(db: Database) -> list[AuditEntry]:
    with db.read() as conn:
        return list(conn.execute(select(AuditEntry).order_by(AuditEntry.id)).all())


# --- creating ----------------------------------------------------------------------------------


def test_new_ids_sort_by_creation_and_never_look_imported() -> None:
    first, second = new_task_id(NOW), new_task_id(NOW + dt.timedelta(seconds=1))
    assert re.fullmatch(r"T-20260304100000-[0-9a-f]{6}", first)
    assert first < second
    assert new_task_id(NOW) != new_task_id(NOW)  # the random suffix


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-03-04", "2026-03-05"),  # Wed -> Thu
        ("2026-03-06", "2026-03-09"),  # Fri -> Mon
        ("2026-03-07", "2026-03-09"),  # Sat -> Mon
        ("2026-03-08", "2026-03-09"),  # Sun -> Mon
    ],
)
def test_next_business_day(day: str, expected: str) -> None:
    assert next_business_day(dt.date.fromisoformat(day)) == dt.date.fromisoformat(expected)


def test_create_task_is_idempotent_by_rule_key(db: Database, queue: Practice) -> None:
    version = _version(db)
    with db.write() as session:
        first = create_task(
            session,
            kind="outreach",
            client_id="K1",
            assignee="front_desk",
            due_at=end_of_day(dt.date(2026, 3, 5)),
            due_date_only=True,
            note="Call about the missed session",
            rule_key="outreach:A1",
            now=NOW,
        )
    with db.write() as session:
        again = create_task(
            session,
            kind="outreach",
            client_id="K1",
            assignee="front_desk",
            due_at=end_of_day(dt.date(2026, 3, 9)),
            due_date_only=True,
            note=None,
            rule_key="outreach:A1",
            now=NOW,
        )
    assert again == first
    created = task(db, first)
    assert (created.due_at, created.status, created.created_at) == (
        dt.datetime(2026, 3, 6),
        "open",
        NOW,
    )
    assert _version(db) == version + 1  # bumped once, by the creation only


def _version(db: Database) -> int:
    with db.read() as conn:
        return data_version(conn)


@pytest.mark.parametrize(
    ("kind", "assignee"),
    [("outreach", "C9"), ("outreach", "NOBODY"), ("plan_review", "front_desk")],
)
def test_create_task_refuses_a_wrong_assignee(
    db: Database, queue: Practice, kind: str, assignee: str
) -> None:
    with pytest.raises(ValueError), db.write() as session:
        create_task(
            session,
            kind=kind,
            client_id="K1",
            assignee=assignee,
            due_at=NOW,
            due_date_only=False,
            note=None,
            rule_key=None,
            now=NOW,
        )


def test_ensure_outreach_task_once_per_appointment(db: Database, queue: Practice) -> None:
    friday = dt.datetime(2026, 3, 6, 16, 0)
    with db.write() as session:
        assert ensure_outreach_task(session, "A1", friday) is True
    with db.write() as session:
        assert ensure_outreach_task(session, "A1", friday) is False
    with db.read() as conn:
        row = conn.execute(select(Task).where(Task.rule_key == "outreach:A1")).one()
    # Friday -> Monday 03-09, due by its end: 03-10 00:00.
    assert (row.assignee, row.kind, row.client_id, row.appointment_id) == (
        "front_desk",
        "outreach",
        "K1",
        "A1",
    )
    assert (row.due_at, row.due_date_only) == (dt.datetime(2026, 3, 10), True)


# --- the four actions --------------------------------------------------------------------------


def test_mark_done_then_a_double_click_changes_nothing(db: Database, queue: Practice) -> None:
    first = change(db, FRONT, "T1", 1, TaskChange("done"))
    assert (first.outcome, first.version) == (OK, 2)
    done = task(db, "T1")
    assert (done.status, done.completed_at, done.version) == ("done", NOW, 2)
    assert done.closed_reason == "marked done by frank"
    version = _version(db)
    # The second click still carries version 1: no conflict, no change.
    second = change(db, FRONT, "T1", 1, TaskChange("done"), NOW + dt.timedelta(seconds=1))
    assert second.outcome == UNCHANGED
    assert task(db, "T1").version == 2 and task(db, "T1").completed_at == NOW
    assert _version(db) == version
    entries = audit_rows(db)
    assert [(e.action, e.outcome, e.client_ids, e.row_count) for e in entries] == [
        ("write", "ok", "K1", 1),
        ("write", "ok", "K1", 0),
    ]


def test_snooze_sets_a_new_due_date(db: Database, queue: Practice) -> None:
    result = change(db, CLEO, "T2", 1, TaskChange("snooze", due_date=dt.date(2026, 3, 12)))
    assert result.outcome == OK
    snoozed = task(db, "T2")
    assert (snoozed.due_at, snoozed.due_date_only, snoozed.status) == (
        dt.datetime(2026, 3, 13),
        True,
        "open",
    )
    again = change(db, CLEO, "T2", 1, TaskChange("snooze", due_date=dt.date(2026, 3, 12)))
    assert again.outcome == UNCHANGED


@pytest.mark.parametrize(
    "what",
    [
        TaskChange("snooze", due_date=dt.date(2026, 3, 3)),  # yesterday
        TaskChange("snooze", due_date=dt.date(2027, 6, 1)),  # over a year ahead
        TaskChange("snooze"),
        TaskChange("note", text="   "),
        TaskChange("note", text="x" * 501),
        TaskChange("fly"),
    ],
)
def test_invalid_changes_write_nothing(db: Database, queue: Practice, what: TaskChange) -> None:
    result = change(db, FRONT, "T1", 1, what)
    assert result.outcome == INVALID
    assert task(db, "T1").version == 1
    assert audit_rows(db)[-1].outcome == "invalid"


def test_notes_are_appended_with_author_and_time(db: Database, queue: Practice) -> None:
    assert change(db, FRONT, "T1", 1, TaskChange("note", text="Spoke with client")).saved
    later = NOW + dt.timedelta(hours=1)
    assert change(db, FRONT, "T1", 2, TaskChange("note", text="Rebooked"), later).saved
    assert task(db, "T1").note.splitlines() == [  # type: ignore[union-attr]
        "Left voicemail",
        "2026-03-04 10:00 frank: Spoke with client",
        "2026-03-04 11:00 frank: Rebooked",
    ]
    # The same note posted again from the stale view (version 2) is the same click.
    assert change(db, FRONT, "T1", 2, TaskChange("note", text="Rebooked")).outcome == UNCHANGED
    # The same words on purpose, from the current view, are a new line.
    assert change(db, FRONT, "T1", 3, TaskChange("note", text="Rebooked")).saved
    assert task(db, "T1").note.count("Rebooked") == 2  # type: ignore[union-attr]


def test_a_stale_edit_gets_a_conflict_and_overwrites_nothing(db: Database, queue: Practice) -> None:
    assert change(db, CLEO, "T2", 1, TaskChange("note", text="Discussed in session")).saved
    stale = change(db, CLEO, "T2", 1, TaskChange("snooze", due_date=dt.date(2026, 3, 20)))
    assert stale.outcome == CONFLICT
    assert "changed this task" in stale.message
    kept = task(db, "T2")
    assert kept.due_at == dt.datetime(2026, 3, 10) and kept.version == 2
    assert audit_rows(db)[-1].outcome == "conflict"


def test_reassign_is_for_directors(db: Database, queue: Practice) -> None:
    to_c2 = TaskChange("reassign", assignee="C2")
    assert change(db, CLEO, "T2", 1, to_c2).outcome == NOT_FOUND
    assert change(db, FRONT, "T1", 1, TaskChange("reassign", assignee="C1")).outcome == NOT_FOUND
    assert change(db, DIRECTOR, "T2", 1, to_c2).outcome == OK
    assert task(db, "T2").assignee == "C2"
    # A clinical kind never goes to the front desk; a departed clinician takes nothing.
    desk = TaskChange("reassign", assignee="front_desk")
    assert change(db, DIRECTOR, "T3", 1, desk).outcome == INVALID
    gone = TaskChange("reassign", assignee="C9")
    assert change(db, DIRECTOR, "T3", 1, gone).outcome == INVALID
    assert change(db, DIRECTOR, "T1", 1, TaskChange("reassign", assignee="C1")).outcome == OK


@pytest.mark.parametrize(
    ("scope", "task_id"),
    [
        (CLEO, "T3"),  # C2's task
        (CLEO, "T1"),  # the front desk's, about Cleo's own client: she may see it, not change it
        (FRONT, "T2"),  # a clinician's
        (FRONT, "T5"),  # a clinical kind in the front-desk queue
        (TaskScope("clinician", None), "T2"),
        (TaskScope("visitor"), "T1"),
        (DIRECTOR, "NO-SUCH-TASK"),
    ],
)
def test_out_of_scope_changes_are_refused_and_audited(
    db: Database, queue: Practice, scope: TaskScope, task_id: str
) -> None:
    actor = Actor(9, "someone", scope.role)
    result = change_task(db, actor, "tasks.act", scope, task_id, 1, TaskChange("done"), NOW)
    assert result.outcome == NOT_FOUND
    with db.read() as conn:
        statuses = dict(conn.execute(select(Task.task_id, Task.status)).all())
    assert set(statuses.values()) == {"open"}
    assert audit_rows(db)[-1].outcome == "denied"


def test_two_sessions_editing_one_task_at_once(db: Database, queue: Practice) -> None:
    """Session A holds its change uncommitted; B, who saw the same version, waits on the row
    (PostgreSQL row lock, SQLite write lock), then gets a conflict. A's note survives."""
    outcome: list[str] = []

    def session_b() -> None:
        note = TaskChange("note", text="B: client called back")
        outcome.append(change(db, CLEO, "T2", 1, note).outcome)

    with db.write() as session_a:
        a = apply_change(
            session_a, CLEO, "cleo", "T2", 1, TaskChange("note", text="A: left voicemail"), NOW
        )
        assert a.outcome == OK
        other = threading.Thread(target=session_b)
        other.start()
        time.sleep(0.5)
        assert other.is_alive()  # B waits for A's transaction
    other.join(20)
    assert outcome == [CONFLICT]
    final = task(db, "T2")
    assert final.version == 2
    assert final.note == "2026-03-04 10:00 cleo: A: left voicemail"
    # B reloads and adds its note: nothing is lost.
    assert change(db, CLEO, "T2", 2, TaskChange("note", text="B: client called back")).saved
    assert task(db, "T2").note.endswith("cleo: B: client called back")  # type: ignore[union-attr]
    assert "A: left voicemail" in task(db, "T2").note  # type: ignore[operator]
