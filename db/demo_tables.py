"""The demo practice as database tables: readable, sortable ids and stored values.

Ids sort the way people read them: clinicians C001.., clients K00001.. by intake date,
appointments A0000001.. by start, waitlist entries W0001.. by referral, tasks T000001.. and
care events E00001.. by when they arose. Ids widen when a practice outgrows the digits.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from db.demo_calendar import MINUTES_PER_DAY, NOON, Calendar
from db.demo_clients import NONE, REMOVAL_REASONS, Clients, payers
from db.demo_staff import LOCATIONS, PROGRAMS, Clinician, NamePools
from db.demo_timeoff import TimeOffPlan
from db.demo_visits import Visits
from db.demo_write import Clock, Table, clock_time
from db.timeutil import cancel_lead_minutes
from db.vocab import APPOINTMENT_STATUSES, CARE_EVENT_KINDS, FRONT_DESK, MODALITIES, SERVICE_TYPES

EVENING = 20 * 60


def make_ids(prefix: str, n: int, digits: int) -> np.ndarray:
    width = max(digits, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def nullable(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    out = np.asarray(values).astype(object)
    out[~present] = None
    return out


def clinicians_table(staff: list[Clinician]) -> Table:
    # Supervisors first, so each row's supervisor already exists when it is inserted.
    ordered = sorted(staff, key=lambda c: (c.supervisor is not None, c.index))
    return {
        "clinician_id": [c.clinician_id for c in ordered],
        "name": [c.name for c in ordered],
        "discipline": [c.discipline for c in ordered],
        "program": [c.program for c in ordered],
        "location": [LOCATIONS[c.location] for c in ordered],
        "fte": [c.fte for c in ordered],
        "max_caseload": [c.max_caseload for c in ordered],
        "weekly_session_target": [c.weekly_session_target for c in ordered],
        "languages": [";".join(c.languages) for c in ordered],
        "accepting_new": [c.accepting_new for c in ordered],
        "active": [c.active for c in ordered],
        "supervisor_id": [
            staff[c.supervisor].clinician_id if c.supervisor is not None else None for c in ordered
        ],
    }


def availability_table(staff: list[Clinician], clock: Clock) -> Table:
    rows = []
    for c in staff:
        for b in sorted(c.blocks, key=lambda b: (b.weekday, b.start, b.from_week)):
            effective_from = clock.date(b.from_week * 7).isoformat() if b.from_week else None
            effective_to = clock.date(b.to_week * 7 - 1).isoformat() if b.to_week else None
            rows.append(
                (
                    c.clinician_id,
                    b.weekday,
                    clock_time(b.start),
                    clock_time(b.end),
                    LOCATIONS[b.location],
                    effective_from,
                    effective_to,
                )
            )
    columns = (
        "clinician_id",
        "weekday",
        "start_time",
        "end_time",
        "location",
        "effective_from",
        "effective_to",
    )
    return {name: [row[i] for row in rows] for i, name in enumerate(columns)}


def time_off_table(staff: list[Clinician], plan: TimeOffPlan, cal: Calendar, clock: Clock) -> Table:
    """Vacations as whole weeks (Monday to Monday), days off and sick days as whole days,
    half days from noon; only those that touch the history or the booked weeks."""
    week = 7 * MINUTES_PER_DAY
    spans = [
        (c, first * week, (last + 1) * week, "Vacation") for c, first, last in _runs(plan.vacation)
    ]
    spans += [(c, d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY, r) for c, d, r in plan.days_off]
    spans += [
        (c, d * MINUTES_PER_DAY + NOON, d * MINUTES_PER_DAY + EVENING, "Half day")
        for c, d in plan.afternoons
    ]
    spans += [(c, d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY, "Sick") for c, d in plan.sick]
    first, last = cal.history_day * MINUTES_PER_DAY, (cal.horizon_day + 1) * MINUTES_PER_DAY
    spans = sorted(s for s in spans if s[2] > first and s[1] < last)
    return {
        "clinician_id": [staff[s[0]].clinician_id for s in spans],
        "start_at": clock.stamps(np.array([s[1] for s in spans], dtype=np.int64)),
        "end_at": clock.stamps(np.array([s[2] for s in spans], dtype=np.int64)),
        "reason": [s[3] for s in spans],
    }


def _runs(weeks: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(clinician, week) pairs merged into (clinician, first week, last week) runs."""
    runs: list[tuple[int, int, int]] = []
    for c, w in sorted(weeks):
        if runs and runs[-1][0] == c and runs[-1][2] == w - 1:
            runs[-1] = (c, runs[-1][1], w)
        else:
            runs.append((c, w, w))
    return runs


def client_order(clients: Clients) -> np.ndarray:
    """Written clients, by intake date, then clinician, then generation order."""
    shown = np.flatnonzero(clients.kept)
    order = np.lexsort((shown, clients.primary[shown], clients.intake_day[shown]))
    return shown[order]


def clients_table(
    clients: Clients,
    order: np.ndarray,
    ids: np.ndarray,
    staff: list[Clinician],
    names: NamePools,
    clock: Clock,
    rng: np.random.Generator,
) -> Table:
    clinician_ids = np.array([c.clinician_id for c in staff] + [None], dtype=object)
    primary = clients.primary[order]
    discharge = clients.discharge_day[order]
    return {
        "client_id": ids[order],
        "display_name": names.display_names(clients.language[order], rng),
        "preferred_language": clients.language[order],
        "program": np.array(PROGRAMS, dtype=object)[clients.program[order]],
        "primary_clinician_id": clinician_ids[primary],  # NONE (-1) picks the trailing None
        "intake_date": clock.dates(clients.intake_day[order]),
        "discharge_date": clock.dates(np.maximum(discharge, 0), discharge != NONE),
        "payer": payers(len(order), rng),
    }


def appointments_table(
    v: Visits,
    ids: np.ndarray,
    client_ids: np.ndarray,
    staff: list[Clinician],
    clock: Clock,
    tz: ZoneInfo,
) -> Table:
    clinician_ids = np.array([c.clinician_id for c in staff], dtype=object)
    cancelled = v.cancelled >= 0
    lead = np.full(len(v), None, dtype=object)
    lead[cancelled] = _cancel_leads(v.start[cancelled], v.cancelled[cancelled], clock, tz)
    return {
        "appointment_id": ids,
        "client_id": client_ids[v.client],
        "clinician_id": clinician_ids[v.clinician],
        "start_at": clock.stamps(v.start),
        "end_at": clock.stamps(v.start + v.duration),
        "duration_min": v.duration,
        "service": np.array(SERVICE_TYPES, dtype=object)[v.service],
        "service_code": v.code,
        "modality": np.array(MODALITIES, dtype=object)[v.modality],
        "location": np.array(LOCATIONS, dtype=object)[v.location],
        "status": np.array(APPOINTMENT_STATUSES, dtype=object)[v.status],
        "cancelled_at": clock.stamps(np.maximum(v.cancelled, 0), cancelled),
        "created_at": clock.stamps(v.created),
        "cancel_lead_min": lead,
        "version": np.ones(len(v), dtype=np.int64),
    }


def _cancel_leads(
    start: np.ndarray, cancelled: np.ndarray, clock: Clock, tz: ZoneInfo
) -> list[int]:
    """Real minutes from cancellation to start (db.timeutil.cancel_lead_minutes): plain
    subtraction when both days share one UTC offset all day, the exact rule otherwise."""
    start_day, cancel_day = start // MINUTES_PER_DAY, cancelled // MINUTES_PER_DAY
    days = np.unique(np.concatenate([start_day, cancel_day]))

    def offsets(at: dt.time) -> np.ndarray:
        return np.array(
            [dt.datetime.combine(clock.date(d), at, tz).utcoffset() for d in days.tolist()]
        )

    morning, night = offsets(dt.time(0)), offsets(dt.time(23, 59))
    s, c = np.searchsorted(days, start_day), np.searchsorted(days, cancel_day)
    steady = (morning[s] == night[s]) & (morning[c] == night[c]) & (morning[s] == morning[c])
    leads = (start - cancelled).astype(object)
    for i in np.flatnonzero(~steady).tolist():
        at_start, at_cancel = clock.datetimes(np.array([start[i], cancelled[i]]))
        leads[i] = cancel_lead_minutes(at_start, at_cancel, tz)
    return leads.tolist()


def waitlist_table(
    entries: dict[str, np.ndarray],
    client_ids: np.ndarray,
    clients: Clients,
    clock: Clock,
    rng: np.random.Generator,
) -> Table:
    order = np.lexsort((client_ids[entries["client"]].astype(str), entries["referred"]))
    client, removed = entries["client"][order], entries["removed"][order]
    resolved = entries["resolved"][order]
    n = len(order)
    u = rng.random(n)
    modality = np.select([u < 0.25, u < 0.45], ["telehealth", "in_person"], default="").astype(
        object
    )
    modality[modality == ""] = None
    reasons = np.array(REMOVAL_REASONS, dtype=object)[rng.integers(len(REMOVAL_REASONS), size=n)]
    resolution = np.where(removed, "removed", "scheduled").astype(object)
    resolution[resolved == NONE] = None
    return {
        "entry_id": make_ids("W", n, 4),
        "client_id": client_ids[client],
        "program": np.array(PROGRAMS, dtype=object)[clients.program[client]],
        "referred_at": clock.dates(entries["referred"][order]),
        "priority": np.where(entries["urgent"][order], "urgent", "routine").astype(object),
        "preferred_modality": modality,
        "language": clients.language[client],
        "resolved_at": clock.dates(np.maximum(resolved, 0), resolved != NONE),
        "resolution": resolution,
        "resolution_reason": nullable(reasons, removed),
        "version": np.ones(n, dtype=np.int64),
    }


def events_order(events: dict[str, np.ndarray], client_ids: np.ndarray) -> np.ndarray:
    return np.lexsort((client_ids[events["client"]].astype(str), events["occurred"]))


def events_table(
    events: dict[str, np.ndarray], ids: np.ndarray, client_ids: np.ndarray, clock: Clock
) -> Table:
    return {
        "event_id": ids,
        "client_id": client_ids[events["client"]],
        "kind": np.array(CARE_EVENT_KINDS, dtype=object)[events["kind"]],
        "occurred_at": clock.stamps(events["occurred"]),
        "occurred_date_only": events["date_only"].astype(bool),
    }


def feedback_table(scores: dict[str, np.ndarray], appointment_ids: np.ndarray) -> Table:
    srs, ors = scores["srs"], scores["ors"]
    return {
        "appointment_id": appointment_ids[scores["row"]],
        "srs": nullable(srs, ~np.isnan(srs)),
        "ors": nullable(ors, ~np.isnan(ors)),
        "phq9": nullable(scores["phq9"], scores["phq9"] != NONE),
        "gad7": nullable(scores["gad7"], scores["gad7"] != NONE),
    }


def tasks_table(
    tasks: dict[str, np.ndarray],
    appointment_ids: np.ndarray,
    client_ids: np.ndarray,
    staff: list[Clinician],
    clock: Clock,
) -> Table:
    order = np.lexsort((tasks["rule_key"].astype(str), tasks["created"]))
    t = {name: column[order] for name, column in tasks.items()}
    assignees = np.array([c.clinician_id for c in staff] + [FRONT_DESK], dtype=object)
    client, appointment, completed = t["client"], t["appointment"], t["completed"]
    return {
        "task_id": make_ids("T", len(order), 6),
        "kind": t["kind"],
        "due_at": clock.stamps((t["due_day"] + 1) * MINUTES_PER_DAY),
        "due_date_only": np.ones(len(order), dtype=bool),
        "client_id": nullable(client_ids[np.maximum(client, 0)], client != NONE),
        "appointment_id": nullable(
            appointment_ids[np.maximum(appointment, 0)], appointment != NONE
        ),
        "assignee": assignees[t["assignee"]],  # -1 picks the trailing front desk
        "status": t["status"],
        "created_at": clock.stamps(t["created"]),
        "completed_at": clock.stamps(np.maximum(completed, 0), completed != NONE),
        "note": t["note"],
        "rule_key": t["rule_key"],
        "version": np.ones(len(order), dtype=np.int64),
    }
