"""Utilization keys on hand-built practices; expected values worked by hand in comments.

Calendar: 2026-03-02 is a Monday; US clocks spring forward on Sunday 2026-03-08 and fall back
on Sunday 2026-11-01.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import pandas as pd

from dashboard.metrics import utilization
from dashboard.metrics.common import Filters, Period
from db.engine import Database
from tests.factory import Practice
from tests.metrics.areas import RULES, WEEK, D, T, area_row

practice_row = functools.partial(area_row, utilization)


def test_week_across_spring_dst_change(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Thu", "09:00", "17:00")
    practice.availability("C1", "Sun", "10:00", "14:00")
    practice.availability("C1", "Mon", "09:00", "17:00")
    practice.appointment("A1", "K1", "C1", "2026-03-05T09:00")  # completed, 1 h
    practice.appointment("A2", "K1", "C1", "2026-03-08T10:00")  # completed on the DST Sunday
    practice.appointment("A3", "K1", "C1", "2026-03-09T09:00", minutes=90, status="no_show")
    practice.appointment("A4", "K1", "C1", "2026-03-09T13:00", status="cancelled_clinician")
    practice.appointment("A5", "K1", "C1", "2026-03-12T09:00")  # after the period
    # Thu 03-05 .. Wed 03-11 crosses 03-08. Available: Thu 8 + Sun 4 (wall clock) + Mon 8 = 20.
    # Booked (held): A1 1 + A2 1 + A3 1.5 = 3.5; kept: A1 + A2 = 2.
    # D = 7 wall-clock days (the real week is an hour shorter): sessions/week = 2 / 1 = 2.
    period = Period.make(D("2026-03-05"), D("2026-03-11"))
    assert practice_row(practice.db, period) == {
        "available_hours": 20.0,
        "booked_hours": 3.5,
        "kept_hours": 2.0,
        "booked_utilization": 0.175,  # 3.5 / 20
        "kept_utilization": 0.1,  # 2 / 20
        "sessions_per_week": 2.0,
    }


def test_week_across_fall_dst_change(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Sun", "00:30", "03:00")  # 01:00-02:00 happens twice
    practice.appointment("A1", "K1", "C1", "2026-11-01T01:00", minutes=60)
    # Sun 11-01 only: 2.5 wall-clock hours available; 1 h kept. Period Sun..Sat = 7 days.
    period = Period.make(D("2026-10-28"), D("2026-11-03"))
    row = practice_row(practice.db, period)
    assert row["available_hours"] == 2.5
    assert row["kept_utilization"] == 0.4  # 1 / 2.5
    assert row["sessions_per_week"] == 1.0  # 1 / (7 / 7)


def test_appointments_outside_availability_push_utilization_above_one(
    practice: Practice,
) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Mon", "09:00", "10:00")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    practice.appointment("A2", "K1", "C1", "2026-03-02T14:00")  # outside available time
    practice.appointment("A3", "K1", "C1", "2026-03-04T10:00", status="no_show")
    # Available 1 h; booked A1 + A2 + A3 = 3 h; kept A1 + A2 = 2 h.
    row = practice_row(practice.db, WEEK)
    assert (row["booked_utilization"], row["kept_utilization"]) == (3.0, 2.0)


def test_mid_day_as_of(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    for weekday in ("Mon", "Wed", "Fri"):
        practice.availability("C1", weekday, "09:00", "17:00")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    practice.appointment("A2", "K1", "C1", "2026-03-04T10:00")
    practice.appointment("A3", "K1", "C1", "2026-03-04T11:30")  # past: starts before noon
    practice.appointment("A4", "K1", "C1", "2026-03-04T13:00", status="scheduled")
    practice.appointment("A5", "K1", "C1", "2026-03-06T09:00", minutes=120, status="confirmed")
    # As of Wed 03-04 12:00. Available 3 x 8 = 24 h; before as-of: Mon 8 + Wed 09-12 3 = 11 h.
    # Booked A1..A5 = 1 + 1 + 1 + 1 + 2 = 6 h; kept A1..A3 = 3 h.
    # D = 2.5 days, so sessions/week = 3 / (2.5 / 7) = 8.4.
    period = Period.make(D("2026-03-02"), D("2026-03-08"), T("2026-03-04T12:00"))
    assert practice_row(practice.db, period) == {
        "available_hours": 24.0,
        "booked_hours": 6.0,
        "kept_hours": 3.0,
        "booked_utilization": 0.25,  # 6 / 24
        "kept_utilization": 0.2727,  # 3 / 11 = 0.27272..
        "sessions_per_week": 8.4,
    }


def test_time_off_and_template_change_mid_period(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Mon", "09:00", "17:00", effective_to="2026-03-08")
    practice.availability("C1", "Mon", "13:00", "17:00", effective_from="2026-03-09")
    practice.time_off("C1", "2026-03-02T09:00", "2026-03-02T11:00")
    practice.appointment("A1", "K1", "C1", "2026-03-09T13:00", minutes=90)
    # Mon 03-02: 8 - 2 h time off = 6; Mon 03-09: 4 (new template) -> 10 h. Booked 1.5 h.
    # As of 03-16 00:00 all of it is past; D = 14 days: 1 session / 2 weeks = 0.5.
    period = Period.make(D("2026-03-02"), D("2026-03-15"))
    row = practice_row(practice.db, period)
    assert row["available_hours"] == 10.0
    assert row["booked_utilization"] == 0.15  # 1.5 / 10
    assert row["kept_utilization"] == 0.15
    assert row["sessions_per_week"] == 0.5


def test_zero_denominators(practice: Practice) -> None:
    # An empty practice: hour sums 0, rates null; D = 7 days, so 0 sessions a week.
    assert practice_row(practice.db, WEEK) == {
        "available_hours": 0.0,
        "booked_hours": 0.0,
        "kept_hours": 0.0,
        "booked_utilization": None,
        "kept_utilization": None,
        "sessions_per_week": 0.0,
    }
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Mon", "09:00", "17:00")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00", status="scheduled")
    # As of 03-01 12:00, before the period: nothing is past, D <= 0 -> both null.
    early = Period.make(D("2026-03-02"), D("2026-03-08"), T("2026-03-01T12:00"))
    assert practice_row(practice.db, early) == {
        "available_hours": 8.0,
        "booked_hours": 1.0,
        "kept_hours": 0.0,
        "booked_utilization": 0.125,
        "kept_utilization": None,
        "sessions_per_week": None,
    }


def _filter_practice(practice: Practice) -> None:
    practice.clinician("C1", program="Adult", location="Main")
    practice.clinician("C2", program="Child", location="Annex")
    practice.clinician("C3", program="Adult", location="Main", active=False)
    practice.client("K1", primary="C1", program="Adult")
    practice.client("K2", primary="C2", program="Child")
    practice.availability("C1", "Mon", "09:00", "17:00")  # Main, 8 h
    practice.availability("C1", "Tue", "09:00", "13:00", location="Annex")  # 4 h
    practice.availability("C2", "Mon", "09:00", "13:00")  # Annex (home), 4 h
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    practice.appointment(
        "A2", "K1", "C1", "2026-03-03T09:00", modality="telehealth", location="Annex"
    )
    practice.appointment("A3", "K2", "C1", "2026-03-02T10:00")  # a Child client seen by C1
    practice.appointment(
        "A4", "K2", "C2", "2026-03-02T09:00", modality="telehealth", location="Annex"
    )
    practice.appointment(
        "A5", "K1", "C2", "2026-03-02T10:00", minutes=120, status="no_show", location="Annex"
    )
    # The inactive C3 saw K1 this week: counts in the appointment keys.
    practice.appointment("A6", "K1", "C3", "2026-03-04T09:00", minutes=30)


# (filters, available, booked, kept hours) on _filter_practice's week.
# Available: C1 Mon 8 + Tue 4, C2 4. Booked: A1..A4 1 h each, A5 2 h, A6 0.5 h.
FILTER_CASES = [
    (Filters(), 16.0, 6.5, 4.5),
    (Filters(clinician="C1"), 12.0, 3.0, 3.0),  # A1, A2, A3
    (Filters(clinician="C3"), 0.0, 0.5, 0.5),  # inactive, no template: A6
    (Filters(program="Adult"), 12.0, 4.5, 2.5),  # C1, C3; K1: A1, A2, A5, A6
    (Filters(location="Annex"), 8.0, 4.0, 2.0),  # C1 Tue + C2; A2, A4, A5
    (Filters(modality="telehealth"), 16.0, 2.0, 2.0),  # availability unfiltered; A2, A4
    (Filters(clinician="C1", location="Annex"), 4.0, 1.0, 1.0),  # A2
    (Filters(program="Child", modality="telehealth"), 4.0, 1.0, 1.0),  # C2; A4
    (Filters(program="Child", location="Main"), 0.0, 1.0, 1.0),  # A3
]


def test_filters_alone_and_combined(practice: Practice) -> None:
    _filter_practice(practice)
    for filters, available, booked, kept in FILTER_CASES:
        row = practice_row(practice.db, WEEK, filters)
        hours = (row["available_hours"], row["booked_hours"], row["kept_hours"])
        assert hours == (available, booked, kept), filters
        expected = None if available == 0 else round(booked / available, 4)
        assert row["booked_utilization"] == expected, filters


def assert_breakdown_is_filtered_rows(
    db: Database, period: Period, filters: Filters, by: str, groups: list[str]
) -> None:
    """Each row of ``by`` equals the computation with that value added to the filters."""
    with db.read() as conn:
        grouped = utilization.compute(conn, period, filters, RULES, by=by)
        assert list(grouped.index) == groups
        assert list(grouped.columns) == list(utilization.KEYS)
        for value, row in grouped.iterrows():
            alone = utilization.compute(
                conn, period, dataclasses.replace(filters, **{by: value}), RULES
            )
            pd.testing.assert_series_equal(row, alone.iloc[0], check_names=False)


def test_breakdowns_equal_filtered_rows(practice: Practice) -> None:
    _filter_practice(practice)
    period = Period.make(D("2026-03-02"), D("2026-03-08"), T("2026-03-03T12:00"))
    expected_groups = {
        "clinician": ["C1", "C2", "C3"],
        "program": ["Adult", "Child"],
        "location": ["Annex", "Main"],
        "modality": ["in_person", "telehealth"],
    }
    for by, groups in expected_groups.items():
        assert_breakdown_is_filtered_rows(practice.db, period, Filters(), by, groups)
    # With filters already set, including one on the dimension itself.
    assert_breakdown_is_filtered_rows(
        practice.db, period, Filters(program="Adult"), "location", ["Annex", "Main"]
    )
    assert_breakdown_is_filtered_rows(
        practice.db, period, Filters(location="Annex"), "location", ["Annex"]
    )
    assert_breakdown_is_filtered_rows(
        practice.db, period, Filters(program="Child"), "modality", ["in_person", "telehealth"]
    )
    with practice.db.read() as conn:
        by_modality = utilization.compute(conn, period, Filters(), RULES, by="modality")
        by_clinician = utilization.compute(conn, period, Filters(), RULES, by="clinician")
    # Modality does not filter availability: both modalities carry all 16 hours.
    assert by_modality["available_hours"].tolist() == [16.0, 16.0]
    # C3 has no availability: null utilization, not a division by zero.
    assert math.isnan(by_clinician.loc["C3", "booked_utilization"])
    assert by_clinician.loc["C3", "booked_hours"] == 0.5
