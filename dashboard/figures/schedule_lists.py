"""The schedule's lists as grid rows: appointments, open slots, next available by clinician and
by program, a clinician's fortnight. Pure DataFrame in, rows or a table frame out; everything is
text as the front desk reads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from dashboard.figures.schedule import STATUS_LABELS
from dashboard.format import MODALITY_LABELS, count, day_time, in_days

NONE_SOON = "none within 90 days"
SLOT_COLUMNS = [
    "slot_id",
    "clinician_id",
    "day",
    "start",
    "end",
    "clinician",
    "program",
    "location",
    "accepting",
    "freed",
    "start_at",
    "end_at",
]


def _day(moment: Any) -> str:
    return f"{moment:%a %b %-d}"


def _time_span(start: Any, end: Any) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def appointment_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The schedule's appointment list (``metrics.schedule_rows.appointment_rows``)."""
    return [
        {
            "appointment_id": row.appointment_id,
            "version": int(row.version),
            "date": _day(row.start_at),
            "time": _time_span(row.start_at, row.end_at),
            "clinician": row.clinician,
            "client": row.client,
            "service": row.service.replace("_", " ").capitalize(),
            "modality": MODALITY_LABELS.get(row.modality, row.modality),
            "location": None if pd.isna(row.location) else row.location,
            "status": STATUS_LABELS.get(row.status, row.status),
            "status_key": row.status,
        }
        for row in frame.itertuples()
    ]


def week_rows(frame: pd.DataFrame, this_monday: dt.date) -> list[dict[str, Any]]:
    """A clinician's schedule this week and next (``metrics.clinician_week.schedule``)."""
    next_monday = this_monday + dt.timedelta(days=7)
    return [
        {
            "appointment_id": item.appointment_id,
            "week": "This week" if item.start_at.date() < next_monday else "Next",
            "day": _day(item.start_at),
            "time": _time_span(item.start_at, item.end_at),
            "client": item.client,
            "service": item.service.replace("_", " "),
            "modality": item.modality.replace("_", " "),
            "location": item.location,
            "status": item.status.replace("_", " "),
        }
        for item in frame.itertuples(index=False)
    ]


def slot_rows(slots: pd.DataFrame) -> pd.DataFrame:
    """Open slots (``metrics.schedule_rows.open_slot_rows``), one id per clinician, start and
    location; ``start_at`` and ``end_at`` as minutes for the fill list."""
    if slots.empty:
        return pd.DataFrame(columns=SLOT_COLUMNS)
    return pd.DataFrame(
        {
            "slot_id": slots["clinician_id"]
            + "|"
            + slots["start_at"].astype(str)
            + "|"
            + slots["location"].fillna("").astype(str),
            "clinician_id": slots["clinician_id"],
            "day": slots["start_at"].dt.strftime("%a %b %-d"),
            "start": slots["start_at"].dt.strftime("%H:%M"),
            "end": slots["end_at"].dt.strftime("%H:%M"),
            "clinician": slots["clinician"],
            "program": slots["program"],
            "location": slots["location"],
            "accepting": slots["accepting_new"].map({True: "Accepting", False: "Not accepting"}),
            "freed": slots["freed_by_cancellation"].map({True: "A cancellation", False: ""}),
            "start_at": slots["start_at"].dt.strftime("%Y-%m-%dT%H:%M"),
            "end_at": slots["end_at"].dt.strftime("%Y-%m-%dT%H:%M"),
        }
    )


def next_available_rows(
    per_clinician: pd.DataFrame, per_program: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Next and third next available by clinician (grid rows) and by program (a table)
    (``metrics.schedule_rows.next_available``)."""
    clinicians = pd.DataFrame(
        {
            "clinician_id": per_clinician["clinician_id"],
            "clinician": per_clinician["clinician"],
            "program": per_clinician["program"],
            "next_available": [day_time(m) or NONE_SOON for m in per_clinician["next_available"]],
            "third_next": [in_days(d) for d in per_clinician["third_next_days"]],
        }
    )
    by_program = pd.DataFrame(
        {
            "Program": per_program["program"],
            "Clinicians": [count(n) for n in per_program["clinicians"]],
            "Next available": [day_time(m) or NONE_SOON for m in per_program["next_available"]],
            "Third next available (median)": [in_days(d) for d in per_program["third_next_days"]],
        }
    )
    return clinicians, by_program
