"""A terse builder of small hand-built practices, for tests whose answers are worked by hand.

Every method writes one row and commits, so the test reads like the practice it describes:

    p = Practice(db)
    p.clinician("C1")
    p.client("K1", primary="C1", intake="2026-01-05")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00", status="completed")

Dates are "YYYY-MM-DD" strings (or dates), date-times "YYYY-MM-DDTHH:MM" (or datetimes), all
wall-clock in PRACTICE_TZ, as in the import format.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

from db.engine import Database
from db.models import (
    Appointment,
    Availability,
    CareEvent,
    Client,
    Clinician,
    SessionFeedback,
    Task,
    TimeOff,
    User,
    WaitlistEntry,
)
from db.timeutil import cancel_lead_minutes

TZ = ZoneInfo("America/Chicago")
WEEKDAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}


def d(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(value)


def t(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def hm(value: str | dt.time) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


@functools.lru_cache(maxsize=32)
def _hash(password: str) -> str:
    """argon2 is slow on purpose; tests reuse one hash per password."""
    from dashboard.auth.passwords import hash_password

    return hash_password(password)


class Practice:
    def __init__(self, db: Database, tz: ZoneInfo = TZ) -> None:
        self.db = db
        self.tz = tz

    def _add(self, row: Any) -> Any:
        with self.db.write() as session:
            session.add(row)
        return row

    def clinician(self, clinician_id: str, **kw: Any) -> Clinician:
        values: dict[str, Any] = {
            "name": f"Clinician {clinician_id}",
            "discipline": "LCSW",
            "program": "Adult",
            "location": "Main",
            "fte": 1.0,
            "max_caseload": 40,
            "weekly_session_target": 22,
            "languages": "English",
            "accepting_new": True,
            "active": True,
        }
        values.update(kw)
        return self._add(Clinician(clinician_id=clinician_id, **values))

    def availability(
        self,
        clinician_id: str,
        weekday: str | int,
        start: str,
        end: str,
        *,
        location: str | None = None,
        effective_from: str | None = None,
        effective_to: str | None = None,
    ) -> Availability:
        day = WEEKDAYS[weekday] if isinstance(weekday, str) else weekday
        return self._add(
            Availability(
                clinician_id=clinician_id,
                weekday=day,
                start_time=hm(start),
                end_time=hm(end),
                location=location,
                effective_from=d(effective_from),
                effective_to=d(effective_to),
            )
        )

    def time_off(
        self, clinician_id: str, start_at: str, end_at: str, reason: str = "PTO"
    ) -> TimeOff:
        return self._add(
            TimeOff(
                clinician_id=clinician_id, start_at=t(start_at), end_at=t(end_at), reason=reason
            )
        )

    def client(
        self,
        client_id: str,
        *,
        primary: str | None = None,
        intake: str = "2026-01-05",
        discharge: str | None = None,
        program: str | None = "Adult",
        language: str | None = "English",
        payer: str | None = None,
    ) -> Client:
        return self._add(
            Client(
                client_id=client_id,
                display_name=f"Client {client_id}",
                preferred_language=language,
                program=program,
                primary_clinician_id=primary,
                intake_date=d(intake),
                discharge_date=d(discharge),
                payer=payer,
            )
        )

    def appointment(
        self,
        appointment_id: str,
        client_id: str,
        clinician_id: str,
        start_at: str | dt.datetime,
        *,
        minutes: int = 60,
        status: str = "completed",
        service: str = "individual",
        modality: str = "in_person",
        location: str | None = "Main",
        cancelled_at: str | None = None,
        created_at: str | None = None,
    ) -> Appointment:
        start = t(start_at)
        assert start is not None
        cancelled = t(cancelled_at)
        return self._add(
            Appointment(
                appointment_id=appointment_id,
                client_id=client_id,
                clinician_id=clinician_id,
                start_at=start,
                end_at=start + dt.timedelta(minutes=minutes),
                duration_min=minutes,
                service=service,
                modality=modality,
                location=location,
                status=status,
                cancelled_at=cancelled,
                created_at=t(created_at),
                cancel_lead_min=cancel_lead_minutes(start, cancelled, self.tz),
            )
        )

    def waitlist(
        self,
        entry_id: str,
        client_id: str,
        *,
        program: str = "Adult",
        referred: str = "2026-01-05",
        priority: str = "routine",
        modality: str | None = None,
        language: str | None = None,
        resolved: str | None = None,
        resolution: str | None = None,
    ) -> WaitlistEntry:
        return self._add(
            WaitlistEntry(
                entry_id=entry_id,
                client_id=client_id,
                program=program,
                referred_at=d(referred),
                priority=priority,
                preferred_modality=modality,
                language=language,
                resolved_at=d(resolved),
                resolution=resolution,
            )
        )

    def task(
        self,
        task_id: str,
        *,
        kind: str = "outreach",
        due: str,
        client_id: str | None = None,
        appointment_id: str | None = None,
        assignee: str | None = "front_desk",
        status: str = "open",
        created: str | None = None,
        completed: str | None = None,
        note: str | None = None,
    ) -> Task:
        date_only = "T" not in due
        due_at = (
            dt.datetime.combine(d(due) + dt.timedelta(days=1), dt.time())  # type: ignore[operator]
            if date_only
            else t(due)
        )
        return self._add(
            Task(
                task_id=task_id,
                kind=kind,
                due_at=due_at,
                due_date_only=date_only,
                client_id=client_id,
                appointment_id=appointment_id,
                assignee=assignee,
                status=status,
                created_at=t(created),
                completed_at=t(completed),
                note=note,
            )
        )

    def care_event(
        self, event_id: str, client_id: str, occurred: str, kind: str = "hospital_discharge"
    ) -> CareEvent:
        date_only = "T" not in occurred
        when = dt.datetime.combine(d(occurred), dt.time()) if date_only else t(occurred)  # type: ignore[arg-type]
        return self._add(
            CareEvent(
                event_id=event_id,
                client_id=client_id,
                kind=kind,
                occurred_at=when,
                occurred_date_only=date_only,
            )
        )

    def feedback(
        self,
        appointment_id: str,
        *,
        srs: float | None = None,
        ors: float | None = None,
        phq9: int | None = None,
        gad7: int | None = None,
    ) -> SessionFeedback:
        return self._add(
            SessionFeedback(appointment_id=appointment_id, srs=srs, ors=ors, phq9=phq9, gad7=gad7)
        )

    def user(
        self, username: str, role: str, *, clinician_id: str | None = None, password: str = "pw"
    ) -> User:
        return self._add(
            User(
                username=username,
                password_hash=_hash(password),
                role=role,
                clinician_id=clinician_id,
                active=True,
                auth_version=1,
                created_at=dt.datetime(2026, 1, 1),
            )
        )
