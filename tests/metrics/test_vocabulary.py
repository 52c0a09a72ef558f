"""The filter bar's names: every location the practice uses, wherever it is recorded."""

from __future__ import annotations

from dashboard.metrics.vocabulary import locations, programs
from tests.factory import Practice


def test_locations_come_from_clinicians_blocks_and_appointments(practice: Practice) -> None:
    practice.clinician("c1", location="Main")
    practice.clinician("c2", location=None)
    practice.availability("c1", "Mon", "09:00", "12:00", location="Annex")
    practice.client("k1", primary="c1", program="Youth")
    # Appointments add two more names; one repeats, a telehealth session has none.
    for n, place in enumerate(["Westside", "Westside", "Main", None, "Clinic B"]):
        practice.appointment(f"a{n}", "k1", "c1", f"2026-03-0{n + 2} 10:00", location=place)
    with practice.db.read() as conn:
        assert locations(conn) == ["Annex", "Clinic B", "Main", "Westside"]
        assert programs(conn) == ["Adult", "Youth"]


def test_a_practice_without_appointments_has_only_its_clinicians_locations(
    practice: Practice,
) -> None:
    practice.clinician("c1", location="North")
    with practice.db.read() as conn:
        assert locations(conn) == ["North"]
