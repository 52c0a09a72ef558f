"""Malformed imports (import-format.md, "Bad input"): every kind of bad file is refused with
`FILE:LINE: column:` problems, all of them reported, and the database left unchanged.

The cases run against SQLite and PostgreSQL; larger faults (a huge file, a killed import,
readers during an import) are in test_faulty_imports.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from db.engine import Database
from db.importer import MAX_PROBLEMS, ImportFailed, import_dir
from tests.db.test_import import APPT, CLIENTS, CLINICIANS, MINIMAL, TZ, folder, state

BAD_CASES = [
    # (case, file, content, problem prefix, words in the message)
    (
        "latin-1 bytes",
        "clients.csv",
        "client_id,display_name,intake_date\nK1,Ana,2026-01-05\nK2,José,2026-01-05\n".encode(
            "latin-1"
        ),
        "clients.csv:3: ",
        "not UTF-8",
    ),
    ("empty file", "clients.csv", b"", "clients.csv:1: ", "empty"),
    (
        "missing column",
        "clients.csv",
        "client_id,display_name\nK1,Ana\n",
        "clients.csv:1: intake_date: ",
        "required column is missing",
    ),
    (
        "missing end and duration columns",
        "appointments.csv",
        "appointment_id,client_id,clinician_id,start_at,status\nA1,K1,C1,2026-03-02T09:00,completed\n",
        "appointments.csv:1: end_at: ",
        "end_at or duration_min",
    ),
    (
        "missing value",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,,50,\n",
        "appointments.csv:2: status: ",
        "a value is required",
    ),
    (
        "neither end nor duration",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,,,completed\n",
        "appointments.csv:2: end_at: ",
        "end_at or in duration_min",
    ),
    (
        "bad date",
        "clients.csv",
        CLIENTS + "K1,Ana,2026-02-30,\n",
        "clients.csv:2: intake_date: ",
        '"2026-02-30" is not a date (expected YYYY-MM-DD)',
    ),
    (
        "bad date-time",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-13-01T09:00,,50,completed\n",
        "appointments.csv:2: start_at: ",
        '"2026-13-01T09:00" is not a date-time (expected YYYY-MM-DDTHH:MM)',
    ),
    (
        "date where a date-time is needed",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02,,50,completed\n",
        "appointments.csv:2: start_at: ",
        "is not a date-time",
    ),
    (
        "year out of range",
        "clients.csv",
        CLIENTS + "K1,Ana,0026-01-05,\n",
        "clients.csv:2: intake_date: ",
        "out of range",
    ),
    (
        "bad number",
        "clinicians.csv",
        CLINICIANS + "C1,Dana,full,,,\n",
        "clinicians.csv:2: fte: ",
        '"full" is not a number',
    ),
    (
        "not a whole number",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,,50.5,completed\n",
        "appointments.csv:2: duration_min: ",
        "not a whole number",
    ),
    (
        "bad boolean",
        "clinicians.csv",
        CLINICIANS + "C1,Dana,,,maybe,\n",
        "clinicians.csv:2: accepting_new: ",
        "not true or false",
    ),
    (
        "fte out of range",
        "clinicians.csv",
        CLINICIANS + "C1,Dana,1.7,,,\n",
        "clinicians.csv:2: fte: ",
        "out of range (must be 0 to 1.5)",
    ),
    (
        "negative caseload",
        "clinicians.csv",
        CLINICIANS + "C1,Dana,,-3,,\n",
        "clinicians.csv:2: max_caseload: ",
        "negative",
    ),
    (
        "status outside its set",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,,50,maybe\n",
        "appointments.csv:2: status: ",
        '"maybe" is not a known status',
    ),
    (
        "service outside its set",
        "appointments.csv",
        "appointment_id,client_id,clinician_id,start_at,duration_min,status,service\n"
        "A1,K1,C1,2026-03-02T09:00,50,completed,99999\n",
        "appointments.csv:2: service: ",
        "not a known service",
    ),
    (
        "modality outside its set",
        "appointments.csv",
        "appointment_id,client_id,clinician_id,start_at,duration_min,status,modality\n"
        "A1,K1,C1,2026-03-02T09:00,50,completed,carrier_pigeon\n",
        "appointments.csv:2: modality: ",
        "not a known modality",
    ),
    (
        "priority outside its set",
        "waitlist.csv",
        "entry_id,client_id,program,referred_at,priority\nW1,K1,Adult,2026-01-02,asap\n",
        "waitlist.csv:2: priority: ",
        "not a known priority",
    ),
    (
        "resolution outside its set",
        "waitlist.csv",
        "entry_id,client_id,program,referred_at,resolved_at,resolution\n"
        "W1,K1,Adult,2026-01-02,2026-01-09,lost\n",
        "waitlist.csv:2: resolution: ",
        "not a known resolution",
    ),
    (
        "care event kind outside its set",
        "care_events.csv",
        "event_id,client_id,kind,occurred_at\nE1,K1,picnic,2026-02-01\n",
        "care_events.csv:2: kind: ",
        "not a known kind",
    ),
    (
        "task status outside its set",
        "tasks.csv",
        "task_id,kind,due_at,status\nT1,outreach,2026-03-03,pending\n",
        "tasks.csv:2: status: ",
        "not a known task status",
    ),
    (
        "weekday outside its set",
        "availability.csv",
        "clinician_id,weekday,start_time,end_time\nC1,7,09:00,12:00\n",
        "availability.csv:2: weekday: ",
        "not a weekday",
    ),
    (
        "score out of range",
        "feedback.csv",
        "appointment_id,srs,phq9\nA1,41,\n",
        "feedback.csv:2: srs: ",
        "out of range (must be 0 to 40)",
    ),
    (
        "appointment ends before it starts",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,2026-03-02T08:00,,completed\n",
        "appointments.csv:2: end_at: ",
        "2026-03-02T08:00 is not after start_at 2026-03-02T09:00",
    ),
    (
        "end and duration disagree",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,2026-03-02T10:00,50,completed\n",
        "appointments.csv:2: duration_min: ",
        "50 does not match end_at",
    ),
    (
        "time off ends before it starts",
        "time_off.csv",
        "clinician_id,start_at,end_at\nC1,2026-03-02T12:00,2026-03-02T09:00\n",
        "time_off.csv:2: end_at: ",
        "is not after start_at",
    ),
    (
        "availability block ends at its start",
        "availability.csv",
        "clinician_id,weekday,start_time,end_time\nC1,Mon,12:00,12:00\n",
        "availability.csv:2: end_time: ",
        "12:00 is not after start_time 12:00",
    ),
    (
        "discharge before intake",
        "clients.csv",
        CLIENTS + "K1,Ana,2026-01-05,2025-12-31\n",
        "clients.csv:2: discharge_date: ",
        "2025-12-31 is before intake_date 2026-01-05",
    ),
    (
        "resolved before referred",
        "waitlist.csv",
        "entry_id,client_id,program,referred_at,resolved_at\nW1,K1,Adult,2026-01-09,2026-01-02\n",
        "waitlist.csv:2: resolved_at: ",
        "is before referred_at",
    ),
    (
        "duplicate id",
        "clients.csv",
        CLIENTS + "K1,Ana,2026-01-05,\nK2,Ben,2026-01-05,\nK1,Ana B,2026-01-05,\n",
        "clients.csv:4: client_id: ",
        '"K1" appears again (first on line 2)',
    ),
    (
        "two feedback rows for one appointment",
        "feedback.csv",
        "appointment_id,srs\nA1,38\nA1,39\n",
        "feedback.csv:3: appointment_id: ",
        "appears again",
    ),
    (
        "dangling client reference",
        "appointments.csv",
        APPT + "A1,K99,C1,2026-03-02T09:00,,50,completed\n",
        "appointments.csv:2: client_id: ",
        'no client "K99" in clients.csv or in the database',
    ),
    (
        "dangling supervisor reference",
        "clinicians.csv",
        CLINICIANS + "C1,Dana,,,,C9\n",
        "clinicians.csv:2: supervisor_id: ",
        'no clinician "C9"',
    ),
    (
        "dangling assignee",
        "tasks.csv",
        "task_id,kind,due_at,assignee\nT1,outreach,2026-03-03,C9\n",
        "tasks.csv:2: assignee: ",
        'no clinician "C9"',
    ),
    (
        "dangling feedback appointment",
        "feedback.csv",
        "appointment_id,srs\nA9,38\n",
        "feedback.csv:2: appointment_id: ",
        'no appointment "A9"',
    ),
    (
        "text too long for its column",
        "clinicians.csv",
        CLINICIANS + f"C1,{'x' * 201},,,,\n",
        "clinicians.csv:2: name: ",
        "201 characters long (at most 200)",
    ),
    (
        "NUL character in text",
        "clinicians.csv",
        CLINICIANS + "C1,Da\x00na,,,,\n",
        "clinicians.csv:2: name: ",
        "NUL character",
    ),
    (
        "zero duration",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,,0,completed\n",
        "appointments.csv:2: duration_min: ",
        "out of range (must be 1 to 1440)",
    ),
    (
        "appointment longer than a day",
        "appointments.csv",
        APPT + "A1,K1,C1,2026-03-02T09:00,2026-03-03T09:50,,completed\n",
        "appointments.csv:2: end_at: ",
        "more than 24 hours after start_at",
    ),
    (
        "preferred modality outside its set",
        "waitlist.csv",
        "entry_id,client_id,program,referred_at,preferred_modality\nW1,K1,Adult,2026-01-02,fax\n",
        "waitlist.csv:2: preferred_modality: ",
        "not a known modality",
    ),
    (
        "availability effective dates reversed",
        "availability.csv",
        "clinician_id,weekday,start_time,end_time,effective_from,effective_to\n"
        "C1,Mon,09:00,12:00,2026-06-01,2026-01-01\n",
        "availability.csv:2: effective_to: ",
        "2026-01-01 is before effective_from 2026-06-01",
    ),
    (
        "decimal PHQ-9",
        "feedback.csv",
        "appointment_id,phq9\nA1,12.5\n",
        "feedback.csv:2: phq9: ",
        "not a whole number",
    ),
    (
        "bad time",
        "availability.csv",
        "clinician_id,weekday,start_time,end_time\nC1,Mon,9am,12:00\n",
        "availability.csv:2: start_time: ",
        '"9am" is not a time (expected HH:MM)',
    ),
    (
        "bad due date",
        "tasks.csv",
        "task_id,kind,due_at\nT1,outreach,next week\n",
        "tasks.csv:2: due_at: ",
        "is not a date or a date-time",
    ),
    (
        "column named twice",
        "clients.csv",
        "client_id,display_name,intake_date,client_id\nK1,Ana,2026-01-05,K1\n",
        "clients.csv:1: client_id: ",
        "appears twice in the header",
    ),
    (
        "unquoted comma shifts the row",
        "clients.csv",
        CLIENTS + "K1,Ana,2026-01-05,,Smith\n",
        "clients.csv:2: ",
        "5 values but the header has 4 columns",
    ),
]


@pytest.mark.parametrize(
    "file, content, prefix, words",
    [case[1:] for case in BAD_CASES],
    ids=[case[0] for case in BAD_CASES],
)
def test_bad_input_is_reported_and_nothing_is_written(
    db: Database, tmp_path: Path, file: str, content: str | bytes, prefix: str, words: str
) -> None:
    before = state(db)
    with pytest.raises(ImportFailed) as failure:
        import_dir(db, folder(tmp_path / "in", {**MINIMAL, file: content}), TZ)
    problems = [str(problem) for problem in failure.value.problems]
    assert len(problems) == 1, problems
    assert problems[0].startswith(prefix), problems
    assert words in problems[0]
    assert state(db) == before


def test_every_problem_is_reported_in_file_and_line_order(db: Database, tmp_path: Path) -> None:
    files = {
        **MINIMAL,
        "appointments.csv": APPT
        + "A1,K1,C1,2026-03-02T09:00,,50,completed\n"
        + "A2,K1,C1,2026-03-02T10:00,,fifty,completed\n"
        + "A3,K7,C1,2026-03-02T11:00,,50,done\n",
        "clinicians.csv": CLINICIANS + "C1,Dana,2,,,\n",
    }
    before = state(db)
    with pytest.raises(ImportFailed) as failure:
        import_dir(db, folder(tmp_path / "in", files), TZ)
    assert [(p.file, p.line, p.column) for p in failure.value.problems] == [
        ("clinicians.csv", 2, "fte"),
        ("appointments.csv", 3, "duration_min"),
        ("appointments.csv", 4, "client_id"),
        ("appointments.csv", 4, "status"),
    ]
    assert state(db) == before


def test_an_unreadable_file_does_not_bury_the_report(db: Database, tmp_path: Path) -> None:
    # clients.csv lacks intake_date, so its rows cannot be read; appointments referring to K1
    # are not reported as dangling on top of that.
    files = {**MINIMAL, "clients.csv": "client_id,display_name\nK1,Ana\n"}
    with pytest.raises(ImportFailed) as failure:
        import_dir(db, folder(tmp_path / "in", files), TZ)
    assert [str(p) for p in failure.value.problems] == [
        "clients.csv:1: intake_date: required column is missing"
    ]


def test_a_huge_bad_file_reports_the_first_problems_and_a_count(
    db: Database, tmp_path: Path
) -> None:
    bad_rows = MAX_PROBLEMS + 100
    lines = "".join(f"X{n},Client,someday,\n" for n in range(bad_rows))
    files = {**MINIMAL, "clients.csv": CLIENTS + "K1,Ana,2026-01-05,\n" + lines}
    with pytest.raises(ImportFailed) as failure:
        import_dir(db, folder(tmp_path / "in", files), TZ)
    problems = failure.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    # The first bad row is line 3 (header, then K1's good row).
    assert str(problems[0]).startswith("clients.csv:3: intake_date: ")
    assert str(problems[-1]) == "... and 100 more problems"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda root: root / "missing", "no such folder"),
        (lambda root: folder(root / "other", {"notes.csv": "x\n"}), "has none of the files"),
    ],
    ids=["missing folder", "no known file"],
)
def test_a_folder_without_the_files_is_refused(
    db: Database, tmp_path: Path, make: object, message: str
) -> None:
    directory = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(ImportFailed) as failure:
        import_dir(db, directory, TZ)
    assert str(failure.value.problems[0]).startswith(f"{directory}: ")
    assert message in str(failure.value)
