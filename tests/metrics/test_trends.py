"""Weekly trends: the weeks of a period, and values equal to each week computed alone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.metrics import report, trends
from dashboard.metrics.common import Filters, Period, Rules
from tests.factory import Practice

RULES = Rules()
# Wednesday 2026-03-04 to Wednesday 2026-03-25, as of Tuesday 2026-03-17 12:00.
PERIOD = Period.make(dt.date(2026, 3, 4), dt.date(2026, 3, 25), dt.datetime(2026, 3, 17, 12))


def test_week_periods_are_clipped_and_stop_at_as_of() -> None:
    day, moment = dt.date, dt.datetime
    assert trends.week_periods(PERIOD) == [
        # The first week is clipped to the period's Wednesday start; as of its Monday after.
        (day(2026, 3, 2), Period(day(2026, 3, 4), day(2026, 3, 8), moment(2026, 3, 9))),
        (day(2026, 3, 9), Period(day(2026, 3, 9), day(2026, 3, 15), moment(2026, 3, 16))),
        # The week as-of falls in is as of the period's as-of; the week of 03-23 starts after it.
        (day(2026, 3, 16), Period(day(2026, 3, 16), day(2026, 3, 22), PERIOD.as_of)),
    ]
    # A week that starts exactly at as-of is wholly after it.
    at_monday = Period(PERIOD.start, PERIOD.end, dt.datetime(2026, 3, 16))
    assert [monday for monday, _ in trends.week_periods(at_monday)][-1] == dt.date(2026, 3, 9)
    # The last week is clipped to the period's end.
    whole = Period.make(dt.date(2026, 3, 4), dt.date(2026, 3, 25))
    assert trends.week_periods(whole)[-1] == (
        dt.date(2026, 3, 23),
        Period(dt.date(2026, 3, 23), dt.date(2026, 3, 25), dt.datetime(2026, 3, 26)),
    )


def build_practice(p: Practice) -> None:
    """Two clinicians with Monday and Tuesday hours; sessions every week of March, some kept,
    some missed, a late cancellation, a telehealth week; a waitlist entry resolved mid-month."""
    p.clinician("C1", location="Main")
    p.clinician("C2", location="North")
    p.availability("C1", "Mon", "09:00", "13:00")
    p.availability("C1", "Tue", "09:00", "12:00")
    p.availability("C2", "Tue", "13:00", "17:00", location="North")
    p.time_off("C1", "2026-03-10T09:00", "2026-03-10T12:00")
    p.client("K1", primary="C1")
    p.client("K2", primary="C2")
    p.client("K3", primary=None)
    starts = ["2026-03-04", "2026-03-09", "2026-03-10", "2026-03-16", "2026-03-17", "2026-03-23"]
    for n, day in enumerate(starts):
        clinician = "C1" if n % 3 else "C2"
        p.appointment(f"A{n}", "K1", clinician, f"{day}T09:00", modality="telehealth")
        status = ("completed", "no_show", "completed")[n % 3]
        location = "North" if clinician == "C2" else "Main"
        p.appointment(f"B{n}", "K2", clinician, f"{day}T11:00", status=status, location=location)
    p.appointment(
        "L1", "K2", "C2", "2026-03-11T14:00", status="cancelled_client",
        cancelled_at="2026-03-11T08:00",
    )  # fmt: skip
    p.waitlist("W1", "K3", referred="2026-03-02", resolved="2026-03-12", resolution="scheduled")
    p.waitlist("W2", "K3", referred="2026-03-05", priority="urgent")


@pytest.mark.parametrize(
    "filters", [Filters(), Filters(location="North"), Filters(modality="telehealth")]
)
def test_every_key_equals_each_week_computed_alone(practice: Practice, filters: Filters) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        weekly = trends.weekly(conn, PERIOD, filters, RULES, report.ALL_KEYS)
        assert list(weekly.columns) == list(report.ALL_KEYS)
        assert weekly.index.name == "week"
        weeks = trends.week_periods(PERIOD)
        assert list(weekly.index) == [monday for monday, _ in weeks]
        for monday, week in weeks:
            alone = report.practice_metrics(conn, week, filters, RULES)
            got = {key: report.plain(weekly.at[monday, key]) for key in report.ALL_KEYS}
            assert got == alone, monday


def test_default_keys_and_a_hand_checked_week(practice: Practice) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        weekly = trends.weekly(conn, PERIOD, Filters(), RULES)
    assert list(weekly.columns) == list(trends.DEFAULT_KEYS)
    # Week of 03-09 (as of 03-16): A1, B1 (C1, 09:00 and 11:00, Monday; B1 a no-show);
    # A2, B2 (C1, Tuesday, both kept); L1 a late cancellation (6 hours' notice).
    # Attendance base 3 kept + 1 no-show + 1 late cancel = 5: no-show 1/5, late 1/5, kept 3/5.
    # Available: C1 Mon 4 h + Tue 3 h - 3 h off, C2 Tue 4 h = 8 h; held: A1, B1, A2, B2 and
    # L1 = 5 h -> 0.625; kept A1, A2, B2 = 3 h -> 0.375.
    week = weekly.loc[dt.date(2026, 3, 9)]
    assert week["no_show_rate"] == 0.2
    assert week["late_cancel_rate"] == 0.2
    assert week["kept_rate"] == 0.6
    assert week["booked_utilization"] == 0.625
    assert week["kept_utilization"] == 0.375
    # K1 that week: A1 (C1), A2 (C1) -> UPC 1, SECON 1. K2: B2 only kept -> not counted.
    assert (week["upc"], week["secon"]) == (1.0, 1.0)
    # Open on 03-15: W1 (resolved 03-12) no longer, W2 yes.
    assert week["waitlist_open"] == 1


def test_no_week_before_as_of_gives_an_empty_frame(practice: Practice) -> None:
    future = Period(dt.date(2026, 3, 9), dt.date(2026, 3, 22), dt.datetime(2026, 3, 9))
    with practice.db.read() as conn:
        weekly = trends.weekly(conn, future, Filters(), RULES, ["upc", "completed"])
    assert list(weekly.columns) == ["upc", "completed"]
    assert weekly.empty


def test_unknown_key_is_refused(practice: Practice) -> None:
    with practice.db.read() as conn, pytest.raises(ValueError, match="bogus"):
        trends.weekly(conn, PERIOD, Filters(), RULES, ["upc", "bogus"])


def test_weekly_is_a_frame_of_numbers(practice: Practice) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        weekly = trends.weekly(conn, PERIOD, Filters(), RULES, ["completed", "upc"])
    assert weekly["completed"].dtype == "int64"
    assert pd.api.types.is_float_dtype(weekly["upc"])
