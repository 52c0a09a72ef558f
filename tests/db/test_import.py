"""CSV import (import-format.md): values stored as documented, upserts, replacement of
availability and time off, and every kind of bad input reported with the database unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from db.csvformat import parse_date_or_datetime, parse_datetime
from db.engine import Database
from db.importer import ImportProblem, import_dir
from db.meta import data_version
from db.models import (
    Appointment,
    Availability,
    CareEvent,
    Client,
    Clinician,
    SessionFeedback,
    Task,
    TimeOff,
    WaitlistEntry,
)
from tests.factory import Practice

TZ = ZoneInfo("America/Chicago")
PRACTICE_TABLES = (
    Clinician,
    Availability,
    TimeOff,
    Client,
    Appointment,
    WaitlistEntry,
    Task,
    CareEvent,
    SessionFeedback,
)

# A small practice using every file. Clients' columns come in another order, with an extra
# column; C1's supervisor is listed after C1; A2's start carries a UTC offset.
GOOD = {
    "clinicians.csv": """\
clinician_id,name,discipline,program,location,fte,max_caseload,weekly_session_target,languages,accepting_new,active,supervisor_id
C1,Dana Ortiz,LCSW,Adult,Main,1.0,40,22,English; Spanish,yes,true,C2
C2,Lee Park,PsyD,Adult,North,0.5,20,10,English,no,1,
""",
    "availability.csv": """\
clinician_id,weekday,start_time,end_time,location
C1,Mon,09:00,17:00,Main
C1,2,9:30,12:00,North
C2,fri,13:00,17:00,North
""",
    "time_off.csv": """\
clinician_id,start_at,end_at,reason
C1,2026-03-16T00:00,2026-03-21T00:00,PTO
C2,2026-03-20T12:00,2026-03-20T17:00,Training
""",
    "clients.csv": """\
display_name,client_id,intake_date,primary_clinician_id,program,preferred_language,discharge_date,payer,mrn
Ana,K1,2026-01-05,C1,Adult,Spanish,,Medicaid,123
Ben,K2,2026-01-12,C2,Adult,English,2026-03-01,,124
Cy,K3,2026-02-20,,Adult,,,,125
""",
    "appointments.csv": """\
appointment_id,client_id,clinician_id,start_at,end_at,duration_min,service,modality,location,status,cancelled_at,created_at
A1,K1,C1,2026-03-02T09:00,2026-03-02T09:50,,90834,in_person,Main,fulfilled,,2026-02-20T10:00
A2,K1,C1,2026-03-09T14:00:00+00:00,,45,individual,telehealth,,booked,,
A3,K2,C2,2026-03-09T10:00,,60,family,in_person,North,cancelled,2026-03-07T10:00,
""",
    "waitlist.csv": """\
entry_id,client_id,program,referred_at,priority,preferred_modality,language,resolved_at,resolution
W1,K3,Adult,2026-02-20,,telehealth,English,,
W2,K2,Adult,2026-01-02,urgent,,,2026-01-12,scheduled
""",
    "tasks.csv": """\
task_id,kind,due_at,client_id,appointment_id,assignee,status,created_at,completed_at,note
T1,outreach,2026-03-03,K1,A1,front_desk,,2026-03-02T10:00,,"Call, then text"
T2,plan_review,2026-03-10T17:00,K2,,C2,done,,2026-03-09T16:00,
""",
    "care_events.csv": """\
event_id,client_id,kind,occurred_at
E1,K2,hospital_discharge,2026-02-27
E2,K1,ed_visit,2026-03-01T22:15
""",
    "feedback.csv": """\
appointment_id,srs,ors,phq9,gad7
A1,37.5,28,9,6
""",
}
GOOD_COUNTS = {
    "clinicians.csv": 2,
    "availability.csv": 3,
    "time_off.csv": 2,
    "clients.csv": 3,
    "appointments.csv": 3,
    "waitlist.csv": 2,
    "tasks.csv": 2,
    "care_events.csv": 2,
    "feedback.csv": 1,
}


def folder(path: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (text as UTF-8, bytes as they are) into a new folder under ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (path / name).write_bytes(data)
    return path


def row_counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in PRACTICE_TABLES
        }


def state(db: Database) -> tuple[dict[str, int], int]:
    """What must not change when an import fails: every table's size and the data version."""
    with db.read() as conn:
        version = data_version(conn)
    return row_counts(db), version


def get(db: Database, model: type, key: str) -> object:
    with db.session() as session:
        row = session.get(model, key)
        assert row is not None, key
        session.expunge(row)
        return row


# --- a good practice ---------------------------------------------------------------------------


def test_good_practice_imports_every_file(db: Database, tmp_path: Path) -> None:
    before = state(db)[1]
    result = import_dir(db, folder(tmp_path / "in", GOOD), TZ)
    assert result.counts == GOOD_COUNTS
    assert result.ignored_files == []
    assert row_counts(db) == {
        "clinicians": 2,
        "availability": 3,
        "time_off": 2,
        "clients": 3,
        "appointments": 3,
        "waitlist_entries": 2,
        "tasks": 2,
        "care_events": 2,
        "session_feedback": 1,
    }
    assert state(db)[1] == before + 1


def test_appointment_values_are_derived_as_documented(db: Database, tmp_path: Path) -> None:
    import_dir(db, folder(tmp_path / "in", GOOD), TZ)

    a1 = get(db, Appointment, "A1")
    # end_at given: 09:00 to 09:50 is 50 minutes. CPT 90834 is individual therapy, code kept;
    # FHIR "fulfilled" is completed.
    assert (a1.duration_min, a1.service, a1.service_code) == (50, "individual", "90834")
    assert a1.status == "completed"
    assert a1.created_at == dt.datetime(2026, 2, 20, 10, 0)

    a2 = get(db, Appointment, "A2")
    # 14:00 UTC on 2026-03-09 is 09:00 in Chicago (CDT, UTC-5, since 2026-03-08); 45 minutes
    # given, so it ends at 09:45. "booked" is scheduled; a service name leaves no code.
    assert (a2.start_at, a2.end_at) == (
        dt.datetime(2026, 3, 9, 9, 0),
        dt.datetime(2026, 3, 9, 9, 45),
    )
    assert (a2.duration_min, a2.status, a2.service_code) == (45, "scheduled", None)
    assert a2.cancel_lead_min is None

    a3 = get(db, Appointment, "A3")
    # Cancelled Sat 03-07 10:00 CST for Mon 03-09 10:00 CDT: 48 wall-clock hours, but the
    # clocks sprang forward on 03-08, so 47 real hours = 2820 minutes. FHIR "cancelled" is a
    # client cancellation.
    assert (a3.cancel_lead_min, a3.status) == (2820, "cancelled_client")
    assert (a3.end_at, a3.duration_min) == (dt.datetime(2026, 3, 9, 11, 0), 60)
    assert (a3.version, a3.updated_at) == (1, None)


def test_other_values_are_stored_as_documented(db: Database, tmp_path: Path) -> None:
    import_dir(db, folder(tmp_path / "in", GOOD), TZ)

    c1 = get(db, Clinician, "C1")
    assert (c1.languages, c1.accepting_new, c1.active) == ("English;Spanish", True, True)
    assert (c1.fte, c1.max_caseload, c1.supervisor_id) == (1.0, 40, "C2")
    c2 = get(db, Clinician, "C2")
    assert (c2.accepting_new, c2.active, c2.supervisor_id) == (False, True, None)

    k3 = get(db, Client, "K3")
    assert (k3.display_name, k3.primary_clinician_id, k3.intake_date) == (
        "Cy",
        None,
        dt.date(2026, 2, 20),
    )

    with db.read() as conn:
        blocks = conn.execute(
            select(
                Availability.clinician_id, Availability.weekday, Availability.start_time
            ).order_by(Availability.clinician_id, Availability.weekday)
        ).all()
    # "Mon" = 0, "2" = Wednesday, "fri" = 4; "9:30" is 09:30.
    assert [tuple(b) for b in blocks] == [
        ("C1", 0, dt.time(9, 0)),
        ("C1", 2, dt.time(9, 30)),
        ("C2", 4, dt.time(13, 0)),
    ]

    t1 = get(db, Task, "T1")
    # Due on 2026-03-03 means due by the end of that day: 03-04 00:00. Status defaults to open.
    assert (t1.due_at, t1.due_date_only, t1.status) == (dt.datetime(2026, 3, 4), True, "open")
    assert t1.note == "Call, then text"
    t2 = get(db, Task, "T2")
    assert (t2.due_at, t2.due_date_only, t2.assignee) == (dt.datetime(2026, 3, 10, 17), False, "C2")

    e1 = get(db, CareEvent, "E1")
    assert (e1.occurred_at, e1.occurred_date_only) == (dt.datetime(2026, 2, 27), True)
    e2 = get(db, CareEvent, "E2")
    assert (e2.occurred_at, e2.occurred_date_only) == (dt.datetime(2026, 3, 1, 22, 15), False)

    w1 = get(db, WaitlistEntry, "W1")
    assert (w1.priority, w1.preferred_modality, w1.resolved_at) == ("routine", "telehealth", None)
    feedback = get(db, SessionFeedback, "A1")
    assert (feedback.srs, feedback.ors, feedback.phq9, feedback.gad7) == (37.5, 28.0, 9, 6)


# --- re-import ---------------------------------------------------------------------------------


def test_reimport_updates_changed_rows_in_place(db: Database, tmp_path: Path) -> None:
    import_dir(db, folder(tmp_path / "first", GOOD), TZ)
    version = state(db)[1]
    changed = dict(GOOD)
    changed["appointments.csv"] = (
        GOOD["appointments.csv"].replace(
            "family,in_person,North,cancelled,", "family,in_person,North,cancelled_clinician,"
        )
        + "A4,K3,C2,2026-03-10T11:00,,60,intake,in_person,North,scheduled,,\n"
    )
    changed["waitlist.csv"] = GOOD["waitlist.csv"].replace(
        "W1,K3,Adult,2026-02-20,,", "W1,K3,Adult,2026-02-20,urgent,"
    )
    changed["clinicians.csv"] = GOOD["clinicians.csv"].replace("Lee Park", "Lee Park-Young")

    result = import_dir(db, folder(tmp_path / "second", changed), TZ)

    assert result.counts["appointments.csv"] == 4
    assert row_counts(db)["appointments"] == 4  # A1..A3 updated in place, A4 new
    a3 = get(db, Appointment, "A3")
    assert (a3.status, a3.version) == ("cancelled_clinician", 2)
    assert a3.updated_at is not None
    # Unchanged rows keep their version: nothing was edited.
    assert get(db, Appointment, "A1").version == 1
    assert get(db, Appointment, "A4").version == 1
    w1 = get(db, WaitlistEntry, "W1")
    assert (w1.priority, w1.version) == ("urgent", 2)
    assert get(db, WaitlistEntry, "W2").version == 1
    assert get(db, Clinician, "C2").name == "Lee Park-Young"
    assert row_counts(db)["clinicians"] == 2
    assert state(db)[1] == version + 1


def test_reimport_keeps_columns_outside_the_csv(db: Database, tmp_path: Path) -> None:
    import_dir(db, folder(tmp_path / "first", GOOD), TZ)
    with db.write() as session:
        session.get(WaitlistEntry, "W2").resolution_reason = "Booked for intake"
    import_dir(db, folder(tmp_path / "second", GOOD), TZ)
    assert get(db, WaitlistEntry, "W2").resolution_reason == "Booked for intake"


def test_availability_and_time_off_replace_only_the_clinicians_listed(
    db: Database, tmp_path: Path
) -> None:
    import_dir(db, folder(tmp_path / "first", GOOD), TZ)
    # C1 had two blocks and one time off, C2 one of each; the new files list C1 only.
    update = {
        "availability.csv": "clinician_id,weekday,start_time,end_time\nC1,Tue,08:00,12:00\n",
        "time_off.csv": "clinician_id,start_at,end_at\n"
        "C1,2026-04-01T00:00,2026-04-02T00:00\nC1,2026-04-10T00:00,2026-04-11T00:00\n",
    }
    import_dir(db, folder(tmp_path / "second", update), TZ)
    with db.read() as conn:
        blocks = conn.execute(
            select(Availability.clinician_id, Availability.weekday).order_by(
                Availability.clinician_id
            )
        ).all()
        time_off = conn.execute(
            select(TimeOff.clinician_id, TimeOff.start_at).order_by(
                TimeOff.clinician_id, TimeOff.start_at
            )
        ).all()
    assert [tuple(b) for b in blocks] == [("C1", 1), ("C2", 4)]
    assert [tuple(t) for t in time_off] == [
        ("C1", dt.datetime(2026, 4, 1)),
        ("C1", dt.datetime(2026, 4, 10)),
        ("C2", dt.datetime(2026, 3, 20, 12)),
    ]


def test_a_reference_may_be_satisfied_by_the_database(
    practice: Practice, db: Database, tmp_path: Path
) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    files = {
        "appointments.csv": "appointment_id,client_id,clinician_id,start_at,duration_min,status\n"
        "A1,K1,C1,2026-03-02T09:00,50,completed\n",
        "feedback.csv": "appointment_id,srs\nA1,38\n",
    }
    result = import_dir(db, folder(tmp_path / "in", files), TZ)
    assert result.counts == {"appointments.csv": 1, "feedback.csv": 1}
    assert get(db, Appointment, "A1").end_at == dt.datetime(2026, 3, 2, 9, 50)


def test_bom_header_only_files_and_other_csv_files(db: Database, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "clinicians.csv": b"\xef\xbb\xbfclinician_id,name\r\nC1,Dana\r\n",
        "clients.csv": "client_id,display_name,intake_date\n",
        "notes.csv": "anything\n",
    }
    result = import_dir(db, folder(tmp_path / "in", files), TZ)
    assert result.counts == {"clinicians.csv": 1, "clients.csv": 0}
    assert result.ignored_files == ["notes.csv"]
    assert get(db, Clinician, "C1").name == "Dana"


# --- bad input ---------------------------------------------------------------------------------

# A minimal valid practice; each case below replaces one file of it with a bad one.
MINIMAL = {
    "clinicians.csv": "clinician_id,name\nC1,Dana\n",
    "clients.csv": "client_id,display_name,intake_date,primary_clinician_id\n"
    "K1,Ana,2026-01-05,C1\n",
    "appointments.csv": "appointment_id,client_id,clinician_id,start_at,duration_min,status\n"
    "A1,K1,C1,2026-03-02T09:00,50,completed\n",
}
APPT = "appointment_id,client_id,clinician_id,start_at,end_at,duration_min,status\n"
CLIENTS = "client_id,display_name,intake_date,discharge_date\n"
CLINICIANS = "clinician_id,name,fte,max_caseload,accepting_new,supervisor_id\n"


def test_problem_text_reads_file_line_column_message() -> None:
    problem = ImportProblem("appointments.csv", 14, "start_at", "bad")
    assert str(problem) == "appointments.csv:14: start_at: bad"
    assert str(ImportProblem("clients.csv", 3, None, "bad")) == "clients.csv:3: bad"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2026-03-02T09:00", dt.datetime(2026, 3, 2, 9, 0)),
        ("2026-03-02 09:00:30", dt.datetime(2026, 3, 2, 9, 0, 30)),
        # CST is UTC-6 in March before the 8th: 15:00Z is 09:00.
        ("2026-03-02T15:00Z", dt.datetime(2026, 3, 2, 9, 0)),
        # CDT is UTC-5 in July: 09:00-04:00 is 13:00Z, 08:00 in Chicago.
        ("2026-07-01T09:00-04:00", dt.datetime(2026, 7, 1, 8, 0)),
        # Fractions of a second are dropped.
        ("2026-07-01T09:00:05.250", dt.datetime(2026, 7, 1, 9, 0, 5)),
    ],
)
def test_date_times_become_chicago_wall_clock(raw: str, expected: dt.datetime) -> None:
    assert parse_datetime(raw, TZ) == expected


def test_a_date_alone_stays_a_date() -> None:
    assert parse_date_or_datetime("2026-03-03", TZ) == dt.date(2026, 3, 3)


def _statistics_mark(db: Database, table: str, *, forget: bool = False) -> object:
    """Something that changes when the planner's statistics of ``table`` are refreshed: the
    time of the last ANALYZE on PostgreSQL; on SQLite, whether sqlite_stat1 has the table
    (``forget``: remove them first, as the database may be shared with an earlier test)."""
    with db.engine.begin() as conn:
        if not db.is_sqlite:
            query = (
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"
                " AND schemaname = current_schema()"
            )
            return conn.execute(text(query), {"t": table}).scalar_one_or_none()
        try:
            if forget:
                conn.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = :t"), {"t": table})
            query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"
            return bool(conn.execute(text(query), {"t": table}).scalar_one())
        except OperationalError:  # no sqlite_stat1 until the first ANALYZE
            return False


def test_an_import_refreshes_the_planner_statistics(db: Database, tmp_path: Path) -> None:
    before = _statistics_mark(db, "appointments", forget=True)
    import_dir(db, folder(tmp_path / "in", GOOD), TZ)
    after = _statistics_mark(db, "appointments")
    assert after and after != before
