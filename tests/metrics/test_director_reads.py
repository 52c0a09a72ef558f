"""The directors' reads (dashboard.metrics.director and .access) on the hand-built practice of
tests/pages/director_practice.py, whose docstring works every figure out."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from dashboard.metrics import access, appointment_days, director
from dashboard.metrics.common import Filters, Period, Rules
from db.engine import Database
from tests.factory import Practice
from tests.pages.director_practice import NOW, build

PERIOD = Period.make(dt.date(2026, 3, 2), dt.date(2026, 3, 15), now=NOW)
RULES = Rules()
D = dt.date


@pytest.fixture
def built(practice: Practice) -> Database:
    build(practice)
    return practice.db


def test_trend_period_widens_short_periods_only() -> None:
    wide = director.trend_period(PERIOD)
    # 84 days ending 03-15: 03-15 - 83 days = 2025-12-22.
    assert (wide.start, wide.end, wide.as_of) == (D(2025, 12, 22), PERIOD.end, PERIOD.as_of)
    long = Period.make(D(2025, 1, 1), D(2026, 3, 15), now=NOW)
    assert director.trend_period(long).start == D(2025, 1, 1)


def test_cohort_buckets_clip_and_stop_at_as_of() -> None:
    period = Period.make(D(2026, 1, 15), D(2026, 4, 30), now=NOW)
    buckets = director.cohort_buckets(period, "month")
    # January clipped to start on the 15th; April starts after as-of (03-14 12:00): left out.
    assert [(s, b.start, b.end) for s, b in buckets] == [
        (D(2026, 1, 1), D(2026, 1, 15), D(2026, 1, 31)),
        (D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28)),
        (D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 31)),
    ]
    assert all(b.as_of == NOW for _, b in buckets)


def test_utilization_matrix(built: Database) -> None:
    with built.read() as conn:
        matrix = director.utilization_matrix(conn, PERIOD, Filters(), RULES)
    cells = {(r.clinician_id, r.week): r.booked_utilization for r in matrix.itertuples()}
    # C1: week of 03-02 A1 A3 A8 = 4 h of 4 h; week of 03-09 A2 A4 A5 = 3 h of 4 h. C2: 1 of 2.
    assert cells == {
        ("C1", D(2026, 3, 2)): 1.0,
        ("C1", D(2026, 3, 9)): 0.75,
        ("C2", D(2026, 3, 2)): 0.5,
        ("C2", D(2026, 3, 9)): 0.5,
    }
    with built.read() as conn:
        dbt = director.utilization_matrix(conn, PERIOD, Filters(program="DBT"), RULES)
    assert set(dbt["clinician_id"]) == {"C2"}


def test_utilization_matrix_in_runs_of_weeks(built: Database) -> None:
    with built.read() as conn:
        matrix = director.utilization_matrix(conn, PERIOD, Filters(), RULES, weeks=2)
    cells = {(r.clinician_id, r.week): r.booked_utilization for r in matrix.itertuples()}
    # One run of both weeks, from 03-02: C1 (4 h + 3 h) of (4 h + 4 h); C2 2 h of 4 h — the
    # period's booked utilization, as in the clinician table.
    assert cells == {("C1", D(2026, 3, 2)): 0.875, ("C2", D(2026, 3, 2)): 0.5}
    assert matrix.set_index("clinician_id").loc["C1", "available_hours"] == 8.0


def _early_cancellation(practice: Practice, appointment_id: str, clinician_id: str) -> None:
    """K5's appointment on Tue 03-10 10:00, cancelled by the client 9 days ahead: not late."""
    practice.appointment(
        appointment_id, "K5", clinician_id, "2026-03-10T10:00", status="cancelled_client",
        cancelled_at="2026-03-01T10:00",
    )  # fmt: skip


def _booked(db: Database, filters: Filters = Filters()) -> dict[tuple[str, dt.date], float]:
    with db.read() as conn:
        matrix = director.utilization_matrix(conn, PERIOD, filters, RULES)
    return {(r.clinician_id, r.week): r.booked_hours for r in matrix.itertuples()}


def test_held_hours_of_early_cancellations_and_of_very_long_appointments(
    built: Database, practice: Practice
) -> None:
    # C2, week of 03-09: A7 (1 h) and a client cancellation 9 days ahead (not late: holds
    # nothing). Week of 03-02: A6 (1 h) and an appointment of 100,000 minutes stored by hand
    # (the importer refuses over a day): too long for the fixed-width read, read by day.
    _early_cancellation(practice, "A20", "C2")
    assert _booked(built)[("C2", D(2026, 3, 9))] == 1.0
    practice.appointment("A21", "K5", "C2", "2026-03-04T09:00", minutes=100_000)
    booked = _booked(built)
    # 1 h + 100,000 / 60 h = 1,667.67 h (two decimals); the other week as before.
    assert booked[("C2", D(2026, 3, 2))] == 1667.67
    assert booked[("C2", D(2026, 3, 9))] == 1.0
    assert booked[("C1", D(2026, 3, 9))] == 3.0


def test_a_clinician_with_only_early_cancellations_gets_no_heatmap_row(
    built: Database, practice: Practice
) -> None:
    # C3 has no availability and held nothing: a client cancelled 9 days ahead (not late).
    practice.clinician("C3")
    _early_cancellation(practice, "A30", "C3")
    assert {clinician for clinician, _ in _booked(built)} == {"C1", "C2"}


def test_whole_minutes_on_sqlite_come_as_fixed_width_items(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixed-width read is the one made (not its fallback, the read by day), and gives
    the hand-worked hours: C1 4 h (A1 A3 A8) and 3 h (A2 A4 A5), C2 1 h a week (A6; A7 and a
    client cancellation 9 days ahead, which holds nothing)."""
    practice = Practice(sqlite_db)
    build(practice)
    _early_cancellation(practice, "A20", "C2")
    made: list[object] = []
    items = director._held_items

    def recorded(*args: object) -> object:
        made.append(items(*args))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(director, "_held_items", recorded)
    assert _booked(sqlite_db) == {
        ("C1", D(2026, 3, 2)): 4.0,
        ("C1", D(2026, 3, 9)): 3.0,
        ("C2", D(2026, 3, 2)): 1.0,
        ("C2", D(2026, 3, 9)): 1.0,
    }
    assert made and all(found is not None for found in made)


def test_held_hours_of_a_long_period_read_in_two_halves(
    built: Database, practice: Practice
) -> None:
    """Jan 1 - Jun 30 is read as two halves side by side (March in the first, May in the
    second): each week's hours as when read alone."""
    practice.appointment("A40", "K1", "C1", "2026-05-04T09:00", minutes=90)
    half_year = Period.make(D(2026, 1, 1), D(2026, 6, 30), now=NOW)
    assert appointment_days.split_days(half_year) is not None
    with built.read() as conn:
        matrix = director.utilization_matrix(conn, half_year, Filters(), RULES)
    booked = {(r.clinician_id, r.week): r.booked_hours for r in matrix.itertuples()}
    assert booked[("C1", D(2026, 3, 2))] == 4.0
    assert booked[("C1", D(2026, 3, 9))] == 3.0
    assert booked[("C2", D(2026, 3, 2))] == 1.0
    assert booked[("C1", D(2026, 5, 4))] == 1.5


def test_minutes_stored_by_hand_as_a_fraction_are_not_misread(sqlite_db: Database) -> None:
    """SQLite only: PostgreSQL's integer column refuses a fraction."""
    practice = Practice(sqlite_db)
    build(practice)
    # C2, week of 03-02: A6 (1 h) and 90.5 minutes written by hand (careboard writes whole
    # minutes): read by day, 60 + 90.5 = 150.5 minutes, 2.51 h (not a misread item).
    practice.appointment("A31", "K5", "C2", "2026-03-04T09:00", minutes=90)
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE appointments SET duration_min = 90.5 WHERE appointment_id = 'A31'"
        )
    assert _booked(sqlite_db)[("C2", D(2026, 3, 2))] == 2.51


def test_weeks_per_column_fits_the_period() -> None:
    choices = (1, 2, 4, 8, 13)
    assert director.weeks_per_column(PERIOD, 26, choices) == 1  # 2 weeks
    year = Period.make(D(2025, 11, 27), D(2026, 11, 26), now=NOW)  # 53 weeks meet it
    assert director.weeks_per_column(year, 26, choices) == 4  # 14 columns
    assert director.weeks_per_column(year, 27, choices) == 2  # 27 columns
    three = Period.make(D(2023, 11, 27), D(2026, 11, 26), now=NOW)  # 157 weeks
    assert director.weeks_per_column(three, 26, choices) == 8  # 20 columns


def test_clinician_table_flags_over_capacity(built: Database) -> None:
    with built.read() as conn:
        table = director.clinician_table(conn, PERIOD, Filters(), RULES).set_index("clinician_id")
    assert table.loc["C1", "booked_utilization"] == 0.875  # 7 h / 8 h
    assert table.loc["C1", "kept_utilization"] == 0.625  # 5 h / 8 h
    assert (table.loc["C1", "active_caseload"], table.loc["C1", "over_capacity"]) == (3, True)
    assert (table.loc["C2", "active_caseload"], table.loc["C2", "over_capacity"]) == (2, False)
    assert list(table.index) == ["C1", "C2"]  # by name: Ana, Ben


def test_caseload_list_of_one_clinician(built: Database) -> None:
    with built.read() as conn:
        rows = director.caseload_list(conn, PERIOD, Filters(clinician="C1"), RULES)
    rows = rows.set_index("client_id")
    assert list(rows.index) == ["K1", "K2", "K3"]
    assert str(rows.loc["K1", "last_visit"]) == "2026-03-09 09:00:00"
    assert (rows.loc["K1", "visits"], rows.loc["K1", "upc"], rows.loc["K1", "coc"]) == (2, 1.0, 1.0)
    # K2: A3 no-show, A4 kept; one visit, so no continuity score.
    assert (rows.loc["K2", "visits"], rows.loc["K2", "no_shows"]) == (1, 1)
    assert math.isnan(rows.loc["K2", "coc"])
    # K3: never seen, one late cancel (A5, 3 h before), nothing booked.
    assert rows.loc["K3", "last_visit"] is None and rows.loc["K3", "next_appointment"] is None
    assert rows.loc["K3", "late_cancels"] == 1


def test_score_distribution_and_clinician_changes(built: Database) -> None:
    with built.read() as conn:
        dist = director.score_distribution(conn, PERIOD, Filters(), RULES)
        changes = director.clinician_changes(conn, PERIOD, Filters(), RULES)
    found = {(r.measure, r.bin_start): r.clients for r in dist.itertuples() if r.clients}
    # K1 scores 1 (last bin); K4: UPC 2/3 (0.6 bin), COC 1/3 (0.3 bin), SECON 1/2 (0.5 bin).
    assert found == {
        ("upc", 0.9): 1, ("upc", 0.6): 1,
        ("coc", 0.9): 1, ("coc", 0.3): 1,
        ("secon", 0.9): 1, ("secon", 0.5): 1,
    }  # fmt: skip
    assert list(changes["client_id"]) == ["K4"]


def test_score_distribution_counts_only_the_filtered_clients_who_kept_one_clinician(
    built: Database,
) -> None:
    def bins(clinician: str) -> dict[tuple[str, float], int]:
        with built.read() as conn:
            dist = director.score_distribution(conn, PERIOD, Filters(clinician), RULES)
        return {(r.measure, r.bin_start): r.clients for r in dist.itertuples() if r.clients}

    # C1's client K1 kept one clinician: the last bin of each measure. C2's client K4 changed
    # (the scores above) and no client of C2's kept one: nothing in the last bins.
    assert bins("C1") == {("upc", 0.9): 1, ("coc", 0.9): 1, ("secon", 0.9): 1}
    assert bins("C2") == {("upc", 0.6): 1, ("coc", 0.3): 1, ("secon", 0.5): 1}


def test_cohort_rates_by_month(built: Database, practice: Practice) -> None:
    practice.care_event("E1", "K1", "2026-02-10")  # next visit A1 03-02: 20 days later
    period = Period.make(D(2026, 1, 1), D(2026, 3, 15), now=NOW)
    with built.read() as conn:
        rates = director.cohort_rates(conn, period, Filters(), RULES)
    by_month = {month: rates.loc[month].to_dict() for month in rates.index}

    def same(found: dict, expected: dict) -> bool:
        return all(
            (math.isnan(found[k]) if v is None else found[k] == v) for k, v in expected.items()
        )

    # January: K5's first visit (01-20) had no visit 1-30 days later -> 0 of 1.
    assert same(by_month[D(2026, 1, 1)], {"early_engagement_rate": 0.0, "fuh7_rate": None})
    # February: E1, no visit within 7 days, a visit 20 days later.
    assert same(by_month[D(2026, 2, 1)], {"fuh7_rate": 0.0, "fuh30_rate": 1.0})
    # March: E2 followed in 6 days, E3 not at all; too recent for FUH 30.
    assert same(by_month[D(2026, 3, 1)], {"fuh7_rate": 0.5, "fuh30_rate": None})


def test_waitlist_daily_and_waits(built: Database) -> None:
    with built.read() as conn:
        daily = access.waitlist_daily(conn, PERIOD, Filters(), RULES)
        waits = access.open_waits(conn, PERIOD, Filters(), RULES)
        over = access.over_target_entries(conn, PERIOD, Filters(), RULES)
        none = access.waitlist_daily(conn, PERIOD, Filters(clinician="C1"), RULES)
    # 03-02..03-04: W1 W2 W4; 03-05..03-11: W1 W2; 03-12..03-14: W1 W2 W3 (last day = as-of).
    assert list(daily["waitlist_open"]) == [3, 3, 3] + [2] * 7 + [3, 3, 3]
    # W4 (29+ days) over until resolved; W2 over from 03-07 (15 days); W3 over on 03-14 (2 > 1).
    assert list(daily["waitlist_over_target"]) == [1, 1, 1, 0, 0] + [1] * 7 + [2]
    assert sorted(zip(waits["priority"], waits["days_waiting"], strict=True)) == [
        ("routine", 13), ("routine", 22), ("urgent", 2),
    ]  # fmt: skip
    assert list(over["entry_id"]) == ["W2", "W3"]
    assert list(over["days_waiting"]) == [22, 2]
    assert none.empty  # the waitlist is not by clinician


def test_visit_volume_and_time_of_week(built: Database) -> None:
    with built.read() as conn:
        volume = access.visit_volume(conn, PERIOD, Filters(), RULES)
        monday_nine = access.time_of_week_by_clinician(conn, PERIOD, Filters(), RULES, 0, 9)
    cells = {(r.weekday, r.hour): r.appointments for r in volume.itertuples()}
    # Held appointments: Mon 09 A1 A2, Mon 10 A3 A4, Mon 11 A5 (late cancel), Mon 12 A8; Tue 09.
    assert cells == {(0, 9): 2, (0, 10): 2, (0, 11): 1, (0, 12): 1, (1, 9): 2}
    # C1 booked twice at Mon 09; open Mon 09 slots in the 28 days from 03-14: 03-16, 03-23,
    # 03-30, 04-06. C2 works Tuesdays only: left out.
    assert monday_nine.to_dict("records") == [{"clinician_id": "C1", "booked": 2, "open_slots": 4}]


def test_third_next_available_weekly(built: Database) -> None:
    with built.read() as conn:
        weekly = access.third_next_available_weekly(conn, PERIOD, Filters(), RULES)
    last = weekly[weekly["week"] == D(2026, 3, 9)].set_index("clinician_id")
    # As of 03-14 12:00: C1's third slot is Mon 03-16 (2 days), C2's Tue 03-24 (10 days).
    assert last["third_next_available_days"].to_dict() == {"C1": 2.0, "C2": 10.0}
    by_program = access.median_by(weekly, "program")
    assert by_program[by_program["week"] == D(2026, 3, 9)].set_index("program")[
        "third_next_available_days"
    ].to_dict() == {"Adult": 2.0, "DBT": 10.0}
