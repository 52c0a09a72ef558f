"""The overview's one pass (``director.overview``: each area read once for the period, the
previous period, the weekly trends and the weekly cohorts) equals each computed on its own."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.components.kpis import COHORT_TREND_KEYS, TREND_KEYS
from dashboard.metrics import director, report, trends
from dashboard.metrics.common import Filters, Period, Rules
from tests.factory import Practice

RULES = Rules()
# 28 days to Wednesday 2026-04-15, as of Friday 2026-04-10 14:30: the previous period is
# 02-19 to 03-18, the trend window starts 01-22 (84 days).
PERIOD = Period.make(dt.date(2026, 3, 19), dt.date(2026, 4, 15), dt.datetime(2026, 4, 10, 14, 30))


def build_practice(p: Practice) -> None:
    """Two clinicians; clients with first visits, returns and discharges across the window;
    a hospital discharge followed up, one not; feedback, a late cancellation; tasks done on
    time, late, and still open; a visit after as-of on the as-of day."""
    p.clinician("C1", location="Main")
    p.clinician("C2", location="North", program="DBT")
    p.availability("C1", "Mon", "09:00", "13:00")
    p.availability("C1", "Fri", "09:00", "17:00")
    p.availability("C2", "Tue", "13:00", "17:00", location="North")
    p.client("K1", primary="C1", intake="2026-01-20")
    p.client("K2", primary="C2", intake="2026-02-02", program="DBT")
    p.client("K3", primary="C1", intake="2026-03-02", discharge="2026-04-01")
    p.client("K4", primary="C2", intake="2026-03-25", program="DBT")
    p.client("K5", primary="C1", intake="2025-11-01")
    visits = [
        ("K1", "C1", "2026-01-23T09:00"), ("K1", "C1", "2026-02-06T09:00"),
        ("K1", "C2", "2026-03-03T14:00"), ("K1", "C1", "2026-04-10T10:00"),
        ("K1", "C1", "2026-04-10T16:00"),  # after as-of, on the as-of day
        ("K2", "C2", "2026-02-03T14:00"), ("K2", "C2", "2026-02-24T14:00"),
        ("K2", "C2", "2026-03-24T14:00"), ("K2", "C1", "2026-04-06T11:00"),
        ("K3", "C1", "2026-03-06T10:00"), ("K3", "C1", "2026-03-13T10:00"),
        ("K4", "C2", "2026-03-31T15:00"), ("K4", "C2", "2026-04-07T15:00"),
        ("K5", "C1", "2025-12-01T09:00"),
    ]  # fmt: skip
    for n, (client, clinician, start) in enumerate(visits):
        status = "scheduled" if start > "2026-04-10T14:30" else "completed"
        p.appointment(f"V{n}", client, clinician, start, status=status)
    p.appointment("N1", "K2", "C2", "2026-03-10T14:00", status="no_show")
    p.appointment("N2", "K1", "C1", "2026-04-03T09:00", status="no_show", modality="telehealth")
    p.appointment(
        "L1", "K4", "C2", "2026-04-07T13:00", status="cancelled_client",
        cancelled_at="2026-04-07T08:00",
    )  # fmt: skip
    p.appointment("F1", "K1", "C1", "2026-04-24T09:00")  # booked after the period
    p.feedback("V3", srs=30, ors=20)
    p.feedback("V7", ors=25)
    p.feedback("V11", srs=38)
    p.care_event("E1", "K2", "2026-02-20")  # followed up 02-24 (4 days)
    p.care_event("E2", "K1", "2026-03-20")  # nothing within 30 days
    p.care_event("E3", "K4", "2026-03-28")  # followed up 03-31 (3 days)
    p.task(
        "T1",
        due="2026-03-25",
        created="2026-03-20T09:00",
        status="done",
        completed="2026-03-24T10:00",
        assignee="C1",
    )
    p.task(
        "T2",
        due="2026-03-30",
        created="2026-03-21T09:00",
        status="done",
        completed="2026-04-02T10:00",
        assignee="C2",
    )
    p.task("T3", due="2026-04-08", created="2026-04-01T09:00", assignee="C1")
    p.task(
        "T4",
        due="2026-04-20",
        created="2026-04-02T09:00",
        status="done",
        completed="2026-04-10T16:00",
    )  # done after as-of: open as of it
    p.task("T5", due="2026-02-10", created="2026-02-01T09:00", status="cancelled",
           completed="2026-02-12T09:00")  # fmt: skip


@pytest.mark.parametrize("filters", [Filters(), Filters(program="DBT"), Filters(clinician="C1")])
def test_one_pass_equals_each_computed_alone(practice: Practice, filters: Filters) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        current, before, weekly = director.overview(
            conn, PERIOD, filters, RULES, TREND_KEYS, COHORT_TREND_KEYS
        )
        assert current == report.practice_metrics(conn, PERIOD, filters, RULES)
        assert before == report.practice_metrics(conn, PERIOD.previous(), filters, RULES)
        window = director.trend_period(PERIOD)
        alone = trends.weekly(conn, window, filters, RULES, list(TREND_KEYS))
        cohorts = director.cohort_rates(conn, window, filters, RULES, "week", COHORT_TREND_KEYS)
    pd.testing.assert_frame_equal(weekly, alone.join(cohorts.rename_axis("week"), how="left"))


def test_the_practice_gives_the_one_pass_something_to_split(practice: Practice) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        current, before, weekly = director.overview(
            conn, PERIOD, Filters(), RULES, TREND_KEYS, COHORT_TREND_KEYS
        )
    # Past kept in the period: V3 (04-10 10:00), V7, V8, V11, V12 -> 5; V4 is after as-of.
    assert current["completed"] == 5
    # Done in the period by as-of: T1 (on time) and T2 (late); T4 is done only after as-of.
    assert current["on_time_rate"] == 0.5
    assert current["open_tasks"] == 2  # T3 and T4 as of 04-10 14:30
    assert before["completed"] == 4  # 02-19 to 03-18: V2, V6, V9, V10
    assert len(weekly) == 12 and weekly["early_engagement_rate"].notna().any()


@pytest.mark.parametrize("group", list(director.OVERVIEW_GROUPS))
def test_each_group_of_cards_equals_its_part_of_the_whole(practice: Practice, group: str) -> None:
    build_practice(practice)
    areas = director.OVERVIEW_GROUPS[group]
    with practice.db.read() as conn:
        whole = director.overview(conn, PERIOD, Filters(), RULES, TREND_KEYS, COHORT_TREND_KEYS)
        part = director.overview(
            conn, PERIOD, Filters(), RULES, TREND_KEYS, COHORT_TREND_KEYS, areas=areas
        )
    keys = [key for area in areas for key in area.KEYS]
    assert part[0] == {key: whole[0][key] for key in keys}
    assert part[1] == {key: whole[1][key] for key in keys}
    charted = [key for key in whole[2].columns if report.AREA_OF_KEY[key] in areas]
    assert list(part[2].columns) == charted and charted
    pd.testing.assert_frame_equal(part[2], whole[2][charted])


def test_the_groups_cover_every_area_once() -> None:
    grouped = [area for areas in director.OVERVIEW_GROUPS.values() for area in areas]
    assert sorted(a.__name__ for a in grouped) == sorted(a.__name__ for a in report.AREAS)
