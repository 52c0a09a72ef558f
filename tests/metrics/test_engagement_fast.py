"""The fast engagement reads against the definitions (metrics.md "Engagement and follow-up"),
on one hand-built practice with the edges each shortcut must get right: early engagement from
the visit sequence rollup (a second visit on the first's date, a visit exactly 30 days after,
a follow-up after a mid-day as-of, a first visit before the period, two visits at the same
minute, a group session), lost to follow-up from one read of the clients (a discharge on the
as-of date, a booking ahead, no visit at all) and the feedback keys from one read by start
moment (a cancelled appointment with feedback, a group session, a mid-day as-of)."""

from __future__ import annotations

import pytest

from dashboard.metrics import engagement
from dashboard.metrics.common import Filters, Period
from tests.factory import Practice
from tests.metrics.areas import RULES, D, T, area_row, assert_breakdown_matches, grouped_plans

# March 2026 as of 04-15 00:00 (as-of date 04-14: a first visit is eligible on or before
# 03-15; a client is lost when their last visit is on or before 03-14).
MARCH = Period(D("2026-03-01"), D("2026-03-31"), T("2026-04-15T00:00"))
# The same dates as of 04-13 12:00 (eligible on or before 03-14; lost on or before 03-13).
MARCH_NOON = Period(D("2026-03-01"), D("2026-03-31"), T("2026-04-13T12:00"))
WEEK = Period(D("2026-03-02"), D("2026-03-08"), T("2026-03-09T00:00"))  # as-of date 03-08
EARLY_NOON = Period(D("2026-03-01"), D("2026-03-31"), T("2026-03-02T12:00"))

VISITS = {
    "E1": ["2026-03-02T09:00", "2026-03-02T15:00", "2026-03-20T09:00"],  # same date, then 18 d
    "E2": ["2026-03-02T09:00", "2026-03-02T15:00"],  # same date only: not engaged
    "E3": ["2026-03-03T09:00", "2026-04-02T09:00"],  # exactly 30 days: engaged
    "E4": ["2026-03-03T09:00", "2026-04-03T09:00"],  # 31 days: not
    "E5": ["2026-02-20T09:00", "2026-03-05T09:00"],  # first visit ever before the period
    "E6": ["2026-03-04T09:00", "2026-04-10T09:00"],  # 37 days (a group session between)
    "E7": ["2026-03-05T09:00", "2026-03-12T09:00"],  # after a cancelled appointment
    "E8": ["2026-03-10T09:00", "2026-03-10T09:00"],  # two at the same minute, nothing else
    "E9": ["2026-03-14T09:00", "2026-04-13T09:00"],  # 30 days, before 04-13 12:00
    "E10": ["2026-03-14T09:00", "2026-04-13T14:00"],  # 30 days, after 04-13 12:00
    "L1": ["2026-02-01T09:00"],  # discharged on 04-14
}


def build(p: Practice) -> None:
    p.clinician("C1", program="Adult", location="Main")
    p.clinician("C2", program="Child", location="North")
    for client_id, starts in VISITS.items():
        child = client_id in ("E9", "E10")
        primary, program, location = ("C2", "Child", "North") if child else ("C1", "Adult", "Main")
        discharge = "2026-04-14" if client_id == "L1" else None
        p.client(client_id, primary=primary, program=program, discharge=discharge)
        for n, start in enumerate(starts):
            p.appointment(f"{client_id}-{n}", client_id, primary, start, location=location)
    p.client("L2", primary="C1", intake="2026-02-01")  # no visit at all
    p.appointment("E2-next", "E2", "C1", "2026-04-20T09:00", status="scheduled")  # held ahead
    p.appointment("E6-g", "E6", "C1", "2026-03-06T09:00", service="group")  # kept, not a visit
    p.feedback("E6-g", srs=30)  # scored, low alliance
    p.appointment("E7-x", "E7", "C1", "2026-03-01T09:00", status="cancelled_client")
    p.feedback("E7-x", srs=20)  # not kept: not counted
    p.feedback("E1-0", srs=38)
    p.feedback("E1-1", ors=25)
    p.feedback("E3-0", srs=35)  # low alliance
    p.feedback("E9-0", srs=39)
    # Discharged from hospital 03-03 08:00: E3's visit that day does not count; 04-02 is day 30.
    p.care_event("H1", "E3", "2026-03-03T08:00")


# Kept appointments in March: E1 3, E2 2, E3 1, E4 1, E5 1, E6 2 (with the group session),
# E7 2, E8 2, E9 1, E10 1 = 16; scored E1-0, E1-1, E3-0, E6-g, E9-0 = 5; low E3-0, E6-g.
# Early engagement as of 04-15: eligible E1, E2, E3, E4, E6, E7, E8, E9, E10; engaged E1, E3,
# E7, E9, E10 -> 5/9. Lost as of 04-15: E5, E7, E8, L2 (E2 has a booking, L1 is discharged on
# the as-of date) = 4.
MARCH_ROW = {
    "lost_to_follow_up": 4,
    "early_engagement_rate": 0.5556,
    "fuh7_rate": 0.0,
    "fuh30_rate": 1.0,
    "feedback_rate": 0.3125,
    "low_alliance_sessions": 2,
}
# As of 04-13 12:00 E10's second visit is still ahead: engaged E1, E3, E7, E9 -> 4/9. Lost:
# E5, E7, E8, L2, and L1 (discharged after the as-of date, last visit 02-01) = 5.
NOON_ROW = {**MARCH_ROW, "lost_to_follow_up": 5, "early_engagement_rate": 0.4444}
# The week of 03-02 as of 03-09: everyone but L1 and L2 has a visit ahead or a recent one.
# Kept: E1 2, E2 2, E3, E4, E5, E6 2, E7 = 10; scored E1-0, E1-1, E3-0, E6-g; low E3-0, E6-g.
# No first visit or discharge is old enough to judge.
WEEK_ROW = {
    "lost_to_follow_up": 2,
    "early_engagement_rate": None,
    "fuh7_rate": None,
    "fuh30_rate": None,
    "feedback_rate": 0.4,
    "low_alliance_sessions": 2,
}
# March as of 03-02 12:00: kept E1-0 (scored) and E2-0; nobody lost (L1's and L2's 29 days).
EARLY_NOON_ROW = {
    **WEEK_ROW,
    "lost_to_follow_up": 0,
    "feedback_rate": 0.5,
    "low_alliance_sessions": 0,
}


def plain(values: dict) -> dict:
    return {key: values[key] for key in engagement.KEYS}


@pytest.mark.parametrize(
    ("period", "expected"),
    [(MARCH, MARCH_ROW), (MARCH_NOON, NOON_ROW), (WEEK, WEEK_ROW), (EARLY_NOON, EARLY_NOON_ROW)],
)
def test_compute_and_practice_values_follow_the_definitions(
    practice: Practice, period: Period, expected: dict
) -> None:
    build(practice)
    assert area_row(engagement, practice.db, period) == expected
    with practice.db.read() as conn:
        (found,) = engagement.practice_values(conn, [period], Filters(), RULES)
    assert plain(found) == expected


def test_many_periods_from_one_read(practice: Practice) -> None:
    build(practice)
    with practice.db.read() as conn:
        found = engagement.practice_values(conn, [MARCH, WEEK], Filters(), RULES)
        assert engagement.lost_by_week(conn, [WEEK, MARCH, MARCH_NOON], Filters(), RULES) == [
            2,
            4,
            5,
        ]
    assert [plain(values) for values in found] == [MARCH_ROW, WEEK_ROW]


def test_feedback_by_week(practice: Practice) -> None:
    build(practice)
    with practice.db.read() as conn:
        weekly = engagement.feedback_by_week(conn, MARCH, Filters())
    # Week of 03-09: E7-1, E8 twice, E9-0 (scored), E10-0; of 03-16: E1-2.
    assert weekly == {
        D("2026-03-02"): {"feedback_rate": 0.4, "low_alliance_sessions": 2},
        D("2026-03-09"): {"feedback_rate": 0.2, "low_alliance_sessions": 0},
        D("2026-03-16"): {"feedback_rate": 0.0, "low_alliance_sessions": 0},
    }


def test_cohort_buckets_by_first_visit_and_discharge(practice: Practice) -> None:
    build(practice)
    days = [("03-01", "03-01"), ("03-02", "03-08"), ("03-09", "03-15"), ("03-16", "03-22")]
    buckets = [Period(D(f"2026-{a}"), D(f"2026-{b}"), MARCH.as_of) for a, b in days]
    with practice.db.read() as conn:
        rows = engagement.cohort_rates_by_bucket(conn, MARCH, buckets, Filters())
    # First visits 03-02..08: E1, E2, E3, E4, E6, E7 -> engaged E1, E3, E7; 03-09..15: E8,
    # E9, E10 -> engaged E9, E10. The discharge is dated 03-03.
    assert rows == [
        {"early_engagement_rate": None, "fuh7_rate": None, "fuh30_rate": None},
        {"early_engagement_rate": 0.5, "fuh7_rate": 0.0, "fuh30_rate": 1.0},
        {"early_engagement_rate": 0.6667, "fuh7_rate": None, "fuh30_rate": None},
        {"early_engagement_rate": None, "fuh7_rate": None, "fuh30_rate": None},
    ]


# Child clients (of C2, at North): E9 and E10, seen at North; E9-0 scored.
CHILD_ROW = {
    "lost_to_follow_up": 0,
    "early_engagement_rate": 1.0,
    "fuh7_rate": None,
    "fuh30_rate": None,
    "feedback_rate": 0.5,
    "low_alliance_sessions": 0,
}


@pytest.mark.parametrize(
    "filters", [Filters(program="Child"), Filters(location="North"), Filters(clinician="C2")]
)
def test_filters_select_clients_and_appointments(practice: Practice, filters: Filters) -> None:
    build(practice)
    assert area_row(engagement, practice.db, MARCH, filters) == CHILD_ROW
    with practice.db.read() as conn:
        (found,) = engagement.practice_values(conn, [MARCH], filters, RULES)
    assert plain(found) == CHILD_ROW


def test_breakdowns_equal_the_filtered_computation(practice: Practice) -> None:
    build(practice)
    with practice.db.read() as conn, grouped_plans(conn) as plans:
        for by in ("clinician", "program", "location"):
            grouped = assert_breakdown_matches(engagement, conn, MARCH, Filters(), by)
            assert len(grouped) == 2
            assert grouped["early_engagement_rate"].round(4).tolist() == [0.4286, 1.0]
    if practice.db.engine.dialect.name == "sqlite":
        # Feedback by clinician reads migration 0009's index one clinician at a time, no sort.
        index = "ix_appointments_clinician_status_day"
        assert any(index in plan and "TEMP B-TREE" not in plan for plan in plans)
