"""Available time and open slots (metrics.md, "Availability" and third next available).

A clinician's available time is their weekly template laid over each date, minus the time off
that overlaps it; a time off that covers part of a block splits it. Templates and time off are
small tables, read for the clinicians concerned and expanded over the dates in numpy; held
appointments are fetched by SQL for the slot window only.

Times are handled as whole seconds of wall-clock time (naive datetimes), so a 09:00-17:00 block
is 8 hours on a DST day too. A block without a location is at the clinician's home location.
If two blocks of one clinician overlap (a template edited without closing the old one), the
overlap counts once, for the block that starts first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, func, select

from dashboard.metrics.common import (
    ONE_DAY,
    Filters,
    Rules,
    all_of,
    clinician_conditions,
    is_held,
)
from db.models import Appointment, Availability, Clinician, TimeOff

INTERVAL_COLUMNS = ["clinician_id", "location", "start_at", "end_at"]
THIRD_NEXT_COLUMNS = ["clinician_id", "next_available", "third_next_available_days"]
EPOCH = dt.datetime(1970, 1, 1)
EPOCH_DAY = EPOCH.date()
DAY_SECONDS = 86_400
# Intervals of many groups (a clinician, or a clinician at a location) share one sorted array,
# each group shifted this many seconds from the last, so one searchsorted serves them all and
# no interval of one group can touch another's (1e11 s is ~3,000 years).
GROUP_STRIDE = 10**11
# Third next available looks ahead in windows of this many days, so the common case (three
# open slots within a fortnight) reads two weeks of appointments, not the whole horizon.
SLOT_WINDOW_DAYS = 14
# Held appointments are fetched by start_at (indexed) from this long before a window: a
# session that starts earlier and still runs into the window would have to last over a day.
LONGEST_APPOINTMENT = ONE_DAY


# --- seconds of wall-clock time ------------------------------------------------------------------


def _seconds(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(seconds=1)


def _day_seconds(day: dt.date) -> int:
    return (day - EPOCH_DAY).days * DAY_SECONDS


def _time_seconds(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _datetimes(seconds: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s"))


# --- interval arithmetic on sorted numpy arrays ----------------------------------------------


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of intervals as sorted, disjoint intervals (touching ones joined)."""
    if not len(starts):
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    first = np.ones(len(starts), dtype=bool)
    first[1:] = starts[1:] > reach[:-1]
    heads = np.flatnonzero(first)
    return starts[heads], np.maximum.reduceat(ends, heads)


def _containing(
    union: tuple[np.ndarray, np.ndarray], starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Which intervals lie wholly inside one interval of a merged union."""
    union_starts, union_ends = union
    if not len(union_starts):
        return np.zeros(len(starts), dtype=bool)
    index = np.searchsorted(union_starts, starts, side="right") - 1
    found = index >= 0
    return found & (union_ends[np.where(found, index, 0)] >= ends)


def _overlapping(
    union: tuple[np.ndarray, np.ndarray], starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Which intervals share some time with a merged union (touching is not overlapping)."""
    union_starts, union_ends = union
    if not len(union_starts):
        return np.zeros(len(starts), dtype=bool)
    # The last union interval starting before the end is the only one that can overlap.
    index = np.searchsorted(union_starts, ends, side="left") - 1
    found = index >= 0
    return found & (union_ends[np.where(found, index, 0)] > starts)


def _subtract(
    starts: np.ndarray, ends: np.ndarray, cuts: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals minus a merged union of cuts: (source row, start, end) of the pieces left."""
    cut_starts, cut_ends = cuts
    touched = _overlapping(cuts, starts, ends)
    rows = [np.flatnonzero(~touched)]
    piece_starts, piece_ends = [starts[~touched]], [ends[~touched]]
    # Only the few intervals some time off touches are split, one by one.
    extra_rows: list[int] = []
    extra_starts: list[int] = []
    extra_ends: list[int] = []
    for row in np.flatnonzero(touched):
        cursor, end = int(starts[row]), int(ends[row])
        cut = int(np.searchsorted(cut_ends, cursor, side="right"))
        while cut < len(cut_starts) and cut_starts[cut] < end:
            if cut_starts[cut] > cursor:
                extra_rows.append(row)
                extra_starts.append(cursor)
                extra_ends.append(int(cut_starts[cut]))
            cursor = max(cursor, int(cut_ends[cut]))
            cut += 1
        if cursor < end:
            extra_rows.append(row)
            extra_starts.append(cursor)
            extra_ends.append(end)
    rows.append(np.asarray(extra_rows, dtype=np.int64))
    piece_starts.append(np.asarray(extra_starts, dtype=np.int64))
    piece_ends.append(np.asarray(extra_ends, dtype=np.int64))
    return np.concatenate(rows), np.concatenate(piece_starts), np.concatenate(piece_ends)


def _group_codes(keys: pd.Series, categories: pd.Index) -> np.ndarray:
    return categories.get_indexer(keys).astype(np.int64) * GROUP_STRIDE


# --- templates laid over dates -----------------------------------------------------------------


def _availability_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Filter-table column "availability and slots", but for location, which applies to
    blocks once their location is known: clinician = X, the clinician's program = P."""
    conditions: list[ColumnElement[bool]] = []
    if filters.clinician:
        conditions.append(Availability.clinician_id == filters.clinician)
    if filters.program:
        conditions.append(Clinician.program == filters.program)
    return conditions


def _dated_blocks(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    filters: Filters,
    clinician_ids: Collection[str] | None,
) -> pd.DataFrame:
    """Every template block on every date from start to end inclusive where it is in effect:
    clinician_id, location (null block location: the clinician's home), start, end (seconds)."""
    stmt = (
        select(
            Availability.clinician_id,
            func.coalesce(Availability.location, Clinician.location).label("location"),
            Availability.weekday,
            Availability.start_time,
            Availability.end_time,
            Availability.effective_from,
            Availability.effective_to,
        )
        .join(Clinician, Clinician.clinician_id == Availability.clinician_id)
        .where(
            *_availability_conditions(filters),
            Availability.effective_from.is_(None) | (Availability.effective_from <= end),
            Availability.effective_to.is_(None) | (Availability.effective_to >= start),
        )
    )
    if clinician_ids is not None:
        stmt = stmt.where(Availability.clinician_id.in_(list(clinician_ids)))
    clinicians: list[np.ndarray] = []
    locations: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for block in conn.execute(stmt):
        first = max(start, block.effective_from or start)
        last = min(end, block.effective_to or end)
        first += dt.timedelta(days=(block.weekday - first.weekday()) % 7)
        days = np.arange((first - EPOCH_DAY).days, (last - EPOCH_DAY).days + 1, 7, dtype=np.int64)
        if not len(days):
            continue
        midnights = days * DAY_SECONDS
        starts.append(midnights + _time_seconds(block.start_time))
        ends.append(midnights + _time_seconds(block.end_time))
        clinicians.append(np.full(len(days), block.clinician_id, dtype=object))
        locations.append(np.full(len(days), block.location, dtype=object))
    if not starts:
        return pd.DataFrame(
            {
                "clinician_id": pd.Series(dtype=object),
                "location": pd.Series(dtype=object),
                "start": pd.Series(dtype=np.int64),
                "end": pd.Series(dtype=np.int64),
            }
        )
    blocks = pd.DataFrame(
        {
            "clinician_id": np.concatenate(clinicians),
            "location": np.concatenate(locations),
            "start": np.concatenate(starts),
            "end": np.concatenate(ends),
        }
    )
    return blocks.sort_values(["clinician_id", "start", "end"], kind="stable", ignore_index=True)


def _time_off(
    conn: Connection, clinician_ids: Sequence[str], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Time off of these clinicians overlapping the dates: clinician_id, start, end (seconds)."""
    if not clinician_ids:
        return pd.DataFrame({"clinician_id": [], "start": [], "end": []})
    stmt = select(TimeOff.clinician_id, TimeOff.start_at, TimeOff.end_at).where(
        TimeOff.clinician_id.in_(list(clinician_ids)),
        TimeOff.start_at < dt.datetime.combine(end + ONE_DAY, dt.time()),
        TimeOff.end_at > dt.datetime.combine(start, dt.time()),
    )
    rows = conn.execute(stmt).all()
    return pd.DataFrame(
        {
            "clinician_id": [row.clinician_id for row in rows],
            "start": np.array([_seconds(row.start_at) for row in rows], dtype=np.int64),
            "end": np.array([_seconds(row.end_at) for row in rows], dtype=np.int64),
        }
    )


def _without_overlaps(blocks: pd.DataFrame) -> pd.DataFrame:
    """Blocks with the part that an earlier-starting block of the clinician covers removed."""
    if blocks.empty:
        return blocks
    reached = blocks.groupby("clinician_id")["end"].cummax()
    before = reached.groupby(blocks["clinician_id"]).shift()
    floor = before.fillna(np.iinfo(np.int64).min).astype(np.int64)
    trimmed = blocks.assign(start=np.maximum(blocks["start"].to_numpy(), floor.to_numpy()))
    return trimmed[trimmed["start"] < trimmed["end"]].reset_index(drop=True)


def _minus_time_off(blocks: pd.DataFrame, time_off: pd.DataFrame) -> pd.DataFrame:
    """Blocks minus each clinician's time off; a partial cut leaves one or two pieces."""
    if blocks.empty or time_off.empty:
        return blocks
    clinicians = pd.Index(pd.unique(blocks["clinician_id"]))
    time_off = time_off[time_off["clinician_id"].isin(clinicians)]
    offset = _group_codes(time_off["clinician_id"], clinicians)
    cuts = _merge(time_off["start"].to_numpy() + offset, time_off["end"].to_numpy() + offset)
    codes = _group_codes(blocks["clinician_id"], clinicians)
    rows, starts, ends = _subtract(
        blocks["start"].to_numpy() + codes, blocks["end"].to_numpy() + codes, cuts
    )
    pieces = blocks.iloc[rows].reset_index(drop=True)
    pieces["start"] = starts - codes[rows]
    pieces["end"] = ends - codes[rows]
    return pieces.sort_values(["clinician_id", "start"], kind="stable", ignore_index=True)


@dataclasses.dataclass(frozen=True)
class _Availability:
    blocks: pd.DataFrame  # dated template blocks: where slots start
    available: pd.DataFrame  # available time: blocks without overlaps, minus time off


def _availability(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    filters: Filters,
    clinician_ids: Collection[str] | None = None,
) -> _Availability:
    blocks = _dated_blocks(conn, start, end, filters, clinician_ids)
    time_off = _time_off(conn, sorted(pd.unique(blocks["clinician_id"])), start, end)
    available = _minus_time_off(_without_overlaps(blocks), time_off)
    # Location filters blocks only now, so that what a block keeps of its time does not depend
    # on whether its neighbours at other locations were filtered out.
    if filters.location:
        blocks = blocks[blocks["location"] == filters.location].reset_index(drop=True)
        available = available[available["location"] == filters.location].reset_index(drop=True)
    return _Availability(blocks, available)


def _interval_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "clinician_id": frame["clinician_id"].astype(object).to_numpy(),
            "location": frame["location"].astype(object).to_numpy(),
            "start_at": _datetimes(frame["start"].to_numpy()),
            "end_at": _datetimes(frame["end"].to_numpy()),
        },
        columns=INTERVAL_COLUMNS,
    )


def available_intervals(
    conn: Connection, start: dt.date, end: dt.date, filters: Filters
) -> pd.DataFrame:
    """A clinician's available time on the dates from start to end inclusive, as intervals:
    clinician_id, location, start_at, end_at (naive wall-clock datetimes), sorted.

    Filters (metrics.md, "availability and slots"): clinician, the clinician's program, the
    block's location (a block without one is at the clinician's home location); modality does
    not filter availability. Inactive clinicians keep the time their templates give them."""
    return _interval_frame(_availability(conn, start, end, filters).available)


# --- open slots -----------------------------------------------------------------------------------


def _busy(
    conn: Connection,
    clinician_ids: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    rules: Rules,
) -> pd.DataFrame:
    """Held appointments of these clinicians overlapping [start, end): clinician_id, start, end.

    Any held appointment blocks the clinician, whatever its location, modality or client."""
    if not clinician_ids:
        return pd.DataFrame({"clinician_id": [], "start": [], "end": []})
    stmt = select(Appointment.clinician_id, Appointment.start_at, Appointment.end_at).where(
        Appointment.clinician_id.in_(list(clinician_ids)),
        Appointment.start_at >= start - LONGEST_APPOINTMENT,
        Appointment.start_at < end,
        Appointment.end_at > start,
        is_held(rules),
    )
    rows = conn.execute(stmt).all()
    return pd.DataFrame(
        {
            "clinician_id": [row.clinician_id for row in rows],
            "start": np.array([_seconds(row.start_at) for row in rows], dtype=np.int64),
            "end": np.array([_seconds(row.end_at) for row in rows], dtype=np.int64),
        }
    )


def _slot_starts(blocks: pd.DataFrame, step: int) -> pd.DataFrame:
    """Slot starts: each block's start, then every ``step`` seconds while inside the block."""
    starts, ends = blocks["start"].to_numpy(), blocks["end"].to_numpy()
    counts = -((starts - ends) // step)  # ceil((end - start) / step)
    source = np.repeat(np.arange(len(blocks)), counts)
    nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    slots = blocks.iloc[source][["clinician_id", "location"]].reset_index(drop=True)
    slots["start"] = starts[source] + nth * step
    slots["end"] = slots["start"] + step
    return slots.drop_duplicates(["clinician_id", "location", "start"], ignore_index=True)


def _open_slots(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    rules: Rules,
    clinician_ids: Collection[str] | None,
) -> pd.DataFrame:
    """Open slots in seconds: clinician_id, location, start, end, sorted by clinician, start."""
    availability = _availability(conn, start, end, filters, clinician_ids)
    slots = _slot_starts(availability.blocks, rules.slot_minutes * 60)
    slots = slots[slots["start"] >= _seconds(as_of)].reset_index(drop=True)
    if slots.empty:
        return slots
    # Wholly inside available time at the slot's own location.
    places = slots["clinician_id"] + "\x1f" + slots["location"].fillna("")
    available = availability.available
    available_places = available["clinician_id"] + "\x1f" + available["location"].fillna("")
    categories = pd.Index(pd.unique(pd.concat([places, available_places])))
    offset = _group_codes(available_places, categories)
    union = _merge(available["start"].to_numpy() + offset, available["end"].to_numpy() + offset)
    codes = _group_codes(places, categories)
    inside = _containing(union, slots["start"].to_numpy() + codes, slots["end"].to_numpy() + codes)
    slots = slots[inside].reset_index(drop=True)
    # Free of every held appointment of the clinician.
    clinicians = pd.Index(pd.unique(slots["clinician_id"]))
    busy = _busy(
        conn,
        list(clinicians),
        dt.datetime.combine(start, dt.time()),
        dt.datetime.combine(end + ONE_DAY, dt.time()),
        rules,
    )
    offset = _group_codes(busy["clinician_id"], clinicians)
    taken = _merge(busy["start"].to_numpy() + offset, busy["end"].to_numpy() + offset)
    codes = _group_codes(slots["clinician_id"], clinicians)
    blocked = _overlapping(
        taken, slots["start"].to_numpy() + codes, slots["end"].to_numpy() + codes
    )
    slots = slots[~blocked]
    return slots.sort_values(["clinician_id", "start", "location"], ignore_index=True)


def open_slots(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    rules: Rules,
    *,
    clinician_ids: Collection[str] | None = None,
) -> pd.DataFrame:
    """Open slots on the dates from start to end inclusive: clinician_id, location, start_at,
    end_at, sorted by clinician and start.

    Slots last ``rules.slot_minutes``, start at each availability block's start and step by
    that length inside the block; a slot is open when it starts at or after ``as_of``, lies
    wholly inside available time at its block's location (time off removed) and overlaps no
    held appointment of the clinician. Filters as for ``available_intervals``; ``clinician_ids``
    narrows further. Whether a clinician is active or accepting is the caller's choice."""
    slots = _open_slots(conn, start, end, as_of, filters, rules, clinician_ids)
    return _interval_frame(slots)


def _candidate_clinicians(conn: Connection, filters: Filters) -> list[str]:
    """Clinicians third next available is about: active, accepting new clients, passing the
    filters (filter table, "clinicians counted")."""
    stmt = (
        select(Clinician.clinician_id)
        .where(
            Clinician.active.is_(True),
            Clinician.accepting_new.is_(True),
            all_of(clinician_conditions(filters)),
        )
        .order_by(Clinician.clinician_id)
    )
    return list(conn.execute(stmt).scalars())


def third_next_available(
    conn: Connection, as_of: dt.datetime, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """Per active clinician accepting new clients who passes the filters: next_available (the
    first open slot's start, or null) and third_next_available_days (whole days from the as-of
    date to the third open slot's date; null when there is none within the horizon).

    With a location filter the clinician's home location must match and only slots in blocks
    at that location count (both columns of the filter table apply)."""
    as_of_date = (as_of - dt.timedelta(microseconds=1)).date()
    last_day = as_of_date + dt.timedelta(days=rules.slot_horizon_days)
    waiting = _candidate_clinicians(conn, filters)
    found: dict[str, list[int]] = {clinician_id: [] for clinician_id in waiting}
    day = as_of.date()
    while waiting and day <= last_day:
        window_end = min(last_day, day + dt.timedelta(days=SLOT_WINDOW_DAYS - 1))
        slots = _open_slots(conn, day, window_end, as_of, filters, rules, waiting)
        for clinician_id, starts in slots.groupby("clinician_id")["start"]:
            found[clinician_id].extend(starts.iloc[: 3 - len(found[clinician_id])].tolist())
        waiting = [clinician_id for clinician_id in waiting if len(found[clinician_id]) < 3]
        day = window_end + ONE_DAY
    records = []
    for clinician_id, starts in found.items():
        first = EPOCH + dt.timedelta(seconds=starts[0]) if starts else None
        third_day = (EPOCH + dt.timedelta(seconds=starts[2])).date() if len(starts) >= 3 else None
        days = (third_day - as_of_date).days if third_day is not None else None
        records.append((clinician_id, first, days))
    result = pd.DataFrame.from_records(records, columns=THIRD_NEXT_COLUMNS)
    result["next_available"] = pd.to_datetime(result["next_available"])
    result["third_next_available_days"] = result["third_next_available_days"].astype("float64")
    return result


# --- the groups of a breakdown ------------------------------------------------------------------


__all__ = [
    "available_intervals",
    "open_slots",
    "third_next_available",
]
