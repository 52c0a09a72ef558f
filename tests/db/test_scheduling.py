"""The front desk's writes: status rules (pure), status changes and waitlist resolutions on
SQLite and PostgreSQL: version checks, double submits, audit rows, the late-cancel rule.

Calendar: 2026-03-04 is a Wednesday; US clocks spring forward on Sunday 2026-03-08 (02:00 ->
03:00) and fall back on Sunday 2026-11-01 (02:00 -> 01:00).
"""

from __future__ import annotations

import datetime as dt
import sys
import types
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.audit import Actor
from db.engine import Database
from db.meta import data_version
from db.models import Appointment, AuditEntry, WaitlistEntry
from db.scheduling import allowed_actions, change_status, resolve_entry, target_status
from tests.factory import Practice

TZ = ZoneInfo("America/Chicago")
T = dt.datetime.fromisoformat
NOW = T("2026-03-04T10:00")
FRANK = Actor(7, "frank", "front_desk")
ALL_SIX = ("check_in", "complete", "no_show", "late_cancel", "cancel_client", "cancel_clinician")
CANCELS = ("cancel_client", "cancel_clinician")


@pytest.mark.parametrize(
    ("status", "start", "now", "expected"),
    [
        # 48 h ahead, and 24 h 1 min ahead: more than a day, so only the cancellations.
        ("scheduled", "2026-03-06T10:00", NOW, CANCELS),
        ("scheduled", "2026-03-05T10:01", NOW, CANCELS),
        # 23 h ahead, tomorrow: a late cancel is possible, a check-in is not (not today).
        ("scheduled", "2026-03-05T09:00", NOW, ("late_cancel", *CANCELS)),
        # Later today: check-in, and the cancellations; no completed/no-show before the start.
        ("confirmed", "2026-03-04T14:00", NOW, ("check_in", "late_cancel", *CANCELS)),
        # Started half an hour ago, and yesterday's: everything.
        ("scheduled", "2026-03-04T09:30", NOW, ALL_SIX),
        ("scheduled", "2026-03-03T09:00", NOW, ALL_SIX),
        # A checked-in client is completed (or the clinician cancels).
        ("checked_in", "2026-03-04T09:30", NOW, ("complete", "cancel_clinician")),
        # Final statuses: no check-in of a cancelled appointment, nothing else either.
        ("cancelled_client", "2026-03-04T14:00", NOW, ()),
        ("cancelled_clinician", "2026-03-04T09:30", NOW, ()),
        ("late_cancel", "2026-03-04T14:00", NOW, ()),
        ("no_show", "2026-03-04T09:30", NOW, ()),
        ("completed", "2026-03-04T09:30", NOW, ()),
        ("rescheduled", "2026-03-04T14:00", NOW, ()),
        # Spring forward: Sat 08:30 to Sun 09:00 is 24 h 30 min on the clock but 23 h 30 min
        # of real time, so not more than a day ahead, and within the late-cancel window.
        ("scheduled", "2026-03-08T09:00", T("2026-03-07T08:30"), ("late_cancel", *CANCELS)),
        # Fall back: Sat 09:30 to Sun 09:00 is 23 h 30 min on the clock, 24 h 30 min real.
        ("scheduled", "2026-11-01T09:00", T("2026-10-31T09:30"), CANCELS),
    ],
)
def test_allowed_actions(status: str, start: str, now: dt.datetime, expected: tuple) -> None:
    assert allowed_actions(status, T(start), now, tz=TZ) == expected


def test_late_cancel_window_follows_the_setting() -> None:
    # 20 h ahead with a 12-hour late-cancel window: not late, so no "late cancel" button.
    start = T("2026-03-05T06:00")
    assert allowed_actions("scheduled", start, NOW, tz=TZ, late_cancel_hours=12) == CANCELS
    assert target_status("cancel_client", start, NOW, tz=TZ, late_cancel_hours=12) == (
        "cancelled_client"
    )


@pytest.mark.parametrize(
    ("action", "start", "now", "expected"),
    [
        ("cancel_client", "2026-03-05T09:00", NOW, "late_cancel"),  # 23 h ahead
        ("cancel_client", "2026-03-05T11:00", NOW, "cancelled_client"),  # 25 h ahead
        ("cancel_client", "2026-03-04T09:00", NOW, "late_cancel"),  # after the start
        # Spring forward: 24 h 30 min on the clock, 23 h 30 min real: late.
        ("cancel_client", "2026-03-08T09:00", T("2026-03-07T08:30"), "late_cancel"),
        ("cancel_clinician", "2026-03-05T09:00", NOW, "cancelled_clinician"),
        ("check_in", "2026-03-04T09:00", NOW, "checked_in"),
        ("no_show", "2026-03-04T09:00", NOW, "no_show"),
    ],
)
def test_target_status(action: str, start: str, now: dt.datetime, expected: str) -> None:
    assert target_status(action, T(start), now, tz=TZ) == expected


# --- writes ------------------------------------------------------------------------------------


def change(db: Database, appointment_id: str, action: str, version: int, now=NOW):  # type: ignore[no-untyped-def]
    return change_status(
        db, appointment_id, action, version, actor=FRANK, target="test", now=now, tz=TZ
    )


def appointment(db: Database, appointment_id: str) -> Appointment:
    with db.session() as session:
        return session.get(Appointment, appointment_id)


def audit_rows(db: Database) -> list[tuple]:
    with db.read() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.outcome, AuditEntry.client_ids).order_by(
                AuditEntry.id
            )
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def booked(practice: Practice) -> Practice:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-04T14:00", status="scheduled")
    return practice


def test_check_in_is_one_audited_versioned_write_and_a_double_click_changes_nothing(
    booked: Practice,
) -> None:
    db = booked.db
    with db.read() as conn:
        before = data_version(conn)
    first = change(db, "A1", "check_in", 1)
    assert (first.outcome, first.client_ids) == ("ok", ("K1",))
    row = appointment(db, "A1")
    assert (row.status, row.version, row.updated_at, row.cancelled_at) == (
        "checked_in",
        2,
        NOW,
        None,
    )
    with db.read() as conn:
        assert data_version(conn) == before + 1
    # The second click of a double click carries the same (now stale) version.
    second = change(db, "A1", "check_in", 1)
    assert second.outcome == "unchanged"
    assert appointment(db, "A1").version == 2
    with db.read() as conn:
        assert data_version(conn) == before + 1
    assert audit_rows(db) == [("write", "ok", "K1"), ("write", "ok", "K1")]


def test_a_stale_edit_is_a_conflict_and_writes_nothing(booked: Practice) -> None:
    db = booked.db
    assert change(db, "A1", "cancel_clinician", 1).outcome == "ok"  # someone else, first
    stale = change(db, "A1", "check_in", 1)
    assert stale.outcome == "conflict"
    assert "changed by someone else" in stale.message
    row = appointment(db, "A1")
    assert (row.status, row.version) == ("cancelled_clinician", 2)
    assert audit_rows(db)[-1] == ("write", "conflict", "K1")


def test_no_check_in_of_a_cancelled_appointment(booked: Practice) -> None:
    booked.appointment("A2", "K1", "C1", "2026-03-04T09:00", status="cancelled_client")
    refused = change(booked.db, "A2", "check_in", 1)
    assert refused.outcome == "refused"
    row = appointment(booked.db, "A2")
    assert (row.status, row.version) == ("cancelled_client", 1)
    assert audit_rows(booked.db) == [("write", "invalid", "K1")]


def test_only_cancellation_more_than_a_day_ahead(booked: Practice) -> None:
    booked.appointment("A3", "K1", "C1", "2026-03-07T10:00", status="scheduled")
    assert change(booked.db, "A3", "check_in", 1).outcome == "refused"
    assert change(booked.db, "A3", "no_show", 1).outcome == "refused"
    done = change(booked.db, "A3", "cancel_client", 1)
    row = appointment(booked.db, "A3")
    # 3 days = 72 h = 4320 min ahead: an ordinary client cancellation.
    assert (done.outcome, row.status, row.cancelled_at, row.cancel_lead_min) == (
        "ok",
        "cancelled_client",
        NOW,
        4320,
    )


def test_a_client_cancellation_within_a_day_is_stored_as_late_cancel(booked: Practice) -> None:
    booked.appointment("A4", "K1", "C1", "2026-03-05T09:00", status="confirmed")
    assert change(booked.db, "A4", "cancel_client", 1).outcome == "ok"
    row = appointment(booked.db, "A4")
    # 10:00 to 09:00 next day = 23 h = 1380 min.
    assert (row.status, row.cancelled_at, row.cancel_lead_min, row.version) == (
        "late_cancel",
        NOW,
        1380,
        2,
    )


def test_no_show_and_late_cancel_ask_for_the_outreach_task_in_the_same_transaction(
    booked: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, dt.datetime, bool]] = []

    def ensure_outreach_task(session, appointment_id, now):  # type: ignore[no-untyped-def]
        # Inside the transaction the status change is already visible.
        status = session.get(Appointment, appointment_id).status
        calls.append((appointment_id, now, status))
        return True

    fake = types.ModuleType("db.task_queue")
    fake.ensure_outreach_task = ensure_outreach_task  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "db.task_queue", fake)
    booked.appointment("A5", "K1", "C1", "2026-03-04T09:00", status="scheduled")
    booked.appointment("A6", "K1", "C1", "2026-03-04T16:00", status="scheduled")
    assert change(booked.db, "A5", "no_show", 1).outcome == "ok"
    assert change(booked.db, "A6", "late_cancel", 1).outcome == "ok"
    assert change(booked.db, "A1", "check_in", 1).outcome == "ok"  # no task for a check-in
    assert calls == [("A5", NOW, "no_show"), ("A6", NOW, "late_cancel")]


def test_unknown_appointment(booked: Practice) -> None:
    assert change(booked.db, "NOPE", "check_in", 1).outcome == "missing"


# --- waitlist ------------------------------------------------------------------------------------


@pytest.fixture
def waiting(practice: Practice) -> Practice:
    practice.client("K1", intake="2026-02-01", program="Adult")
    practice.client("K2", intake="2026-02-01", program="Adult")
    practice.waitlist("W1", "K1", referred="2026-02-01")
    practice.waitlist("W2", "K2", referred="2026-02-10")
    return practice


def resolve(db: Database, entry_id: str, resolution: str, version: int, reason: str | None = None):  # type: ignore[no-untyped-def]
    return resolve_entry(
        db, entry_id, resolution, reason, version, actor=FRANK, target="test", now=NOW
    )


def entry(db: Database, entry_id: str) -> WaitlistEntry:
    with db.session() as session:
        return session.get(WaitlistEntry, entry_id)


def test_mark_scheduled_once(waiting: Practice) -> None:
    assert resolve(waiting.db, "W1", "scheduled", 1).outcome == "ok"
    row = entry(waiting.db, "W1")
    assert (row.resolution, row.resolved_at, row.version) == ("scheduled", NOW.date(), 2)
    assert resolve(waiting.db, "W1", "scheduled", 1).outcome == "unchanged"
    assert entry(waiting.db, "W1").version == 2
    assert audit_rows(waiting.db) == [("write", "ok", "K1"), ("write", "ok", "K1")]


def test_removal_needs_a_reason_and_keeps_it(waiting: Practice) -> None:
    assert resolve(waiting.db, "W2", "removed", 1).outcome == "refused"
    assert entry(waiting.db, "W2").resolution is None
    assert resolve(waiting.db, "W2", "removed", 1, "  moved away ").outcome == "ok"
    row = entry(waiting.db, "W2")
    assert (row.resolution, row.resolution_reason, row.version) == ("removed", "moved away", 2)


def test_stale_waitlist_edit_is_a_conflict(waiting: Practice) -> None:
    assert resolve(waiting.db, "W1", "scheduled", 1).outcome == "ok"
    stale = resolve(waiting.db, "W1", "removed", 1, "no longer needed")
    assert stale.outcome == "conflict"
    assert entry(waiting.db, "W1").resolution == "scheduled"
    assert audit_rows(waiting.db)[-1] == ("write", "conflict", "K1")
    assert resolve(waiting.db, "NOPE", "scheduled", 1).outcome == "missing"
