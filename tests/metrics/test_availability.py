"""Available time, open slots and third next available on hand-built practices.

Calendar: 2026-03-02 is a Monday; US clocks spring forward on Sunday 2026-03-08 and fall back
on Sunday 2026-11-01.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.metrics.availability import (
    available_intervals,
    lexsorted,
    open_slots,
    parse_moments,
    third_next_available,
)
from dashboard.metrics.common import Filters, Period, Rules
from dashboard.metrics.grouping import dimension_values
from db.engine import Database
from tests.factory import Practice

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
RULES = Rules()
Row = tuple[str, str | None, str, str]


def rows(frame: pd.DataFrame) -> list[Row]:
    """(clinician, location, start, end) of interval or slot frames, times as ISO text."""
    return [
        (r.clinician_id, r.location, r.start_at.isoformat()[:16], r.end_at.isoformat()[:16])
        for r in frame.itertuples()
    ]


def intervals(db: Database, start: str, end: str, filters: Filters = Filters()) -> list[Row]:
    with db.read() as conn:
        return rows(available_intervals(conn, D(start), D(end), filters))


def test_templates_laid_over_dates_wall_clock_on_dst_day(practice: Practice) -> None:
    practice.clinician("C1", location="Main")
    practice.availability("C1", "Mon", "09:00", "17:00")  # no location: home, Main
    practice.availability("C1", "Wed", "13:00", "17:00", location="Annex")
    practice.availability("C1", "Sun", "01:00", "05:00")  # spans the skipped 02:00 hour
    # 2026-03-02..08 holds one Monday, one Wednesday and the DST Sunday. The Sunday block
    # stays 01:00-05:00 wall clock (4 hours of available time, though 3 real hours pass).
    assert intervals(practice.db, "2026-03-02", "2026-03-08") == [
        ("C1", "Main", "2026-03-02T09:00", "2026-03-02T17:00"),
        ("C1", "Annex", "2026-03-04T13:00", "2026-03-04T17:00"),
        ("C1", "Main", "2026-03-08T01:00", "2026-03-08T05:00"),
    ]
    # A range that starts mid-week and ends before Sunday: only Wednesday.
    assert intervals(practice.db, "2026-03-03", "2026-03-07") == [
        ("C1", "Annex", "2026-03-04T13:00", "2026-03-04T17:00")
    ]


def test_time_off_cuts_blocks_partly_or_wholly(practice: Practice) -> None:
    practice.clinician("C1")
    practice.availability("C1", "Mon", "09:00", "17:00")
    practice.time_off("C1", "2026-03-02T11:00", "2026-03-02T12:30")  # inside: two pieces
    practice.time_off("C1", "2026-03-09T00:00", "2026-03-10T00:00")  # the whole day
    practice.time_off("C1", "2026-03-16T07:00", "2026-03-16T10:00")  # overlaps the start
    practice.time_off("C1", "2026-03-23T10:00", "2026-03-23T11:00")  # two cuts in one block,
    practice.time_off("C1", "2026-03-23T14:00", "2026-03-23T15:00")
    practice.time_off("C1", "2026-03-23T14:30", "2026-03-23T15:30")  # one overlapping another
    assert intervals(practice.db, "2026-03-02", "2026-03-29") == [
        ("C1", "Main", "2026-03-02T09:00", "2026-03-02T11:00"),
        ("C1", "Main", "2026-03-02T12:30", "2026-03-02T17:00"),
        ("C1", "Main", "2026-03-16T10:00", "2026-03-16T17:00"),
        ("C1", "Main", "2026-03-23T09:00", "2026-03-23T10:00"),
        ("C1", "Main", "2026-03-23T11:00", "2026-03-23T14:00"),
        ("C1", "Main", "2026-03-23T15:30", "2026-03-23T17:00"),
    ]


def test_subtract_cuts_each_interval_into_the_gaps_between_cuts() -> None:
    from dashboard.metrics.availability import _subtract

    # Intervals (minutes): 0 [0, 100) meets cuts [10, 20), [30, 40) and [90, 120): pieces
    # [0, 10), [20, 30), [40, 90); 1 [200, 300) is untouched; 2 [120, 130) only touches the
    # cut [90, 120) (touching is not overlapping): untouched; 3 [150, 160) lies inside the
    # cut [140, 170): nothing left; 4 [160, 200) loses its start: [170, 200). The untouched
    # come first, then the pieces of each cut interval in order.
    starts = np.array([0, 200, 120, 150, 160])
    ends = np.array([100, 300, 130, 160, 200])
    cuts = (np.array([10, 30, 90, 140]), np.array([20, 40, 120, 170]))
    rows, pieces_from, pieces_to = _subtract(starts, ends, cuts)
    assert rows.tolist() == [1, 2, 0, 0, 0, 4]
    assert list(zip(pieces_from.tolist(), pieces_to.tolist(), strict=True)) == [
        (200, 300), (120, 130), (0, 10), (20, 30), (40, 90), (170, 200)
    ]  # fmt: skip
    # No cuts: everything as it was.
    rows, pieces_from, pieces_to = _subtract(starts, ends, (np.array([]), np.array([])))
    assert rows.tolist() == [0, 1, 2, 3, 4] and pieces_to.tolist() == ends.tolist()


def test_template_changing_mid_range_and_overlapping_blocks(practice: Practice) -> None:
    practice.clinician("C1")
    practice.availability("C1", "Mon", "09:00", "17:00", effective_to="2026-03-08")
    practice.availability("C1", "Mon", "13:00", "17:00", effective_from="2026-03-09")
    # Overlapping Tuesday blocks: 12:00-13:00 counts once, for the block that starts first.
    practice.availability("C1", "Tue", "09:00", "13:00")
    practice.availability("C1", "Tue", "12:00", "15:00", location="Annex")
    assert intervals(practice.db, "2026-03-02", "2026-03-10") == [
        ("C1", "Main", "2026-03-02T09:00", "2026-03-02T17:00"),
        ("C1", "Main", "2026-03-03T09:00", "2026-03-03T13:00"),
        ("C1", "Annex", "2026-03-03T13:00", "2026-03-03T15:00"),
        ("C1", "Main", "2026-03-09T13:00", "2026-03-09T17:00"),
        ("C1", "Main", "2026-03-10T09:00", "2026-03-10T13:00"),
        ("C1", "Annex", "2026-03-10T13:00", "2026-03-10T15:00"),
    ]


def _two_clinicians(practice: Practice) -> None:
    practice.clinician("C1", program="Adult", location="Main")
    practice.clinician("C2", program="Child", location="Annex")
    practice.availability("C1", "Mon", "09:00", "12:00")  # Main (home)
    practice.availability("C1", "Tue", "09:00", "12:00", location="Annex")
    practice.availability("C2", "Mon", "13:00", "17:00")  # Annex (home)


C1_MON = ("C1", "Main", "2026-03-02T09:00", "2026-03-02T12:00")
C1_TUE = ("C1", "Annex", "2026-03-03T09:00", "2026-03-03T12:00")
C2_MON = ("C2", "Annex", "2026-03-02T13:00", "2026-03-02T17:00")


FILTER_CASES: list[tuple[Filters, list[Row]]] = [
    (Filters(), [C1_MON, C1_TUE, C2_MON]),
    (Filters(clinician="C1"), [C1_MON, C1_TUE]),
    (Filters(program="Child"), [C2_MON]),  # the clinician's program
    (Filters(location="Annex"), [C1_TUE, C2_MON]),  # the block's location
    (Filters(modality="telehealth"), [C1_MON, C1_TUE, C2_MON]),  # does not filter
    (Filters(clinician="C1", location="Annex"), [C1_TUE]),
    (Filters(program="Adult", location="Main", modality="in_person"), [C1_MON]),
    (Filters(program="Child", clinician="C1"), []),
]


def test_availability_filters(practice: Practice) -> None:
    _two_clinicians(practice)
    # One practice for the whole table: building it once per case would double the run time.
    for filters, expected in FILTER_CASES:
        assert intervals(practice.db, "2026-03-02", "2026-03-08", filters) == expected, filters


def test_open_slots(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Mon", "09:00", "13:30")
    # Monday 03-02, slots 09, 10, 11, 12 (12:00-13:00 fits; 13:00 would end past 13:30).
    practice.appointment("A1", "K1", "C1", "2026-03-02T10:00", status="scheduled")  # blocks 10
    practice.appointment("A2", "K1", "C1", "2026-03-02T11:30", minutes=30, status="confirmed")
    # A2 covers half of the 11:00 slot: not open. A late client cancellation (2 h before) is
    # held, so it blocks 12:00; an early one (48 h) would not.
    practice.appointment(
        "A3", "K1", "C1", "2026-03-02T12:00", status="cancelled_client",
        cancelled_at="2026-03-02T10:00",
    )  # fmt: skip
    # Monday 03-09: a 09:30-10:00 time off closes the 09:00 slot only; an early cancellation
    # at 11:00 frees its slot; a rescheduled appointment blocks nothing.
    practice.time_off("C1", "2026-03-09T09:30", "2026-03-09T10:00")
    practice.appointment(
        "A4", "K1", "C1", "2026-03-09T11:00", status="cancelled_client",
        cancelled_at="2026-03-07T11:00",
    )  # fmt: skip
    practice.appointment("A5", "K1", "C1", "2026-03-09T12:00", status="rescheduled")
    # Monday 03-16: the clinician is away all day.
    practice.time_off("C1", "2026-03-16T00:00", "2026-03-17T00:00")
    with practice.db.read() as conn:
        slots = open_slots(
            conn, D("2026-03-02"), D("2026-03-16"), T("2026-03-02T08:00"), Filters(), RULES
        )
        late = open_slots(
            conn, D("2026-03-09"), D("2026-03-09"), T("2026-03-09T10:00"), Filters(), RULES
        )
        just_after = open_slots(
            conn, D("2026-03-09"), D("2026-03-09"), T("2026-03-09T10:01"), Filters(), RULES
        )
    assert rows(slots) == [
        ("C1", "Main", "2026-03-02T09:00", "2026-03-02T10:00"),
        ("C1", "Main", "2026-03-09T10:00", "2026-03-09T11:00"),
        ("C1", "Main", "2026-03-09T11:00", "2026-03-09T12:00"),
        ("C1", "Main", "2026-03-09T12:00", "2026-03-09T13:00"),
    ]
    # A slot starting exactly at as-of is open; one minute later it is not.
    assert [r[2] for r in rows(late)] == [
        "2026-03-09T10:00",
        "2026-03-09T11:00",
        "2026-03-09T12:00",
    ]
    assert [r[2] for r in rows(just_after)] == ["2026-03-09T11:00", "2026-03-09T12:00"]


def test_open_slots_filters_and_clinician_ids(practice: Practice) -> None:
    _two_clinicians(practice)
    as_of = T("2026-03-02T00:00")
    with practice.db.read() as conn:

        def starts(filters: Filters, clinician_ids: list[str] | None = None) -> list[str]:
            slots = open_slots(
                conn, D("2026-03-02"), D("2026-03-03"), as_of, filters, RULES,
                clinician_ids=clinician_ids,
            )  # fmt: skip
            return [f"{r[0]} {r[2][5:]}" for r in rows(slots)]

        everyone = starts(Filters())
        annex = starts(Filters(location="Annex"))
        c2 = starts(Filters(), ["C2"])
    # C1: Mon 09, 10, 11 (Main) and Tue 09, 10, 11 (Annex); C2: Mon 13..16 (Annex).
    c1_mon = ["C1 03-02T09:00", "C1 03-02T10:00", "C1 03-02T11:00"]
    c1_tue = ["C1 03-03T09:00", "C1 03-03T10:00", "C1 03-03T11:00"]
    c2_mon = ["C2 03-02T13:00", "C2 03-02T14:00", "C2 03-02T15:00", "C2 03-02T16:00"]
    assert everyone == c1_mon + c1_tue + c2_mon
    assert annex == c1_tue + c2_mon
    assert c2 == c2_mon


def test_third_next_available(practice: Practice) -> None:
    # as-of Monday 2026-03-02 08:00, as-of date 03-02; the horizon ends 90 days on, 05-31.
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.availability("C1", "Mon", "09:00", "12:00")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00", status="scheduled")
    # C1: 03-02 09:00 is taken: open 10:00, 11:00, then 03-09 09:00 -> 7 days.
    practice.clinician("C2")
    practice.availability("C2", "Tue", "09:00", "11:00")
    practice.time_off("C2", "2026-03-03T00:00", "2026-03-04T00:00")
    # C2: away on Tuesday 03-03: 03-10 09:00, 10:00, 03-17 09:00 -> 15 days.
    practice.clinician("C3")  # no availability at all: null
    practice.clinician("C4")
    practice.availability("C4", "Mon", "09:00", "10:00", effective_from="2026-05-25")
    # C4: 05-25 (day 84), 06-01 (day 91, past the horizon): null, though a next slot exists.
    practice.clinician("C5")
    practice.availability("C5", "Sun", "09:00", "12:00", effective_from="2026-05-31")
    # C5: three slots on 05-31, day 90: still within 90 days.
    practice.clinician("C6", accepting_new=False)
    practice.availability("C6", "Mon", "09:00", "17:00")  # not accepting: left out
    practice.clinician("C7", active=False)
    practice.availability("C7", "Mon", "09:00", "17:00")  # inactive: left out
    with practice.db.read() as conn:
        result = third_next_available(conn, T("2026-03-02T08:00"), Filters(), RULES)
    result = result.set_index("clinician_id")
    assert list(result.index) == ["C1", "C2", "C3", "C4", "C5"]
    days = result["third_next_available_days"]
    assert days["C1"] == 7 and days["C2"] == 15 and days["C5"] == 90
    assert pd.isna(days["C3"]) and pd.isna(days["C4"])
    nexts = result["next_available"]
    assert nexts["C1"] == T("2026-03-02T10:00")
    assert nexts["C2"] == T("2026-03-10T09:00")
    assert nexts["C4"] == T("2026-05-25T09:00")
    assert pd.isna(nexts["C3"])


def test_third_next_available_midnight_as_of_and_filters(practice: Practice) -> None:
    _two_clinicians(practice)
    # as-of 2026-03-02 00:00: the as-of date is Sunday 03-01, so Monday slots are 1 day away.
    # C1: Mon 09, 10, 11 -> day 1; with location Annex only C2 (home Annex) counts, and C1's
    # Annex Tuesday would not count for it anyway. C2: Mon 13, 14, 15 -> day 1.
    with practice.db.read() as conn:
        every = third_next_available(conn, T("2026-03-02T00:00"), Filters(), RULES)
        annex = third_next_available(conn, T("2026-03-02T00:00"), Filters(location="Annex"), RULES)
        main = third_next_available(conn, T("2026-03-02T10:30"), Filters(location="Main"), RULES)
    assert every["third_next_available_days"].tolist() == [1.0, 1.0]
    assert annex["clinician_id"].tolist() == ["C2"]
    # From 10:30 with only Main blocks: 03-02 11:00, 03-09 09:00, 10:00 -> 7 days.
    assert main["clinician_id"].tolist() == ["C1"]
    assert main["third_next_available_days"].tolist() == [7.0]


def test_dimension_values(practice: Practice) -> None:
    _two_clinicians(practice)
    practice.client("K1", primary="C1", program="Youth")
    practice.appointment("A1", "K1", "C1", "2026-03-03T09:00", location="Clinic B")
    practice.appointment("A2", "K1", "C1", "2026-03-03T10:00", modality="telehealth")
    practice.appointment("A3", "K1", "C1", "2026-04-03T10:00", location="Clinic C")  # later
    period = Period.make(D("2026-03-02"), D("2026-03-08"))
    with practice.db.read() as conn:
        values = {
            by: dimension_values(conn, period, Filters(), by)
            for by in ("clinician", "program", "location", "modality")
        }
        only_main = dimension_values(conn, period, Filters(location="Main"), "location")
        with pytest.raises(ValueError):
            dimension_values(conn, period, Filters(), "payer")
    assert values == {
        "clinician": ["C1", "C2"],
        "program": ["Adult", "Child", "Youth"],
        "location": ["Annex", "Clinic B", "Main"],
        "modality": ["in_person", "telehealth"],
    }
    assert only_main == ["Main"]


def _seconds(text: str) -> int:
    """Seconds since 1970 of a naive moment, by the calendar."""
    moment = dt.datetime.fromisoformat(text)
    return (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)


def test_moments_parse_whatever_their_width() -> None:
    # Every moment to the second: read as fixed-width fields.
    full = ["1970-01-02 00:00:01", "2026-03-02 09:00:00", "2024-02-29 23:59:59"]
    assert parse_moments(",".join(full)).tolist() == [86_401, 1_772_442_000, 1_709_251_199]
    # One without its seconds: split and parsed one by one.
    mixed = ["2026-03-02 09:00", "2026-03-02 10:00:00", "2026-03-02 11:30"]
    assert parse_moments(",".join(mixed)).tolist() == [_seconds(m) for m in mixed]
    # Twenty of 16 characters fill 340 bytes, a multiple of 20, with no comma where a full
    # width puts one: not taken for fixed-width fields.
    short = [f"2026-03-{day:02d} 09:00" for day in range(1, 21)]
    assert parse_moments(",".join(short)).tolist() == [_seconds(m) for m in short]
    # As SQLite stores them, with microseconds (fixed-width fields of 27): the whole second,
    # the fraction dropped; and mixed with moments to the second (split).
    stored = ["1970-01-02 00:00:01.999999", "2026-03-02 09:00:00.000000"]
    assert parse_moments(",".join(stored)).tolist() == [86_401, 1_772_442_000]
    assert parse_moments(",".join([*stored, full[2]])).tolist() == [
        86_401, 1_772_442_000, 1_709_251_199,
    ]  # fmt: skip
    # Written by hand with a zone offset: the wall-clock second as written, as epoch_second.
    assert parse_moments("2026-03-02 09:00:00.000000-06:00").tolist() == [1_772_442_000]


def test_lexsorted_orders_like_lexsort_whether_or_not_the_keys_fit_one_integer() -> None:
    # The last key first, then the middle, then the first; ties keep their order (rows 1, 4).
    places = np.array([5, 2, 9, 1, 2])
    starts = np.array([300, 100, 100, 300, 100])
    clinicians = np.array([1, 0, 0, 0, 0])
    # Clinician 0: start 100 (places 2, 9, 2: rows 1 and 4 tie, then 2), start 300 (row 3);
    # then clinician 1 (row 0).
    assert lexsorted((places, starts, clinicians)).tolist() == [1, 4, 2, 3, 0]
    rng = np.random.default_rng(3)
    small = [rng.integers(-5, 50, 2_000) for _ in range(3)]
    # Spans whose product passes 2**63: numpy's own lexsort, same order.
    wide = [rng.integers(0, 2**40, 2_000), rng.integers(0, 3, 2_000), rng.integers(0, 2**40, 2_000)]
    fractions = [rng.random(2_000), rng.integers(0, 3, 2_000)]  # not integers: numpy's own
    for keys in (small, wide, fractions):
        assert lexsorted(keys).tolist() == np.lexsort(keys).tolist()
    assert lexsorted((np.array([], dtype=np.int64),)).tolist() == []
