"""100 conflicting edits of the same appointments and tasks from parallel sessions.

Every edit is either applied or reported (conflict / unchanged / refused), none is silently
lost, and the audit rows match the applied writes one for one. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.audit import Actor
from db.engine import Database
from db.models import Appointment, AuditEntry, Task
from db.scheduling import change_status
from db.task_queue import TaskChange, TaskScope, change_task
from tests.factory import Practice

TZ = ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 3, 4, 12, 0)
EDITS = 100
APPOINTMENTS = [f"A{n:02d}" for n in range(5)]
TASKS = [f"T{n:02d}" for n in range(5)]
# Each appointment gets 20 edits: 10 check-ins and 10 no-shows, all from its version 1.
ACTIONS = ("check_in", "no_show")


def _practice(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    for number, appointment_id in enumerate(APPOINTMENTS):
        start = f"2026-03-04T{8 + number:02d}:00"  # today, already started: both actions allowed
        practice.appointment(appointment_id, "K1", "C1", start, status="scheduled")
    for task_id in TASKS:
        practice.task(task_id, due="2026-03-05", client_id="K1", assignee="front_desk")


def _run(jobs: list) -> list:  # type: ignore[type-arg]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda job: job(), jobs))


def test_conflicting_appointment_edits(db: Database, practice: Practice) -> None:
    _practice(practice)
    jobs = []
    for n in range(EDITS):
        appointment_id = APPOINTMENTS[n % len(APPOINTMENTS)]
        action = ACTIONS[(n // len(APPOINTMENTS)) % 2]
        actor = Actor(1, f"desk{n}", "front_desk")

        def job(a=appointment_id, act=action, who=actor):  # type: ignore[no-untyped-def]
            outcome = change_status(
                db, a, act, 1, actor=who, target="reliability", now=NOW, tz=TZ
            ).outcome
            return a, act, outcome

        jobs.append(job)
    results = _run(jobs)
    outcomes = Counter(outcome for _, _, outcome in results)
    assert sum(outcomes.values()) == EDITS
    assert set(outcomes) <= {"ok", "conflict", "unchanged"}
    # Exactly one edit per appointment was applied; every other one was told why not.
    assert outcomes["ok"] == len(APPOINTMENTS)
    expected_status = {"check_in": "checked_in", "no_show": "no_show"}
    with db.read() as conn:
        rows = {
            row.appointment_id: row
            for row in conn.execute(
                select(Appointment.appointment_id, Appointment.status, Appointment.version)
            )
        }
        audit = conn.execute(
            select(AuditEntry.outcome, AuditEntry.detail).where(AuditEntry.target == "reliability")
        ).all()
    for appointment_id in APPOINTMENTS:
        winners = [act for a, act, o in results if a == appointment_id and o == "ok"]
        assert len(winners) == 1
        assert rows[appointment_id].status == expected_status[winners[0]]
        assert rows[appointment_id].version == 2
    applied = [detail for outcome, detail in audit if outcome == "ok" and "->" in detail]
    assert len(applied) == outcomes["ok"]
    assert sum(1 for outcome, _ in audit if outcome == "conflict") == outcomes["conflict"]


def test_conflicting_task_edits(db: Database, practice: Practice) -> None:
    _practice(practice)
    scope = TaskScope("front_desk", None)
    jobs = []
    for n in range(EDITS):
        task_id = TASKS[n % len(TASKS)]
        # Half the sessions mark the task done, half add their own note; all saw version 1.
        change = TaskChange("done") if n % 2 else TaskChange("note", text=f"called, session {n}")
        actor = Actor(1, f"desk{n}", "front_desk")

        def job(t=task_id, c=change, who=actor):  # type: ignore[no-untyped-def]
            return t, change_task(db, who, "reliability", scope, t, 1, c, NOW).outcome

        jobs.append(job)
    results = _run(jobs)
    outcomes = Counter(outcome for _, outcome in results)
    assert sum(outcomes.values()) == EDITS
    assert set(outcomes) <= {"ok", "conflict", "unchanged"}
    with db.read() as conn:
        versions = dict(conn.execute(select(Task.task_id, Task.version)).all())
        audit = conn.execute(
            select(AuditEntry.outcome, AuditEntry.row_count).where(
                AuditEntry.target == "reliability"
            )
        ).all()
    # Every applied edit bumped its task's version once: nothing was lost or applied twice.
    for task_id in TASKS:
        applied = sum(1 for t, o in results if t == task_id and o == "ok")
        assert applied >= 1
        assert versions[task_id] == 1 + applied
    assert len(audit) == EDITS
    assert sum(1 for outcome, rows in audit if rows == 1) == outcomes["ok"]
