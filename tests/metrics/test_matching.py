"""Filling a slot from the waitlist: the ranking on hand-built cases, and the readers."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.metrics.matching import (
    SlotToFill,
    rank_waitlist,
    slot_for_appointment,
    slot_problem,
    waitlist_candidates,
)
from tests.factory import Practice

D = dt.date.fromisoformat
AS_OF = D("2026-03-04")
START, END = dt.datetime(2026, 3, 5, 10), dt.datetime(2026, 3, 5, 11)


def slot(modality: str | None = None, *, accepting: bool = True) -> SlotToFill:
    return SlotToFill(
        clinician_id="C1",
        clinician="Dr One",
        program="Adult",
        languages=("English", "Spanish"),
        accepting_new=accepting,
        active=True,
        start_at=START,
        end_at=END,
        location="Main",
        modality=modality,
    )


def entries() -> pd.DataFrame:
    rows = [
        # entry, program, priority, referred, language, preferred modality
        ("E1", "Adult", "routine", "2026-02-01", "English", "in_person"),  # 31 days
        ("E2", "Adult", "urgent", "2026-03-03", "spanish", None),  # 1 day; case-blind
        ("E3", "Adult", "routine", "2026-01-15", "Vietnamese", "telehealth"),  # 48 days
        ("E4", "Adult", "urgent", "2026-03-01", "Polish", "in_person"),  # 3 days
        ("E5", "DBT", "urgent", "2026-01-01", "English", None),  # another program
        ("E6", "Adult", "routine", "2026-02-01", None, None),  # 31 days, as E1
        ("E7", "Adult", "routine", "2026-01-01", "English", "telehealth"),  # 62 days
    ]
    return pd.DataFrame(
        [
            {
                "entry_id": e,
                "client_id": f"K{e}",
                "client": f"Client {e}",
                "program": program,
                "priority": priority,
                "referred_at": D(referred),
                "language": language,
                "preferred_modality": modality,
            }
            for e, program, priority, referred, language, modality in rows
        ]
    )


def test_ranking_for_a_telehealth_slot_freed_by_a_cancellation() -> None:
    ranked = rank_waitlist(entries(), slot("telehealth"), AS_OF)
    # Fits: E2 (urgent), then routine by wait: E7 (62 d), E6 (31 d). Half fits: E3 (48 d,
    # needs Vietnamese), E1 (31 d, prefers in person). Left out: E4 (neither language nor
    # modality), E5 (DBT).
    assert list(ranked["entry_id"]) == ["E2", "E7", "E6", "E3", "E1"]
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5]
    assert list(ranked["fit"]) == ["Fits", "Fits", "Fits", "Half fits", "Half fits"]
    assert list(ranked["days_waiting"]) == [1, 62, 31, 48, 31]
    why = dict(zip(ranked["entry_id"], ranked["why"], strict=True))
    assert why["E3"] == (
        "Adult program; needs Vietnamese (clinician: English, Spanish); wants telehealth; "
        "routine; waiting 48 days"
    )
    assert why["E1"] == (
        "Adult program; speaks English; prefers in person, slot is telehealth; routine; "
        "waiting 31 days"
    )
    assert why["E2"] == (
        "Adult program; speaks spanish; no modality preference; urgent; waiting 1 day"
    )


def test_ranking_for_a_plain_open_slot_offering_either_modality() -> None:
    ranked = rank_waitlist(entries(), slot(None), AS_OF)
    # Every modality fits now. Fits: E2 (urgent), E7 (62 d), then E1 and E6 (31 d each, by
    # id). Half fits (language): E4 (urgent) before E3 (routine, though waiting longer).
    assert list(ranked["entry_id"]) == ["E2", "E7", "E1", "E6", "E4", "E3"]
    assert list(ranked["fit"]) == ["Fits"] * 4 + ["Half fits"] * 2


def test_a_clinician_not_accepting_new_clients_gets_nobody() -> None:
    closed = slot(accepting=False)
    assert slot_problem(closed) == "Dr One is not accepting new clients."
    assert rank_waitlist(entries(), closed, AS_OF).empty
    assert slot_problem(slot()) is None


def test_readers(practice: Practice) -> None:
    practice.clinician("C1", languages="English;Spanish", program="Adult")
    practice.client("K1", language="Spanish")
    practice.client("K2")
    practice.client("K3")
    practice.client("K4")
    practice.waitlist("W1", "K1", referred="2026-02-01")  # no language: the client's
    practice.waitlist("W2", "K2", referred="2026-03-05")  # referred after the as-of date
    practice.waitlist(
        "W3", "K3", referred="2026-02-01", resolved="2026-03-01", resolution="scheduled"
    )
    practice.waitlist(
        "W4",
        "K4",
        referred="2026-02-01",
        resolved="2026-03-10",
        resolution="removed",
        language="Polish",
    )
    practice.waitlist("W5", "K4", referred="2026-02-01", program="DBT")
    practice.appointment(
        "A1", "K2", "C1", "2026-03-05T10:00", status="cancelled_client", modality="telehealth"
    )
    with practice.db.read() as conn:
        found = waitlist_candidates(conn, "Adult", AS_OF)
        freed = slot_for_appointment(conn, "A1")
    # Open on 2026-03-04: W1, and W4 (resolved only later); not W2, W3 nor DBT's W5.
    assert list(found["entry_id"]) == ["W1", "W4"]
    assert list(found["language"]) == ["Spanish", "Polish"]
    assert freed == SlotToFill(
        "C1",
        "Clinician C1",
        "Adult",
        ("English", "Spanish"),
        True,
        True,
        START,
        END,
        "Main",
        "telehealth",
    )
