"""Waitlist and access keys on hand-built practices; expected values worked by hand.

Period 2026-03-02 (Monday) .. 2026-03-08 (Sunday); with the default as-of (03-09 00:00) the
as-of date is 03-08. Percentiles are numpy's linear ones: over n sorted values the q-th lies
at rank q/100 * (n - 1), interpolated between neighbours.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import pytest

from dashboard.metrics import waitlist
from dashboard.metrics.common import Filters, Period, Rules
from dashboard.metrics.shared import shared_reads
from db import engine as engine_module
from db.engine import Database
from tests.factory import Practice
from tests.metrics.areas import RULES, WEEK, D, T, area_row

WAITLIST_NULL = dict.fromkeys(waitlist.WAITLIST_KEYS)


def practice_row(
    db: Database, period: Period = WEEK, filters: Filters = Filters(), rules: Rules = RULES
) -> dict[str, Any]:
    return area_row(waitlist, db, period, filters, rules)


def _open_entries(practice: Practice) -> None:
    """Ten referrals of waiting clients (no primary clinician)."""
    entries = [
        # entry, referred, priority, resolved, program
        ("E1", "2026-03-08", "routine", None, "Adult"),  # 0 days
        ("E2", "2026-03-01", "routine", None, "Adult"),  # 7
        ("E3", "2026-02-22", "routine", None, "Child"),  # 14: not longer than 14
        ("E4", "2026-02-21", "routine", None, "Adult"),  # 15: over
        ("E5", "2026-03-07", "urgent", None, "Adult"),  # 1: not longer than 1
        ("E6", "2026-03-06", "urgent", None, "Adult"),  # 2: over
        ("E7", "2026-02-01", "routine", "2026-03-01", "Adult"),  # resolved before: closed
        ("E8", "2026-02-01", "routine", "2026-03-09", "Child"),  # resolved after: 35, over
        ("E9", "2026-03-09", "routine", None, "Adult"),  # referred after the as-of date
        ("E10", "2026-03-01", "routine", "2026-03-08", "Adult"),  # resolved on it: closed
    ]
    for entry_id, referred, priority, resolved, program in entries:
        practice.client(f"W{entry_id}", primary=None, intake=referred, program=program)
        practice.waitlist(
            entry_id, f"W{entry_id}", program=program, referred=referred, priority=priority,
            resolved=resolved, resolution="scheduled" if resolved else None,
        )  # fmt: skip


def test_open_entries_and_waits(practice: Practice) -> None:
    _open_entries(practice)
    # Open as of 03-08: E1 0, E5 1, E6 2, E2 7, E3 14, E4 15, E8 35 (7 entries).
    # Median: the 4th value, 7. p90: rank 5.4 -> 15 + 0.4 * (35 - 15) = 23.
    # Over target: E4 (15 > 14), E6 (2 > 1), E8 (35 > 14) = 3.
    assert practice_row(practice.db) == {
        "waitlist_open": 7,
        "waitlist_median_days": 7.0,
        "waitlist_p90_days": 23.0,
        "waitlist_over_target": 3,
        "median_days_to_intake": None,
        "third_next_available_days": None,
    }
    # Targets of 10 days (routine) and 0 (urgent): E3, E4, E8 and E5, E6 = 5.
    tight = Rules(waitlist_target_days={"routine": 10, "urgent": 0})
    assert practice_row(practice.db, rules=tight)["waitlist_over_target"] == 5


def test_mid_day_as_of(practice: Practice) -> None:
    _open_entries(practice)
    # As of 03-05 12:00 (as-of date 03-05): E2 4, E10 4 (resolved 03-08 is later), E3 11,
    # E4 12, E8 32; E1, E5, E6, E9 are not referred yet; E7 is closed.
    # Sorted 4, 4, 11, 12, 32: median 11; p90 rank 3.6 -> 12 + 0.6 * 20 = 24. Over: E8.
    period = Period.make(WEEK.start, WEEK.end, T("2026-03-05T12:00"))
    row = practice_row(practice.db, period)
    assert (row["waitlist_open"], row["waitlist_median_days"], row["waitlist_p90_days"]) == (
        5,
        11.0,
        24.0,
    )
    assert row["waitlist_over_target"] == 1


def _intake_entries(practice: Practice) -> None:
    practice.clinician("C9", accepting_new=False)

    def visit(appointment_id: str, client_id: str, start: str, **kw: Any) -> None:
        practice.appointment(appointment_id, client_id, "C9", start, **kw)

    practice.client("Q1", primary="C9")
    practice.waitlist("I1", "Q1", referred="2026-02-20")  # first visit 03-03: 11 days
    practice.waitlist("I6", "Q1", referred="2026-01-10")  # same first visit: 52 days
    visit("V1", "Q1", "2026-03-03T09:00")
    practice.client("Q2", primary="C9")
    practice.waitlist("I2", "Q2", referred="2026-02-25")  # first visit 02-27: before the period
    visit("V2", "Q2", "2026-02-27T09:00")
    visit("V3", "Q2", "2026-03-04T09:00")
    practice.client("Q3", primary="C9", program="Child")
    practice.waitlist("I3", "Q3", referred="2026-03-02", program="Child")
    visit("V4", "Q3", "2026-02-10T09:00")  # before the referral
    visit("V5", "Q3", "2026-03-03T09:00", service="group")  # a group session is no visit
    visit("V6", "Q3", "2026-03-04T09:00", status="no_show")  # not kept
    visit("V7", "Q3", "2026-03-06T09:00", service="intake")  # first visit: 4 days
    practice.client("Q4", primary="C9")
    practice.waitlist("I4", "Q4", referred="2026-03-05", resolved="2026-03-05")
    visit("V8", "Q4", "2026-03-05T08:00")  # on the referral date: 0 days
    practice.client("Q5", primary="C9")
    practice.waitlist("I5", "Q5", referred="2026-03-01")
    visit("V9", "Q5", "2026-03-09T09:00")  # after the period


def test_median_days_to_intake(practice: Practice) -> None:
    _intake_entries(practice)
    # Entries with a first visit in the period: I4 0, I3 4, I1 11, I6 52 -> median 7.5.
    assert practice_row(practice.db)["median_days_to_intake"] == 7.5
    # Adult only: 0, 11, 52 -> 11. Child only: 4.
    assert (
        practice_row(practice.db, filters=Filters(program="Adult"))["median_days_to_intake"] == 11.0
    )
    assert (
        practice_row(practice.db, filters=Filters(program="Child"))["median_days_to_intake"] == 4.0
    )
    # As of 03-05 12:00, Q3's 03-06 intake is not a visit yet: 0, 11, 52 -> 11.
    period = Period.make(WEEK.start, WEEK.end, T("2026-03-05T12:00"))
    assert practice_row(practice.db, period)["median_days_to_intake"] == 11.0


def test_entries_with_the_same_wait_count_each(practice: Practice) -> None:
    _intake_entries(practice)
    practice.client("Q6", primary="C9")
    practice.waitlist("I7", "Q6", referred="2026-02-20")  # as I1: Adult, 03-03, 11 days
    practice.appointment("V10", "Q6", "C9", "2026-03-03T10:00")
    # I4 0, I3 4, I1 11, I7 11, I6 52 -> the middle of five, 11 (7.5 if I7 were I1 again).
    assert practice_row(practice.db)["median_days_to_intake"] == 11.0


def _clinicians(practice: Practice) -> None:
    # As-of date 03-08 (Sunday); slots from 03-09 00:00.
    practice.clinician("C1", program="Adult", location="Main")
    practice.availability("C1", "Mon", "09:00", "12:00")  # 03-09 09, 10, 11: 1 day
    practice.clinician("C2", program="Child", location="Annex")
    practice.availability("C2", "Tue", "09:00", "10:00")  # 03-10, 03-17, 03-24: 16 days
    practice.clinician("C3", program="Adult", location="Main", accepting_new=False)
    practice.availability("C3", "Mon", "09:00", "17:00")  # not accepting: left out
    practice.clinician("C4", program="Adult", location="Main")  # no availability: null


def test_third_next_available_median(practice: Practice) -> None:
    _clinicians(practice)
    # Median over C1 (1) and C2 (16), C4 having no value: 8.5.
    assert practice_row(practice.db)["third_next_available_days"] == 8.5
    assert (
        practice_row(practice.db, filters=Filters(program="Child"))["third_next_available_days"]
        == 16.0
    )
    # Only C3 (not accepting) and C4 (no value) at Main besides C1: C1 alone.
    assert (
        practice_row(practice.db, filters=Filters(location="Main"))["third_next_available_days"]
        == 1.0
    )


def test_filters_alone_and_combined(practice: Practice) -> None:
    _open_entries(practice)
    _clinicians(practice)
    everyone = practice_row(practice.db)
    # Adult open: E1 0, E5 1, E6 2, E2 7, E4 15: median 2; p90 rank 3.6 -> 7 + 0.6 * 8 = 11.8;
    # over: E4, E6. Child open: E3 14, E8 35: median 24.5, p90 14 + 0.9 * 21 = 32.9; over: E8.
    adult = practice_row(practice.db, filters=Filters(program="Adult"))
    child = practice_row(practice.db, filters=Filters(program="Child"))
    assert adult == {
        "waitlist_open": 5,
        "waitlist_median_days": 2.0,
        "waitlist_p90_days": 11.8,
        "waitlist_over_target": 2,
        "median_days_to_intake": None,
        "third_next_available_days": 1.0,  # C1 (C4 has none)
    }
    assert child == {
        "waitlist_open": 2,
        "waitlist_median_days": 24.5,
        "waitlist_p90_days": 32.9,
        "waitlist_over_target": 1,
        "median_days_to_intake": None,
        "third_next_available_days": 16.0,  # C2
    }
    # A clinician filter nulls the waitlist keys; third next available is that clinician's.
    assert practice_row(practice.db, filters=Filters(clinician="C2")) == {
        **WAITLIST_NULL,
        "third_next_available_days": 16.0,
    }
    assert practice_row(practice.db, filters=Filters(clinician="C3")) == {
        **WAITLIST_NULL,
        "third_next_available_days": None,  # not accepting new clients
    }
    # Location and modality do not filter entries; location picks C2 (home Annex) alone.
    assert practice_row(practice.db, filters=Filters(location="Annex")) == {
        **everyone,
        "third_next_available_days": 16.0,
    }
    assert practice_row(practice.db, filters=Filters(modality="telehealth")) == everyone
    combined = practice_row(practice.db, filters=Filters(program="Adult", location="Annex"))
    assert combined == {**adult, "third_next_available_days": None}  # no Adult clinician there


def test_zero_and_null(practice: Practice) -> None:
    assert practice_row(practice.db) == {
        "waitlist_open": 0,
        "waitlist_median_days": None,
        "waitlist_p90_days": None,
        "waitlist_over_target": 0,
        "median_days_to_intake": None,
        "third_next_available_days": None,
    }


def test_breakdowns_equal_filtered_rows(practice: Practice) -> None:
    _open_entries(practice)
    _intake_entries(practice)
    _clinicians(practice)
    practice.appointment("T1", "Q1", "C1", "2026-03-04T10:00", modality="telehealth")
    expected_groups = {
        "clinician": ["C1", "C2", "C3", "C4", "C9"],
        "program": ["Adult", "Child"],
        "location": ["Annex", "Main"],
        "modality": ["in_person", "telehealth"],
    }
    with practice.db.read() as conn:
        for filters in (Filters(), Filters(program="Child"), Filters(clinician="C1")):
            for by, groups in expected_groups.items():
                grouped = waitlist.compute(conn, WEEK, filters, RULES, by=by)
                if filters.is_empty():
                    assert list(grouped.index) == groups, by
                for value, row in grouped.iterrows():
                    alone = waitlist.compute(
                        conn, WEEK, dataclasses.replace(filters, **{by: value}), RULES
                    )
                    pd.testing.assert_series_equal(row, alone.iloc[0], check_names=False)
        by_clinician = waitlist.compute(conn, WEEK, Filters(), RULES, by="clinician")
        by_location = waitlist.compute(conn, WEEK, Filters(), RULES, by="location")
    # By clinician the waitlist keys are null; third next available is each clinician's own.
    assert by_clinician[list(waitlist.WAITLIST_KEYS)].isna().all().all()
    assert by_clinician["third_next_available_days"].tolist()[:2] == [1.0, 16.0]
    # By location every group carries all open entries: 7 of _open_entries, I1..I3, I5, I6.
    assert by_location["waitlist_open"].tolist() == [12, 12]


def _recorded(monkeypatch: pytest.MonkeyPatch, read: str) -> list[tuple[Period, Filters]]:
    """The (period, filters) of each call of ``waitlist.<read>(conn, period, filters)``,
    which still reads."""
    calls: list[tuple[Period, Filters]] = []
    original = getattr(waitlist, read)

    def recorded(conn: Any, period: Period, filters: Filters) -> Any:
        calls.append((period, filters))
        return original(conn, period, filters)

    monkeypatch.setattr(waitlist, read, recorded)
    return calls


def test_without_third_next_and_with_shared_reads(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``third_next=False`` gives the same groups and waitlist keys with third next available
    null; inside ``shared_reads`` every call gives what it gives alone, each read made once per
    period and filters."""
    _open_entries(practice)
    _intake_entries(practice)
    _clinicians(practice)
    practice.clinician("C5", program="DBT")  # a program with clinicians and no entries
    cases = [
        (filters, by)
        for filters in (Filters(), Filters(program="Child"), Filters(location="Main"))
        for by in (None, "program", "location", "clinician")
    ]
    calls = _recorded(monkeypatch, "_read_intake_waits")
    with practice.db.read() as conn:
        alone = [waitlist.compute(conn, WEEK, f, RULES, by=by) for f, by in cases]
        calls.clear()
        with shared_reads():
            shared = [waitlist.compute(conn, WEEK, f, RULES, by=by) for f, by in cases]
            unsearched = [
                waitlist.compute(conn, WEEK, f, RULES, by=by, third_next=False) for f, by in cases
            ]
    for full, again, without in zip(alone, shared, unsearched, strict=True):
        pd.testing.assert_frame_equal(full, again)
        expected = full.assign(third_next_available_days=float("nan"))
        pd.testing.assert_frame_equal(without, expected)
    # Shared: one read per filters the waitlist keys were computed under (by location: the
    # practice's filters; by clinician: none, the waitlist keys being null).
    assert sorted((filters for _, filters in calls), key=repr) == sorted(
        {Filters(), Filters(program="Child"), Filters(location="Main")}, key=repr
    )
    by_program = alone[1]
    assert list(by_program.index) == ["Adult", "Child", "DBT"]
    assert by_program.loc["DBT", "waitlist_open"] == 0


def test_one_intake_read_serves_the_periods_it_covers(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside ``intake_waits_together`` a period inside the span gets what its own read gives,
    by hand: the week of 03-02 as of 03-09 (I4 0, I3 4, I1 and I6 on 03-03: 11 and 52), the
    week before (I2's 02-27 visit: 2 days) and 03-09..03-15 as of 03-12 (I5: 8 days). A period
    as of a moment before its own end that is not the span's as-of reads alone (as of 03-05
    12:00 Q3's 03-06 visit is no visit yet), and so does one as of after the span's as-of."""
    _intake_entries(practice)
    before = Period.make(D("2026-02-23"), D("2026-03-01"))  # as-of 03-02 00:00
    after = Period.make(D("2026-03-09"), D("2026-03-15"), T("2026-03-12T00:00"))
    early = Period.make(WEEK.start, WEEK.end, T("2026-03-05T12:00"))
    calls = _recorded(monkeypatch, "_read_intake_days")

    def histogram(conn: Any, period: Period) -> dict[str, list[tuple[int, int]]]:
        return waitlist._intake_waits(conn, period, Filters())

    with practice.db.read() as conn:
        alone = {p: histogram(conn, p) for p in (before, WEEK, after, early)}
        assert len(calls) == 4
        calls.clear()
        # Days inside a span that runs on past its as-of (03-09), but as of later (03-12):
        # I5's 03-09 visit was not read with the span, so the period reads alone.
        running = Period.make(D("2026-03-02"), D("2026-03-15"), T("2026-03-09T00:00"))
        later = Period.make(D("2026-03-09"), D("2026-03-11"), T("2026-03-12T00:00"))
        # In turn (one read thread), the span's read waits until a period it covers is asked
        # for: here none is, so only the period's own read is made.
        with monkeypatch.context() as turn:
            turn.setattr(engine_module, "READ_THREADS", 1)
            with waitlist.intake_waits_together(conn, [running], Filters()):
                assert histogram(conn, later) == {"Adult": [(8, 1)]}
        assert [period for period, _ in calls] == [later]
        calls.clear()
        with waitlist.intake_waits_together(conn, [before, WEEK, after], Filters()):
            together = {p: histogram(conn, p) for p in (before, WEEK, after, early)}
        assert [period for period, _ in calls] == [
            Period(before.start, after.end, after.as_of),
            early,
        ]
    assert together == alone
    assert alone[WEEK] == {"Adult": [(0, 1), (11, 1), (52, 1)], "Child": [(4, 1)]}
    assert alone[before] == {"Adult": [(2, 1)]}
    assert alone[after] == {"Adult": [(8, 1)]}
    assert alone[early] == {"Adult": [(0, 1), (11, 1), (52, 1)]}


def test_the_median_over_clinicians_leaves_out_those_without_a_value() -> None:
    # 2, 5, 9 known (None, NaN and pd.NA are not): the median is 5 days.
    assert waitlist._median_days([9.0, None, 2.0, float("nan"), pd.NA, 5.0]) == 5.0
    assert waitlist._median_days([None, float("nan")]) is None
