"""Clients, the waitlist and care events, derived from the simulated appointments.

A client's intake date is their first kept intake; their discharge follows the end of their
episode (early dropouts are closed administratively a month or more later, so some linger on
the caseload); people still waiting, or taken off the list, have no primary clinician.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from db.demo_calendar import MINUTES_PER_DAY, Calendar
from db.demo_caseload import Schedule
from db.demo_staff import PROGRAM_SHARE, PROGRAMS, Clinician
from db.demo_visits import SERVICE, STATUS, Visits

PAYERS = (
    "Blue Cross Blue Shield of Illinois",
    "Aetna",
    "UnitedHealthcare",
    "Cigna",
    "Medicaid (IL)",
    "Medicare",
    "Self-pay",
)
PAYER_SHARE = (0.30, 0.12, 0.12, 0.08, 0.20, 0.08, 0.10)
REMOVAL_REASONS = (
    "Could not reach client",
    "Client chose another provider",
    "Referred to a higher level of care",
    "No longer interested",
)
URGENT_SHARE = 0.12
NONE = -1


def _at(size: int, fill: int) -> np.ndarray:
    return np.full(size, fill, dtype=np.int64)


@dataclass
class Clients:
    """Every client the generator knows of, as columns; simulated clients come first."""

    program: np.ndarray
    language: np.ndarray
    primary: np.ndarray  # clinician index or NONE
    intake_day: np.ndarray
    discharge_day: np.ndarray  # NONE: open
    kept: np.ndarray  # written to the database
    last_visit_day: np.ndarray  # NONE: no visit yet
    first_clinician: np.ndarray  # NONE: never seen
    transfer_day: np.ndarray  # NONE: never moved to another clinician


def simulated_clients(
    schedule: Schedule,
    staff: list[Clinician],
    cal: Calendar,
    visits: Visits,
    rng: np.random.Generator,
) -> Clients:
    """Intake and discharge dates of the simulated clients, and whether the history shows them."""
    n = schedule.n_clients
    day = visits.day
    big = np.iinfo(np.int64).max
    first_row, last_row = _at(n, big), _at(n, NONE)
    np.minimum.at(first_row, visits.client, day)
    np.maximum.at(last_row, visits.client, day)
    intake_any, intake_kept = _at(n, big), _at(n, big)
    rows = visits.intake
    np.minimum.at(intake_any, visits.client[rows], day[rows])
    kept_rows = rows & (visits.status == STATUS["completed"])
    np.minimum.at(intake_kept, visits.client[kept_rows], day[kept_rows])
    intake = np.where(
        intake_kept < big, intake_kept, np.where(intake_any < big, intake_any, first_row)
    )
    visit = (visits.status == STATUS["completed"]) & (visits.service != SERVICE["group"])
    last_visit = _at(n, NONE)
    np.maximum.at(last_visit, visits.client[visit], day[visit])
    has_rows = last_row >= 0
    booked = _at(n, NONE)
    future = visits.start > cal.now_minute
    np.maximum.at(booked, visits.client[future], day[future])
    discharge = _discharges(schedule, staff, cal, last_row, booked, rng)
    discharge = np.where(discharge >= 0, np.maximum(discharge, intake), NONE)
    shown = (last_row >= cal.history_day) | (discharge == NONE) | (discharge >= cal.history_day)
    return Clients(
        program=schedule.program.astype(np.int64),
        language=schedule.language.astype(object),
        primary=schedule.primary.astype(np.int64),
        intake_day=np.where(has_rows, intake, 0),
        discharge_day=discharge,
        kept=has_rows & shown,
        last_visit_day=last_visit,
        first_clinician=schedule.first_clinician.astype(np.int64),
        transfer_day=np.where(schedule.transfer_week >= 0, schedule.transfer_week * 7, NONE),
    )


def _discharges(
    schedule: Schedule,
    staff: list[Clinician],
    cal: Calendar,
    last_row: np.ndarray,
    booked: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Episodes over before today close: promptly after a planned ending, a month or more after
    an early dropout, on the leaving day for those who did not follow a departing clinician."""
    n = schedule.n_clients
    ongoing = (schedule.end_week * 7 + 6 >= cal.today_day) | (booked >= 0)
    dropout = schedule.planned <= 2
    u = rng.random(n)
    discharge = np.where(
        dropout, last_row + 30 + (u * 30).astype(np.int64), last_row + (u * 15).astype(np.int64)
    )
    leave_day = np.array(
        [c.leave_week * 7 if c.leave_week is not None else NONE for c in staff], dtype=np.int64
    )
    left = schedule.left_with & (leave_day[schedule.first_clinician] >= 0)
    discharge = np.where(left, np.maximum(leave_day[schedule.first_clinician], last_row), discharge)
    closed = (~ongoing | left) & (discharge <= cal.today_day) & (last_row >= 0)
    discharge = np.where(closed, discharge, NONE)
    # Nobody stays on the caseload of a clinician who has left.
    gone = leave_day[schedule.primary]
    stale = (gone >= 0) & (last_row >= 0) & ((discharge == NONE) | (discharge > gone))
    return np.where(stale, np.maximum(gone, last_row), discharge)


def waitlist_entries(
    clients: Clients, visits: Visits, cal: Calendar, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """One scheduled entry per client whose intake was booked in the history: referred some
    days before the intake was booked, resolved the day it was."""
    first = visits.intake & (visits.rank == 0)
    rows = np.flatnonzero(first & clients.kept[visits.client])
    client = visits.client[rows]
    order = np.argsort(client, kind="stable")
    rows, client = rows[order], client[order]
    _, unique = np.unique(client, return_index=True)
    rows, client = rows[unique], client[unique]
    resolved = visits.created[rows] // MINUTES_PER_DAY
    u = rng.random(len(rows))
    urgent = u < URGENT_SHARE
    wait = np.where(
        urgent, (u * 25).astype(np.int64), 1 + rng.gamma(2.0, 5.5, len(rows)).astype(np.int64)
    )
    referred = resolved - wait
    keep = resolved >= cal.history_day
    return {
        "client": client[keep],
        "referred": referred[keep],
        "resolved": resolved[keep],
        "urgent": urgent[keep],
        "removed": np.zeros(int(keep.sum()), dtype=bool),
    }


def steady_waitlist(referred: np.ndarray, resolved: np.ndarray, cal: Calendar) -> int | None:
    """How many of these resolved entries were open on an average day of the four weeks before
    the last four (None when the history is too short to have such days)."""
    last = cal.today_day - 28
    first = last - 28
    if first < cal.history_day + 30:
        return None
    days = np.arange(first, last)[:, None]
    return round(float(((referred[None, :] <= days) & (resolved[None, :] > days)).sum(1).mean()))


def _removals(n_removed: int, cal: Calendar, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Referral and removal days of entries taken off the list 7 to 59 days after the
    referral, never after today: a referral too recent for its removal to have come yet is
    drawn earlier (capping the date instead piled a tenth of the removals onto today)."""
    history = max(cal.today_day - cal.history_day, 8)
    referral_share, lag_share = rng.random(n_removed), rng.random(n_removed)
    lag = 7 + (lag_share * 53).astype(np.int64)
    referred = cal.history_day + (referral_share * np.maximum(history - lag, 1)).astype(np.int64)
    return referred, np.minimum(referred + lag, cal.today_day)


def _open_waits(
    n_open: int, waits: np.ndarray | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Urgency and days waited so far of the people waiting today. With the history's
    ``waits``, each is part of the way through a wait drawn from them (a longer wait is more
    often under way on a given day), so that the waitlist goes on from its history."""
    u = rng.random((2, n_open))
    urgent = u[0] < 0.1
    urgent[0], urgent[1] = True, False
    if waits is not None:
        wait = (u[1] * rng.choice(waits, size=n_open, p=waits / waits.sum())).astype(np.int64)
    else:
        long_wait = u[1] < 0.4
        wait = np.where(long_wait, 15 + (rng.random(n_open) * 60), rng.random(n_open) * 14).astype(
            np.int64
        )
    wait = np.where(urgent, (rng.random(n_open) * 5).astype(np.int64), wait)
    wait[0], wait[1] = 3, 35  # always one urgent and one routine referral past their target
    return urgent, wait


def waiting_clients(
    scheduled: dict[str, np.ndarray],
    n_accepting: int,
    cal: Calendar,
    rng: np.random.Generator,
) -> tuple[Clients, dict[str, np.ndarray]]:
    """People still waiting for an intake, and people taken off the list (9 % as many as the
    ``scheduled`` entries): no primary clinician, their referral date as intake date
    (import-format.md).

    With a long enough history, as many wait today as were open (scheduled or removed later)
    on an average day of it: the list does not fall away at today for want of the people whose
    intake is not booked yet. Otherwise 1.3 per clinician accepting new clients."""
    n_removed = max(1, round(0.09 * len(scheduled["client"])))
    removed_referred, removed_resolved = _removals(n_removed, cal, rng)
    referred = np.concatenate([scheduled["referred"], removed_referred])
    resolved = np.concatenate([scheduled["resolved"], removed_resolved])
    steady = steady_waitlist(referred, resolved, cal)
    waits = (resolved - referred).astype(float) if steady is not None else None
    n_open = max(2, steady if steady is not None else round(1.3 * n_accepting))
    urgent_open, wait = _open_waits(n_open, waits, rng)
    history = max(cal.today_day - cal.history_day, 8)
    open_referred = cal.today_day - np.minimum(wait, history)
    n = n_open + n_removed
    languages = np.where(rng.random(n) < 0.2, "Spanish", "English").astype(object)
    programs = rng.choice(len(PROGRAMS), size=n, p=np.asarray(PROGRAM_SHARE) / sum(PROGRAM_SHARE))
    referred = np.concatenate([open_referred, removed_referred])
    discharge = np.concatenate([_at(n_open, NONE), removed_resolved])
    clients = Clients(
        program=programs.astype(np.int64),
        language=languages,
        primary=_at(n, NONE),
        intake_day=referred,
        discharge_day=discharge,
        kept=np.ones(n, dtype=bool),
        last_visit_day=_at(n, NONE),
        first_clinician=_at(n, NONE),
        transfer_day=_at(n, NONE),
    )
    entries = {
        "client": np.arange(n, dtype=np.int64),
        "referred": referred,
        "resolved": np.concatenate([_at(n_open, NONE), removed_resolved]),
        "urgent": np.concatenate([urgent_open, rng.random(n_removed) < URGENT_SHARE / 2]),
        "removed": np.arange(n) >= n_open,
    }
    return clients, entries


def combine(first: Clients, second: Clients) -> Clients:
    return Clients(
        **{
            name: np.concatenate([getattr(first, name), getattr(second, name)])
            for name in first.__dataclass_fields__
        }
    )


def payers(n: int, rng: np.random.Generator) -> np.ndarray:
    picks = rng.choice(len(PAYERS), size=n, p=np.asarray(PAYER_SHARE) / sum(PAYER_SHARE))
    return np.array(PAYERS, dtype=object)[picks]


# --- care events ------------------------------------------------------------------------------


def care_events(
    clients: Clients, visits: Visits, cal: Calendar, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Hospital discharges, half followed by a visit within a week and half by none; ED
    visits; crisis contacts (one before each crisis session, and some by phone at night)."""
    n_shown = int(clients.kept.sum())
    past = (visits.start + visits.duration <= cal.now_minute) & (visits.day >= cal.history_day)
    visit = past & (visits.status == STATUS["completed"]) & (visits.service != SERVICE["group"])
    day = visits.day
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    # Discharged one to six days before a kept visit: timely follow-up.
    candidates = np.flatnonzero(visit & (day >= cal.history_day + 8) & (day < cal.today_day))
    n_timely = min(len(candidates), max(1, round(0.01 * n_shown)))
    chosen = np.sort(rng.choice(candidates, size=n_timely, replace=False))
    when = (day[chosen] - 1 - (rng.random(n_timely) * 6).astype(np.int64)) * MINUTES_PER_DAY
    parts.append(
        (visits.client[chosen], when, np.zeros(n_timely, dtype=np.int64), np.ones(n_timely, bool))
    )

    # Discharged after a client's last visit: no follow-up at all.
    last = clients.last_visit_day
    lost = np.flatnonzero(clients.kept & (last >= cal.history_day) & (last <= cal.today_day - 10))
    n_lost = min(len(lost), max(1, round(0.008 * n_shown)))
    chosen = np.sort(rng.choice(lost, size=n_lost, replace=False))
    event_day = np.minimum(
        last[chosen] + 3 + (rng.random(n_lost) * 18).astype(np.int64), cal.today_day - 1
    )
    parts.append(
        (
            chosen,
            event_day * MINUTES_PER_DAY,
            np.zeros(n_lost, dtype=np.int64),
            np.zeros(n_lost, bool),
        )
    )

    # Emergency-department visits around a client's sessions.
    shown_rows = np.flatnonzero(past)
    n_ed = min(len(shown_rows), round(0.012 * n_shown))
    chosen = rng.choice(shown_rows, size=n_ed, replace=False)
    event_day = np.clip(day[chosen] + rng.integers(-5, 6, n_ed), cal.history_day, cal.today_day - 1)
    parts.append(
        (
            visits.client[chosen],
            event_day * MINUTES_PER_DAY,
            np.ones(n_ed, dtype=np.int64),
            np.zeros(n_ed, bool),
        )
    )

    # Crisis calls: before each crisis session, and some evening calls.
    crisis = np.flatnonzero(past & (visits.service == SERVICE["crisis"]))
    calls = visits.start[crisis] - 30 - (rng.random(len(crisis)) * 90).astype(np.int64)
    n_calls = min(len(shown_rows), round(0.006 * n_shown))
    evening = rng.choice(shown_rows, size=n_calls, replace=False)
    evening_at = np.minimum(
        day[evening] * MINUTES_PER_DAY + 18 * 60 + (rng.random(n_calls) * 240).astype(np.int64),
        cal.now_minute - 60,
    )
    parts.append(
        (
            np.concatenate([visits.client[crisis], visits.client[evening]]),
            np.concatenate([calls, evening_at]),
            np.full(len(crisis) + n_calls, 2, dtype=np.int64),
            np.zeros(len(crisis) + n_calls, bool),
        )
    )
    client, occurred, kind, timely = (np.concatenate(column) for column in zip(*parts, strict=True))
    u = rng.random(len(client))
    date_only = np.select([kind == 0, kind == 1], [u < 0.8, u < 0.5], default=False)
    hour = (9 * 60 + (rng.random(len(client)) * 8 * 60)).astype(np.int64)
    occurred = np.where((kind < 2) & ~date_only, occurred + hour, occurred)
    return {
        "client": client,
        "occurred": occurred,
        "kind": kind,
        "date_only": date_only,
        "timely": timely,
    }
