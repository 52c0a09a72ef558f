"""Engagement and follow-up: lost to follow-up, early engagement, FUH and session feedback."""

from __future__ import annotations

import datetime as dt

from dashboard.metrics import engagement
from dashboard.metrics.common import Filters, Period
from tests.factory import Practice
from tests.metrics.areas import RULES, area_row, assert_breakdown_matches

MARCH = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31))  # as-of date 2026-03-31


def march(as_of: str | None = None) -> Period:
    moment = dt.datetime.fromisoformat(as_of) if as_of else None
    return Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31), moment)


def row(practice: Practice, period: Period = MARCH, filters: Filters = Filters()) -> dict:
    return area_row(engagement, practice.db, period, filters)


def test_empty_practice_counts_zero_and_rates_null(practice: Practice) -> None:
    assert row(practice) == {
        "lost_to_follow_up": 0,
        "early_engagement_rate": None,
        "fuh7_rate": None,
        "fuh30_rate": None,
        "feedback_rate": None,
        "low_alliance_sessions": 0,
    }


def test_lost_to_follow_up(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    # As-of date 2026-03-31: lost when the last visit (or the intake, with no visit) is more
    # than 30 days before it, i.e. on 2026-02-28 or earlier.
    for client_id in ("L1", "L2", "L3", "L4", "L5", "L6", "L9"):
        intake = {"L5": "2026-03-01", "L6": "2026-02-28"}.get(client_id, "2026-01-05")
        p.client(client_id, primary="C1", intake=intake)
    p.appointment("V1", "L1", "C1", "2026-03-01T09:00")  # 30 days: not lost
    p.appointment("V2", "L2", "C1", "2026-02-28T09:00")  # 31 days: lost
    p.appointment("V3", "L3", "C1", "2026-02-28T09:00")  # ... but a held appointment ahead
    p.appointment("F3", "L3", "C1", "2026-04-05T09:00", status="scheduled")
    p.appointment("V4", "L4", "C1", "2026-02-28T09:00")  # the one ahead is cancelled: lost
    p.appointment("F4", "L4", "C1", "2026-04-05T09:00", status="cancelled_clinician")
    # L5: no visit, intake 30 days before: not lost. L6: no visit, intake 31 days: lost.
    p.appointment("V9", "L9", "C1", "2026-02-20T09:00")  # last visit 39 days before: lost
    p.appointment("G9", "L9", "C1", "2026-03-20T09:00", service="group")  # not a visit
    p.appointment("N9", "L9", "C1", "2026-03-25T09:00", status="no_show")  # not a visit
    # Not active, so never counted: discharged, and waiting for intake (no primary).
    p.client("L7", primary="C1", discharge="2026-03-15")
    p.client("L8", primary=None)

    assert row(p)["lost_to_follow_up"] == 4  # L2, L4, L6, L9
    with p.db.read() as conn:
        lost = engagement.lost_to_follow_up_clients(conn, MARCH, Filters(), RULES)
    assert lost.to_dict("records") == [
        {
            "client_id": "L9",
            "primary_clinician_id": "C1",
            "last_visit": dt.date(2026, 2, 20),
            "days_since": 39,
        },
        {
            "client_id": "L2",
            "primary_clinician_id": "C1",
            "last_visit": dt.date(2026, 2, 28),
            "days_since": 31,
        },
        {
            "client_id": "L4",
            "primary_clinician_id": "C1",
            "last_visit": dt.date(2026, 2, 28),
            "days_since": 31,
        },
        {"client_id": "L6", "primary_clinician_id": "C1", "last_visit": None, "days_since": 31},
    ]


def test_lost_to_follow_up_mid_day_as_of(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    p.client("L1", primary="C1")
    p.client("L2", primary="C1")
    p.appointment("V1", "L1", "C1", "2026-02-06T09:00")  # 2026-03-10 - 02-06 = 32 days
    p.appointment("V2", "L2", "C1", "2026-02-06T09:00")
    # L1's next session started 09:00, before as-of 12:00, and was still only "scheduled":
    # it is no held appointment at or after as-of. L2's starts at 14:00: L2 is not lost.
    p.appointment("S1", "L1", "C1", "2026-03-10T09:00", status="scheduled")
    p.appointment("S2", "L2", "C1", "2026-03-10T14:00", status="scheduled")
    assert row(p, march("2026-03-10T12:00"))["lost_to_follow_up"] == 1


def test_early_engagement_window_and_eligibility(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    # As-of date 2026-04-14: a first visit is eligible on or before 2026-03-15 (30 days).
    period = march("2026-04-15T00:00")
    visits = {
        "E1": ["2026-03-02T09:00", "2026-03-03T09:00"],  # 1 day after: engaged
        "E2": ["2026-03-02T09:00", "2026-04-01T09:00"],  # 30 days after: engaged
        "E3": ["2026-03-02T09:00", "2026-04-02T09:00"],  # 31 days after: not
        "E4": ["2026-03-02T09:00", "2026-03-02T15:00"],  # same date: not
        "E5": ["2026-03-15T09:00", "2026-03-20T09:00"],  # first exactly 30 days before: engaged
        "E6": ["2026-03-16T09:00", "2026-03-17T09:00"],  # 29 days before: not eligible
        "E7": ["2026-02-20T09:00", "2026-03-05T09:00"],  # first visit ever before the period
        "E8": ["2026-03-02T09:00"],  # only a group session follows: not engaged
    }
    for client_id, starts in visits.items():
        p.client(client_id, primary="C1")
        for n, start in enumerate(starts):
            p.appointment(f"{client_id}-{n}", client_id, "C1", start)
    p.appointment("E8-g", "E8", "C1", "2026-03-05T09:00", service="group")
    # Eligible: E1, E2, E3, E4, E5, E8 = 6; engaged: E1, E2, E5 = 3 -> 3/6.
    assert row(p, period)["early_engagement_rate"] == 0.5


def test_fuh7_and_fuh30(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    for n in range(1, 8):
        p.client(f"K{n}", primary="C1")
    # As-of date 2026-04-07: FUH7 takes discharges dated up to 03-31, FUH30 up to 03-08.
    period = march("2026-04-08T00:00")
    p.care_event("H1", "K1", "2026-03-02")
    p.appointment("A1", "K1", "C1", "2026-03-02T14:00")  # discharge day: does not count
    p.appointment("A2", "K1", "C1", "2026-03-09T09:00")  # day 7: FUH7 and FUH30
    p.care_event("H2", "K2", "2026-03-02")
    p.appointment("A3", "K2", "C1", "2026-03-10T09:00")  # day 8: FUH30 only
    p.care_event("H3", "K3", "2026-03-05T08:00")
    p.appointment("A4", "K3", "C1", "2026-03-05T10:00")  # same day, later: neither
    p.care_event("H4", "K4", "2026-03-08")  # exactly 30 days before the as-of date
    p.appointment("A5", "K4", "C1", "2026-04-07T09:00")  # day 30: FUH30 (FUH7 no)
    p.care_event("H5", "K5", "2026-03-09")  # 29 days before: FUH7 only
    p.appointment("A6", "K5", "C1", "2026-03-10T09:00")  # day 1
    p.care_event("H6", "K6", "2026-03-31")  # exactly 7 days before; only a group session
    p.appointment("A7", "K6", "C1", "2026-04-01T09:00", service="group")
    p.care_event("H7", "K7", "2026-03-02", kind="ed_visit")  # not a hospital discharge
    p.care_event("H8", "K7", "2026-02-25")  # before the period
    # FUH7: H1..H6 = 6 eligible, followed H1, H5 -> 2/6. FUH30: H1..H4, followed H1, H2, H4
    # -> 3/4.
    result = row(p, period)
    assert (result["fuh7_rate"], result["fuh30_rate"]) == (0.3333, 0.75)
    with p.db.read() as conn:
        missed = engagement.discharges_without_follow_up(conn, period, Filters(), RULES)
    assert list(missed["event_id"]) == ["H2", "H3", "H4", "H6"]
    assert list(missed["next_visit"]) == [dt.date(2026, 3, 10), None, dt.date(2026, 4, 7), None]


def test_fuh30_null_when_no_discharge_is_old_enough(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.care_event("H1", "K1", "2026-03-20")
    practice.appointment("A1", "K1", "C1", "2026-03-23T09:00")
    # As-of date 2026-03-31: 11 days after the discharge; FUH7 1/1, FUH30 has no base.
    result = row(practice)
    assert (result["fuh7_rate"], result["fuh30_rate"]) == (1.0, None)


def test_feedback_rate_and_low_alliance(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    p.client("K1", primary="C1")
    period = march("2026-03-20T12:00")
    appointments = {
        "F1": {"srs": 38},  # scored
        "F2": {"srs": 30},  # scored, low alliance
        "F3": {"ors": 20},  # scored (ORS only), telehealth
        "F4": None,  # no feedback
        "F5": {"phq9": 12},  # a row, but neither SRS nor ORS
    }
    for n, (appointment_id, scores) in enumerate(appointments.items()):
        modality = "telehealth" if appointment_id == "F3" else "in_person"
        p.appointment(appointment_id, "K1", "C1", f"2026-03-0{n + 2}T09:00", modality=modality)
        if scores:
            p.feedback(appointment_id, **scores)
    p.appointment("F6", "K1", "C1", "2026-03-10T09:00", status="no_show")  # not kept
    p.feedback("F6", srs=10)
    p.appointment("F7", "K1", "C1", "2026-03-11T09:00", service="group")  # kept: counts
    p.feedback("F7", srs=35.5)
    p.appointment("F8", "K1", "C1", "2026-03-20T13:00")  # after as-of
    p.feedback("F8", srs=20)
    # Kept: F1, F2, F3, F4, F5, F7 = 6; scored F1, F2, F3, F7 = 4 -> 2/3; low: F2, F7.
    result = row(p, period)
    assert (result["feedback_rate"], result["low_alliance_sessions"]) == (0.6667, 2)
    # Modality filters the feedback keys: only F3 is telehealth.
    telehealth = row(p, period, Filters(modality="telehealth"))
    assert (telehealth["feedback_rate"], telehealth["low_alliance_sessions"]) == (1.0, 0)


def build_filter_practice(p: Practice) -> None:
    """C1 (Adult, Main) and C2 (Child, North). In the first quarter of 2026: K1 (C1, Adult) is
    lost to follow-up and had a scored session with C2 at North; K2 (C2, Child) is lost too;
    K3 (C2, Adult) was seen two days after a hospital discharge and has a session booked; K4
    (C1, Child) is new and engaged. K1, K2, K3 were already seen in December."""
    p.clinician("C1", program="Adult", location="Main")
    p.clinician("C2", program="Child", location="North")
    p.client("K1", primary="C1", program="Adult")
    p.client("K2", primary="C2", program="Child")
    p.client("K3", primary="C2", program="Adult")
    p.client("K4", primary="C1", program="Child")
    p.appointment("D1", "K1", "C1", "2025-12-01T09:00")
    p.appointment("D2", "K2", "C2", "2025-12-02T09:00")
    p.appointment("D3", "K3", "C2", "2025-12-03T09:00")
    p.appointment("A1", "K1", "C2", "2026-01-20T09:00", location="North")
    p.feedback("A1", srs=30)
    p.appointment("A2", "K2", "C2", "2026-01-21T09:00", modality="telehealth")
    p.appointment("A3", "K1", "C1", "2026-03-02T09:00", status="no_show")
    p.care_event("H1", "K3", "2026-01-10")
    p.appointment("A4", "K3", "C2", "2026-01-12T09:00", location="North")
    p.feedback("A4", srs=39)
    p.appointment("A5", "K4", "C1", "2026-01-05T09:00")
    p.appointment("A6", "K4", "C1", "2026-01-15T09:00", modality="telehealth")
    p.appointment("A8", "K4", "C1", "2026-03-20T09:00")
    p.appointment("A7", "K3", "C2", "2026-04-03T09:00", status="scheduled")


QUARTER = Period.make(dt.date(2026, 1, 1), dt.date(2026, 3, 31))  # as-of date 2026-03-31


# (filters, (lost_to_follow_up, early_engagement_rate, fuh7_rate, feedback_rate,
#            low_alliance_sessions))
FILTER_CASES = [
    # As-of date 2026-03-31. Lost: K1, K2 (last visits in January; K3 has a booking).
    # Early engagement: K4 only is new (1/1). FUH7: H1 (1/1). Feedback: kept A1, A2, A4,
    # A5, A6, A8; scored A1, A4 -> 2/6; low alliance: A1.
    (Filters(), (2, 1.0, 1.0, 0.3333, 1)),
    # Clients of C1: K1, K4. Kept appointments with C1: A5, A6, A8, none scored.
    (Filters(clinician="C1"), (1, 1.0, None, 0.0, 0)),
    # Clients of C2: K2, K3. Kept with C2: A1, A2, A4 -> 2/3 scored.
    (Filters(clinician="C2"), (1, None, 1.0, 0.6667, 1)),
    # Adult clients K1, K3; their kept appointments A1, A4 -> both scored.
    (Filters(program="Adult"), (1, None, 1.0, 1.0, 1)),
    # Clients whose clinician is at North: K2, K3; appointments at North: A1, A4.
    (Filters(location="North"), (1, None, 1.0, 1.0, 1)),
    # Modality filters appointments only: A2, A6 (no feedback).
    (Filters(modality="telehealth"), (2, 1.0, 1.0, 0.0, 0)),
    # Child clients of North's clinician: K2; appointments of Child clients at North: none.
    (Filters(program="Child", location="North"), (1, None, None, None, 0)),
]
BREAKDOWN_GROUPS = {
    "clinician": ["C1", "C2"],
    "program": ["Adult", "Child"],
    "location": ["Main", "North"],
    "modality": ["in_person", "telehealth"],
}


def test_filters_alone_and_combined(practice: Practice) -> None:
    # One practice for the whole table: building it is what takes the time.
    build_filter_practice(practice)
    keys = (
        "lost_to_follow_up",
        "early_engagement_rate",
        "fuh7_rate",
        "feedback_rate",
        "low_alliance_sessions",
    )
    for filters, expected in FILTER_CASES:
        result = row(practice, QUARTER, filters)
        assert tuple(result[key] for key in keys) == expected, filters


def test_breakdown_equals_filtered_computation(practice: Practice) -> None:
    build_filter_practice(practice)
    with practice.db.read() as conn:
        for by, groups in BREAKDOWN_GROUPS.items():
            grouped = assert_breakdown_matches(engagement, conn, QUARTER, Filters(), by)
            assert list(grouped.index) == groups
            telehealth = Filters(modality="telehealth")
            assert_breakdown_matches(engagement, conn, QUARTER, telehealth, by)
