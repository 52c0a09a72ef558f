"""Load a practice from a folder of CSV files (import-format.md): everything or nothing.

The import runs in two passes. Validation reads every file row by row, reports every problem
and parks the converted rows in temporary files; only when nothing is wrong does the write pass
load them, in one transaction, through a staging table per file (bulk-filled, then upserted
with one set-based statement). Memory holds the ids seen (for duplicates and references), never
the rows, so a million appointments import in bounded memory and in seconds per file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    delete,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError

from db import csvformat as fmt
from db.csvformat import BadValue, quoted
from db.engine import Database
from db.meta import bump_data_version
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
from db.timeutil import cancel_lead_minutes, now_local
from db.visit_sequence import refresh_clients, refresh_clients_of
from db.vocab import (
    APPOINTMENT_STATUSES,
    CARE_EVENT_KINDS,
    CPT_SERVICE,
    FHIR_STATUS,
    FRONT_DESK,
    MODALITIES,
    SCORE_RANGES,
    SERVICE_TYPES,
    TASK_STATUSES,
    WAITLIST_PRIORITIES,
    WAITLIST_RESOLUTIONS,
)

# Problems kept for the report; past this only a count is kept, so a huge bad file stays usable.
MAX_PROBLEMS = 1000
# Rows per spooled chunk, per executemany batch and per batch of reference look-ups.
CHUNK_ROWS = 5000
# Ids per "IN (...)" list, well under SQLite's bound-parameter limit.
LOOKUP_CHUNK = 500
# An appointment longer than a day is a typo in its end (booked hours would balloon).
MAX_APPOINTMENT_MINUTES = 24 * 60
# Clinician FTE bounds, as the clinicians table's check constraint has them.
FTE_RANGE = (0.0, 1.5)
BOM = b"\xef\xbb\xbf"


# --- results and problems ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the input, located as a text editor shows it (header = line 1)."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if not self.file:
            return self.message
        parts = [self.file if self.line is None else f"{self.file}:{self.line}"]
        if self.column:
            parts.append(self.column)
        parts.append(self.message)
        return ": ".join(parts)


class ImportFailed(Exception):
    """The import found problems and wrote nothing; ``problems`` lists them."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class ImportResult:
    """Rows read per file name; CSV files in the folder that are not part of the format."""

    counts: dict[str, int]
    ignored_files: list[str] = field(default_factory=list)


class _ProblemLog:
    """Every problem counted, the first MAX_PROBLEMS kept."""

    def __init__(self) -> None:
        self.kept: list[ImportProblem] = []
        self.total = 0

    def add(self, problem: ImportProblem) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    def report(self) -> list[ImportProblem]:
        """The kept problems in file and line order, then how many more there were."""
        problems = sorted(self.kept, key=_reading_order)
        if self.total > len(self.kept):
            more = self.total - len(self.kept)
            problems.append(ImportProblem("", None, None, f"... and {more} more problems"))
        return problems


def _reading_order(problem: ImportProblem) -> tuple[int, int, int]:
    """Files in load order, then lines, then columns as the format lists them."""
    columns = fmt.COLUMNS.get(problem.file, ())
    column = columns.index(problem.column) if problem.column in columns else -1
    return _FILE_ORDER.get(problem.file, -1), problem.line or 0, column


_FILE_ORDER = {name: index for index, name in enumerate(fmt.FILE_NAMES)}


def _fail(where: str, message: str) -> ImportFailed:
    return ImportFailed([ImportProblem(where, None, None, message)])


# --- reading CSV -------------------------------------------------------------------------------


class _Unreadable(Exception):
    """The rest of a file cannot be read (bad encoding, broken CSV)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _decoded_lines(handle: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, so a decoding error is known by its line.

    Splitting bytes at newlines is safe in UTF-8: no multi-byte character contains 0x0A.
    """
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            message = (
                f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02X} cannot be read); "
                'save it as "CSV UTF-8"'
            )
            raise _Unreadable(number, message) from None


def _records(handle: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it begins on (a quoted value may span lines)."""
    reader = csv.reader(_decoded_lines(handle))
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(line, f"the file is not valid CSV ({exc})") from None
        yield line, cells


# --- columns -----------------------------------------------------------------------------------

Reader = Callable[[str], Any]


@dataclass(frozen=True)
class _Field:
    """One CSV column: how a cell is read, whether it must have a value, its default."""

    name: str
    read: Reader
    required: bool = False
    default: Any = None
    # Prose (names, notes) is kept as written, so a note ending in a newline survives an
    # export and re-import; everything else is read with surrounding spaces trimmed. A cell of
    # spaces alone is empty either way.
    verbatim: bool = False


def _text(column: Column[Any]) -> Reader:
    """Text that fits the database column (PostgreSQL refuses longer text and NULs)."""
    limit = getattr(column.type, "length", None)

    def read(raw: str) -> str:
        if "\x00" in raw:
            raise BadValue("contains a NUL character")
        if limit and len(raw) > limit:
            raise BadValue(f"is {len(raw)} characters long (at most {limit})")
        return raw

    return read


def _languages(column: Column[Any]) -> Reader:
    fits = _text(column)
    return lambda raw: fits(fmt.parse_languages(raw) or "") or None


def _choice(values: Iterable[str], what: str, aliases: dict[str, str] | None = None) -> Reader:
    values = tuple(values)
    allowed = {value: value for value in values} | (aliases or {})
    expected = "one of " + ", ".join(values)
    if aliases:
        expected += " or a FHIR code: " + ", ".join(aliases)
    return lambda raw: fmt.parse_choice(raw, allowed, what, expected)


def _service(raw: str) -> tuple[str, str | None]:
    """A service name, or a CPT code kept alongside the name it maps to."""
    if raw in CPT_SERVICE:
        return CPT_SERVICE[raw], raw
    if raw.lower() in SERVICE_TYPES:
        return raw.lower(), None
    names = ", ".join(SERVICE_TYPES)
    raise BadValue(f"{quoted(raw)} is not a known service (expected one of {names} or a CPT code)")


def _int(low: int = 0, high: int = fmt.MAX_INTEGER) -> Reader:
    return lambda raw: fmt.parse_int(raw, low, high)


def _float(low: float, high: float) -> Reader:
    return lambda raw: fmt.parse_float(raw, low, high)


def _score(name: str) -> _Field:
    low, high = SCORE_RANGES[name]
    # SRS and ORS are visual-analogue scales (decimals); PHQ-9 and GAD-7 are item sums.
    is_decimal = SessionFeedback.__table__.c[name].type.python_type is float
    return _Field(name, _float(low, high) if is_decimal else _int(low, high))


# --- rows --------------------------------------------------------------------------------------


class _Row:
    """The values read from one CSV record, and the columns found wrong in it."""

    def __init__(self, file: str, line: int, log: _ProblemLog) -> None:
        self.file = file
        self.line = line
        self.log = log
        self.values: dict[str, Any] = {}
        self.bad: set[str | None] = set()

    def __getitem__(self, column: str) -> Any:
        return self.values.get(column)

    def problem(self, column: str | None, message: str) -> None:
        self.bad.add(column)
        self.log.add(ImportProblem(self.file, self.line, column, message))


def _show(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return fmt.format_datetime(value)
    if isinstance(value, dt.time):
        return fmt.format_time(value)
    return str(value)


def _after(row: _Row, first: str, second: str) -> None:
    """Report ``second`` unless it is later than ``first`` (when both are known)."""
    earlier, later = row[first], row[second]
    if earlier is not None and later is not None and later <= earlier:
        row.problem(second, f"{_show(later)} is not after {first} {_show(earlier)}")


def _not_before(row: _Row, first: str, second: str) -> None:
    """Report ``second`` if it is earlier than ``first`` (when both are known)."""
    earlier, later = row[first], row[second]
    if earlier is not None and later is not None and later < earlier:
        row.problem(second, f"{_show(later)} is before {first} {_show(earlier)}")


Record = dict[str, Any]
Derive = Callable[[_Row, ZoneInfo], Record | None]


def _as_read(row: _Row, tz: ZoneInfo) -> Record:
    return dict(row.values)


def _availability(row: _Row, tz: ZoneInfo) -> Record:
    _after(row, "start_time", "end_time")
    _not_before(row, "effective_from", "effective_to")
    return dict(row.values)


def _time_off(row: _Row, tz: ZoneInfo) -> Record:
    _after(row, "start_at", "end_at")
    return dict(row.values)


def _client(row: _Row, tz: ZoneInfo) -> Record:
    _not_before(row, "intake_date", "discharge_date")
    return dict(row.values)


def _waitlist_entry(row: _Row, tz: ZoneInfo) -> Record:
    _not_before(row, "referred_at", "resolved_at")
    return dict(row.values)


def _appointment(row: _Row, tz: ZoneInfo) -> Record | None:
    """Both end_at and duration_min from whichever was given, and the cancellation lead."""
    start, end, minutes = row["start_at"], row["end_at"], row["duration_min"]
    if row.bad & {"end_at", "duration_min"}:
        return None
    if end is None and minutes is None:
        row.problem("end_at", "a value is required in end_at or in duration_min")
        return None
    if start is None:
        return None
    if end is not None:
        # Wall-clock minutes, as the schedule shows them (a 09:00-10:00 session is 60 minutes
        # even on a DST night).
        span = int((end - start).total_seconds() // 60)
        if end <= start:
            row.problem("end_at", f"{_show(end)} is not after start_at {_show(start)}")
        elif span < 1:
            row.problem("end_at", f"{_show(end)} is less than a minute after start_at")
        elif span > MAX_APPOINTMENT_MINUTES:
            row.problem("end_at", f"{_show(end)} is more than 24 hours after start_at")
        elif minutes is not None and minutes != span:
            message = f"{minutes} does not match end_at (start_at to end_at is {span} minutes)"
            row.problem("duration_min", message)
        minutes = span
    else:
        end = start + dt.timedelta(minutes=minutes)
    service, service_code = row["service"] or (None, None)
    cancelled_at = row["cancelled_at"]
    return {
        "appointment_id": row["appointment_id"],
        "client_id": row["client_id"],
        "clinician_id": row["clinician_id"],
        "start_at": start,
        "end_at": end,
        "duration_min": minutes,
        "service": service,
        "service_code": service_code,
        "modality": row["modality"],
        "location": row["location"],
        "status": row["status"],
        "cancelled_at": cancelled_at,
        "created_at": row["created_at"],
        "cancel_lead_min": cancel_lead_minutes(start, cancelled_at, tz),
    }


def _task(row: _Row, tz: ZoneInfo) -> Record:
    """A date alone is due at the end of that day: the next day's 00:00, flagged date-only."""
    record = dict(row.values)
    due = record["due_at"]
    record["due_date_only"] = due is not None and not isinstance(due, dt.datetime)
    if record["due_date_only"]:
        record["due_at"] = dt.datetime.combine(due + dt.timedelta(days=1), dt.time())
    return record


def _care_event(row: _Row, tz: ZoneInfo) -> Record:
    """A date alone is that day's 00:00, flagged date-only."""
    record = dict(row.values)
    when = record["occurred_at"]
    record["occurred_date_only"] = when is not None and not isinstance(when, dt.datetime)
    if record["occurred_date_only"]:
        record["occurred_at"] = dt.datetime.combine(when, dt.time())
    return record


# --- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A column holding the id of a row of another (or the same) file."""

    column: str
    target: str
    unless: str | None = None  # a value that is not an id (the front-desk queue)


@dataclass(frozen=True)
class _FileSpec:
    name: str
    table: Table
    fields: tuple[_Field, ...]
    derive: Derive
    key: str | None = None  # the practice's id: unique within the file, upserted by
    refs: tuple[_Ref, ...] = ()
    versioned: bool = False  # version + 1 and updated_at on every change
    either: tuple[str, ...] = ()  # at least one of these columns must be present
    replaces_by_clinician: bool = False  # rows without ids: replace each clinician's rows
    keep_on_update: tuple[str, ...] = ()  # columns written in a second pass


# The tables whose ids other files refer to, and how a problem names a row of them.
_ID_COLUMNS: dict[str, Column[str]] = {
    "clinicians.csv": Clinician.__table__.c.clinician_id,
    "clients.csv": Client.__table__.c.client_id,
    "appointments.csv": Appointment.__table__.c.appointment_id,
}
_NOUNS = {"clinicians.csv": "clinician", "clients.csv": "client", "appointments.csv": "appointment"}


def _file_specs(tz: ZoneInfo) -> dict[str, _FileSpec]:
    """Every file of the format: its columns, checks and how it is written."""

    def text(table: Table, name: str, required: bool = False) -> _Field:
        return _Field(name, _text(table.c[name]), required)

    def prose(table: Table, name: str, required: bool = False) -> _Field:
        return _Field(name, _text(table.c[name]), required, verbatim=True)

    def moment(name: str, required: bool = False) -> _Field:
        return _Field(name, lambda raw: fmt.parse_datetime(raw, tz), required)

    def day(name: str, required: bool = False) -> _Field:
        return _Field(name, fmt.parse_date, required)

    def day_or_moment(name: str) -> _Field:
        return _Field(name, lambda raw: fmt.parse_date_or_datetime(raw, tz), required=True)

    clinicians = Clinician.__table__
    availability = Availability.__table__
    time_off = TimeOff.__table__
    clients = Client.__table__
    appointments = Appointment.__table__
    waitlist = WaitlistEntry.__table__
    tasks = Task.__table__
    events = CareEvent.__table__
    specs = [
        _FileSpec(
            "clinicians.csv",
            clinicians,
            (
                text(clinicians, "clinician_id", True),
                prose(clinicians, "name", True),
                text(clinicians, "discipline"),
                text(clinicians, "program"),
                text(clinicians, "location"),
                _Field("fte", _float(*FTE_RANGE)),
                _Field("max_caseload", _int()),
                _Field("weekly_session_target", _int()),
                _Field("languages", _languages(clinicians.c.languages)),
                _Field("accepting_new", fmt.parse_bool, default=True),
                _Field("active", fmt.parse_bool, default=True),
                text(clinicians, "supervisor_id"),
            ),
            _as_read,
            key="clinician_id",
            refs=(_Ref("supervisor_id", "clinicians.csv"),),
            keep_on_update=("supervisor_id",),
        ),
        _FileSpec(
            "availability.csv",
            availability,
            (
                text(availability, "clinician_id", True),
                _Field("weekday", fmt.parse_weekday, True),
                _Field("start_time", fmt.parse_time, True),
                _Field("end_time", fmt.parse_time, True),
                text(availability, "location"),
                day("effective_from"),
                day("effective_to"),
            ),
            _availability,
            refs=(_Ref("clinician_id", "clinicians.csv"),),
            replaces_by_clinician=True,
        ),
        _FileSpec(
            "time_off.csv",
            time_off,
            (
                text(time_off, "clinician_id", True),
                moment("start_at", True),
                moment("end_at", True),
                prose(time_off, "reason"),
            ),
            _time_off,
            refs=(_Ref("clinician_id", "clinicians.csv"),),
            replaces_by_clinician=True,
        ),
        _FileSpec(
            "clients.csv",
            clients,
            (
                text(clients, "client_id", True),
                prose(clients, "display_name", True),
                text(clients, "preferred_language"),
                text(clients, "program"),
                text(clients, "primary_clinician_id"),
                day("intake_date", True),
                day("discharge_date"),
                text(clients, "payer"),
            ),
            _client,
            key="client_id",
            refs=(_Ref("primary_clinician_id", "clinicians.csv"),),
        ),
        _FileSpec(
            "appointments.csv",
            appointments,
            (
                text(appointments, "appointment_id", True),
                text(appointments, "client_id", True),
                text(appointments, "clinician_id", True),
                moment("start_at", True),
                moment("end_at"),
                _Field("duration_min", _int(1, MAX_APPOINTMENT_MINUTES)),
                _Field("service", _service, default=("individual", None)),
                _Field("modality", _choice(MODALITIES, "modality"), default="in_person"),
                text(appointments, "location"),
                _Field("status", _choice(APPOINTMENT_STATUSES, "status", FHIR_STATUS), True),
                moment("cancelled_at"),
                moment("created_at"),
            ),
            _appointment,
            key="appointment_id",
            refs=(_Ref("client_id", "clients.csv"), _Ref("clinician_id", "clinicians.csv")),
            versioned=True,
            either=("end_at", "duration_min"),
        ),
        _FileSpec(
            "waitlist.csv",
            waitlist,
            (
                text(waitlist, "entry_id", True),
                text(waitlist, "client_id", True),
                text(waitlist, "program", True),
                day("referred_at", True),
                _Field("priority", _choice(WAITLIST_PRIORITIES, "priority"), default="routine"),
                _Field("preferred_modality", _choice(MODALITIES, "modality")),
                text(waitlist, "language"),
                day("resolved_at"),
                _Field("resolution", _choice(WAITLIST_RESOLUTIONS, "resolution")),
            ),
            _waitlist_entry,
            key="entry_id",
            refs=(_Ref("client_id", "clients.csv"),),
            versioned=True,
        ),
        _FileSpec(
            "tasks.csv",
            tasks,
            (
                text(tasks, "task_id", True),
                text(tasks, "kind", True),
                day_or_moment("due_at"),
                text(tasks, "client_id"),
                text(tasks, "appointment_id"),
                text(tasks, "assignee"),
                _Field("status", _choice(TASK_STATUSES, "task status"), default="open"),
                moment("created_at"),
                moment("completed_at"),
                prose(tasks, "note"),
            ),
            _task,
            key="task_id",
            refs=(
                _Ref("client_id", "clients.csv"),
                _Ref("appointment_id", "appointments.csv"),
                _Ref("assignee", "clinicians.csv", unless=FRONT_DESK),
            ),
            versioned=True,
        ),
        _FileSpec(
            "care_events.csv",
            events,
            (
                text(events, "event_id", True),
                text(events, "client_id", True),
                _Field("kind", _choice(CARE_EVENT_KINDS, "kind of care event"), True),
                day_or_moment("occurred_at"),
            ),
            _care_event,
            key="event_id",
            refs=(_Ref("client_id", "clients.csv"),),
        ),
        _FileSpec(
            "feedback.csv",
            SessionFeedback.__table__,
            (
                text(SessionFeedback.__table__, "appointment_id", True),
                *(_score(name) for name in ("srs", "ors", "phq9", "gad7")),
            ),
            _as_read,
            key="appointment_id",
            refs=(_Ref("appointment_id", "appointments.csv"),),
        ),
    ]
    assert [spec.name for spec in specs] == list(fmt.FILE_NAMES)
    assert all(tuple(f.name for f in spec.fields) == fmt.COLUMNS[spec.name] for spec in specs)
    return {spec.name: spec for spec in specs}


# --- validation --------------------------------------------------------------------------------


class _Spool:
    """Converted rows parked in a temporary file between validation and writing."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._buffer: list[Record] = []
        self.columns: list[str] = []  # the keys of every record; empty while there is none

    def add(self, record: Record) -> None:
        if not self.columns:
            self.columns = list(record)
        self._buffer.append(record)
        if len(self._buffer) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def chunks(self) -> Iterator[list[Record]]:
        """The rows in the order they were added, CHUNK_ROWS at a time (may be re-read)."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                # Only ever our own pickles, written above to a private temporary file.
                yield pickle.load(self._file)
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()


# A field and the position of its column in the file (None: the column is absent).
_Placed = tuple[_Field, int | None]


class _Validator:
    """Reads the files in order, checking every row; collects ids, problems and spools."""

    def __init__(self, conn: Connection, specs: dict[str, _FileSpec], tz: ZoneInfo) -> None:
        self.conn = conn
        self.specs = specs
        self.tz = tz
        self.log = _ProblemLog()
        self.counts: dict[str, int] = {}
        self.spools: dict[str, _Spool] = {}
        # id -> line of its first row, per file: duplicates and references.
        self.ids: dict[str, dict[str, int]] = defaultdict(dict)
        # Files that could not be read to the end: references to them are not checked, so
        # one bad file does not bury the report under consequential problems.
        self.unreadable: set[str] = set()
        self.in_database: dict[str, set[str]] = defaultdict(set)
        self.pending: list[tuple[str, str, str, int, str]] = []

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()

    def validate(self, name: str, path: Path) -> None:
        spec = self.specs[name]
        self.spools[name] = _Spool()
        try:
            with path.open("rb") as handle:
                self.counts[name] = self._rows(spec, _records(handle))
        except _Unreadable as exc:
            self.unreadable.add(name)
            self.log.add(ImportProblem(name, exc.line, None, exc.message))
        except OSError as exc:
            self.unreadable.add(name)
            self.log.add(ImportProblem(name, None, None, f"cannot be read ({exc.strerror})"))
        self._check_pending()

    def _rows(self, spec: _FileSpec, records: Iterator[tuple[int, list[str]]]) -> int:
        """Check every row of one file; the number of rows (blank lines skipped)."""
        header = next(records, None)
        if header is None:
            self.unreadable.add(spec.name)
            self.log.add(ImportProblem(spec.name, 1, None, "the file is empty (no header row)"))
            return 0
        columns = self._header(spec, *header)
        if columns is None:
            self.unreadable.add(spec.name)
            return 0
        width = len(header[1])
        plan = [(fld, columns.get(fld.name)) for fld in spec.fields]
        count = 0
        same_file_refs: list[tuple[str, int, str]] = []
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            row = self._read(spec, line, cells, plan, width)
            record = spec.derive(row, self.tz)
            self._check_key(spec, row)
            same_file_refs += self._check_refs(spec, row)
            # Once anything is wrong nothing will be written: stop spooling.
            if not self.log and record is not None:
                self.spools[spec.name].add(record)
        # References within the file (a supervisor listed further down) once all its ids are in.
        for value, line, column in same_file_refs:
            self._need(spec.name, value, spec.name, line, column)
        return count

    def _header(self, spec: _FileSpec, line: int, cells: list[str]) -> dict[str, int] | None:
        """Column name -> position; None when a required column is missing."""
        known = set(fmt.COLUMNS[spec.name])
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = cell.strip().lower()
            if name in columns and name in known:
                message = f"the column appears twice in the header (columns {columns[name] + 1} "
                self.log.add(ImportProblem(spec.name, line, name, f"{message}and {index + 1})"))
            columns.setdefault(name, index)
        complete = True
        for fld in spec.fields:
            if fld.required and fld.name not in columns:
                self.log.add(ImportProblem(spec.name, line, fld.name, "required column is missing"))
                complete = False
        if spec.either and not any(name in columns for name in spec.either):
            message = f"required column is missing (give {' or '.join(spec.either)})"
            self.log.add(ImportProblem(spec.name, line, spec.either[0], message))
            complete = False
        return columns if complete else None

    def _read(
        self, spec: _FileSpec, line: int, cells: list[str], plan: list[_Placed], width: int
    ) -> _Row:
        """Every field of one record read into its value (defaults for empty cells)."""
        row = _Row(spec.name, line, self.log)
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            message = (
                f"the row has {len(cells)} values but the header has {width} columns "
                "(a comma inside a value needs quotes around the value)"
            )
            row.problem(None, message)
        size = len(cells)
        for fld, index in plan:
            cell = cells[index] if index is not None and index < size else ""
            raw = cell.strip()
            if not raw:
                if fld.required:
                    row.problem(fld.name, "a value is required")
                row.values[fld.name] = fld.default
                continue
            try:
                row.values[fld.name] = fld.read(cell if fld.verbatim else raw)
            except BadValue as exc:
                row.problem(fld.name, str(exc))
                row.values[fld.name] = None
        return row

    def _check_key(self, spec: _FileSpec, row: _Row) -> None:
        if spec.key is None or row[spec.key] is None:
            return
        seen = self.ids[spec.name]
        first = seen.setdefault(row[spec.key], row.line)
        if first != row.line:
            row.problem(spec.key, f"{quoted(row[spec.key])} appears again (first on line {first})")

    def _check_refs(self, spec: _FileSpec, row: _Row) -> list[tuple[str, int, str]]:
        """Check the row's references; those into its own file are returned for later."""
        later = []
        for ref in spec.refs:
            value = row[ref.column]
            if value is None or value == ref.unless:
                continue
            if ref.target == spec.name and spec.key != ref.column:
                later.append((value, row.line, ref.column))
            else:
                self._need(ref.target, value, spec.name, row.line, ref.column)
        return later

    def _need(self, target: str, value: str, file: str, line: int, column: str) -> None:
        """Note that ``value`` must be an id of ``target``'s file set or of the database."""
        if target in self.unreadable or value in self.ids[target]:
            return
        if value in self.in_database[target]:
            return
        self.pending.append((target, value, file, line, column))
        if len(self.pending) >= CHUNK_ROWS:
            self._check_pending()

    def _check_pending(self) -> None:
        """Look up the ids not in the file set in the database; report those not there."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for target, value, *_ in self.pending:
            wanted[target].add(value)
        for target, values in wanted.items():
            self.in_database[target] |= _existing_ids(self.conn, _ID_COLUMNS[target], values)
        for target, value, file, line, column in self.pending:
            if target in self.unreadable or value in self.in_database[target]:
                continue
            message = f"no {_NOUNS[target]} {quoted(value)} in {target} or in the database"
            self.log.add(ImportProblem(file, line, column, message))
        self.pending.clear()


def _existing_ids(conn: Connection, id_column: Column[str], values: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunked(sorted(values), LOOKUP_CHUNK):
        found.update(conn.scalars(select(id_column).where(id_column.in_(chunk))))
    return found


def _chunked(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- writing -----------------------------------------------------------------------------------
#
# Each file's rows go first into a temporary staging table by the backend's fastest bulk path
# (COPY on PostgreSQL; a plain executemany on SQLite), then into the real table with one
# set-based INSERT ... SELECT ... ON CONFLICT: a million rows in seconds, not minutes.


def _stage(conn: Connection, spec: _FileSpec, columns: list[str], spool: _Spool) -> Table:
    """A temporary table holding the file's converted rows."""
    target = spec.table
    stage = Table(
        f"import_{target.name}",
        MetaData(),
        *(Column(name, target.c[name].type) for name in columns),
        prefixes=["TEMPORARY"],
    )
    stage.create(conn)
    if conn.dialect.name == "postgresql":
        _copy_into(conn, stage, columns, spool)
    else:
        _insert_into(conn, stage, columns, spool)
    return stage


def _copy_into(conn: Connection, stage: Table, columns: list[str], spool: _Spool) -> None:
    """Fill the stage with PostgreSQL's COPY, on the transaction's own connection."""
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(stage.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    driver = conn.connection.dbapi_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in spool.chunks():
            for record in chunk:
                copy.write_row([record[c] for c in columns])


def _insert_into(conn: Connection, stage: Table, columns: list[str], spool: _Spool) -> None:
    """Fill the stage with the driver's executemany, values converted as SQLAlchemy would."""
    sql = str(insert(stage).compile(dialect=conn.dialect))
    converters = [
        conn.dialect.type_descriptor(stage.c[c].type).bind_processor(conn.dialect) for c in columns
    ]
    plan = list(zip(columns, converters, strict=True))
    for chunk in spool.chunks():
        rows = [
            tuple(record[c] if convert is None else convert(record[c]) for c, convert in plan)
            for record in chunk
        ]
        conn.exec_driver_sql(sql, rows)


def _upsert(conn: Connection, spec: _FileSpec, stage: Table, now: dt.datetime) -> None:
    """Insert new rows and update changed ones; an unchanged row is left alone, so a nightly
    re-import does not make every open edit form stale."""
    table = spec.table
    written = [c.name for c in stage.c if c.name not in spec.keep_on_update]
    source: list[Any] = [stage.c[name] for name in written]
    names = list(written)
    if spec.versioned:
        source.append(literal(1, Integer))
        names.append("version")
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint.
    statement = dialect_insert(table).from_select(names, select(*source).where(true()))
    new = statement.excluded
    changing = [name for name in written if name != spec.key]
    values: dict[str, Any] = {name: new[name] for name in changing}
    if spec.versioned:
        values |= {"version": table.c.version + 1, "updated_at": now}
    changed = or_(*(table.c[name].is_distinct_from(new[name]) for name in changing))
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[spec.key]], set_=values, where=changed
        )
    )
    for name in spec.keep_on_update:
        _update_from_stage(conn, spec, stage, name)


def _update_from_stage(conn: Connection, spec: _FileSpec, stage: Table, column: str) -> None:
    """Second pass for references within a file (a supervisor listed further down): every row
    exists by now."""
    table = spec.table
    key = spec.key
    assert key is not None
    staged = select(stage.c[column]).where(stage.c[key] == table.c[key]).scalar_subquery()
    conn.execute(
        update(table)
        .where(table.c[key].in_(select(stage.c[key])))
        .where(table.c[column].is_distinct_from(staged))
        .values({column: staged})
    )


def _replace_by_clinician(conn: Connection, spec: _FileSpec, stage: Table) -> None:
    """Replace all rows of each clinician in the file by the file's rows."""
    table = spec.table
    conn.execute(delete(table).where(table.c.clinician_id.in_(select(stage.c.clinician_id))))
    names = [c.name for c in stage.c]
    conn.execute(insert(table).from_select(names, select(*stage.c)))


def _write_file(conn: Connection, spec: _FileSpec, spool: _Spool, now: dt.datetime) -> None:
    if not spool.columns:
        return  # a header-only file: nothing to insert, no clinician to replace
    stage = _stage(conn, spec, spool.columns, spool)
    moved = _moved_clients(conn, spec, stage)
    if spec.replaces_by_clinician:
        _replace_by_clinician(conn, spec, stage)
    else:
        _upsert(conn, spec, stage, now)
    if spec.table is Appointment.__table__:
        # The visit sequences of every client the file names, and of any client an
        # appointment moved away from, in this transaction.
        refresh_clients_of(conn, select(stage.c.client_id))
        refresh_clients(conn, moved)
    stage.drop(conn)


def _moved_clients(conn: Connection, spec: _FileSpec, stage: Table) -> list[str]:
    """The clients that re-imported appointments belonged to before naming another client."""
    if spec.table is not Appointment.__table__:
        return []
    table = spec.table
    moved = (
        select(table.c.client_id)
        .join(stage, stage.c.appointment_id == table.c.appointment_id)
        .where(table.c.client_id != stage.c.client_id)
        .distinct()
    )
    return list(conn.execute(moved).scalars())


def _write(db: Database, validator: _Validator, names: list[str], tz: ZoneInfo) -> None:
    """Every file's rows in one transaction, with the data version bumped."""
    now = now_local(tz)
    with db.write() as session:
        conn = session.connection()
        for name in names:
            try:
                _write_file(conn, validator.specs[name], validator.spools[name], now)
            except (IntegrityError, DataError) as exc:
                # Validation mirrors the schema's constraints; this is the last line of defence.
                reason = str(exc.orig).strip().splitlines()[0]
                raise _fail(name, f"the database refused the rows ({reason})") from exc
        bump_data_version(session)


# --- entry point -------------------------------------------------------------------------------


def _find_files(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """The format's files present in the folder, and the other CSV files found there."""
    if not directory.exists():
        raise _fail(str(directory), "no such folder")
    if not directory.is_dir():
        raise _fail(str(directory), "is not a folder")
    try:
        names = {path.name: path for path in directory.iterdir() if path.is_file()}
    except OSError as exc:
        raise _fail(str(directory), f"cannot be read ({exc.strerror})") from exc
    files = {name: names[name] for name in fmt.FILE_NAMES if name in names}
    ignored = sorted(n for n in names if n.lower().endswith(".csv") and n not in fmt.COLUMNS)
    if not files:
        expected = ", ".join(fmt.FILE_NAMES)
        raise _fail(str(directory), f"has none of the files of the import format ({expected})")
    return files, ignored


def import_dir(db: Database, directory: Path, tz: ZoneInfo) -> ImportResult:
    """Load the CSV files in ``directory`` into ``db`` in one transaction, or raise
    ImportFailed listing every problem found (and write nothing)."""
    files, ignored = _find_files(Path(directory))
    with contextlib.ExitStack() as stack:
        # Validation reads the primary without holding SQLite's write lock.
        conn = stack.enter_context(db.engine.connect())
        validator = _Validator(conn, _file_specs(tz), tz)
        stack.callback(validator.close)
        for name, path in files.items():
            validator.validate(name, path)
        conn.close()
        if validator.log:
            raise ImportFailed(validator.log.report())
        _write(db, validator, list(files), tz)
    db.analyze()  # after the commit: the new rows' statistics, for the planner
    return ImportResult(counts=validator.counts, ignored_files=ignored)
