"""CSV export: every file and column of the import format, written as the import reads it, so
export -> import into an empty database -> export gives the same bytes."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from db.csvformat import COLUMNS, FILE_NAMES
from db.engine import Database
from db.exporter import export_dir
from db.importer import import_dir
from db.meta import data_version
from db.models import Appointment, Task, WaitlistEntry
from tests.factory import Practice

TZ = ZoneInfo("America/Chicago")


def build_practice(p: Practice) -> None:
    """A small practice touching every file and column; C2's supervisor is C1."""
    p.clinician("C1", name="Dana Ortiz")
    p.clinician(
        "C2",
        name="Lee Park",
        discipline="PsyD",
        program="Child",
        location="North",
        fte=0.8,
        max_caseload=None,
        weekly_session_target=None,
        languages="English;Spanish",
        accepting_new=False,
        supervisor_id="C1",
    )
    p.availability("C1", "Wed", "13:00", "17:00", location="Main")
    p.availability(
        "C1",
        "Mon",
        "09:00",
        "12:00",
        location="Main",
        effective_from="2026-01-01",
        effective_to="2026-06-30",
    )
    p.availability("C2", "Fri", "08:30", "12:00")
    p.time_off("C1", "2026-03-16T00:00", "2026-03-21T00:00")
    p.client("K1", primary="C1", payer="Medicaid")
    p.client("K2", intake="2026-02-20", language=None, program="Child")
    p.client("K3", primary="C2", intake="2026-01-12", discharge="2026-03-01")
    p.appointment(
        "A1", "K1", "C1", "2026-03-02T09:00:30", minutes=50, created_at="2026-02-20T10:00"
    )
    p.appointment(
        "A2",
        "K3",
        "C2",
        "2026-03-09T10:00",
        status="cancelled_client",
        cancelled_at="2026-03-07T10:00",
        service="family",
        modality="telehealth",
        location=None,
    )
    p.waitlist("W1", "K2", referred="2026-02-20", modality="telehealth", language="Spanish")
    p.waitlist(
        "W2",
        "K3",
        referred="2026-01-02",
        priority="urgent",
        resolved="2026-01-12",
        resolution="scheduled",
    )
    p.task("T1", due="2026-03-03", client_id="K1", appointment_id="A1", note='Call, then "text"')
    p.task(
        "T2",
        kind="plan_review",
        due="2026-03-10T17:00",
        client_id="K3",
        assignee="C2",
        status="done",
        completed="2026-03-09T16:00",
    )
    p.care_event("E1", "K3", "2026-02-27")
    p.care_event("E2", "K1", "2026-03-01T22:15", kind="ed_visit")
    p.feedback("A1", srs=35.5, ors=28, phq9=12)
    with p.db.write() as session:
        # The practice sent a CPT code for A1; W2's reason is not part of the CSV contract.
        session.execute(
            update(Appointment)
            .where(Appointment.appointment_id == "A1")
            .values(service_code="90834")
        )
        session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.entry_id == "W2")
            .values(resolution_reason="Booked for intake")
        )


# Worked out from build_practice by hand; lines end in CRLF (RFC 4180).
EXPECTED = {
    "clinicians.csv": """\
clinician_id,name,discipline,program,location,fte,max_caseload,weekly_session_target,languages,accepting_new,active,supervisor_id
C1,Dana Ortiz,LCSW,Adult,Main,1,40,22,English,true,true,
C2,Lee Park,PsyD,Child,North,0.8,,,English;Spanish,false,true,C1
""",
    # Ordered by clinician, then weekday and start: Mon before Wed though added after it.
    "availability.csv": """\
clinician_id,weekday,start_time,end_time,location,effective_from,effective_to
C1,Mon,09:00,12:00,Main,2026-01-01,2026-06-30
C1,Wed,13:00,17:00,Main,,
C2,Fri,08:30,12:00,,,
""",
    "time_off.csv": """\
clinician_id,start_at,end_at,reason
C1,2026-03-16T00:00,2026-03-21T00:00,PTO
""",
    "clients.csv": """\
client_id,display_name,preferred_language,program,primary_clinician_id,intake_date,discharge_date,payer
K1,Client K1,English,Adult,C1,2026-01-05,,Medicaid
K2,Client K2,,Child,,2026-02-20,,
K3,Client K3,English,Adult,C2,2026-01-12,2026-03-01,
""",
    # A1: seconds are written because they are not zero; 09:00:30 + 50 min = 09:50:30; the
    # CPT code stands for the service. Both end_at and duration_min are written.
    "appointments.csv": """\
appointment_id,client_id,clinician_id,start_at,end_at,duration_min,service,modality,location,status,cancelled_at,created_at
A1,K1,C1,2026-03-02T09:00:30,2026-03-02T09:50:30,50,90834,in_person,Main,completed,,2026-02-20T10:00
A2,K3,C2,2026-03-09T10:00,2026-03-09T11:00,60,family,telehealth,,cancelled_client,2026-03-07T10:00,
""",
    # No resolution_reason column.
    "waitlist.csv": """\
entry_id,client_id,program,referred_at,priority,preferred_modality,language,resolved_at,resolution
W1,K2,Adult,2026-02-20,routine,telehealth,Spanish,,
W2,K3,Adult,2026-01-02,urgent,,,2026-01-12,scheduled
""",
    # T1 is due on a date: stored as 03-04 00:00, written back as 2026-03-03.
    "tasks.csv": """\
task_id,kind,due_at,client_id,appointment_id,assignee,status,created_at,completed_at,note
T1,outreach,2026-03-03,K1,A1,front_desk,open,,,"Call, then ""text""\"
T2,plan_review,2026-03-10T17:00,K3,,C2,done,,2026-03-09T16:00,
""",
    "care_events.csv": """\
event_id,client_id,kind,occurred_at
E1,K3,hospital_discharge,2026-02-27
E2,K1,ed_visit,2026-03-01T22:15
""",
    "feedback.csv": """\
appointment_id,srs,ors,phq9,gad7
A1,35.5,28,12,
""",
}


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def exported(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILE_NAMES}


def test_an_empty_database_exports_nine_header_only_files(db: Database, tmp_path: Path) -> None:
    counts = export_dir(db, tmp_path / "out", TZ)
    assert counts == dict.fromkeys(FILE_NAMES, 0)
    for name, data in exported(tmp_path / "out").items():
        assert data == crlf(",".join(COLUMNS[name]) + "\n")


@pytest.mark.parametrize("name", FILE_NAMES)
def test_export_writes_the_import_format(
    practice: Practice, db: Database, tmp_path: Path, name: str
) -> None:
    build_practice(practice)
    counts = export_dir(db, tmp_path / "out", TZ)
    assert (tmp_path / "out" / name).read_bytes() == crlf(EXPECTED[name])
    assert counts[name] == EXPECTED[name].count("\n") - 1  # rows after the header


def add_awkward_values(p: Practice) -> None:
    """Text that needs quoting or is easy to mangle: commas, quotes, line breaks, spaces at the
    ends, non-ASCII; ids whose order differs between bytewise and dictionary collation."""
    p.clinician("c3", name="José Núñez, PhD", languages="Español;日本語", supervisor_id="C2")
    # Two versions of one block, added in the opposite order to the export's (an open start,
    # NULL, sorts first on both databases); two time offs starting together.
    p.availability("c3", "Tue", "09:00", "17:00", effective_from="2026-02-01")
    p.availability("c3", "Tue", "09:00", "17:00", effective_to="2026-01-31")
    p.time_off("c3", "2026-03-20T08:00", "2026-03-20T17:00", reason="Training")
    p.time_off("c3", "2026-03-20T08:00", "2026-03-20T12:00", reason="Dentist")
    p.client("K10", primary="c3", intake="2026-02-01")
    p.appointment("a9", "K10", "c3", "2026-03-03T13:15", minutes=45, status="no_show")
    p.task("T3", due="2026-03-05T08:00", client_id="K10", note='  first\nsecond\r\n=third, "4" ')
    p.care_event("E3", "K10", "2026-03-04T00:00", kind="crisis_contact")
    p.feedback("a9", ors=0.1, gad7=0)


@pytest.mark.parametrize(
    "source_name, target_name",
    [("sqlite_db", "pg_db"), ("pg_db", "sqlite_db")],
    ids=["sqlite to postgresql", "postgresql to sqlite"],
)
def test_export_import_export_gives_identical_bytes(
    request: pytest.FixtureRequest, tmp_path: Path, source_name: str, target_name: str
) -> None:
    source: Database = request.getfixturevalue(source_name)
    target: Database = request.getfixturevalue(target_name)
    built = Practice(source)
    build_practice(built)
    add_awkward_values(built)

    first = export_dir(source, tmp_path / "first", TZ)
    imported = import_dir(target, tmp_path / "first", TZ)
    second = export_dir(target, tmp_path / "second", TZ)

    assert first == second == imported.counts
    assert first["appointments.csv"] == 3
    assert exported(tmp_path / "second") == exported(tmp_path / "first")


def test_reimporting_an_export_changes_nothing(db: Database, tmp_path: Path) -> None:
    build_practice(Practice(db))
    export_dir(db, tmp_path / "first", TZ)
    with db.read() as conn:
        version = data_version(conn)
    import_dir(db, tmp_path / "first", TZ)
    export_dir(db, tmp_path / "second", TZ)
    assert exported(tmp_path / "second") == exported(tmp_path / "first")
    with db.read() as conn:
        # The import ran (data version bumped once) but edited no row.
        assert data_version(conn) == version + 1
        assert set(conn.scalars(select(Appointment.version))) == {1}
        assert set(conn.scalars(select(Task.version))) == {1}
        reason = select(WaitlistEntry.resolution_reason).where(WaitlistEntry.entry_id == "W2")
        assert conn.scalar(reason) == "Booked for intake"
