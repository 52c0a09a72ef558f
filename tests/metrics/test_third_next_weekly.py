"""Third next available as of each week's end (``access.third_next_available_weekly``, one
search for all weeks, reading held appointments in rounds of days per as-of) against the same
key counted one as-of at a time, on a hand-built practice whose third slots fall in the first
round, a few rounds in and two months on.

Calendar: 2026-03-02 is a Monday. Weeks of 03-02..03-29 with now Friday 03-27 10:30: as-ofs
03-09 00:00, 03-16 00:00, 03-23 00:00 (as-of dates the Sundays before) and 03-27 10:30.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.metrics import access, availability
from dashboard.metrics.availability import (
    searched_together,
    third_next_available,
    third_next_available_at,
)
from dashboard.metrics.common import Filters, Period, Rules
from db import engine as engine_module
from db.engine import Database
from tests.factory import Practice

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
RULES = Rules()
PERIOD = Period.make(D("2026-03-02"), D("2026-03-29"), now=T("2026-03-27T10:30"))
WEEKS = [D("2026-03-02"), D("2026-03-09"), D("2026-03-16"), D("2026-03-23")]
AS_OFS = [T("2026-03-09T00:00"), T("2026-03-16T00:00"), T("2026-03-23T00:00"), PERIOD.as_of]

# Worked by hand, week by week (as-of date in brackets).
EXPECTED = {
    # One slot a day Mon/Tue/Wed 09:00. Tue 03-10 completed (held), Mon 03-16 cancelled by the
    # client 60 minutes before (late cancel: held), Wed 03-18 cancelled by the clinician (free).
    # [03-08] Mon 03-09, Wed 03-11, Tue 03-17 -> 9; [03-15] Tue 03-17, Wed 03-18, Mon 03-23 -> 8;
    # [03-22] 03-23, 03-24, 03-25 -> 3; [03-27] Mon 03-30, Tue 03-31, Wed 04-01 -> 5.
    "C1": [9.0, 8.0, 3.0, 5.0],
    # Thu 09:00-11:00 (slots 09:00, 10:00). An 11-hour appointment from Wed 03-11 23:30 runs to
    # Thu 10:30 and holds both Thursday slots. [03-08] 03-19 09, 10, 03-26 09 -> 18; [03-15]
    # the same -> 11; [03-22] 03-26 09, 10, 04-02 09 -> 11; [03-27] 04-02 09, 10, 04-09 -> 13.
    "C2": [18.0, 11.0, 11.0, 13.0],
    # Fri 14:00-15:00 from 05-01 only; Fri 05-08 is held: 05-01, 05-15, 05-22. [03-08] 75 days,
    # [03-15] 68, [03-22] 61, [03-27] 56.
    "C3": [75.0, 68.0, 61.0, 56.0],
    # No availability: no third slot within the horizon.
    "C4": [None, None, None, None],
}


@pytest.fixture
def built(practice: Practice) -> Database:
    for clinician_id in EXPECTED:
        practice.clinician(clinician_id)
    practice.client("K1", primary="C1")
    for weekday in ("Mon", "Tue", "Wed"):
        practice.availability("C1", weekday, "09:00", "10:00")
    practice.appointment("A1", "K1", "C1", "2026-03-10T09:00")
    practice.appointment(
        "A2",
        "K1",
        "C1",
        "2026-03-16T09:00",
        status="cancelled_client",
        cancelled_at="2026-03-16T08:00",
    )
    practice.appointment("A3", "K1", "C1", "2026-03-18T09:00", status="cancelled_clinician")
    practice.availability("C2", "Thu", "09:00", "11:00")
    practice.appointment("A4", "K1", "C2", "2026-03-11T23:30", minutes=660)
    practice.availability("C3", "Fri", "14:00", "15:00", effective_from="2026-05-01")
    practice.appointment("A5", "K1", "C3", "2026-05-08T14:00", status="scheduled")
    return practice.db


def _days(frame) -> dict[str, float | None]:
    return {
        row.clinician_id: None if row.third_next_available_days != row.third_next_available_days
        else row.third_next_available_days
        for row in frame.itertuples()
    }  # fmt: skip


# The search reads the days between the first and the last as-of in one range before its
# rounds when there are availability.DENSE_AS_OFS as-ofs or more: 4 here, so both ways are
# checked, the second with the threshold lowered to these four weeks.
@pytest.mark.parametrize("dense_from", [availability.DENSE_AS_OFS, 2], ids=["rounds", "dense"])
def test_weekly_matches_hand_worked_values_and_single_as_ofs(
    built: Database, monkeypatch: pytest.MonkeyPatch, dense_from: int
) -> None:
    assert len(AS_OFS) < availability.DENSE_AS_OFS
    monkeypatch.setattr(availability, "DENSE_AS_OFS", dense_from)
    with built.read() as conn:
        weekly = access.third_next_available_weekly(conn, PERIOD, Filters(), RULES)
        singles = [third_next_available(conn, as_of, Filters(), RULES) for as_of in AS_OFS]
        together = third_next_available_at(conn, AS_OFS, Filters(), RULES)
    assert sorted(set(weekly["week"])) == WEEKS
    for n, week in enumerate(WEEKS):
        found = _days(weekly[weekly["week"] == week])
        assert found == {c: values[n] for c, values in EXPECTED.items()}
        assert _days(singles[n]) == found
        # next_available too: the search for many as-ofs finds what one as-of finds.
        assert together[n].equals(singles[n])


def test_weekly_under_a_clinician_filter(built: Database) -> None:
    with built.read() as conn:
        weekly = access.third_next_available_weekly(conn, PERIOD, Filters(clinician="C2"), RULES)
    assert weekly["clinician_id"].tolist() == ["C2"] * 4
    assert weekly["third_next_available_days"].tolist() == EXPECTED["C2"]


@pytest.mark.parametrize("threads", [1, 2])
def test_a_search_made_together_serves_the_as_ofs_it_covers(
    built: Database, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """With read threads the block's search runs beside the caller; with one it is made on the
    caller's connection when first needed (it once asked itself for its own result there)."""
    monkeypatch.setattr(engine_module, "READ_THREADS", threads)
    searches: list[int] = []
    search = availability._search

    def counted(conn, as_ofs, filters, rules):  # type: ignore[no-untyped-def]
        searches.append(len(as_ofs))
        return search(conn, as_ofs, filters, rules)

    monkeypatch.setattr(availability, "_search", counted)
    with built.read() as conn, searched_together(conn, AS_OFS[1:], Filters(), RULES):
        # One search for the three as-ofs of the block (running beside until first needed).
        last = third_next_available(conn, AS_OFS[3], Filters(), RULES)
        middle = third_next_available_at(conn, AS_OFS[1:3], Filters(), RULES)
        assert searches == [3]  # both read what it found
        first = third_next_available(conn, AS_OFS[0], Filters(), RULES)  # not covered
        one = third_next_available(conn, AS_OFS[3], Filters(clinician="C2"), RULES)  # other filter
        assert searches == [3, 1, 1]
    with built.read() as conn:
        after = third_next_available(conn, AS_OFS[3], Filters(), RULES)
    assert searches == [3, 1, 1, 1]  # outside the block, a search of its own
    assert _days(last) == _days(after) == {c: values[3] for c, values in EXPECTED.items()}
    assert [_days(frame) for frame in middle] == [
        {c: values[n] for c, values in EXPECTED.items()} for n in (1, 2)
    ]
    assert _days(first) == {c: values[0] for c, values in EXPECTED.items()}
    assert _days(one) == {"C2": EXPECTED["C2"][3]}
