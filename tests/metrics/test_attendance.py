"""Attendance keys on hand-built practices; expected values worked by hand in comments.

Calendar: 2026-03-02 is a Monday; US clocks spring forward on Sunday 2026-03-08 and fall back
on Sunday 2026-11-01.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import pandas as pd

from dashboard.metrics import attendance
from dashboard.metrics.common import Filters, Period, Rules
from tests.factory import Practice
from tests.metrics.areas import RULES, WEEK, D, T, area_row

practice_row = functools.partial(area_row, attendance)

NULL_RATES = {
    "no_show_rate": None,
    "late_cancel_rate": None,
    "kept_rate": None,
    "clinician_cancel_rate": None,
}


def test_counts_and_rates(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")

    def appointment(appointment_id: str, start: str, status: str, **kw: Any) -> None:
        practice.appointment(appointment_id, "K1", "C1", start, status=status, **kw)

    appointment("A1", "2026-03-02T09:00", "completed")
    appointment("A2", "2026-03-02T10:00", "completed")
    appointment("A3", "2026-03-03T09:00", "completed")
    appointment("A4", "2026-03-03T10:00", "no_show")
    appointment("A5", "2026-03-04T09:00", "late_cancel")
    # Client cancellations 23 h (late: moved to late_cancel) and 25 h (not late) before.
    appointment("A6", "2026-03-04T10:00", "cancelled_client", cancelled_at="2026-03-03T11:00")
    appointment("A7", "2026-03-04T11:00", "cancelled_client", cancelled_at="2026-03-03T10:00")
    appointment("A8", "2026-03-05T09:00", "cancelled_clinician")
    appointment("A9", "2026-03-05T10:00", "rescheduled")  # counts in none of the keys
    appointment("A10", "2026-03-06T13:00", "no_show")  # after as-of: not past
    appointment("A11", "2026-03-07T09:00", "scheduled")  # future
    appointment("A12", "2026-03-01T09:00", "no_show")  # before the period
    period = Period.make(D("2026-03-02"), D("2026-03-08"), T("2026-03-06T12:00"))
    # Attendance base = 3 completed + 1 no-show + 2 late = 6;
    # clinician-cancel denominator = 6 + 1 client + 1 clinician cancellation = 8.
    assert practice_row(practice.db, period) == {
        "completed": 3,
        "no_show": 1,
        "late_cancel": 2,
        "cancelled_client": 1,
        "cancelled_clinician": 1,
        "no_show_rate": 0.1667,  # 1 / 6
        "late_cancel_rate": 0.3333,  # 2 / 6
        "kept_rate": 0.5,  # 3 / 6
        "clinician_cancel_rate": 0.125,  # 1 / 8
    }
    # With a 48-hour threshold the 25-hour cancellation is late too: 3 late of a base of 7.
    row = practice_row(practice.db, period, rules=Rules(late_cancel_hours=48))
    assert (row["late_cancel"], row["cancelled_client"]) == (3, 0)
    assert row["late_cancel_rate"] == 0.4286  # 3 / 7 = 0.42857..


def test_late_cancel_counts_real_hours_across_dst(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    # Spring: Sat 08:30 CST to Sun 09:00 CDT is 24.5 wall-clock hours but only 23.5 real
    # hours (02:00 was skipped): late.
    practice.appointment(
        "S1", "K1", "C1", "2026-03-08T09:00", status="cancelled_client",
        cancelled_at="2026-03-07T08:30",
    )  # fmt: skip
    # Fall: Sat 09:30 CDT to Sun 09:00 CST is 23.5 wall-clock hours but 24.5 real hours
    # (01:00 came twice): not late.
    practice.appointment(
        "F1", "K1", "C1", "2026-11-01T09:00", status="cancelled_client",
        cancelled_at="2026-10-31T09:30",
    )  # fmt: skip
    spring = practice_row(practice.db, Period.make(D("2026-03-08"), D("2026-03-08")))
    fall = practice_row(practice.db, Period.make(D("2026-11-01"), D("2026-11-01")))
    assert (spring["late_cancel"], spring["cancelled_client"]) == (1, 0)
    assert spring["late_cancel_rate"] == 1.0  # 1 late of a base of 1
    assert (fall["late_cancel"], fall["cancelled_client"]) == (0, 1)


def test_zero_counts_and_null_rates(practice: Practice) -> None:
    zero = dict.fromkeys(attendance.COUNT_KEYS, 0)
    assert practice_row(practice.db, WEEK) == {**zero, **NULL_RATES}
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00", status="cancelled_clinician")
    # Attendance base 0: its three rates are null; the clinician-cancel rate is 1 / 1.
    assert practice_row(practice.db, WEEK) == {
        **zero,
        **NULL_RATES,
        "cancelled_clinician": 1,
        "clinician_cancel_rate": 1.0,
    }


def _filter_practice(practice: Practice) -> None:
    practice.clinician("C1", program="Adult", location="Main")
    practice.clinician("C2", program="Child", location="Annex")
    practice.clinician("C3", program="Adult", location="Main", active=False)
    practice.client("K1", primary="C1", program="Adult")
    practice.client("K2", primary="C2", program="Child")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    practice.appointment(
        "A2", "K1", "C1", "2026-03-03T09:00", status="no_show", modality="telehealth",
        location="Annex",
    )  # fmt: skip
    practice.appointment("A3", "K2", "C1", "2026-03-02T10:00", status="cancelled_clinician")
    practice.appointment(
        "A4", "K2", "C2", "2026-03-02T09:00", modality="telehealth", location="Annex"
    )
    practice.appointment("A5", "K1", "C2", "2026-03-02T10:00", status="late_cancel")
    # The inactive C3 saw K1 this week: counts like anyone's appointment.
    practice.appointment("A6", "K1", "C3", "2026-03-04T09:00", location="Annex")


# (filters, completed, no_show, late_cancel, cancelled_clinician) on _filter_practice's week.
FILTER_CASES = [
    (Filters(), 3, 1, 1, 1),  # A1, A4, A6 | A2 | A5 | A3
    (Filters(clinician="C1"), 1, 1, 0, 1),  # A1 | A2 | - | A3
    (Filters(clinician="C3"), 1, 0, 0, 0),  # the inactive clinician's A6
    (Filters(program="Child"), 1, 0, 0, 1),  # K2: A4 | A3
    (Filters(location="Annex"), 2, 1, 0, 0),  # A4, A6 | A2
    (Filters(modality="telehealth"), 1, 1, 0, 0),  # A4 | A2
    (Filters(program="Adult", location="Main"), 1, 0, 1, 0),  # A1 | A5
    (Filters(clinician="C1", modality="telehealth"), 0, 1, 0, 0),  # A2
    (Filters(clinician="C2", program="Adult", location="Main", modality="in_person"), 0, 0, 1, 0),
]


def test_filters_alone_and_combined(practice: Practice) -> None:
    _filter_practice(practice)
    for filters, completed, no_show, late, by_clinician in FILTER_CASES:
        row = practice_row(practice.db, WEEK, filters)
        counts = (row["completed"], row["no_show"], row["late_cancel"], row["cancelled_clinician"])
        assert counts == (completed, no_show, late, by_clinician), filters
        base = completed + no_show + late
        assert row["kept_rate"] == (round(completed / base, 4) if base else None), filters


def test_breakdowns_equal_filtered_rows(practice: Practice) -> None:
    _filter_practice(practice)
    practice.client("K3", primary="C1", program=None)  # no program: in no program group
    practice.appointment("A7", "K3", "C1", "2026-03-05T09:00", location=None)
    expected_groups = {
        "clinician": ["C1", "C2", "C3"],
        "program": ["Adult", "Child"],
        "location": ["Annex", "Main"],
        "modality": ["in_person", "telehealth"],
    }
    with practice.db.read() as conn:
        for filters in (Filters(), Filters(location="Main"), Filters(clinician="C1")):
            for by, groups in expected_groups.items():
                grouped = attendance.compute(conn, WEEK, filters, RULES, by=by)
                if filters.is_empty():
                    assert list(grouped.index) == groups
                for value, row in grouped.iterrows():
                    alone = attendance.compute(
                        conn, WEEK, dataclasses.replace(filters, **{by: value}), RULES
                    )
                    pd.testing.assert_series_equal(row, alone.iloc[0], check_names=False)
        by_program = attendance.compute(conn, WEEK, Filters(), RULES, by="program")
        by_location = attendance.compute(conn, WEEK, Filters(location="Main"), RULES, by="location")
    # Adult clients (K1): A1, A6 completed; A2 no-show; A5 late -> kept 2 / 4.
    assert by_program.loc["Adult", "kept_rate"] == 0.5
    # Grouping by the filtered dimension itself leaves only its value.
    assert list(by_location.index) == ["Main"]


def test_held_written_plainly_holds_the_same_appointments(practice: Practice) -> None:
    from sqlalchemy import select

    from dashboard.metrics.common import is_held, is_held_plainly
    from db.models import Appointment
    from db.vocab import APPOINTMENT_STATUSES

    practice.clinician("C1")
    practice.client("K1", primary="C1")
    for n, status in enumerate(APPOINTMENT_STATUSES):
        practice.appointment(f"S{n}", "K1", "C1", f"2026-03-{n + 2:02d}T09:00", status=status)
    # Client cancellations 1 h (late under the 24 h rule) and 3 days ahead (not late), and one
    # with no cancellation time (no lead: not late).
    practice.appointment(
        "L1", "K1", "C1", "2026-03-20T09:00", status="cancelled_client",
        cancelled_at="2026-03-20T08:00",
    )  # fmt: skip
    practice.appointment(
        "E1", "K1", "C1", "2026-03-20T11:00", status="cancelled_client",
        cancelled_at="2026-03-17T11:00",
    )  # fmt: skip
    held = {"S0", "S1", "S2", "S3", "S4", "S5", "L1"}  # scheduled .. late_cancel, and L1
    with practice.db.read() as conn:
        for condition in (is_held(RULES), is_held_plainly(RULES)):
            found = conn.execute(select(Appointment.appointment_id).where(condition)).scalars()
            assert set(found) == held
