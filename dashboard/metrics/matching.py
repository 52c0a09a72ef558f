"""Filling an open slot from the waitlist: which open entries fit, and in what order to call.

The rule (issue 5): an entry can fill a clinician's slot when its program is the clinician's
program and the clinician is active and accepting new clients. Language and modality are
preferences: an entry whose language the clinician speaks and whose preferred modality the
slot offers *fits*; one that misses one of the two *half fits* (an interpreter, or a modality
the client did not ask for); one that misses both is left out. Full fits come first, then half
fits; within each, urgent before routine, then the longest waiting, then entry id.

An entry's language is its own, else its client's preferred language. A slot's modality is
that of the cancelled appointment it replaces; a plain open slot offers either modality.
``rank_waitlist`` is pure; the two readers around it fetch the entries and the slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from dashboard.metrics.common import open_entry_condition
from db.models import Appointment, Client, Clinician, WaitlistEntry

ENTRY_COLUMNS = [
    "entry_id",
    "client_id",
    "client",
    "program",
    "priority",
    "referred_at",
    "language",
    "preferred_modality",
]
RANKED_COLUMNS = [
    "rank",
    "entry_id",
    "client_id",
    "client",
    "priority",
    "days_waiting",
    "language",
    "preferred_modality",
    "fit",
    "why",
]
FITS, HALF_FITS = "Fits", "Half fits"
PRIORITY_ORDER = {"urgent": 0, "routine": 1}
MODALITY_WORDS = {"in_person": "in person", "telehealth": "telehealth"}


@dataclass(frozen=True)
class SlotToFill:
    """A clinician's open time and what the matching needs to know about the clinician."""

    clinician_id: str
    clinician: str
    program: str | None
    languages: tuple[str, ...]
    accepting_new: bool
    active: bool
    start_at: dt.datetime
    end_at: dt.datetime
    location: str | None = None
    modality: str | None = None  # None: either modality


def languages_of(text: str | None) -> tuple[str, ...]:
    """The clinician's languages as imported (";"-separated)."""
    return tuple(part.strip() for part in (text or "").split(";") if part.strip())


def slot_problem(slot: SlotToFill) -> str | None:
    """Why no waitlist entry can fill the slot, or None."""
    if not slot.active:
        return f"{slot.clinician} is not an active clinician."
    if not slot.accepting_new:
        return f"{slot.clinician} is not accepting new clients."
    if not slot.program:
        return f"{slot.clinician} has no program, so no waitlist entry matches."
    return None


def _text(value: object) -> str | None:
    """A text cell, or None for a missing one (None or NaN alike)."""
    return None if value is None or pd.isna(value) or value == "" else str(value)


def _language_fit(language: str | None, slot: SlotToFill) -> tuple[bool, str]:
    if not language:
        return True, "no language preference"
    if language.casefold() in {spoken.casefold() for spoken in slot.languages}:
        return True, f"speaks {language}"
    spoken = ", ".join(slot.languages) or "no language on file"
    return False, f"needs {language} (clinician: {spoken})"


def _modality_fit(preferred: str | None, slot: SlotToFill) -> tuple[bool, str]:
    if not preferred:
        return True, "no modality preference"
    wanted = MODALITY_WORDS.get(preferred, preferred)
    if slot.modality is None or slot.modality == preferred:
        return True, f"wants {wanted}"
    return False, f"prefers {wanted}, slot is {MODALITY_WORDS.get(slot.modality, slot.modality)}"


def rank_waitlist(entries: pd.DataFrame, slot: SlotToFill, as_of_date: dt.date) -> pd.DataFrame:
    """Open waitlist entries (ENTRY_COLUMNS) that can fill ``slot``, ranked, each with its fit
    and the reasons for it (see the module docstring); empty when ``slot_problem``."""
    if slot_problem(slot) or entries.empty:
        return pd.DataFrame(columns=RANKED_COLUMNS)
    ranked = []
    for entry in entries.itertuples(index=False):
        if entry.program != slot.program:
            continue
        language, preferred = _text(entry.language), _text(entry.preferred_modality)
        language_ok, language_why = _language_fit(language, slot)
        modality_ok, modality_why = _modality_fit(preferred, slot)
        if not (language_ok or modality_ok):
            continue
        waited = (as_of_date - entry.referred_at).days
        why = [
            f"{entry.program} program",
            language_why,
            modality_why,
            entry.priority,
            f"waiting {waited} day{'s' if waited != 1 else ''}",
        ]
        ranked.append(
            {
                "entry_id": entry.entry_id,
                "client_id": entry.client_id,
                "client": entry.client,
                "priority": entry.priority,
                "days_waiting": waited,
                "language": language,
                "preferred_modality": preferred,
                "fit": FITS if language_ok and modality_ok else HALF_FITS,
                "why": "; ".join(why),
            }
        )
    if not ranked:
        return pd.DataFrame(columns=RANKED_COLUMNS)
    frame = pd.DataFrame(ranked)
    order = pd.DataFrame(
        {
            "fit": (frame["fit"] != FITS).astype(int),
            "priority": frame["priority"].map(PRIORITY_ORDER).fillna(len(PRIORITY_ORDER)),
            "waited": -frame["days_waiting"],
            "entry_id": frame["entry_id"],
        }
    )
    frame = frame.loc[order.sort_values(["fit", "priority", "waited", "entry_id"]).index]
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame[RANKED_COLUMNS].reset_index(drop=True)


# --- readers -------------------------------------------------------------------------------------


def waitlist_candidates(conn: Connection, program: str, as_of_date: dt.date) -> pd.DataFrame:
    """The program's entries open on the as-of date (metrics.md, ``waitlist_open``), with the
    client's display name and the entry's language (else the client's)."""
    stmt = (
        select(
            WaitlistEntry.entry_id,
            WaitlistEntry.client_id,
            Client.display_name.label("client"),
            WaitlistEntry.program,
            WaitlistEntry.priority,
            WaitlistEntry.referred_at,
            func.coalesce(WaitlistEntry.language, Client.preferred_language).label("language"),
            WaitlistEntry.preferred_modality,
        )
        .join(Client, Client.client_id == WaitlistEntry.client_id)
        .where(
            WaitlistEntry.program == program,
            open_entry_condition(as_of_date),
        )
        .order_by(WaitlistEntry.entry_id)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=ENTRY_COLUMNS)


def _clinician(conn: Connection, clinician_id: str):  # type: ignore[no-untyped-def]
    return conn.execute(
        select(
            Clinician.name,
            Clinician.program,
            Clinician.languages,
            Clinician.accepting_new,
            Clinician.active,
        ).where(Clinician.clinician_id == clinician_id)
    ).one_or_none()


def slot_for_clinician(
    conn: Connection,
    clinician_id: str,
    start_at: dt.datetime,
    end_at: dt.datetime,
    *,
    location: str | None = None,
    modality: str | None = None,
) -> SlotToFill | None:
    """The slot [start_at, end_at) of a clinician, or None for an unknown clinician."""
    row = _clinician(conn, clinician_id)
    if row is None:
        return None
    return SlotToFill(
        clinician_id=clinician_id,
        clinician=row.name,
        program=row.program,
        languages=languages_of(row.languages),
        accepting_new=bool(row.accepting_new),
        active=bool(row.active),
        start_at=start_at,
        end_at=end_at,
        location=location,
        modality=modality,
    )


def slot_for_appointment(conn: Connection, appointment_id: str) -> SlotToFill | None:
    """The time a (cancelled) appointment held, with its modality and location."""
    row = conn.execute(
        select(
            Appointment.clinician_id,
            Appointment.start_at,
            Appointment.end_at,
            Appointment.location,
            Appointment.modality,
        ).where(and_(Appointment.appointment_id == appointment_id))
    ).one_or_none()
    if row is None:
        return None
    return slot_for_clinician(
        conn,
        row.clinician_id,
        row.start_at,
        row.end_at,
        location=row.location,
        modality=row.modality,
    )


__all__ = [
    "FITS",
    "HALF_FITS",
    "RANKED_COLUMNS",
    "SlotToFill",
    "languages_of",
    "rank_waitlist",
    "slot_for_appointment",
    "slot_for_clinician",
    "slot_problem",
    "waitlist_candidates",
]
