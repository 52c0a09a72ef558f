"""Appointment sums by day (``appointment_days.status_day_sums``, what utilization, attendance
and the overview's trends read) on a hand-built week, worked out from metrics.md's statuses:
held, kept, late client cancellations counted as late_cancel, past = before the as-of.

Calendar: 2026-03-02 is a Monday. The split as-of is Tuesday 03-03 12:00.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.metrics import appointment_days, attendance, utilization
from dashboard.metrics.appointment_days import status_day_sums
from dashboard.metrics.common import Filters, Period, Rules
from dashboard.metrics.shared import shared_reads
from db.engine import Database
from tests.factory import Practice
from tests.metrics.areas import D, T, grouped_plans

WEEK = Period(D("2026-03-02"), D("2026-03-08"), T("2026-03-03T12:00"))
MONDAY = Period(D("2026-03-02"), D("2026-03-02"), T("2026-03-03T00:00"))


@pytest.fixture
def week(practice: Practice) -> Database:
    practice.clinician("C1")
    practice.client("K1", primary="C1", program="Adult")
    practice.client("K2", primary="C1", program="Youth")
    add = practice.appointment
    # Monday: kept 60, no-show 45, a client cancellation 30 minutes before (late: held, 50),
    # one two days before (not late, not held), a clinician cancellation.
    add("A1", "K1", "C1", "2026-03-02T09:00", minutes=60)
    add("A2", "K1", "C1", "2026-03-02T10:00", minutes=45, status="no_show")
    add("A3", "K1", "C1", "2026-03-02T11:00", minutes=50, status="cancelled_client",
        cancelled_at="2026-03-02T10:30")  # fmt: skip
    add("A4", "K1", "C1", "2026-03-02T12:00", status="cancelled_client",
        cancelled_at="2026-02-28T12:00")  # fmt: skip
    add("A5", "K1", "C1", "2026-03-02T13:00", minutes=30, status="cancelled_clinician")
    # Tuesday, the as-of's day: before 12:00 a kept 60 and a stored late_cancel 90 (Youth);
    # after it a scheduled 60 and a no-show 60, both held and neither past.
    add("A6", "K2", "C1", "2026-03-03T09:00", minutes=60)
    add("A8", "K2", "C1", "2026-03-03T11:00", minutes=90, status="late_cancel")
    add("A7", "K1", "C1", "2026-03-03T14:00", minutes=60, status="scheduled")
    add("A10", "K1", "C1", "2026-03-03T15:00", minutes=60, status="no_show")
    # Thursday: kept after the as-of (held, not past); the next Monday: outside the week.
    add("A9", "K1", "C1", "2026-03-05T09:00", minutes=60)
    add("A11", "K1", "C1", "2026-03-09T09:00", minutes=60)
    return practice.db


def _totals(db: Database, period: Period, filters: Filters, rules: Rules) -> dict[str, int]:
    with db.read() as conn:
        sums = status_day_sums(conn, [WEEK, MONDAY], filters, rules)
    booked = {"booked_minutes": sums.total("booked_minutes", period, past=False)}
    past = ("kept_minutes", "kept_sessions", *attendance.COUNT_KEYS)
    return booked | {key: sums.total(key, period, past=True) for key in past}


def test_the_week_and_its_monday_from_one_read(week: Database) -> None:
    # Held in the week: 60 + 45 + 50 (A3, late) + 60 + 90 + 60 + 60 + 60 (A9) = 485.
    assert _totals(week, WEEK, Filters(), Rules()) == {
        "booked_minutes": 485,
        "kept_minutes": 120,  # A1, A6; A9 is after the as-of
        "kept_sessions": 2,
        "completed": 2,
        "no_show": 1,  # A2; A10 is after the as-of
        "late_cancel": 2,  # A3 (moved), A8 (stored)
        "cancelled_client": 1,  # A4
        "cancelled_clinician": 1,
    }
    # Monday alone, as of its own midnight: A1..A5.
    assert _totals(week, MONDAY, Filters(), Rules()) == {
        "booked_minutes": 155,
        "kept_minutes": 60,
        "kept_sessions": 1,
        "completed": 1,
        "no_show": 1,
        "late_cancel": 1,
        "cancelled_client": 1,
        "cancelled_clinician": 1,
    }


def test_the_rules_late_threshold_and_a_program_filter(week: Database) -> None:
    # With a 15-minute threshold A3 (30 minutes' notice) is an ordinary client cancellation.
    quarter = _totals(week, WEEK, Filters(), Rules(late_cancel_hours=0.25))
    assert (quarter["booked_minutes"], quarter["late_cancel"], quarter["cancelled_client"]) == (
        435,
        1,
        2,
    )
    # Youth is K2's: A6 and A8.
    youth = _totals(week, WEEK, Filters(program="Youth"), Rules())
    assert youth == {
        "booked_minutes": 150,
        "kept_minutes": 60,
        "kept_sessions": 1,
        "completed": 1,
        "no_show": 0,
        "late_cancel": 1,
        "cancelled_client": 0,
        "cancelled_clinician": 0,
    }


@pytest.mark.parametrize("filters", [Filters(), Filters(program="Adult"), Filters(clinician="C1")])
def test_the_areas_many_periods_agree_with_their_definitions(
    week: Database, filters: Filters
) -> None:
    rules = Rules()
    with week.read() as conn:
        for area in (utilization, attendance):
            many = area.practice_values(conn, [WEEK, MONDAY], filters, rules)
            for period, values in zip([WEEK, MONDAY], many, strict=True):
                one = area.compute(conn, period, filters, rules).iloc[0].to_dict()
                one = {k: None if pd.isna(v) else v for k, v in one.items()}
                assert {k: values[k] for k in one} == pytest.approx(one)


def test_groups_by_clinician_booked_over_the_period_the_rest_past(
    practice: Practice, week: Database
) -> None:
    # C2 has one appointment in the week, after the as-of: booked, never past.
    practice.clinician("C2")
    practice.appointment("A12", "K1", "C2", "2026-03-06T09:00", status="scheduled")
    rules = Rules()
    with week.read() as conn, grouped_plans(conn) as plans:
        used = utilization.compute(conn, WEEK, Filters(), rules, by="clinician")
        came = attendance.compute(conn, WEEK, Filters(), rules, by="clinician")
    # 485 minutes held for C1 (as above) = 8.08 h, 120 kept = 2 h; C2 60 minutes held.
    assert used.loc["C1", "booked_hours"] == pytest.approx(8.08)
    assert used.loc["C1", "kept_hours"] == pytest.approx(2.0)
    assert used.loc["C2", "booked_hours"] == pytest.approx(1.0)
    assert used.loc["C2", "kept_hours"] == pytest.approx(0.0)
    # Attendance counts past appointments: C2 has none, so it is not a group.
    assert list(came.index) == ["C1"]
    assert came.loc["C1", list(attendance.COUNT_KEYS)].tolist() == [2, 1, 2, 1, 1]
    if week.engine.dialect.name == "sqlite":
        # The period's read walks migration 0009's index range by range, with no sort.
        assert any(
            "ix_appointments_clinician_status_day" in p and "TEMP B-TREE" not in p for p in plans
        )


def test_the_practice_sums_add_up_the_days_of_a_read_in_index_order(week: Database) -> None:
    # The practice's sums over the week (Monday, Tuesday and Thursday have appointments) are
    # read by day and status on SQLite and the days added up here: the same totals as C1's
    # above, 485 held minutes (8.08 h), 120 kept (2 h, 2 sessions), and the past counts.
    rules = Rules()
    with week.read() as conn, grouped_plans(conn) as plans:
        used = utilization.compute(conn, WEEK, Filters(), rules)
        came = attendance.compute(conn, WEEK, Filters(), rules)
    assert used.loc["practice", "booked_hours"] == pytest.approx(8.08)
    assert used.loc["practice", "kept_hours"] == pytest.approx(2.0)
    assert came.loc["practice", list(attendance.COUNT_KEYS)].tolist() == [2, 1, 2, 1, 1]
    if week.engine.dialect.name == "sqlite":
        # The period's read walks the day index (0007) with no sort of its rows.
        assert any("ix_appointments_day_status" in p and "TEMP B-TREE" not in p for p in plans)


def test_utilization_and_attendance_share_one_read_inside_shared_reads(
    week: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.metrics import appointment_days

    reads: list[object] = []
    read = appointment_days._read

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(args[2])
        return read(*args, **kwargs)

    monkeypatch.setattr(appointment_days, "_read", counted)
    rules = Rules()
    with week.read() as conn:
        alone = [a.compute(conn, WEEK, Filters(), rules) for a in (utilization, attendance)]
        # Each alone reads the week and its part after the as-of: two reads each.
        assert len(reads) == 4
        with shared_reads():
            shared = [a.compute(conn, WEEK, Filters(), rules) for a in (utilization, attendance)]
            # Together: the first computes, the second reads what it found.
            assert len(reads) == 6
            attendance.compute(conn, MONDAY, Filters(), rules)  # another period: its own
            assert len(reads) == 7  # Monday as of its midnight has no part after the as-of
    for one, other in zip(alone, shared, strict=True):
        pd.testing.assert_frame_equal(one, other)


def test_a_period_after_its_as_of_has_nothing_past(practice: Practice, week: Database) -> None:
    # The next week, as of Tuesday 03-03 12:00 (a future period picked on the page): the
    # appointments between the as-of and the period (A7, A10, A9) are not the period's, and
    # nothing in the period is past. Held in it: A11, 60 minutes.
    practice.appointment("A13", "K1", "C1", "2026-03-10T09:00", status="cancelled_clinician")
    later = Period(D("2026-03-09"), D("2026-03-15"), T("2026-03-03T12:00"))
    rules = Rules()
    with week.read() as conn:
        came = attendance.compute(conn, later, Filters(), rules)
        by = attendance.compute(conn, later, Filters(), rules, by="clinician")
        used = utilization.compute(conn, later, Filters(), rules).iloc[0]
    assert came.loc["practice", list(attendance.COUNT_KEYS)].tolist() == [0, 0, 0, 0, 0]
    assert pd.isna(came.loc["practice", "clinician_cancel_rate"])
    assert list(by.index) == []  # no past appointment: no group
    assert (used["booked_hours"], used["kept_hours"]) == (1.0, 0.0)


def test_a_long_span_read_in_two_halves_keeps_every_day_once(practice: Practice) -> None:
    """Jan 1 - Jun 30 (181 days) is read as Jan 1 - Apr 1 and Apr 2 - Jun 30 side by side:
    the first and last days, and the days either side of the cut, each count once."""
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    for n, (start, minutes) in enumerate(
        [("2026-01-01T09:00", 60), ("2026-04-01T09:00", 45), ("2026-04-01T23:30", 20),
         ("2026-04-02T00:00", 30), ("2026-06-30T16:00", 50), ("2026-07-01T09:00", 90)]
    ):  # fmt: skip
        practice.appointment(f"L{n}", "K1", "C1", start, minutes=minutes)
    half_year = Period(D("2026-01-01"), D("2026-06-30"), T("2026-07-01T00:00"))
    assert (half_year.end - half_year.start).days >= appointment_days.SPLIT_DAYS
    with practice.db.read() as conn:
        sums = status_day_sums(conn, [half_year], Filters(), Rules())
    # Every appointment but July's: 60 + 45 + 20 + 30 + 50 = 205 minutes, five sessions kept.
    assert sums.total("booked_minutes", half_year, past=False) == 205
    assert sums.total("kept_sessions", half_year, past=True) == 5
    april = Period(D("2026-04-01"), D("2026-04-02"), T("2026-04-03T00:00"))
    assert sums.total("kept_minutes", april, past=True) == 95
