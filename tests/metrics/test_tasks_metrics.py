"""Follow-up tasks as of as-of: open, overdue (the end-of-day rule) and on time."""

from __future__ import annotations

import datetime as dt

from dashboard.metrics import tasks
from dashboard.metrics.common import Filters, Period
from tests.factory import Practice
from tests.metrics.areas import area_row, assert_breakdown_matches

# A mid-day as-of: 2026-03-10 12:00.
MARCH = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.datetime(2026, 3, 10, 12))


def row(practice: Practice, period: Period = MARCH, filters: Filters = Filters()) -> tuple:
    values = area_row(tasks, practice.db, period, filters)
    return int(values["open_tasks"]), int(values["overdue_tasks"]), values["on_time_rate"]


def test_empty_practice(practice: Practice) -> None:
    assert row(practice) == (0, 0, None)


def test_open_overdue_and_on_time(practice: Practice) -> None:
    p = practice
    p.clinician("C1")
    t = p.task
    t("T1", due="2026-03-10", assignee="C1")  # due at the end of today: open, not overdue
    t("T2", due="2026-03-09", assignee="C1")  # due at the end of yesterday: overdue
    t("T3", due="2026-03-10T09:00", assignee="C1")  # due this morning: overdue
    t("T4", due="2026-03-10T13:00", assignee="C1")  # due this afternoon: not yet
    t("T5", due="2026-03-09", created="2026-03-11T08:00")  # created after as-of: not open
    # Done after as-of: still open (and overdue) as of as-of, and not counted as done.
    t("T6", due="2026-03-09", status="done", completed="2026-03-12T09:00")
    t("T7", due="2026-03-09", status="cancelled", completed="2026-03-05T10:00")  # closed
    t("T8", due="2026-03-05", status="done", completed="2026-03-05T23:00")  # on time (date)
    t("T9", due="2026-03-05", status="done", completed="2026-03-06T00:30")  # late
    t("T10", due="2026-03-04T09:00", status="done", completed="2026-03-04T09:00")  # on time
    t("T11", due="2026-02-20", status="done", completed="2026-02-27T10:00")  # before the period
    t("T12", due="2026-04-01")  # no created_at: open since always; not due yet
    # Open: T1, T2, T3, T4, T6, T12 = 6. Overdue: T2, T3, T6 = 3.
    # Done in the period by as-of: T8, T9, T10; on time T8, T10 -> 2/3.
    assert row(p) == (6, 3, 0.6667)


def test_a_date_only_task_is_overdue_only_after_its_day(practice: Practice) -> None:
    practice.task("T1", due="2026-03-10")
    end_of_day = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 10))  # as of 03-11 00:00
    just_after = Period(end_of_day.start, end_of_day.end, dt.datetime(2026, 3, 11, 0, 1))
    assert row(practice, end_of_day) == (1, 0, None)
    assert row(practice, just_after) == (1, 1, None)


def build_filter_practice(p: Practice) -> None:
    """C1 (Adult, Main), C2 (Child, North); tasks for each and for the front desk, about
    Adult client K1, Child client K2, or no client. All open and overdue but T5 (done late)."""
    p.clinician("C1", program="Adult", location="Main")
    p.clinician("C2", program="Child", location="North")
    p.client("K1", primary="C1", program="Adult")
    p.client("K2", primary="C2", program="Child")
    p.task("T1", due="2026-03-02", assignee="C1", client_id="K1")
    p.task("T2", due="2026-03-02", assignee="C1", client_id="K2")
    p.task("T3", due="2026-03-02", assignee="C2", client_id="K2")
    p.task("T4", due="2026-03-02", assignee="front_desk", client_id="K1")
    p.task("T5", due="2026-03-02", assignee="C2", status="done", completed="2026-03-04T10:00")
    p.task("T6", due="2026-03-02", assignee="C2")  # no client
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00", modality="telehealth")


# (filters, (open_tasks, overdue_tasks, on_time_rate))
FILTER_CASES = [
    (Filters(), (5, 5, 0.0)),  # T1, T2, T3, T4, T6 open; T5 done late
    (Filters(clinician="C1"), (2, 2, None)),  # T1, T2
    (Filters(clinician="C2"), (2, 2, 0.0)),  # T3, T6; T5
    (Filters(clinician="front_desk"), (1, 1, None)),  # T4
    (Filters(program="Adult"), (2, 2, None)),  # tasks about K1: T1, T4
    (Filters(program="Child"), (2, 2, None)),  # about K2: T2, T3
    (Filters(location="North"), (2, 2, 0.0)),  # assigned to C2: T3, T6; T5
    (Filters(modality="telehealth"), (5, 5, 0.0)),  # modality does not filter tasks
    (Filters(program="Child", location="Main"), (1, 1, None)),  # T2
]
BREAKDOWN_GROUPS = {
    "clinician": ["C1", "C2"],  # the front desk is no clinician
    "program": ["Adult", "Child"],
    "location": ["Main", "North"],
    "modality": ["telehealth"],  # the modalities of the period's appointments
}


def test_filters_alone_and_combined(practice: Practice) -> None:
    # One practice for the whole table: building it is what takes the time.
    build_filter_practice(practice)
    for filters, expected in FILTER_CASES:
        assert row(practice, filters=filters) == expected, filters


def test_breakdown_equals_filtered_computation(practice: Practice) -> None:
    build_filter_practice(practice)
    with practice.db.read() as conn:
        for by, groups in BREAKDOWN_GROUPS.items():
            grouped = assert_breakdown_matches(tasks, conn, MARCH, Filters(), by)
            assert list(grouped.index) == groups
            assert_breakdown_matches(tasks, conn, MARCH, Filters(program="Child"), by)
