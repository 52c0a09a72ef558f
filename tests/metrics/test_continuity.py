"""Continuity of care: UPC, COC, SECON over each client's visits, by hand-built practices."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.metrics import continuity
from dashboard.metrics.common import Filters, Period
from dashboard.metrics.trends import week_periods
from tests.factory import Practice
from tests.metrics.areas import RULES, area_row, assert_breakdown_matches

MARCH = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31))  # as of 2026-04-01 00:00


def practice_row(
    practice: Practice, period: Period = MARCH, filters: Filters = Filters()
) -> dict[str, object]:
    return area_row(continuity, practice.db, period, filters)


def _plain(value: object) -> object:
    return None if pd.isna(value) else value  # type: ignore[arg-type]


def test_every_key_by_hand(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    p.clinician("C2")
    p.clinician("C3")
    p.client("K1", primary="C1")
    p.client("K2", primary="C1")
    p.client("K3", primary="C2")
    # K1: C1, C1, C2, C1 -> N=4, n=(3, 1): UPC 3/4; COC (9+1-4)/(4*3) = 1/2;
    # SECON: pairs C1C1 same, C1C2, C2C1 -> 1/3; two clinicians.
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C1", "2026-03-09T09:00")
    p.appointment("A3", "K1", "C2", "2026-03-16T09:00")
    p.appointment("A4", "K1", "C1", "2026-03-23T09:00")
    # K2: C1, C1 -> UPC 1, COC (4-2)/(2*1) = 1, SECON 1/1; one clinician. None of these count:
    p.appointment("A5", "K2", "C1", "2026-03-03T09:00")
    p.appointment("A6", "K2", "C1", "2026-03-10T09:00")
    p.appointment("G1", "K2", "C3", "2026-03-04T09:00", service="group")  # not a visit
    p.appointment("N1", "K2", "C3", "2026-03-05T09:00", status="no_show")  # not kept
    p.appointment("O1", "K2", "C3", "2026-02-20T09:00")  # before the period
    p.appointment("F1", "K2", "C3", "2026-04-02T09:00", status="scheduled")  # future
    # K3: one visit, no score.
    p.appointment("A7", "K3", "C2", "2026-03-04T09:00")

    # Means over K1 and K2: UPC (3/4 + 1)/2 = 0.875; COC (1/2 + 1)/2 = 0.75;
    # SECON (1/3 + 1)/2 = 2/3 = 0.6667.
    assert practice_row(p) == {
        "continuity_clients": 2,
        "upc": 0.875,
        "coc": 0.75,
        "secon": 0.6667,
        "clients_with_clinician_change": 1,
    }
    with p.db.read() as conn:
        scores = continuity.client_scores(conn, MARCH, Filters(), RULES)
    assert scores.to_dict("records") == [
        {
            "client_id": "K1",
            "primary_clinician_id": "C1",
            "visits": 4,
            "clinicians": 2,
            "upc": 0.75,
            "coc": 0.5,
            "secon": 0.3333,
        },
        {
            "client_id": "K2",
            "primary_clinician_id": "C1",
            "visits": 2,
            "clinicians": 1,
            "upc": 1.0,
            "coc": 1.0,
            "secon": 1.0,
        },
    ]


def test_no_client_with_two_visits_gives_nulls(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")  # N = 1: not counted
    assert practice_row(practice) == {
        "continuity_clients": 0,
        "upc": None,
        "coc": None,
        "secon": None,
        "clients_with_clinician_change": 0,
    }


def test_same_minute_visits_are_ordered_by_id(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    p.clinician("C2")
    p.client("K1", primary="C1")
    p.appointment("B2", "K1", "C1", "2026-03-02T09:00")
    # Inserted before B1, but B1 < B3 by id, so the order is B2 (C1), B1 (C2), B3 (C1):
    # no consecutive pair shares a clinician -> SECON 0/2 = 0 (by insertion order it would be
    # C1, C1, C2 -> 1/2). UPC 2/3; COC (4+1-3)/(3*2) = 1/3.
    p.appointment("B3", "K1", "C1", "2026-03-09T09:00")
    p.appointment("B1", "K1", "C2", "2026-03-09T09:00")
    assert practice_row(p) == {
        "continuity_clients": 1,
        "upc": 0.6667,
        "coc": 0.3333,
        "secon": 0.0,
        "clients_with_clinician_change": 1,
    }


def test_mid_day_as_of_counts_only_past_visits(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    p.clinician("C2")
    p.client("K1", primary="C1")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C2", "2026-03-09T09:00")  # before as-of 12:00
    p.appointment("A3", "K1", "C1", "2026-03-09T13:00")  # after as-of: not yet a visit
    period = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.datetime(2026, 3, 9, 12))
    # C1, C2 -> UPC 1/2, COC (1+1-2)/2 = 0, SECON 0/1 = 0.
    assert practice_row(p, period) == {
        "continuity_clients": 1,
        "upc": 0.5,
        "coc": 0.0,
        "secon": 0.0,
        "clients_with_clinician_change": 1,
    }


def build_filter_practice(p: Practice) -> None:
    """C1 (Adult, Main) and C2 (Child, North); three counted clients.

    K1 (C1, Adult): C1, C1      -> UPC 1,   COC 1,   SECON 1
    K2 (C2, Child): C2, C1      -> UPC 1/2, COC 0,   SECON 0,   changed
    K5 (C2, Adult): C2, C2, C1  -> UPC 2/3, COC 1/3, SECON 1/2, changed
    """
    p.clinician("C1", program="Adult", location="Main")
    p.clinician("C2", program="Child", location="North")
    p.client("K1", primary="C1", program="Adult")
    p.client("K2", primary="C2", program="Child")
    p.client("K5", primary="C2", program="Adult")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00", modality="telehealth")
    p.appointment("A2", "K1", "C1", "2026-03-09T09:00")
    p.appointment("A3", "K2", "C2", "2026-03-03T09:00", location="North")
    p.appointment("A4", "K2", "C1", "2026-03-10T09:00")
    p.appointment("A5", "K5", "C2", "2026-03-04T09:00", location="North")
    p.appointment("A6", "K5", "C2", "2026-03-11T09:00", location="North")
    p.appointment("A7", "K5", "C1", "2026-03-18T09:00", modality="telehealth")


# (filters, continuity_clients, upc, secon, clients_with_clinician_change)
FILTER_CASES = [
    # All three: UPC (1 + 1/2 + 2/3)/3 = 13/18; SECON (1 + 0 + 1/2)/3 = 1/2.
    (Filters(), 3, 0.7222, 0.5, 2),
    (Filters(clinician="C1"), 1, 1.0, 1.0, 0),
    # K2, K5: UPC (1/2 + 2/3)/2 = 7/12; SECON (0 + 1/2)/2 = 1/4.
    (Filters(clinician="C2"), 2, 0.5833, 0.25, 2),
    # K1, K5: UPC (1 + 2/3)/2 = 5/6; SECON (1 + 1/2)/2 = 3/4.
    (Filters(program="Adult"), 2, 0.8333, 0.75, 1),
    (Filters(program="Child"), 1, 0.5, 0.0, 1),
    (Filters(location="North"), 2, 0.5833, 0.25, 2),  # C2's home: K2, K5
    (Filters(location="Main"), 1, 1.0, 1.0, 0),
    (Filters(modality="telehealth"), 3, 0.7222, 0.5, 2),  # modality does not filter clients
    (Filters(program="Adult", location="North"), 1, 0.6667, 0.5, 1),  # K5
    (Filters(clinician="C1", program="Child"), 0, None, None, 0),
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
    for filters, *expected in FILTER_CASES:
        row = practice_row(practice, filters=filters)
        keys = ("continuity_clients", "upc", "secon", "clients_with_clinician_change")
        assert [row[key] for key in keys] == expected, filters


def test_breakdown_equals_filtered_computation(practice: Practice) -> None:
    build_filter_practice(practice)
    with practice.db.read() as conn:
        for by, groups in BREAKDOWN_GROUPS.items():
            grouped = assert_breakdown_matches(continuity, conn, MARCH, Filters(), by)
            assert list(grouped.index) == groups
            # Within a filter too: only Adult clients, grouped.
            assert_breakdown_matches(continuity, conn, MARCH, Filters(program="Adult"), by)


def test_weekly_equals_each_week_computed_alone(practice: Practice) -> None:
    build_filter_practice(practice)
    # Week of 2026-03-09: K1 (C1 once), K2 (C1 once), K5 (C2 once) -> nobody has 2 visits.
    practice.appointment("A8", "K2", "C2", "2026-03-12T09:00")  # K2 that week: C1, C2
    with practice.db.read() as conn:
        weeks = continuity.weekly(conn, MARCH, Filters(), RULES)
        # Only the week of 2026-03-09 has a client with two visits: K2, UPC 1/2.
        assert list(weeks.index) == [dt.date(2026, 3, 9)]
        assert weeks.loc[dt.date(2026, 3, 9), "upc"] == 0.5
        week = Period(dt.date(2026, 3, 9), dt.date(2026, 3, 15), dt.datetime(2026, 3, 16))
        alone = continuity.compute(conn, week, Filters(), RULES)
    pd.testing.assert_frame_equal(
        weeks.reset_index(drop=True), alone.reset_index(drop=True), check_names=False
    )


def test_unknown_dimension_is_refused(practice: Practice) -> None:
    with practice.db.read() as conn, pytest.raises(ValueError, match="payer"):
        continuity.compute(conn, MARCH, Filters(), RULES, by="payer")


# Weekly continuity at its edges: the period starts on a Wednesday and is as of Wednesday
# 2026-03-18 12:00, so the first week runs from Wednesday and the third ends at noon.
EDGE_PERIOD = Period(dt.date(2026, 3, 4), dt.date(2026, 3, 31), dt.datetime(2026, 3, 18, 12))
MAR_2, MAR_9, MAR_16 = dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)


def build_week_edges(p: Practice) -> None:
    p.clinician("C1", program="Adult", location="Main")
    p.clinician("C2", program="Child", location="North")
    p.client("K1", primary="C1", program="Adult")
    p.client("K2", primary="C1", program="Adult")
    p.client("K3", primary="C2", program="Child")
    p.client("K4", primary="C2", program="Child")
    # K1: Tuesday before the period (C1), then one visit in the first week (C2): not counted,
    # and the change across the period's start is no change within a week.
    p.appointment("A1", "K1", "C1", "2026-03-03T09:00")
    p.appointment("A2", "K1", "C2", "2026-03-04T09:00")
    # K2: Sunday 23:00 (C1), then Monday 00:00 and 10:00 (C2): the visits span two weeks, so
    # week 2 has one visit (not counted) and week 9 has C2, C2 (scores 1, no change).
    p.appointment("A3", "K2", "C1", "2026-03-08T23:00")
    p.appointment("A4", "K2", "C2", "2026-03-09T00:00")
    p.appointment("A5", "K2", "C2", "2026-03-09T10:00")
    # K3, week 9: C2, C1, C2 -> N 3, n (2, 1): UPC 2/3, COC (4+1-3)/(3*2) = 1/3, SECON 0/2.
    p.appointment("A6", "K3", "C2", "2026-03-10T09:00")
    p.appointment("A7", "K3", "C1", "2026-03-11T09:00")
    p.appointment("A8", "K3", "C2", "2026-03-12T09:00")
    # K3, week 16: C2, C2 before noon; the C1 visit at noon is not past -> scores 1, no change.
    p.appointment("A9", "K3", "C2", "2026-03-16T09:00")
    p.appointment("B1", "K3", "C2", "2026-03-18T11:59")
    p.appointment("B2", "K3", "C1", "2026-03-18T12:00")
    # K4, week 2: two visits with C1 on the period's first day -> scores 1.
    p.appointment("B3", "K4", "C1", "2026-03-04T08:00")
    p.appointment("B4", "K4", "C1", "2026-03-04T09:00")


ONE_CLIENT_KEPT = (1, 1.0, 1.0, 1.0, 0)
# (filters, {Monday: (continuity_clients, upc, coc, secon, clients_with_clinician_change)})
WEEK_EDGE_CASES = [
    # Week 9: K2 (1, 1, 1) and K3 (2/3, 1/3, 0): UPC 5/6, COC 2/3, SECON 1/2.
    (
        Filters(),
        {MAR_2: ONE_CLIENT_KEPT, MAR_9: (2, 0.8333, 0.6667, 0.5, 1), MAR_16: ONE_CLIENT_KEPT},
    ),
    (Filters(program="Adult"), {MAR_9: ONE_CLIENT_KEPT}),  # K1, K2
    (
        Filters(clinician="C2"),  # K3, K4
        {MAR_2: ONE_CLIENT_KEPT, MAR_9: (1, 0.6667, 0.3333, 0.0, 1), MAR_16: ONE_CLIENT_KEPT},
    ),
    (Filters(location="Main"), {MAR_9: ONE_CLIENT_KEPT}),  # C1's clients: K1, K2
]


@pytest.mark.parametrize(("filters", "expected"), WEEK_EDGE_CASES)
def test_weekly_at_week_edges(
    practice: Practice, filters: Filters, expected: dict[dt.date, tuple]
) -> None:
    build_week_edges(practice)
    with practice.db.read() as conn:
        weeks = continuity.weekly(conn, EDGE_PERIOD, filters, RULES)
        found = {
            monday: tuple(_plain(weeks.at[monday, key]) for key in continuity.KEYS)
            for monday in weeks.index
        }
        assert found == expected
        # Each week is its own period (clipped, as of its own end or the period's as-of).
        for monday, week in week_periods(EDGE_PERIOD):
            alone = continuity.compute(conn, week, filters, RULES).iloc[0]
            want = expected.get(monday, (0, None, None, None, 0))
            assert tuple(_plain(alone[key]) for key in continuity.KEYS) == want, monday
