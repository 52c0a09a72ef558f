"""The five task rules on hand-built practices: what each creates, reruns, and self-closing.

The clock stands at Wednesday 2026-03-04 10:00 unless a test moves it. Every expected due date
is worked out in a comment from the rule in db/task_rules.py.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from dashboard.metrics.common import Rules
from db.audit import Actor
from db.engine import Database
from db.models import AuditEntry, Task
from db.task_queue import TaskChange, TaskScope, apply_change
from db.task_rules import GenerateResult, generate, run
from tests.factory import Practice

NOW = dt.datetime(2026, 3, 4, 10, 0)  # a Wednesday
RULES = Rules()


def run_rules(db: Database, now: dt.datetime = NOW, rules: Rules = RULES) -> GenerateResult:
    with db.write() as session:
        return generate(session, now, rules)


def tasks(db: Database, kind: str | None = None) -> dict[str, Task]:
    """Tasks by rule key (detached rows)."""
    with db.write() as session:
        stmt = select(Task)
        if kind:
            stmt = stmt.where(Task.kind == kind)
        rows = session.execute(stmt).scalars().all()
        session.expunge_all()
    return {row.rule_key or row.task_id: row for row in rows}


@pytest.fixture
def clinic(practice: Practice) -> Practice:
    practice.clinician("C1")
    practice.clinician("C2")
    practice.client("K1", primary="C1", intake="2025-12-20")
    return practice


# --- outreach ----------------------------------------------------------------------------------


def test_no_show_and_late_cancel_get_front_desk_outreach(db: Database, clinic: Practice) -> None:
    p = clinic
    p.client("K2", primary="C1", intake="2025-12-20")
    p.client("K3", primary="C1", intake="2025-12-20")
    p.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show")
    # Cancelled 13 hours ahead: under 24 hours, so a late cancel (metrics.md).
    p.appointment(
        "A2",
        "K2",
        "C1",
        "2026-03-03T09:00",
        status="cancelled_client",
        cancelled_at="2026-03-02T20:00",
    )
    # Cancelled three days ahead: an ordinary cancellation, no outreach.
    p.appointment(
        "A3",
        "K3",
        "C1",
        "2026-03-05T09:00",
        status="cancelled_client",
        cancelled_at="2026-03-02T09:00",
    )
    result = run_rules(db)
    assert result.created["outreach"] == 2
    found = tasks(db, "outreach")
    assert set(found) == {"outreach:A1", "outreach:A2"}
    task = found["outreach:A1"]
    assert (task.assignee, task.client_id, task.appointment_id) == ("front_desk", "K1", "A1")
    # Wednesday's next business day is Thursday 03-05; due by its end: 03-06 00:00.
    assert task.due_at == dt.datetime(2026, 3, 6) and task.due_date_only
    assert task.status == "open" and task.created_at == NOW and task.version == 1
    assert task.task_id.startswith("T-20260304100000-")
    # The rerun creates nothing new.
    assert run_rules(db).changes == 0
    assert len(tasks(db, "outreach")) == 2


def test_outreach_on_a_friday_is_due_monday(db: Database, clinic: Practice) -> None:
    clinic.appointment("A1", "K1", "C1", "2026-03-06T09:00", status="no_show")
    run_rules(db, dt.datetime(2026, 3, 6, 11, 0))
    # Friday -> next business day Monday 03-09 -> due 03-10 00:00.
    assert tasks(db)["outreach:A1"].due_at == dt.datetime(2026, 3, 10)


@pytest.mark.parametrize(
    ("case", "setup"),
    [
        (
            "too old",
            lambda p: p.appointment("A1", "K1", "C1", "2026-02-10T09:00", status="no_show"),
        ),
        (
            "seen since",
            lambda p: (
                p.appointment("A1", "K1", "C1", "2026-03-02T09:00", status="no_show"),
                p.appointment("A2", "K1", "C1", "2026-03-03T09:00", status="completed"),
            ),
        ),
        (
            "imported task for it",
            lambda p: (
                p.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show"),
                p.task("T000001", due="2026-03-05", client_id="K1", appointment_id="A1"),
            ),
        ),
        (
            "discharged client",
            lambda p: (
                p.client("K9", primary="C1", intake="2025-12-01", discharge="2026-03-03"),
                p.appointment("A1", "K9", "C1", "2026-03-02T09:00", status="no_show"),
            ),
        ),
    ],
)
def test_outreach_not_created(db: Database, clinic: Practice, case: str, setup) -> None:  # type: ignore[no-untyped-def]
    setup(clinic)
    run_rules(db)
    assert "outreach:A1" not in tasks(db), case


def test_outreach_closes_when_the_client_is_seen(db: Database, clinic: Practice) -> None:
    clinic.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show")
    run_rules(db)
    clinic.appointment("A2", "K1", "C1", "2026-03-05T09:00", status="completed")
    later = dt.datetime(2026, 3, 5, 12, 0)
    result = run_rules(db, later)
    assert result.closed["outreach done"] == 1
    task = tasks(db)["outreach:A1"]
    assert (task.status, task.completed_at) == ("done", later)
    assert task.closed_reason == "client seen on 2026-03-05"
    assert task.version == 2
    assert run_rules(db, later).changes == 0


def test_outreach_closes_when_the_client_is_rebooked(db: Database, clinic: Practice) -> None:
    clinic.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show")
    # A standing booking made before the no-show is no rebooking.
    clinic.appointment(
        "A0", "K1", "C1", "2026-03-17T09:00", status="scheduled", created_at="2026-02-01T09:00"
    )
    run_rules(db)
    assert tasks(db)["outreach:A1"].status == "open"
    clinic.appointment(
        "A2", "K1", "C1", "2026-03-10T09:00", status="scheduled", created_at="2026-03-04T11:00"
    )
    run_rules(db, dt.datetime(2026, 3, 4, 12, 0))
    task = tasks(db)["outreach:A1"]
    assert (task.status, task.closed_reason) == ("done", "client rebooked for 2026-03-10 09:00")


# --- re-engagement -----------------------------------------------------------------------------


def test_lost_clients_get_re_engagement(db: Database, clinic: Practice) -> None:
    p = clinic
    # As of 03-04 the cutoff is 30 days before: 02-02. K1's last visit 01-20 is older: lost.
    p.appointment("A1", "K1", "C1", "2026-01-20T09:00")
    # K2 was seen 02-10: not lost.
    p.client("K2", primary="C1", intake="2025-12-20")
    p.appointment("A2", "K2", "C1", "2026-02-10T09:00")
    # K3 is quiet but booked for 03-09: not lost.
    p.client("K3", primary="C2", intake="2025-12-20")
    p.appointment("A3", "K3", "C2", "2026-01-05T09:00")
    p.appointment("A4", "K3", "C2", "2026-03-09T09:00", status="scheduled")
    # K4 never came after intake on 01-10 (more than 30 days before 03-04): lost.
    p.client("K4", primary="C2", intake="2026-01-10")
    result = run_rules(db)
    assert result.created["re_engagement"] == 2
    found = tasks(db, "re_engagement")
    assert set(found) == {"re_engagement:K1:2026-01-20", "re_engagement:K4:2026-01-10"}
    task = found["re_engagement:K1:2026-01-20"]
    # Due by the end of the 7th day after the run: 03-11 -> 03-12 00:00.
    assert (task.assignee, task.due_at) == ("C1", dt.datetime(2026, 3, 12))
    assert found["re_engagement:K4:2026-01-10"].assignee == "C2"
    assert run_rules(db).created["re_engagement"] == 0


def test_re_engagement_follows_the_metrics_rule_parameters(db: Database, clinic: Practice) -> None:
    clinic.appointment("A1", "K1", "C1", "2026-01-20T09:00")
    # 43 days since the last visit: lost after 30 days, not after 60.
    run_rules(db, rules=Rules(lost_after_days=60))
    assert tasks(db, "re_engagement") == {}


def test_re_engagement_closes_on_the_next_visit(db: Database, clinic: Practice) -> None:
    clinic.appointment("A1", "K1", "C1", "2026-01-20T09:00")
    run_rules(db)
    clinic.appointment("A2", "K1", "C1", "2026-03-05T09:00")
    later = dt.datetime(2026, 3, 5, 12, 0)
    assert run_rules(db, later).closed == {"re_engagement done": 1}
    task = tasks(db)["re_engagement:K1:2026-01-20"]
    assert (task.status, task.closed_reason) == ("done", "client seen on 2026-03-05")
    assert run_rules(db, later).changes == 0


# --- alliance check ----------------------------------------------------------------------------


def test_low_srs_gets_an_alliance_check_before_the_next_session(
    db: Database, clinic: Practice
) -> None:
    p = clinic
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.feedback("A1", srs=33, ors=20)
    p.appointment("A2", "K1", "C1", "2026-03-09T09:00", status="scheduled")
    # SRS 36 is not below 36.
    p.client("K2", primary="C2", intake="2025-12-20")
    p.appointment("A3", "K2", "C2", "2026-03-02T10:00")
    p.feedback("A3", srs=36)
    # A low SRS in a session with C2, nothing booked with C2 after it.
    p.appointment("A4", "K1", "C2", "2026-03-03T09:00")
    p.feedback("A4", srs=30)
    assert run_rules(db).created["alliance_check"] == 2
    found = tasks(db, "alliance_check")
    assert set(found) == {"alliance_check:A1", "alliance_check:A4"}
    first = found["alliance_check:A1"]
    assert (first.assignee, first.client_id, first.appointment_id) == ("C1", "K1", "A1")
    assert first.due_at == dt.datetime(2026, 3, 9, 9, 0) and not first.due_date_only
    assert first.note is not None and "SRS 33" in first.note
    # Nothing booked with C2: due by the end of 03-03 + 7 days = 03-10 -> 03-11 00:00.
    second = found["alliance_check:A4"]
    assert second.assignee == "C2"
    assert (second.due_at, second.due_date_only) == (dt.datetime(2026, 3, 11), True)
    assert run_rules(db).changes == 0


def test_alliance_check_closes_on_a_good_score_and_is_superseded_by_a_low_one(
    db: Database, clinic: Practice
) -> None:
    p = clinic
    p.client("K2", primary="C1", intake="2025-12-20")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.feedback("A1", srs=33)
    p.appointment("A2", "K2", "C1", "2026-03-02T10:00")
    p.feedback("A2", srs=31)
    run_rules(db)
    p.appointment("A3", "K1", "C1", "2026-03-09T09:00")
    p.feedback("A3", srs=38)
    p.appointment("A4", "K2", "C1", "2026-03-09T10:00")
    p.feedback("A4", srs=32)
    later = dt.datetime(2026, 3, 9, 12, 0)
    result = run_rules(db, later)
    assert result.closed == {"alliance_check done": 1, "alliance_check cancelled": 1}
    assert result.created["alliance_check"] == 1  # A4's own check
    found = tasks(db, "alliance_check")
    assert (found["alliance_check:A1"].status, found["alliance_check:A1"].closed_reason) == (
        "done",
        "SRS 38 on 2026-03-09",
    )
    assert found["alliance_check:A2"].status == "cancelled"
    assert "2026-03-09" in (found["alliance_check:A2"].closed_reason or "")
    assert found["alliance_check:A4"].status == "open"
    assert run_rules(db, later).changes == 0


# --- post-discharge ----------------------------------------------------------------------------


def test_hospital_discharge_gets_a_follow_up_within_seven_days(
    db: Database, clinic: Practice
) -> None:
    p = clinic
    p.care_event("E1", "K1", "2026-03-01")
    p.care_event("E2", "K1", "2026-03-02", kind="ed_visit")  # not a hospital discharge
    p.care_event("E3", "K1", "2026-01-10")  # older than 30 days
    # A visit on the day of discharge does not count as follow-up (FUH).
    p.appointment("A1", "K1", "C1", "2026-03-01T15:00")
    assert run_rules(db).created["post_discharge"] == 1
    task = tasks(db, "post_discharge")["post_discharge:E1"]
    # Due by the end of 03-01 + 7 = 03-08 -> 03-09 00:00.
    assert (task.assignee, task.due_at, task.due_date_only) == ("C1", dt.datetime(2026, 3, 9), True)
    assert run_rules(db).changes == 0
    p.appointment("A2", "K1", "C1", "2026-03-05T09:00")
    later = dt.datetime(2026, 3, 5, 12, 0)
    assert run_rules(db, later).closed == {"post_discharge done": 1}
    task = tasks(db)["post_discharge:E1"]
    assert (task.status, task.closed_reason) == ("done", "client seen on 2026-03-05")


def test_discharge_already_followed_up_gets_no_task(db: Database, clinic: Practice) -> None:
    clinic.care_event("E1", "K1", "2026-03-01")
    clinic.appointment("A1", "K1", "C1", "2026-03-03T09:00")
    run_rules(db)
    assert tasks(db, "post_discharge") == {}


# --- plan review -------------------------------------------------------------------------------


def test_plan_review_is_due_ninety_days_after_intake(db: Database, clinic: Practice) -> None:
    p = clinic
    p.client("K2", primary="C1", intake="2025-12-01")
    # Both are seen often, so no re-engagement clutters the queue.
    for client, hour in (("K1", "09"), ("K2", "10")):
        p.appointment(f"A-{client}", client, "C1", f"2026-03-03T{hour}:00")
    # K2: 2025-12-01 + 90 days = 2026-03-01, within 14 days of 03-04 (already late).
    # K1: 2025-12-20 + 90 days = 2026-03-20, after 03-04 + 14 = 03-18: not yet.
    assert run_rules(db).created["plan_review"] == 1
    task = tasks(db, "plan_review")["plan_review:K2:2026-03-01"]
    assert (task.assignee, task.due_at) == ("C1", dt.datetime(2026, 3, 2))
    # As of 03-07 the horizon is 03-21, which reaches K1's 03-20.
    run_rules(db, dt.datetime(2026, 3, 7, 10, 0))
    assert "plan_review:K1:2026-03-20" in tasks(db)


def test_the_next_plan_review_counts_from_the_last_one(db: Database, clinic: Practice) -> None:
    p = clinic
    p.client("K2", primary="C1", intake="2025-12-01")
    run_rules(db)
    review = tasks(db)["plan_review:K2:2026-03-01"]
    with db.write() as session:
        done = apply_change(
            session,
            TaskScope("clinician", "C1"),
            "cleo",
            review.task_id,
            1,
            TaskChange("done"),
            dt.datetime(2026, 3, 5, 10, 0),
        )
    assert done.saved
    # Reviewed 03-05: the next is due 03-05 + 90 = 06-03, created from 06-03 - 14 = 05-20.
    assert "plan_review:K2:2026-06-03" not in tasks(db)
    run_rules(db, dt.datetime(2026, 5, 19, 10, 0))
    assert "plan_review:K2:2026-06-03" not in tasks(db)
    run_rules(db, dt.datetime(2026, 5, 20, 10, 0))
    assert tasks(db)["plan_review:K2:2026-06-03"].status == "open"


# --- closing when moot; assignment ------------------------------------------------------------


def test_generated_tasks_are_cancelled_when_the_client_is_discharged(
    db: Database, clinic: Practice
) -> None:
    p = clinic
    p.client("K2", primary="C1", intake="2025-12-01", discharge="2026-03-05")
    p.appointment("A1", "K2", "C1", "2026-03-03T09:00", status="no_show")
    p.task("T000001", due="2026-03-06", client_id="K2", assignee="C1", kind="call")
    run_rules(db)
    # K2 never came after intake (12-01), so is lost to follow-up as well.
    assert {key for key in tasks(db) if "K2" in key or key.endswith("A1")} == {
        "outreach:A1",
        "plan_review:K2:2026-03-01",
        "re_engagement:K2:2025-12-01",
    }
    later = dt.datetime(2026, 3, 5, 18, 0)
    assert run_rules(db, later).closed == {
        "outreach cancelled": 1,
        "plan_review cancelled": 1,
        "re_engagement cancelled": 1,
    }
    found = tasks(db)
    assert found["outreach:A1"].closed_reason == "client discharged on 2026-03-05"
    assert found["outreach:A1"].completed_at == later
    # A task without a rule key is the staff's own: it never closes by itself.
    assert found["T000001"].status == "open"


def test_a_clinician_who_left_gets_nothing(db: Database, practice: Practice) -> None:
    practice.clinician("C9", active=False)
    practice.client("K1", primary="C9", intake="2025-12-01")
    practice.appointment("A1", "K1", "C9", "2026-03-03T09:00")
    run_rules(db)
    task = tasks(db)["plan_review:K1:2026-03-01"]
    assert task.assignee is None  # unassigned: a director gives it to someone


def test_a_run_is_audited(db: Database, clinic: Practice) -> None:
    clinic.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show")
    result = run(db, NOW, RULES, Actor(None, "cli:ops", None), "cli tasks generate")
    assert result.created["outreach"] == 1
    with db.read() as conn:
        entry = conn.execute(select(AuditEntry)).one()
    assert (entry.action, entry.target, entry.outcome) == ("write", "cli tasks generate", "ok")
    # K1 never came after intake either, so a re-engagement task came with the outreach.
    assert entry.client_ids == "K1" and entry.row_count == result.changes == 2


def test_overlapping_runs_create_each_task_once(db: Database, clinic: Practice) -> None:
    p = clinic
    for n in range(1, 6):
        p.appointment(f"A{n}", "K1", "C1", f"2026-03-0{n % 3 + 1}T0{n}:00", status="no_show")
    outcomes: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def one_run() -> None:
        try:
            barrier.wait()
            outcomes.append(run_rules(db).created["outreach"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    # Five no-shows in the last 14 days: five tasks between the two runs, none twice.
    assert sum(outcomes) == 5
    assert len(tasks(db, "outreach")) == 5


def test_the_cli_command_runs_the_rules_once(db: Database, clinic: Practice) -> None:
    from click.testing import CliRunner

    from dashboard.cli import main

    clinic.appointment("A1", "K1", "C1", "2026-03-03T09:00", status="no_show")
    env = {"DATABASE_URL": db.url, "SECRET_KEY": ""}
    args = ["tasks", "generate", "--as-of", "2026-03-04T10:00"]
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    # K1 never came after intake (12-20) either: a re-engagement task comes with the outreach.
    assert "created 2 (outreach 1, re_engagement 1); closed 0 (none)" in first.output
    again = CliRunner().invoke(main, args, env=env)
    assert "created 0 (none); closed 0 (none)" in again.output
    assert len(tasks(db)) == 2
    bad = CliRunner().invoke(main, ["tasks", "generate", "--as-of", "soon"], env=env)
    assert bad.exit_code == 2 and "--as-of" in bad.output
