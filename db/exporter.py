"""Write the practice to a folder of CSV files in the import format (import-format.md).

The export is the import's inverse: exported into an empty database and exported again, it
gives the same bytes. It writes every column of the format and nothing else (the contract is
the public interface: ``resolution_reason``, ``rule_key`` and versions stay inside).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Select, nulls_first, select

from db import csvformat as fmt
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
    WaitlistEntry,
)

# Rows fetched per round trip while streaming a table out.
FETCH_ROWS = 5000
# RFC 4180 line ends. Any value holding a CR or LF is then written in quotes, so it reads back
# as it was.
LINE_END = "\r\n"

Cell = Callable[[Row[Any]], str]


def _cell(value: Any) -> str:
    """A stored value as the import format writes it, chosen by its type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return fmt.format_bool(value)
    if isinstance(value, int | float):
        return fmt.format_number(value)
    if isinstance(value, dt.datetime):
        return fmt.format_datetime(value)
    if isinstance(value, dt.date):
        return fmt.format_date(value)
    if isinstance(value, dt.time):
        return fmt.format_time(value)
    return str(value)


def _service(row: Row[Any]) -> str:
    """The CPT code when the practice sent one, else the service name."""
    return row.service_code or row.service


def _task_due(row: Row[Any]) -> str:
    """A task due on a date alone is stored as the next day's 00:00: write the date back."""
    if row.due_date_only:
        return fmt.format_date((row.due_at - dt.timedelta(days=1)).date())
    return fmt.format_datetime(row.due_at)


def _occurred(row: Row[Any]) -> str:
    if row.occurred_date_only:
        return fmt.format_date(row.occurred_at.date())
    return fmt.format_datetime(row.occurred_at)


# Per file: the query (ordered, so the bytes are reproducible) and the columns whose cell is not
# simply the stored value of the same name.
_QUERIES: dict[str, Select[Any]] = {
    "clinicians.csv": select(Clinician.__table__).order_by(Clinician.clinician_id),
    # Rows without ids: ordered by every column, so the bytes do not depend on the internal ids
    # a database happened to assign (NULLs first on both databases).
    "availability.csv": select(Availability.__table__).order_by(
        Availability.clinician_id,
        Availability.weekday,
        Availability.start_time,
        Availability.end_time,
        nulls_first(Availability.effective_from),
        nulls_first(Availability.effective_to),
        nulls_first(Availability.location),
        Availability.id,
    ),
    "time_off.csv": select(TimeOff.__table__).order_by(
        TimeOff.clinician_id,
        TimeOff.start_at,
        TimeOff.end_at,
        nulls_first(TimeOff.reason),
        TimeOff.id,
    ),
    "clients.csv": select(Client.__table__).order_by(Client.client_id),
    "appointments.csv": select(Appointment.__table__).order_by(Appointment.appointment_id),
    "waitlist.csv": select(WaitlistEntry.__table__).order_by(WaitlistEntry.entry_id),
    "tasks.csv": select(Task.__table__).order_by(Task.task_id),
    "care_events.csv": select(CareEvent.__table__).order_by(CareEvent.event_id),
    "feedback.csv": select(SessionFeedback.__table__).order_by(SessionFeedback.appointment_id),
}
_SPECIAL_CELLS: dict[str, dict[str, Cell]] = {
    "availability.csv": {"weekday": lambda row: fmt.format_weekday(row.weekday)},
    "appointments.csv": {"service": _service},
    "tasks.csv": {"due_at": _task_due},
    "care_events.csv": {"occurred_at": _occurred},
}


def _cells_of(name: str) -> list[Cell]:
    special = _SPECIAL_CELLS.get(name, {})
    return [special.get(column) or _plain(column) for column in fmt.COLUMNS[name]]


def _plain(column: str) -> Cell:
    return lambda row: _cell(getattr(row, column))


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> int:
    """Write the file beside its final name, then move it there: readers never see half."""
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=LINE_END)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    os.replace(partial, path)
    return count


def _export_file(conn: Connection, directory: Path, name: str) -> int:
    cells = _cells_of(name)
    result = conn.execute(_QUERIES[name].execution_options(yield_per=FETCH_ROWS))
    rows = ([cell(row) for cell in cells] for row in result)
    return _write_csv(directory / name, fmt.COLUMNS[name], rows)


def export_dir(db: Database, directory: Path, tz: ZoneInfo) -> dict[str, int]:
    """Write all nine files of the import format to ``directory``; rows written per file.

    Stored date-times already are wall-clock time in ``tz`` and are written as they are.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with db.read() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for all nine files, so every reference in them resolves.
            conn.execution_options(isolation_level="REPEATABLE READ")
        return {name: _export_file(conn, directory, name) for name in fmt.FILE_NAMES}
