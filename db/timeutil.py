"""Wall-clock time in the practice's zone: the one place where offsets and DST are handled."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


def to_local_naive(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware value converted to wall-clock time in ``tz``; a naive value is already that."""
    if value.tzinfo is None:
        return value
    return value.astimezone(tz).replace(tzinfo=None)


def now_local(tz: ZoneInfo) -> dt.datetime:
    """The current wall-clock time in the practice, naive, to the second."""
    return dt.datetime.now(tz).replace(tzinfo=None, microsecond=0)


def elapsed_minutes(earlier: dt.datetime, later: dt.datetime, tz: ZoneInfo) -> int:
    """Real minutes between two wall-clock times, counting the hour a DST change adds or drops."""
    a = earlier.replace(tzinfo=tz).astimezone(UTC)
    b = later.replace(tzinfo=tz).astimezone(UTC)
    return int((b - a).total_seconds() // 60)


def cancel_lead_minutes(
    start_at: dt.datetime, cancelled_at: dt.datetime | None, tz: ZoneInfo
) -> int | None:
    """How long before the start a cancellation came in (negative if after), or None."""
    if cancelled_at is None:
        return None
    return elapsed_minutes(cancelled_at, start_at, tz)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())
