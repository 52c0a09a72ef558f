"""Caseload keys on hand-built practices; expected values worked by hand in comments.

Period 2026-03-02 (Monday) .. 2026-03-08; with the default as-of (03-09 00:00) the as-of date
is 03-08.
"""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd

from dashboard.metrics import caseload
from dashboard.metrics.common import Filters, Period
from tests.factory import Practice
from tests.metrics.areas import RULES, WEEK, T, area_row

practice_row = functools.partial(area_row, caseload)


def _caseload_practice(practice: Practice) -> None:
    practice.clinician("C1", max_caseload=10, program="Adult", location="Main")
    practice.clinician("C2", max_caseload=None, program="Child", location="Annex")
    practice.clinician("C3", max_caseload=20, program="Adult", location="Main", active=False)
    practice.clinician("C4", max_caseload=5, program="Adult", location="Main")
    practice.client("K1", primary="C1", intake="2026-01-05")  # active
    practice.client("K2", primary="C1", intake="2026-03-03")  # active, new in the period
    practice.client("K3", primary="C1", intake="2025-12-01", discharge="2026-03-05")  # left
    practice.client("K4", primary="C1", intake="2025-12-01", discharge="2026-03-08")  # left
    practice.client("K5", primary="C1", intake="2026-03-09")  # after the as-of date
    practice.client("K6", primary=None, intake="2026-03-04")  # waiting: nobody's, not new
    practice.client("K7", primary="C2", program="Child")  # active
    practice.client("K8", primary="C3")  # active, under the inactive C3
    practice.client("K9", primary="C1", intake="2025-11-03", discharge="2026-03-10")  # active


def test_caseload_keys(practice: Practice) -> None:
    _caseload_practice(practice)
    # Active as of 03-08: K1, K2, K7, K8, K9 (K4's discharge on 03-08 is not after it) = 5.
    # Capacity: active clinicians C1 10 + C4 5 (C2 has none, C3 is inactive) = 15.
    # New: K2 (K6 has no primary clinician; K5 comes after). Discharges: K3, K4.
    assert practice_row(practice.db, WEEK) == {
        "active_caseload": 5,
        "caseload_capacity": 15.0,
        "caseload_fill": 0.3333,  # 5 / 15
        "new_clients": 1,
        "discharges": 2,
    }


def test_mid_day_as_of(practice: Practice) -> None:
    _caseload_practice(practice)
    # As of 03-05 12:00 (as-of date 03-05): K3 left on 03-05, K4 (leaving 03-08) is still
    # active: K1, K2, K4, K7, K8, K9 = 6. New clients and discharges stay the period's.
    # As of 03-06 00:00 the as-of date is 03-05 too.
    for as_of in ("2026-03-05T12:00", "2026-03-06T00:00"):
        row = practice_row(practice.db, Period.make(WEEK.start, WEEK.end, T(as_of)))
        assert row["active_caseload"] == 6, as_of
        assert row["caseload_fill"] == 0.4, as_of  # 6 / 15
        assert (row["new_clients"], row["discharges"]) == (1, 2), as_of


# (filters, active, capacity, new, discharges)
FILTER_CASES = [
    (Filters(clinician="C1"), 3, 10.0, 1, 2),  # K1, K2, K9
    (Filters(clinician="C2"), 1, None, 0, 0),  # K7; C2 has no max_caseload
    (Filters(clinician="C3"), 1, None, 0, 0),  # inactive: K8 counts, no capacity
    (Filters(program="Child"), 1, None, 0, 0),  # K7; clinicians of Child: C2
    (Filters(program="Adult"), 4, 15.0, 1, 2),  # K1, K2, K8, K9; C1 + C4
    (Filters(location="Annex"), 1, None, 0, 0),  # C2's clients; C2
    (Filters(location="Main"), 4, 15.0, 1, 2),  # C1's and C3's clients; C1 + C4
    (Filters(modality="telehealth"), 5, 15.0, 1, 2),  # does not filter
    (Filters(program="Adult", location="Main", clinician="C4"), 0, 5.0, 0, 0),
    (Filters(program="Child", clinician="C1"), 0, None, 0, 0),
]


def test_filters_alone_and_combined(practice: Practice) -> None:
    _caseload_practice(practice)
    for filters, active, capacity, new, discharges in FILTER_CASES:
        row = practice_row(practice.db, WEEK, filters)
        assert row["active_caseload"] == active, filters
        assert row["caseload_capacity"] == capacity, filters
        assert (row["new_clients"], row["discharges"]) == (new, discharges), filters
        expected_fill = round(active / capacity, 4) if capacity else None
        assert row["caseload_fill"] == expected_fill, filters


def test_zero_and_null(practice: Practice) -> None:
    # No clinicians: capacity (and so fill) null; counts 0.
    empty = {
        "active_caseload": 0,
        "caseload_capacity": None,
        "caseload_fill": None,
        "new_clients": 0,
        "discharges": 0,
    }
    assert practice_row(practice.db, WEEK) == empty
    # A capacity of 0 is known but divides nothing: fill is null, not 0.
    practice.clinician("C1", max_caseload=0)
    practice.client("K1", primary="C1")
    row = practice_row(practice.db, WEEK)
    assert (row["active_caseload"], row["caseload_capacity"], row["caseload_fill"]) == (1, 0, None)


def test_breakdowns_equal_filtered_rows(practice: Practice) -> None:
    _caseload_practice(practice)
    practice.client("K10", primary="C4", program=None)  # no program: in no program group
    # A telehealth appointment makes "telehealth" a modality found in the period.
    practice.appointment("A1", "K1", "C1", "2026-03-03T09:00", modality="telehealth")
    expected_groups = {
        "clinician": ["C1", "C2", "C3", "C4"],
        "program": ["Adult", "Child"],
        "location": ["Annex", "Main"],
        "modality": ["telehealth"],
    }
    with practice.db.read() as conn:
        for filters in (Filters(), Filters(program="Adult"), Filters(location="Annex")):
            for by, groups in expected_groups.items():
                grouped = caseload.compute(conn, WEEK, filters, RULES, by=by)
                if filters.is_empty():
                    assert list(grouped.index) == groups, by
                for value, row in grouped.iterrows():
                    alone = caseload.compute(
                        conn, WEEK, dataclasses.replace(filters, **{by: value}), RULES
                    )
                    pd.testing.assert_series_equal(row, alone.iloc[0], check_names=False)
        by_clinician = caseload.compute(conn, WEEK, Filters(), RULES, by="clinician")
    # C4 has capacity 5 and only K10; C3 (inactive) keeps its client but has no capacity.
    assert by_clinician.loc["C4", "caseload_fill"] == 0.2  # 1 / 5
    assert by_clinician.loc["C3", "active_caseload"] == 1
    assert pd.isna(by_clinician.loc["C3", "caseload_capacity"])
