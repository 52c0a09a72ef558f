"""Shared pieces of every indicator: the period and as-of rules, the rules' parameters, the
filter table of metrics.md turned into SQL conditions, the late-cancel reclassification and the
rounding. Every area module builds on these, so a rule is written once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, literal, or_, select, true
from sqlalchemy.sql.elements import KeyedColumnElement

from dashboard.metrics.sqlfn import unindexed
from db.models import Appointment, Client, Clinician, WaitlistEntry
from db.vocab import FRONT_DESK, HELD_STATUSES, KEPT_STATUSES, NON_VISIT_SERVICES

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Rules:
    """The practice's configurable rule parameters (metrics.md defaults)."""

    late_cancel_hours: float = 24.0
    waitlist_target_days: Mapping[str, int] = field(
        default_factory=lambda: {"routine": 14, "urgent": 1}
    )
    # How far ahead third next available looks before it gives up (null).
    slot_horizon_days: int = 90
    slot_minutes: int = 60
    lost_after_days: int = 30

    @property
    def late_cancel_minutes(self) -> float:
        return self.late_cancel_hours * 60


@dataclass(frozen=True)
class Filters:
    """The filter bar: clinician, program, location, modality; combined with AND."""

    clinician: str | None = None
    program: str | None = None
    location: str | None = None
    modality: str | None = None

    def with_clinician(self, clinician_id: str) -> Filters:
        return Filters(clinician_id, self.program, self.location, self.modality)

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass(frozen=True)
class Period:
    """Two inclusive dates and the as-of instant (naive wall-clock time in PRACTICE_TZ)."""

    start: dt.date
    end: dt.date
    as_of: dt.datetime

    @classmethod
    def make(
        cls,
        start: dt.date,
        end: dt.date,
        as_of: dt.datetime | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> Period:
        """Build a period; as-of defaults to the earlier of now and ``end + 1 day`` 00:00."""
        if end < start:
            raise ValueError(f"period end {end} is before its start {start}")
        if as_of is None:
            end_at = dt.datetime.combine(end + ONE_DAY, dt.time())
            as_of = min(now, end_at) if now is not None else end_at
        return cls(start, end, as_of)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive end: ``end + 1 day`` 00:00."""
        return dt.datetime.combine(self.end + ONE_DAY, dt.time())

    @property
    def as_of_date(self) -> dt.date:
        """The day in which the instant just before as-of falls."""
        return (self.as_of - dt.timedelta(microseconds=1)).date()

    @property
    def past_end(self) -> dt.datetime:
        """The end of the past part of the period: the earlier of as-of and ``end + 1 day``."""
        return min(self.as_of, self.end_at)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one, as of its own end."""
        length = dt.timedelta(days=self.days)
        start, end = self.start - length, self.start - ONE_DAY
        return Period(start, end, dt.datetime.combine(end + ONE_DAY, dt.time()))

    def as_dict(self) -> dict[str, str]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(timespec="seconds"),
        }


# --- appointments ------------------------------------------------------------------------------


def _late_client_cancellation(rules: Rules) -> ColumnElement[bool]:
    return and_(
        Appointment.status == "cancelled_client",
        Appointment.cancel_lead_min.is_not(None),
        Appointment.cancel_lead_min < rules.late_cancel_minutes,
    )


def effective_status(rules: Rules) -> ColumnElement[str]:
    """The status after a client cancellation less than the late-cancel threshold before the
    start has been moved to ``late_cancel`` (metrics.md: "counts as late_cancel everywhere")."""
    late = _late_client_cancellation(rules)
    return case((late, literal("late_cancel")), else_=Appointment.status)


def is_held(rules: Rules) -> ColumnElement[bool]:
    # A late client cancellation is itself held (late_cancel is in the held set).
    return effective_status(rules).in_(HELD_STATUSES)


def is_held_plainly(rules: Rules) -> ColumnElement[bool]:
    """``is_held`` without the CASE: the stored status is held, or the appointment is a late
    client cancellation. The same rows (a late cancellation's stored status, cancelled_client,
    is not held by itself), in a form whose share of rows PostgreSQL's planner estimates; it
    took the CASE for a rare condition and so read every appointment of a client to find its
    newest held one."""
    return or_(Appointment.status.in_(HELD_STATUSES), _late_client_cancellation(rules))


def _inline(values: tuple[str, ...]) -> Any:
    """The values as literals in the SQL text (not bound parameters), so that both databases
    can match the condition to the partial visit indexes (migration 0002)."""
    return bindparam(None, values, expanding=True, literal_execute=True)


def is_kept(appointments: Any = Appointment) -> ColumnElement[bool]:
    if len(KEPT_STATUSES) == 1:
        return appointments.status == literal(KEPT_STATUSES[0], literal_execute=True)
    return appointments.status.in_(_inline(KEPT_STATUSES))


def is_visit_row(appointments: Any = Appointment) -> ColumnElement[bool]:
    """Kept appointments of any type but group, whenever they start: the partial visit
    indexes' own condition (``appointments``: the model or an alias of it)."""
    if len(NON_VISIT_SERVICES) == 1:
        service = appointments.service != literal(NON_VISIT_SERVICES[0], literal_execute=True)
    else:
        service = appointments.service.not_in(_inline(NON_VISIT_SERVICES))
    return and_(is_kept(appointments), service)


def is_visit(period: Period) -> ColumnElement[bool]:
    """Past kept appointments of any type but group."""
    return and_(is_visit_row(), Appointment.start_at < period.as_of)


def in_period(period: Period, column: KeyedColumnElement[Any] | None = None) -> ColumnElement[bool]:
    column = Appointment.start_at if column is None else column
    return and_(column >= period.start_at, column < period.end_at)


def appointment_conditions(
    filters: Filters, *, scan: Collection[str] = ()
) -> list[ColumnElement[bool]]:
    """Filter-table column "appointments": clinician, the client's program, appointment
    location, appointment modality. The filters named in ``scan`` ("program", "location") are
    tested on each row read rather than leading the read through their index: for a read
    that walks a range in index order, seeking thousands of clients' appointments and sorting
    them cost more on SQLite (same rows either way)."""

    def led(column: Any, name: str) -> Any:
        return unindexed(column) if name in scan else column

    conditions: list[ColumnElement[bool]] = []
    if filters.clinician:
        conditions.append(Appointment.clinician_id == filters.clinician)
    if filters.program:
        clients = select(Client.client_id).where(Client.program == filters.program)
        conditions.append(led(Appointment.client_id, "program").in_(clients))
    if filters.location:
        conditions.append(led(Appointment.location, "location") == filters.location)
    if filters.modality:
        conditions.append(Appointment.modality == filters.modality)
    return conditions


# --- clients -----------------------------------------------------------------------------------


def client_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Filter-table column "clients": primary clinician, program, the primary clinician's home
    location; modality does not filter clients."""
    conditions: list[ColumnElement[bool]] = []
    if filters.clinician:
        conditions.append(Client.primary_clinician_id == filters.clinician)
    if filters.program:
        conditions.append(Client.program == filters.program)
    if filters.location:
        conditions.append(
            Client.primary_clinician_id.in_(
                select(Clinician.clinician_id).where(Clinician.location == filters.location)
            )
        )
    return conditions


def active_client_condition(as_of_date: dt.date) -> ColumnElement[bool]:
    """On a caseload as of a date. A client with no primary clinician is on nobody's caseload
    (someone still waiting for intake), so is not counted as active."""
    return and_(
        Client.primary_clinician_id.is_not(None),
        Client.intake_date <= as_of_date,
        (Client.discharge_date.is_(None)) | (Client.discharge_date > as_of_date),
    )


# --- waitlist entries --------------------------------------------------------------------------


def waitlist_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Filter-table column "waitlist entries": program only."""
    return [WaitlistEntry.program == filters.program] if filters.program else []


def open_entry_condition(day: dt.date) -> ColumnElement[bool]:
    """Open on a date: referred by then and not resolved by then."""
    return and_(
        WaitlistEntry.referred_at <= day,
        or_(WaitlistEntry.resolved_at.is_(None), WaitlistEntry.resolved_at > day),
    )


# --- clinicians --------------------------------------------------------------------------------


def clinician_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Filter-table column "clinicians counted": X, program, home location."""
    conditions: list[ColumnElement[bool]] = []
    if filters.clinician:
        conditions.append(Clinician.clinician_id == filters.clinician)
    if filters.program:
        conditions.append(Clinician.program == filters.program)
    if filters.location:
        conditions.append(Clinician.location == filters.location)
    return conditions


def all_of(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(true(), *conditions)


def is_front_desk(assignee: str | None) -> bool:
    return assignee == FRONT_DESK


# --- numbers -----------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """A rate; null (never 0) when the denominator is 0 or unknown."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def round_or_none(value: float | None, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def rate(value: float | None) -> float | None:
    return round_or_none(value, 4)


def hours(value: float | None) -> float | None:
    return round_or_none(value, 2)


def days(value: float | None) -> float | None:
    return round_or_none(value, 1)
