"""Typed SQLAlchemy models of the practice: the schema every layer reads.

All date-times are naive wall-clock times in ``PRACTICE_TZ`` (metrics.md: a 09:00 session is
09:00 on both sides of a DST change). Conversion from offsets happens once, on the way in.
The practice's own ids (strings) are the primary keys, so an import upserts by them and an
export writes them back unchanged. On PostgreSQL they use the "C" collation, so ordering by
id (the continuity tie-break) is bytewise on both databases.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.vocab import (
    APPOINTMENT_STATUSES,
    CARE_EVENT_KINDS,
    MODALITIES,
    ROLES,
    SCORE_RANGES,
    SERVICE_TYPES,
    TASK_STATUSES,
    WAITLIST_PRIORITIES,
    WAITLIST_RESOLUTIONS,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PracticeId = String(64).with_variant(String(64, collation="C"), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _in_or_null(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IS NULL OR {_in(column, values)}"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Clinician(Base):
    __tablename__ = "clinicians"

    clinician_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str | None] = mapped_column(String(100))
    program: Mapped[str | None] = mapped_column(String(100), index=True)
    location: Mapped[str | None] = mapped_column(String(100))
    fte: Mapped[float | None] = mapped_column(Float)
    max_caseload: Mapped[int | None] = mapped_column(Integer)
    weekly_session_target: Mapped[int | None] = mapped_column(Integer)
    languages: Mapped[str | None] = mapped_column(String(200))  # ";"-separated, as imported
    accepting_new: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor_id: Mapped[str | None] = mapped_column(
        PracticeId, ForeignKey("clinicians.clinician_id")
    )

    __table_args__ = (
        CheckConstraint("fte IS NULL OR (fte >= 0 AND fte <= 1.5)", name="fte_range"),
        CheckConstraint("max_caseload IS NULL OR max_caseload >= 0", name="max_caseload_range"),
        CheckConstraint(
            "weekly_session_target IS NULL OR weekly_session_target >= 0", name="target_range"
        ),
    )


class Availability(Base):
    """One block of a clinician's weekly template, valid between optional effective dates."""

    __tablename__ = "availability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clinician_id: Mapped[str] = mapped_column(
        PracticeId, ForeignKey("clinicians.clinician_id"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    location: Mapped[str | None] = mapped_column(String(100))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint(
            "effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from",
            name="effective_order",
        ),
    )


class TimeOff(Base):
    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clinician_id: Mapped[str] = mapped_column(PracticeId, ForeignKey("clinicians.clinician_id"))
    start_at: Mapped[dt.datetime] = mapped_column(DateTime)
    end_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        Index(None, "clinician_id", "start_at"),
    )


class Client(Base):
    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    preferred_language: Mapped[str | None] = mapped_column(String(50))
    program: Mapped[str | None] = mapped_column(String(100), index=True)
    primary_clinician_id: Mapped[str | None] = mapped_column(
        PracticeId, ForeignKey("clinicians.clinician_id"), index=True
    )
    intake_date: Mapped[dt.date] = mapped_column(Date)
    discharge_date: Mapped[dt.date | None] = mapped_column(Date)
    payer: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint(
            "discharge_date IS NULL OR discharge_date >= intake_date", name="discharge_order"
        ),
    )


class Appointment(Base):
    __tablename__ = "appointments"

    appointment_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    client_id: Mapped[str] = mapped_column(PracticeId, ForeignKey("clients.client_id"))
    clinician_id: Mapped[str] = mapped_column(PracticeId, ForeignKey("clinicians.clinician_id"))
    start_at: Mapped[dt.datetime] = mapped_column(DateTime)
    end_at: Mapped[dt.datetime] = mapped_column(DateTime)
    duration_min: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(30), default="individual")
    # The CPT code the practice sent, when it sent one instead of a service name.
    service_code: Mapped[str | None] = mapped_column(String(10))
    modality: Mapped[str] = mapped_column(String(20), default="in_person")
    location: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Real elapsed minutes from cancellation to start, kept so SQL can apply the late-cancel
    # rule with a configurable threshold on both databases alike.
    cancel_lead_min: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The state of its session feedback (vocab.FEEDBACK_*), set by triggers on
    # session_feedback (migration 0008); never written by careboard's own code.
    feedback: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))

    __table_args__ = (
        CheckConstraint(_in("status", APPOINTMENT_STATUSES), name="status_set"),
        CheckConstraint(_in("service", SERVICE_TYPES), name="service_set"),
        CheckConstraint(_in("modality", MODALITIES), name="modality_set"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("duration_min > 0", name="duration_positive"),
        Index(None, "start_at"),
        Index(None, "clinician_id", "start_at"),
        Index(None, "client_id", "start_at"),
        # Covering for "which appointments hold this clinician's time" (open slots, third next
        # available): no table row is read (migration 0005).
        Index(
            "ix_appointments_held_by_clinician",
            "clinician_id",
            "start_at",
            "end_at",
            "status",
            "cancel_lead_min",
        ),
        # The filter bar's locations, one seek per name (migration 0006).
        Index("ix_appointments_location", "location"),
    )


class WaitlistEntry(Base):
    __tablename__ = "waitlist_entries"

    entry_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    client_id: Mapped[str] = mapped_column(PracticeId, ForeignKey("clients.client_id"), index=True)
    program: Mapped[str] = mapped_column(String(100))
    referred_at: Mapped[dt.date] = mapped_column(Date, index=True)
    priority: Mapped[str] = mapped_column(String(10), default="routine")
    preferred_modality: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(50))
    resolved_at: Mapped[dt.date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The start of the client's first visit on or after referred_at (null: none yet), set by
    # triggers on appointments and waitlist entries (migration 0010); never written by
    # careboard's own code.
    first_visit_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(_in("priority", WAITLIST_PRIORITIES), name="priority_set"),
        CheckConstraint(_in_or_null("resolution", WAITLIST_RESOLUTIONS), name="resolution_set"),
        CheckConstraint(
            _in_or_null("preferred_modality", MODALITIES), name="preferred_modality_set"
        ),
        CheckConstraint("resolved_at IS NULL OR resolved_at >= referred_at", name="resolved_order"),
        # Time to intake of a period: one range, no table row (migration 0010).
        Index("ix_waitlist_entries_first_visit_at", "first_visit_at", "program", "referred_at"),
    )


class Task(Base):
    __tablename__ = "tasks"

    task_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    # The due moment. A task due on a date alone is due at the end of that day, stored as the
    # next day's 00:00 with due_date_only set, so "overdue" is one comparison in SQL.
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    due_date_only: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[str | None] = mapped_column(
        PracticeId, ForeignKey("clients.client_id"), index=True
    )
    appointment_id: Mapped[str | None] = mapped_column(
        PracticeId, ForeignKey("appointments.appointment_id")
    )
    # A clinician id, or "front_desk" for the front-desk queue.
    assignee: Mapped[str | None] = mapped_column(PracticeId, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    # Set on rule-generated tasks: one task per rule and subject, so reruns create nothing.
    rule_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    closed_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(_in("status", TASK_STATUSES), name="status_set"),
        Index(None, "status", "assignee"),
        # Closed tasks newest first, of everyone or of one assignee (migration 0011).
        Index("ix_tasks_completed_at", "completed_at"),
        Index("ix_tasks_assignee_completed_at", "assignee", "completed_at"),
    )


class CareEvent(Base):
    __tablename__ = "care_events"

    event_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    client_id: Mapped[str] = mapped_column(PracticeId, ForeignKey("clients.client_id"))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    occurred_date_only: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(_in("kind", CARE_EVENT_KINDS), name="kind_set"),
        Index(None, "client_id", "occurred_at"),
        Index(None, "kind", "occurred_at"),
    )


def _score_check(name: str) -> CheckConstraint:
    low, high = SCORE_RANGES[name]
    return CheckConstraint(
        f"{name} IS NULL OR ({name} >= {low} AND {name} <= {high})", name=f"{name}_range"
    )


class SessionFeedback(Base):
    """Session Rating Scale, Outcome Rating Scale, PHQ-9 and GAD-7 for one appointment."""

    __tablename__ = "session_feedback"

    appointment_id: Mapped[str] = mapped_column(
        PracticeId, ForeignKey("appointments.appointment_id"), primary_key=True
    )
    srs: Mapped[float | None] = mapped_column(Float)
    ors: Mapped[float | None] = mapped_column(Float)
    phq9: Mapped[int | None] = mapped_column(Integer)
    gad7: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = tuple(_score_check(name) for name in SCORE_RANGES)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    clinician_id: Mapped[str | None] = mapped_column(
        PracticeId, ForeignKey("clinicians.clinician_id")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on disable, role change and password change: every session minted under an older
    # value is dead at its next request.
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role_set"),
        CheckConstraint("role <> 'clinician' OR clinician_id IS NOT NULL", name="clinician_linked"),
    )


class UserSession(Base):
    """A server-side login session; the cookie carries only its random token."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    auth_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_active_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(100))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index(None, "username", "at"), Index(None, "remote_addr", "at"))


class AuditEntry(Base):
    """Append-only audit trail (HIPAA 164.312(b)); triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))  # read, export, write, login, admin
    target: Mapped[str] = mapped_column(String(200))  # page, callback or command
    client_ids: Mapped[str | None] = mapped_column(Text)  # ","-joined practice ids
    row_count: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(30))  # ok, denied, conflict, invalid, error
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "username", "at"),)


class Meta(Base):
    """Key/value facts about the database, e.g. the data version caches are keyed by."""

    __tablename__ = "careboard_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class VisitSequence(Base):
    """A rollup of visits (kept appointments of any type but group), one row per visit, each
    knowing its neighbours in the client's sequence (by start, then appointment id): continuity
    over any window then needs no window function (migration 0004). Kept current by every
    writer of appointments, in the same transaction (``db.visit_sequence``)."""

    __tablename__ = "visit_sequence"

    appointment_id: Mapped[str] = mapped_column(PracticeId, primary_key=True)
    client_id: Mapped[str] = mapped_column(PracticeId)
    clinician_id: Mapped[str] = mapped_column(PracticeId)
    start_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The client's previous and next visit, whenever they are; null for the first / last.
    prev_start_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    next_start_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # 1 when the previous visit was with the same clinician, 0 when not, null for the first.
    same_clinician: Mapped[int | None] = mapped_column(Integer)
    # The visit's place in the client's sequence, from 1.
    seq: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index(
            "ix_visit_sequence_window",
            "start_at",
            "prev_start_at",
            "next_start_at",
            "client_id",
            "seq",
        ),
        Index(
            "ix_visit_sequence_client",
            "client_id",
            "start_at",
            "clinician_id",
            "prev_start_at",
            "same_clinician",
        ),
        Index(
            "ix_visit_sequence_changes",
            "start_at",
            "client_id",
            "prev_start_at",
            sqlite_where=text("same_clinician = 0"),
            postgresql_where=text("same_clinician = 0"),
        ),
        # First visits ever, for early engagement (migration 0012).
        Index(
            "ix_visit_sequence_first",
            "start_at",
            "next_start_at",
            "client_id",
            sqlite_where=text("seq = 1"),
            postgresql_where=text("seq = 1"),
        ),
    )


__all__ = [
    "Appointment",
    "AuditEntry",
    "Availability",
    "Base",
    "CareEvent",
    "Client",
    "Clinician",
    "LoginAttempt",
    "Meta",
    "SessionFeedback",
    "Task",
    "TimeOff",
    "User",
    "UserSession",
    "VisitSequence",
    "WaitlistEntry",
]

# Registers the flush listener that keeps VisitSequence current on every ORM write of
# appointments; imported last, as it builds on the models above.
import db.visit_sequence  # noqa: E402, F401
