"""The CSV format of import-format.md, value by value: the files, their columns, and how each
kind of value is read from a cell and written back to one.

The importer and the exporter both use these, so what the export writes is exactly what the
import reads (an export imported into an empty database exports to the same bytes).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TypeVar
from zoneinfo import ZoneInfo

from db.timeutil import to_local_naive
from db.vocab import WEEKDAYS

# The nine files, in the order they are loaded: every file refers only to files before it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "clinicians.csv": (
        "clinician_id",
        "name",
        "discipline",
        "program",
        "location",
        "fte",
        "max_caseload",
        "weekly_session_target",
        "languages",
        "accepting_new",
        "active",
        "supervisor_id",
    ),
    "availability.csv": (
        "clinician_id",
        "weekday",
        "start_time",
        "end_time",
        "location",
        "effective_from",
        "effective_to",
    ),
    "time_off.csv": ("clinician_id", "start_at", "end_at", "reason"),
    "clients.csv": (
        "client_id",
        "display_name",
        "preferred_language",
        "program",
        "primary_clinician_id",
        "intake_date",
        "discharge_date",
        "payer",
    ),
    "appointments.csv": (
        "appointment_id",
        "client_id",
        "clinician_id",
        "start_at",
        "end_at",
        "duration_min",
        "service",
        "modality",
        "location",
        "status",
        "cancelled_at",
        "created_at",
    ),
    "waitlist.csv": (
        "entry_id",
        "client_id",
        "program",
        "referred_at",
        "priority",
        "preferred_modality",
        "language",
        "resolved_at",
        "resolution",
    ),
    "tasks.csv": (
        "task_id",
        "kind",
        "due_at",
        "client_id",
        "appointment_id",
        "assignee",
        "status",
        "created_at",
        "completed_at",
        "note",
    ),
    "care_events.csv": ("event_id", "client_id", "kind", "occurred_at"),
    "feedback.csv": ("appointment_id", "srs", "ors", "phq9", "gad7"),
}
FILE_NAMES = tuple(COLUMNS)

# Years a date may fall in.
MIN_YEAR, MAX_YEAR = 1900, 2999
# Largest value of a 32-bit INTEGER column (PostgreSQL refuses anything above).
MAX_INTEGER = 2**31 - 1

DATE_HINT = "YYYY-MM-DD"
DATETIME_HINT = "YYYY-MM-DDTHH:MM"
TIME_HINT = "HH:MM"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_WEEKDAY = {name.lower(): number for number, name in enumerate(WEEKDAYS)}


_Day = TypeVar("_Day", dt.date, dt.datetime)


class BadValue(ValueError):
    """A cell that cannot be read as its column's kind of value; the message says why."""


def quoted(raw: str, limit: int = 40) -> str:
    """A cell as it appears in a problem message: in quotes, shortened when long."""
    shown = raw if len(raw) <= limit else raw[: limit - 3] + "..."
    return f'"{shown}"'


# --- reading cells -----------------------------------------------------------------------------


def parse_date(raw: str) -> dt.date:
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadValue(f"{quoted(raw)} is not a date (expected {DATE_HINT})") from None
    return _check_year(raw, value)


def parse_datetime(raw: str, tz: ZoneInfo) -> dt.datetime:
    """An ISO 8601 date-time as naive wall-clock time in ``tz``, to the second."""
    try:
        if not _DATETIME.fullmatch(raw):
            raise ValueError(raw)
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadValue(f"{quoted(raw)} is not a date-time (expected {DATETIME_HINT})") from None
    value = to_local_naive(_check_year(raw, value), tz)
    return value.replace(microsecond=0) if value.microsecond else value


def _check_year(raw: str, value: _Day) -> _Day:
    # A year outside the practice's era is a typo ("0026" for "2026"); refusing it also keeps
    # offset conversion and duration arithmetic far from the calendar's ends.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadValue(f"{quoted(raw)} is out of range (years {MIN_YEAR} to {MAX_YEAR})")
    return value


def parse_date_or_datetime(raw: str, tz: ZoneInfo) -> dt.date | dt.datetime:
    """A date alone stays a ``date``; anything with a time is read as a date-time."""
    if _DATE.fullmatch(raw):
        return parse_date(raw)
    if _DATETIME.fullmatch(raw):
        return parse_datetime(raw, tz)
    raise BadValue(
        f"{quoted(raw)} is not a date or a date-time (expected {DATE_HINT} or {DATETIME_HINT})"
    )


def parse_time(raw: str) -> dt.time:
    if _TIME.fullmatch(raw):
        try:
            return dt.time.fromisoformat(raw if raw.index(":") == 2 else "0" + raw)
        except ValueError:
            pass
    raise BadValue(f"{quoted(raw)} is not a time (expected {TIME_HINT})")


def parse_bool(raw: str) -> bool:
    word = raw.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise BadValue(f"{quoted(raw)} is not true or false (expected true, false, yes, no, 1 or 0)")


def parse_int(raw: str, low: int = 0, high: int = MAX_INTEGER) -> int:
    """A whole number within ``low..high`` ("12.0" is accepted as 12)."""
    if not _INTEGER.fullmatch(raw):
        if _NUMBER.fullmatch(raw):
            raise BadValue(f"{quoted(raw)} is not a whole number")
        raise BadValue(f"{quoted(raw)} is not a number")
    value = int(raw.split(".")[0])
    _check_range(raw, value, low, high)
    return value


def parse_float(raw: str, low: float, high: float) -> float:
    """A finite decimal number within ``low..high``."""
    if not _NUMBER.fullmatch(raw):
        raise BadValue(f"{quoted(raw)} is not a number")
    value = float(raw)
    if not math.isfinite(value):
        raise BadValue(f"{quoted(raw)} is not a number")
    _check_range(raw, value, low, high)
    return value


def _check_range(raw: str, value: float, low: float, high: float) -> None:
    if low <= value <= high:
        return
    if high < MAX_INTEGER:
        bounds = f"must be {format_number(low)} to {format_number(high)}"
        raise BadValue(f"{raw} is out of range ({bounds})")
    if value < low:
        adjective = "negative" if value < 0 else "too small"
        raise BadValue(f"{raw} is {adjective} (must be {format_number(low)} or more)")
    raise BadValue(f"{raw} is too large")


def parse_weekday(raw: str) -> int:
    """``Mon``..``Sun`` (any case) or ``0``..``6``, Monday = 0."""
    if raw.lower() in _WEEKDAY:
        return _WEEKDAY[raw.lower()]
    if raw in ("0", "1", "2", "3", "4", "5", "6"):
        return int(raw)
    raise BadValue(f"{quoted(raw)} is not a weekday (expected Mon..Sun or 0..6)")


def parse_languages(raw: str) -> str | None:
    """A ``;``-separated list, kept as given but without spaces around the separators."""
    parts = [part.strip() for part in raw.split(";")]
    return ";".join(part for part in parts if part) or None


def parse_choice(raw: str, allowed: dict[str, str], what: str, expected: str) -> str:
    """One of a set of words (any case), mapped to its canonical value."""
    value = allowed.get(raw.lower())
    if value is None:
        raise BadValue(f"{quoted(raw)} is not a known {what} (expected {expected})")
    return value


# --- writing cells -----------------------------------------------------------------------------


def format_date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def format_datetime(value: dt.datetime | None) -> str:
    """``YYYY-MM-DDTHH:MM``, with ``:SS`` only when the seconds are not zero."""
    if value is None:
        return ""
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def format_time(value: dt.time | None) -> str:
    if value is None:
        return ""
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def format_bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def format_number(value: float | None) -> str:
    """The shortest text that reads back as the same number; whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_weekday(value: int) -> str:
    return WEEKDAYS[value]


def format_text(value: str | None) -> str:
    return "" if value is None else value
