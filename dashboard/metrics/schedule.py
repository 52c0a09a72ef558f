"""Counts of appointments by status over a window: the front desk's "today" figures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, func, select

from dashboard.metrics.common import (
    Filters,
    Rules,
    all_of,
    appointment_conditions,
    effective_status,
)
from db.models import Appointment
from db.vocab import HELD_STATUSES

CANCELLED = ("cancelled_client", "cancelled_clinician")


def status_counts(
    conn: Connection, start: dt.datetime, end: dt.datetime, filters: Filters, rules: Rules
) -> dict[str, int]:
    """Appointments starting in [start, end): booked (held), checked in, completed, no-shows,
    late cancels and cancellations, after the late-cancel reclassification."""
    status = effective_status(rules)
    window = and_(Appointment.start_at >= start, Appointment.start_at < end)
    rows = conn.execute(
        select(status.label("status"), func.count().label("n"))
        .where(window, all_of(appointment_conditions(filters)))
        .group_by(status)
    ).all()
    by_status = {row.status: int(row.n) for row in rows}
    return {
        "booked": sum(by_status.get(s, 0) for s in HELD_STATUSES),
        "checked_in": by_status.get("checked_in", 0),
        "completed": by_status.get("completed", 0),
        "no_show": by_status.get("no_show", 0),
        "late_cancel": by_status.get("late_cancel", 0),
        "cancelled": sum(by_status.get(s, 0) for s in CANCELLED),
    }
