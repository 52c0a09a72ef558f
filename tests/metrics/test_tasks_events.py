"""Task keys of many periods at once (``tasks.practice_values``' event counts) at the edges of
each definition: created, completed or due exactly at an as-of, a mid-day as-of, no
created_at, a cancelled task, a task closed before it was created."""

from __future__ import annotations

from typing import Any

from dashboard.metrics import tasks
from dashboard.metrics.common import Filters, Period
from tests.factory import Practice
from tests.metrics.areas import D, T
from tests.metrics.test_tasks_metrics import FILTER_CASES, build_filter_practice

MARCH = (D("2026-03-01"), D("2026-03-31"))
PERIODS = {
    "midnight": Period(*MARCH, T("2026-03-10T00:00")),
    "noon": Period(*MARCH, T("2026-03-10T12:00")),
    "to 03-09": Period.make(D("2026-03-01"), D("2026-03-09")),  # as of 03-10 00:00
    "03-10": Period(D("2026-03-10"), D("2026-03-10"), T("2026-03-10T12:00")),
    "six": Period(*MARCH, T("2026-03-10T06:00")),  # a second mid-day as-of
}
# (open_tasks, overdue_tasks, on_time_rate), worked out task by task in build_edges.
EXPECTED = {
    "midnight": (6, 2, 0.6667),  # open T1 T4 T5 T5b T6 T7; overdue T6 T7; done T3 T8 T11
    "noon": (6, 3, 0.5),  # open T1 T2 T5 T5b T6 T9; overdue T2 T5b T6; done T3 T4 T8 T11
    "to 03-09": (6, 2, 0.5),  # as "midnight"; done T8 T11 (T3 is completed at end + 1 day)
    "03-10": (6, 3, 0.5),  # as "noon"; done T3 T4 (the others were completed before 03-10)
    "six": (5, 2, 0.6667),  # open T1 T4 T5 T5b T6; overdue T5b T6; done T3 T8 T11
}


def done(completed: str) -> dict[str, str]:
    return {"status": "done", "completed": completed}


def build_edges(p: Practice) -> None:
    t = p.task
    # Created exactly at the midnight as-of: open from it. Due 03-20 (end of day): not overdue.
    t("T1", due="2026-03-20", created="2026-03-10T00:00")
    # Created exactly at noon, due before it: open and overdue at noon, not before.
    t("T2", due="2026-03-10T11:00", created="2026-03-10T12:00")
    # Completed exactly at the midnight as-of and exactly at its date-only due moment
    # (03-09 -> 03-10 00:00): closed at that as-of, on time, done in March but not in 1-9.
    t("T3", due="2026-03-09", created="2026-03-01T09:00", **done("2026-03-10T00:00"))
    # Completed exactly at noon, after its 08:00 due: open (not overdue) at midnight and 06:00,
    # done late at noon.
    t("T4", due="2026-03-10T08:00", created="2026-03-01T09:00", **done("2026-03-10T12:00"))
    # Date-only due on the as-of date: due at the end of 03-10, overdue at no as-of here.
    t("T5", due="2026-03-10", created="2026-03-02T10:00")
    # Date-only due on 03-09 (03-10 00:00): not before the midnight as-of, before 06:00.
    t("T5b", due="2026-03-09", created="2026-03-02T10:00")
    # No created_at: open since always, and overdue.
    t("T6", due="2026-03-05")
    # Cancelled at 06:00: open and overdue at midnight; closed exactly at the 06:00 as-of.
    t(
        "T7",
        due="2026-03-05",
        created="2026-03-01T09:00",
        status="cancelled",
        completed="2026-03-10T06:00",
    )
    # Completed before it was created: open at no as-of; done (late) in March.
    t("T8", due="2026-03-04", created="2026-03-08T10:00", **done("2026-03-05T10:00"))
    # Created just before noon, due at noon, completed just after: open, not overdue, at noon.
    t("T9", due="2026-03-10T12:00", created="2026-03-10T11:59:59", **done("2026-03-10T12:00:01"))
    # Closed in February: in no March period.
    t("T10", due="2026-02-01", created="2026-01-01T09:00", **done("2026-02-01T09:00"))
    # Completed a tenth of a millisecond before 03-10: in 1-9, on time (due end of 03-09).
    t("T11", due="2026-03-09", created="2026-03-01T09:00", **done("2026-03-09T23:59:59.999900"))
    # Created a microsecond after noon: open at no as-of here.
    t("T12", due="2026-04-01", created="2026-03-10T12:00:00.000001")


def values(p: Practice, periods: list[Period], filters: Filters = Filters()) -> list[tuple]:
    with p.db.read() as conn:
        found = tasks.practice_values(conn, periods, filters)
    return [_row(value) for value in found]


def _row(value: dict[str, Any]) -> tuple:
    return value["open_tasks"], value["overdue_tasks"], value["on_time_rate"]


def test_edges_of_every_definition_at_many_as_ofs(practice: Practice) -> None:
    build_edges(practice)
    periods = list(PERIODS.values())
    assert values(practice, periods) == list(EXPECTED.values())
    # Each period alone (one SQL aggregate) gives the same.
    for name, period in PERIODS.items():
        assert values(practice, [period]) == [EXPECTED[name]], name


def test_any_subset_and_order_of_as_ofs(practice: Practice) -> None:
    # A subset changes which as-ofs split a day (none, or only 06:00): values must not change.
    build_edges(practice)
    for names in (["to 03-09", "midnight"], ["six", "midnight", "to 03-09"], ["03-10", "noon"]):
        expected = [EXPECTED[name] for name in names]
        assert values(practice, [PERIODS[name] for name in names]) == expected, names


def test_as_ofs_before_and_after_everything(practice: Practice) -> None:
    build_edges(practice)
    february = Period.make(D("2026-02-01"), D("2026-02-28"))  # as of 03-01 00:00
    later = Period(D("2026-04-01"), D("2026-04-30"), T("2026-05-01T00:00"))
    # 03-01 00:00: only T6 (no created_at; due 03-06, not yet overdue); T10 done in February.
    # 05-01: open T1 T2 T5 T5b T6 T12, all overdue; nothing done in April.
    assert values(practice, [february, later]) == [(1, 0, 1.0), (6, 6, None)]


def test_filters_apply_as_for_one_period(practice: Practice) -> None:
    build_filter_practice(practice)
    march = Period(*MARCH, T("2026-03-10T12:00"))
    week = Period(D("2026-03-02"), D("2026-03-08"), T("2026-03-09T00:00"))
    for filters, expected in FILTER_CASES:
        # The week as March: the same tasks open and overdue (no created_at, due 03-02), and
        # the one done task (T5, late, 03-04) completed in both.
        assert values(practice, [march, week], filters) == [expected, expected], filters
