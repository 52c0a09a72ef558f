"""The report that joins every area: practice values, breakdowns, clinician rows, JSON, CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

import pytest

from dashboard import metrics
from dashboard.metrics import report
from dashboard.metrics.common import Filters, Period, Rules
from tests.factory import Practice

RULES = Rules()
MARCH = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31))  # as of 2026-04-01 00:00

# metrics.md, in its order.
EXPECTED_KEYS = [
    *("available_hours", "booked_hours", "kept_hours", "booked_utilization"),
    *("kept_utilization", "sessions_per_week"),
    *("completed", "no_show", "late_cancel", "cancelled_client", "cancelled_clinician"),
    *("no_show_rate", "late_cancel_rate", "kept_rate", "clinician_cancel_rate"),
    *("active_caseload", "caseload_capacity", "caseload_fill", "new_clients", "discharges"),
    *("waitlist_open", "waitlist_median_days", "waitlist_p90_days", "waitlist_over_target"),
    *("median_days_to_intake", "third_next_available_days"),
    *("continuity_clients", "upc", "coc", "secon", "clients_with_clinician_change"),
    *("lost_to_follow_up", "early_engagement_rate", "fuh7_rate", "fuh30_rate"),
    *("feedback_rate", "low_alliance_sessions"),
    *("open_tasks", "overdue_tasks", "on_time_rate"),
]


def build_practice(p: Practice) -> None:
    """C1 active (Adult, Main); C2 inactive, seen in March (Adult, North); C3 inactive, last
    seen in February; C4 active (Child, North), no appointments."""
    p.clinician("C1", program="Adult", location="Main")
    p.clinician("C2", program="Adult", location="North", active=False)
    p.clinician("C3", program="Adult", location="Main", active=False)
    p.clinician("C4", program="Child", location="North", max_caseload=None)
    p.availability("C1", "Mon", "09:00", "13:00")
    p.availability("C4", "Tue", "09:00", "12:00")
    p.client("K1", primary="C1", program="Adult")
    p.client("K2", primary="C4", program="Child")
    p.client("K3", primary="C1", program="Adult", intake="2026-03-03")
    p.appointment("P1", "K1", "C3", "2026-02-16T09:00")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C2", "2026-03-09T09:00", location="North", modality="telehealth")
    p.appointment("A3", "K2", "C1", "2026-03-16T09:00", status="no_show")
    p.appointment("A4", "K3", "C1", "2026-03-23T09:00")
    p.appointment("A5", "K1", "C1", "2026-04-06T09:00", status="scheduled")
    p.feedback("A1", srs=30)
    p.waitlist("W1", "K2", program="Child", referred="2026-03-10")
    p.task("T1", due="2026-03-20", assignee="C1", client_id="K1")
    p.task("T2", due="2026-03-20", assignee="C4", client_id="K2", status="done",
           completed="2026-03-19T10:00")  # fmt: skip
    p.care_event("H1", "K1", "2026-03-05")


def test_keys_are_every_area_in_metrics_md_order() -> None:
    assert list(report.ALL_KEYS) == EXPECTED_KEYS
    names = [area.__name__.rsplit(".", 1)[1] for area in report.AREAS]
    assert names == [
        "utilization",
        "attendance",
        "caseload",
        "waitlist",
        "continuity",
        "engagement",
        "tasks",
    ]
    assert set(EXPECTED_KEYS) >= report.ZERO_KEYS
    # The package re-exports the entry points.
    assert metrics.build_report is report.build_report
    assert metrics.ALL_KEYS == report.ALL_KEYS


def test_practice_metrics_are_plain_values(practice: Practice) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        values = report.practice_metrics(conn, MARCH, Filters(), RULES)
    assert list(values) == EXPECTED_KEYS
    # Past March appointments: completed A1, A2, A4; no-show A3 -> kept rate 3/4.
    assert values["completed"] == 3 and type(values["completed"]) is int
    assert values["no_show"] == 1
    assert values["kept_rate"] == 0.75 and type(values["kept_rate"]) is float
    # K1 had A1 (C1) and A2 (C2): UPC 1/2, COC 0, SECON 0.
    assert (values["continuity_clients"], values["upc"], values["secon"]) == (1, 0.5, 0.0)
    # H1 on 03-05, next visit A2 on 03-09 (day 4): FUH7 1/1; 30-day window not yet closed.
    assert (values["fuh7_rate"], values["fuh30_rate"]) == (1.0, None)
    # Kept A1 (SRS 30), A2, A4: feedback 1/3, one low-alliance session.
    assert (values["feedback_rate"], values["low_alliance_sessions"]) == (0.3333, 1)
    # T1 open and overdue (due at the end of 03-20); T2 done on time.
    assert (values["open_tasks"], values["overdue_tasks"], values["on_time_rate"]) == (1, 1, 1.0)
    assert all(type(v) in (int, float, type(None)) for v in values.values())


def test_area_reads_side_by_side_make_the_practice_metrics(practice: Practice) -> None:
    """Utilization and attendance share a read, so they stay one read; the others are one
    each. Run side by side on their own connections, their union is the practice's values."""
    build_practice(practice)
    reads = report.area_reads(MARCH, Filters(), RULES, report.AREAS)
    assert len(reads) == len(report.AREAS) - 1
    together = practice.db.read_together(*reads)
    assert [list(part)[0] for part in together][:2] == ["available_hours", "active_caseload"]
    merged = {key: value for part in together for key, value in part.items()}
    with practice.db.read() as conn:
        assert merged == report.practice_metrics(conn, MARCH, Filters(), RULES)
    # Asked for attendance alone, it is read alone.
    (alone,) = report.area_reads(MARCH, Filters(), RULES, [metrics.attendance])
    with practice.db.read() as conn:
        assert list(alone(conn)) == list(metrics.attendance.KEYS)


def _expected_row(conn, filters: Filters) -> dict:  # type: ignore[no-untyped-def]
    return report.practice_metrics(conn, MARCH, filters, RULES)


@pytest.mark.parametrize("filters", [Filters(), Filters(program="Adult")])
def test_clinician_rows_equal_the_practice_filtered_to_each(
    practice: Practice, filters: Filters
) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        rows = report.clinician_rows(conn, MARCH, filters, RULES)
        # Active C1, C4; inactive C2 was seen in March; inactive C3 was not. Adult: C1, C2.
        ids = ["C1", "C2", "C4"] if filters.is_empty() else ["C1", "C2"]
        assert [row["clinician_id"] for row in rows] == ids
        for row in rows:
            assert list(row) == ["clinician_id", *EXPECTED_KEYS]
            expected = _expected_row(conn, filters.with_clinician(row["clinician_id"]))
            assert {k: v for k, v in row.items() if k != "clinician_id"} == expected


def test_breakdown_rows_equal_the_practice_filtered_to_each_group(practice: Practice) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        for by, groups in {
            "clinician": ["C1", "C2", "C3", "C4"],
            "program": ["Adult", "Child"],
            "location": ["Main", "North"],
            "modality": ["in_person", "telehealth"],
        }.items():
            frame = report.breakdown(conn, MARCH, Filters(), RULES, by)
            assert list(frame.columns) == EXPECTED_KEYS
            assert frame.index.name == by
            assert set(groups) <= set(frame.index), by
            for group in frame.index:
                filtered = dataclasses.replace(Filters(), **{by: group})
                got = {key: report.plain(frame.at[group, key]) for key in EXPECTED_KEYS}
                assert got == _expected_row(conn, filtered), (by, group)


def test_build_report_shape_and_json(practice: Practice) -> None:
    build_practice(practice)
    filters = Filters(location="North")
    with practice.db.read() as conn:
        built = report.build_report(conn, MARCH, filters, RULES)
    assert list(built) == ["start", "end", "as_of", "filters", "practice", "clinicians"]
    assert (built["start"], built["end"], built["as_of"]) == (
        "2026-03-01",
        "2026-03-31",
        "2026-04-01T00:00:00",
    )
    assert built["filters"] == {
        "clinician": None,
        "program": None,
        "location": "North",
        "modality": None,
    }
    assert list(built["practice"]) == EXPECTED_KEYS
    # Home location North: C2 (inactive, seen in March) and C4 (active).
    assert [row["clinician_id"] for row in built["clinicians"]] == ["C2", "C4"]
    text = report.report_to_json(built)
    assert json.loads(text) == built
    assert "NaN" not in text


def test_mid_day_as_of_is_written_to_the_second(practice: Practice) -> None:
    period = Period.make(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.datetime(2026, 3, 9, 12, 30))
    with practice.db.read() as conn:
        built = report.build_report(conn, period, Filters(), RULES)
    assert built["as_of"] == "2026-03-09T12:30:00"
    assert built["clinicians"] == []


def test_csv_format() -> None:
    built = {
        "start": "2026-03-01",
        "end": "2026-03-31",
        "as_of": "2026-04-01T00:00:00",
        "filters": {"clinician": None, "program": None, "location": None, "modality": None},
        "practice": {"completed": 3, "kept_rate": 0.75, "upc": None, "available_hours": 12.0},
        "clinicians": [
            {"clinician_id": "C1", "completed": 2, "kept_rate": None, "upc": 0.5,
             "available_hours": 0.0},
            {"clinician_id": "C,2", "completed": 0, "kept_rate": 1.0, "upc": 0.3333,
             "available_hours": 7.25},
        ],
    }  # fmt: skip
    assert report.report_to_csv(built) == (
        "scope,clinician_id,completed,kept_rate,upc,available_hours\n"
        "practice,,3,0.75,,12.0\n"
        "clinician,C1,2,,0.5,0.0\n"
        'clinician,"C,2",0,1.0,0.3333,7.25\n'
    )


def test_csv_of_a_report_has_every_key(practice: Practice) -> None:
    build_practice(practice)
    with practice.db.read() as conn:
        built = report.build_report(conn, MARCH, Filters(), RULES)
    rows = list(csv.reader(io.StringIO(report.report_to_csv(built))))
    assert rows[0] == ["scope", "clinician_id", *EXPECTED_KEYS]
    assert [row[:2] for row in rows[1:]] == [
        ["practice", ""],
        ["clinician", "C1"],
        ["clinician", "C2"],
        ["clinician", "C4"],
    ]
    completed = EXPECTED_KEYS.index("completed") + 2
    fuh30 = EXPECTED_KEYS.index("fuh30_rate") + 2
    assert (rows[1][completed], rows[1][fuh30]) == ("3", "")


def test_unknown_dimension_is_refused(practice: Practice) -> None:
    with practice.db.read() as conn, pytest.raises(ValueError, match="payer"):
        report.breakdown(conn, MARCH, Filters(), RULES, "payer")
