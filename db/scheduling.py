"""The front desk's writes: appointment status changes and waitlist resolutions.

Each write is one transaction that checks the version the user saw (``UPDATE ... WHERE version
= :seen``: a stale edit writes nothing and is reported as a conflict), is harmless when
repeated (a double click finds the change already made and writes nothing), is audited in the
same transaction and bumps the data version.

The status rules are a pure function, ``allowed_actions``, so the page and the write agree:

- only ``scheduled``/``confirmed`` appointments change, plus a checked-in one that is then
  completed or cancelled by the clinician; a cancelled, completed or missed one is final (no
  check-in of a cancelled appointment);
- an appointment starting more than a day (24 real hours) from now can only be cancelled;
- check-in is for today's and past appointments; completed and no-show once the start has
  passed; a late cancel only within the late-cancel window;
- a client cancellation less than ``late_cancel_hours`` before the start is stored as
  ``late_cancel``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.audit import Actor, audit_values, record_in
from db.engine import Database
from db.meta import bump_data_version
from db.models import Appointment, WaitlistEntry
from db.timeutil import cancel_lead_minutes, elapsed_minutes
from db.visit_sequence import refresh_clients
from db.vocab import WAITLIST_RESOLUTIONS

# Action -> the status it sets (a client cancellation may become late_cancel, see target_status).
ACTIONS: dict[str, str] = {
    "check_in": "checked_in",
    "complete": "completed",
    "no_show": "no_show",
    "late_cancel": "late_cancel",
    "cancel_client": "cancelled_client",
    "cancel_clinician": "cancelled_clinician",
}
ACTION_LABELS: dict[str, str] = {
    "check_in": "Check in",
    "complete": "Completed",
    "no_show": "No-show",
    "late_cancel": "Late cancel",
    "cancel_client": "Cancelled by client",
    "cancel_clinician": "Cancelled by clinician",
}
CANCELLATIONS = ("late_cancel", "cancel_client", "cancel_clinician")
NOT_YET_SEEN = ("scheduled", "confirmed")
# "More than a day ahead": real elapsed minutes, so a DST night does not stretch the day.
DAY_AHEAD_MINUTES = 24 * 60
OUTREACH_STATUSES = ("no_show", "late_cancel")
CHANGED_ELSEWHERE = "was changed by someone else in the meantime; it has been reloaded"


@dataclass(frozen=True)
class WriteResult:
    """What a write did: ``ok`` (changed), ``unchanged`` (already so), ``conflict`` (stale
    version), ``refused`` (against the rules) or ``missing`` (no such row)."""

    outcome: str
    message: str
    client_ids: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.outcome == "ok"


# --- the rules -----------------------------------------------------------------------------------


def allowed_actions(
    status: str,
    start_at: dt.datetime,
    now: dt.datetime,
    *,
    tz: ZoneInfo,
    late_cancel_hours: float = 24.0,
) -> tuple[str, ...]:
    """The status changes the front desk may make to an appointment now, in ACTIONS order."""
    if status == "checked_in":
        return ("complete", "cancel_clinician")
    if status not in NOT_YET_SEEN:
        return ()
    lead = elapsed_minutes(now, start_at, tz)
    if lead > DAY_AHEAD_MINUTES:
        return ("cancel_client", "cancel_clinician")
    allowed = set(CANCELLATIONS)
    if lead >= late_cancel_hours * 60:
        allowed.discard("late_cancel")
    if start_at.date() <= now.date():
        allowed.add("check_in")
    if start_at <= now:
        allowed.update(("complete", "no_show"))
    return tuple(action for action in ACTIONS if action in allowed)


def target_status(
    action: str,
    start_at: dt.datetime,
    now: dt.datetime,
    *,
    tz: ZoneInfo,
    late_cancel_hours: float = 24.0,
) -> str:
    """The status an action sets: a client cancellation less than ``late_cancel_hours``
    before the start is a late cancel."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action == "cancel_client":
        lead = cancel_lead_minutes(start_at, now, tz)
        if lead is not None and lead < late_cancel_hours * 60:
            return "late_cancel"
    return ACTIONS[action]


# --- appointment status --------------------------------------------------------------------------


def _ensure_outreach(session: Session, appointment_id: str, now: dt.datetime) -> bool:
    """The front desk's outreach task for a no-show or late cancel, in this transaction."""
    from db.task_queue import ensure_outreach_task  # imported late: the queue imports models

    return ensure_outreach_task(session, appointment_id, now)


def _audit(
    session: Session,
    actor: Actor,
    target: str,
    outcome: str,
    now: dt.datetime,
    client_id: str | None,
    detail: str,
) -> None:
    ids = [client_id] if client_id else None
    record_in(
        session, audit_values(actor, "write", target, outcome, now, client_ids=ids, detail=detail)
    )


def change_status(
    db: Database,
    appointment_id: str,
    action: str,
    seen_version: int,
    *,
    actor: Actor,
    target: str,
    now: dt.datetime,
    tz: ZoneInfo,
    late_cancel_hours: float = 24.0,
) -> WriteResult:
    """Apply ``action`` to the appointment the user saw at ``seen_version``, in one
    transaction (see the module docstring)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    label = ACTION_LABELS[action].lower()
    with db.write() as session:
        row = session.execute(
            select(
                Appointment.client_id,
                Appointment.status,
                Appointment.start_at,
                Appointment.version,
            ).where(Appointment.appointment_id == appointment_id)
        ).one_or_none()
        subject = f"appointment {appointment_id}"
        if row is None:
            _audit(session, actor, target, "invalid", now, None, f"{subject}: not found")
            return WriteResult("missing", "That appointment no longer exists.")
        ids = (row.client_id,)
        status = target_status(
            action, row.start_at, now, tz=tz, late_cancel_hours=late_cancel_hours
        )
        if row.status == status:
            _audit(session, actor, target, "ok", now, row.client_id, f"{subject}: already {status}")
            return WriteResult("unchanged", f"Already {status.replace('_', ' ')}.", ids)
        if row.version != seen_version:
            _audit(session, actor, target, "conflict", now, row.client_id, f"{subject}: {label}")
            return WriteResult("conflict", f"This appointment {CHANGED_ELSEWHERE}.", ids)
        allowed = allowed_actions(
            row.status, row.start_at, now, tz=tz, late_cancel_hours=late_cancel_hours
        )
        if action not in allowed:
            detail = f"{subject}: {label} not allowed from {row.status}"
            _audit(session, actor, target, "invalid", now, row.client_id, detail)
            return WriteResult("refused", _refusal(row.status, action), ids)
        values: dict[str, object] = {
            "status": status,
            "version": Appointment.version + 1,
            "updated_at": now,
        }
        if action in CANCELLATIONS:
            values["cancelled_at"] = now
            values["cancel_lead_min"] = cancel_lead_minutes(row.start_at, now, tz)
        changed = session.execute(
            update(Appointment)
            .where(
                Appointment.appointment_id == appointment_id,
                Appointment.version == seen_version,
            )
            .values(**values)
        ).rowcount
        if not changed:
            # Another request changed it between our read and write (a double click racing
            # itself on PostgreSQL ends here too).
            current = session.execute(
                select(Appointment.status).where(Appointment.appointment_id == appointment_id)
            ).scalar_one_or_none()
            if current == status:
                return WriteResult("unchanged", f"Already {status.replace('_', ' ')}.", ids)
            _audit(session, actor, target, "conflict", now, row.client_id, f"{subject}: {label}")
            return WriteResult("conflict", f"This appointment {CHANGED_ELSEWHERE}.", ids)
        # Completed (or no longer completed) moves the client's visit sequence.
        refresh_clients(session.connection(), ids)
        if status in OUTREACH_STATUSES:
            _ensure_outreach(session, appointment_id, now)
        detail = f"{subject}: {row.status} -> {status}"
        _audit(session, actor, target, "ok", now, row.client_id, detail)
        bump_data_version(session)
    return WriteResult("ok", f"Marked {status.replace('_', ' ')}.", ids)


def _refusal(status: str, action: str) -> str:
    label = ACTION_LABELS[action]
    if status not in NOT_YET_SEEN and status != "checked_in":
        return f"{label} is not possible: the appointment is already {status.replace('_', ' ')}."
    return (
        f"{label} is not possible now: an appointment more than a day ahead can only be "
        "cancelled, check-in is for today's appointments, and completed or no-show only "
        "after the start."
    )


# --- waitlist ------------------------------------------------------------------------------------


def resolve_entry(
    db: Database,
    entry_id: str,
    resolution: str,
    reason: str | None,
    seen_version: int,
    *,
    actor: Actor,
    target: str,
    now: dt.datetime,
) -> WriteResult:
    """Mark a waitlist entry ``scheduled`` or ``removed`` (a removal needs a reason) as of
    today, version-checked, audited, in one transaction."""
    if resolution not in WAITLIST_RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    reason = (reason or "").strip() or None
    subject = f"waitlist entry {entry_id}"
    with db.write() as session:
        row = session.execute(
            select(
                WaitlistEntry.client_id,
                WaitlistEntry.referred_at,
                WaitlistEntry.resolution,
                WaitlistEntry.version,
            ).where(WaitlistEntry.entry_id == entry_id)
        ).one_or_none()
        if row is None:
            _audit(session, actor, target, "invalid", now, None, f"{subject}: not found")
            return WriteResult("missing", "That waitlist entry no longer exists.")
        ids = (row.client_id,)
        if row.resolution == resolution:
            _audit(
                session, actor, target, "ok", now, row.client_id, f"{subject}: already {resolution}"
            )
            return WriteResult("unchanged", f"Already marked {resolution}.", ids)
        if row.version != seen_version:
            _audit(
                session, actor, target, "conflict", now, row.client_id, f"{subject}: {resolution}"
            )
            return WriteResult("conflict", f"This entry {CHANGED_ELSEWHERE}.", ids)
        if row.resolution is not None:
            detail = f"{subject}: already {row.resolution}"
            _audit(session, actor, target, "invalid", now, row.client_id, detail)
            return WriteResult("refused", f"This entry is already {row.resolution}.", ids)
        if resolution == "removed" and not reason:
            return WriteResult("refused", "Give a reason for removing the entry.", ids)
        changed = session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.entry_id == entry_id, WaitlistEntry.version == seen_version)
            .values(
                resolution=resolution,
                resolved_at=max(now.date(), row.referred_at),
                resolution_reason=reason,
                version=WaitlistEntry.version + 1,
                updated_at=now,
            )
        ).rowcount
        if not changed:
            current = session.execute(
                select(WaitlistEntry.resolution).where(WaitlistEntry.entry_id == entry_id)
            ).scalar_one_or_none()
            if current == resolution:
                return WriteResult("unchanged", f"Already marked {resolution}.", ids)
            _audit(
                session, actor, target, "conflict", now, row.client_id, f"{subject}: {resolution}"
            )
            return WriteResult("conflict", f"This entry {CHANGED_ELSEWHERE}.", ids)
        detail = f"{subject}: open -> {resolution}" + (f" ({reason})" if reason else "")
        _audit(session, actor, target, "ok", now, row.client_id, detail)
        bump_data_version(session)
    return WriteResult("ok", f"Marked {resolution}.", ids)


__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "WriteResult",
    "allowed_actions",
    "change_status",
    "resolve_entry",
    "target_status",
]
