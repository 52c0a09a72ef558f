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
from dashboard.metrics.sqlfn import epoch_second
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


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes that sort like the values (strings by code point; None after all), and
    how many codes there are."""
    found, categories = pd.factorize(values)  # None: -1
    rank = np.empty(len(categories), dtype=np.int64)
    rank[np.argsort(np.asarray(categories, dtype=object), kind="stable")] = np.arange(
        len(categories)
    )
    codes = np.where(found >= 0, rank[np.maximum(found, 0)] if len(rank) else 0, len(categories))
    return codes.astype(np.int64), len(categories) + 1


def _block_frame(
    clinicians: np.ndarray, locations: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> pd.DataFrame:
    """Dated blocks sorted by clinician, start and end (stable), with integer codes: the
    clinician's (ordered like the ids) and the place's (one per clinician and location), so
    later steps group by numbers, not by strings."""
    clinician_codes, _ = _codes(clinicians)
    location_codes, location_count = _codes(locations)
    order = np.lexsort((ends, starts, clinician_codes))
    return pd.DataFrame(
        {
            "clinician_id": clinicians[order],
            "location": locations[order],
            "start": starts[order],
            "end": ends[order],
            "clinician_code": clinician_codes[order],
            "place": (clinician_codes * location_count + location_codes)[order],
        }
    )


def _dated_blocks(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    filters: Filters,
    clinician_ids: Collection[str] | None,
) -> pd.DataFrame:
    """Every template block on every date from start to end inclusive where it is in effect:
    clinician_id, location (null block location: the clinician's home), start, end (seconds),
    and the codes of ``_block_frame``."""
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
    rows = conn.execute(stmt).all()
    empty = np.array([], dtype=object)
    if not rows:
        no_seconds = np.array([], dtype=np.int64)
        return _block_frame(empty, empty, no_seconds, no_seconds)
    first_day, last_day = (start - EPOCH_DAY).days, (end - EPOCH_DAY).days
    firsts = np.array(
        [max(first_day, (r.effective_from - EPOCH_DAY).days) if r.effective_from else first_day
         for r in rows],
        dtype=np.int64,
    )  # fmt: skip
    lasts = np.array(
        [min(last_day, (r.effective_to - EPOCH_DAY).days) if r.effective_to else last_day
         for r in rows],
        dtype=np.int64,
    )  # fmt: skip
    weekdays = np.array([r.weekday for r in rows], dtype=np.int64)
    # The first date on or after ``firsts`` that falls on the block's weekday (epoch day 0,
    # 1970-01-01, was a Thursday: weekday 3).
    firsts += (weekdays - (firsts + 3)) % 7
    counts = np.where(lasts >= firsts, (lasts - firsts) // 7 + 1, 0)
    source = np.repeat(np.arange(len(rows)), counts)
    nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    midnights = (firsts[source] + 7 * nth) * DAY_SECONDS
    start_times = np.array([_time_seconds(r.start_time) for r in rows], dtype=np.int64)
    end_times = np.array([_time_seconds(r.end_time) for r in rows], dtype=np.int64)
    clinicians = np.array([r.clinician_id for r in rows], dtype=object)
    locations = np.array([r.location for r in rows], dtype=object)
    return _block_frame(
        clinicians[source],
        locations[source],
        midnights + start_times[source],
        midnights + end_times[source],
    )


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
            "clinician_id": np.array([row.clinician_id for row in rows], dtype=object),
            "start": np.array([_seconds(row.start_at) for row in rows], dtype=np.int64),
            "end": np.array([_seconds(row.end_at) for row in rows], dtype=np.int64),
        }
    )


def _without_overlaps(blocks: pd.DataFrame) -> pd.DataFrame:
    """Blocks with the part that an earlier-starting block of the clinician covers removed."""
    if blocks.empty:
        return blocks
    # Shifted by the clinician's code, one running maximum serves every clinician at once.
    offset = blocks["clinician_code"].to_numpy() * GROUP_STRIDE
    reached = np.maximum.accumulate(blocks["end"].to_numpy() + offset)
    floor = np.full(len(blocks), np.iinfo(np.int64).min, dtype=np.int64)
    same_clinician = offset[1:] == offset[:-1]
    floor[1:] = np.where(same_clinician, reached[:-1] - offset[1:], floor[1:])
    trimmed = blocks.assign(start=np.maximum(blocks["start"].to_numpy(), floor))
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
    order = np.lexsort((pieces["start"].to_numpy(), pieces["clinician_code"].to_numpy()))
    return pieces.iloc[order].reset_index(drop=True)


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

    Any held appointment blocks the clinician, whatever its location, modality or client.
    Times come back from SQL as whole seconds: no datetime is built per appointment."""
    if not clinician_ids:
        return pd.DataFrame({"clinician_id": [], "start": [], "end": []})
    stmt = select(
        Appointment.clinician_id,
        epoch_second(Appointment.start_at),
        epoch_second(Appointment.end_at),
    ).where(
        Appointment.clinician_id.in_(list(clinician_ids)),
        Appointment.start_at >= start - LONGEST_APPOINTMENT,
        Appointment.start_at < end,
        Appointment.end_at > start,
        is_held(rules),
    )
    rows = conn.execute(stmt).all()
    if not rows:
        return pd.DataFrame({"clinician_id": [], "start": [], "end": []})
    clinicians, starts, ends = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "clinician_id": np.asarray(clinicians, dtype=object),
            "start": np.asarray(starts, dtype=np.int64),
            "end": np.asarray(ends, dtype=np.int64),
        }
    )


def _slot_starts(blocks: pd.DataFrame, step: int) -> pd.DataFrame:
    """Slot starts: each block's start, then every ``step`` seconds while inside the block;
    one slot per clinician, location and start (the first block's)."""
    starts, ends = blocks["start"].to_numpy(), blocks["end"].to_numpy()
    counts = -((starts - ends) // step)  # ceil((end - start) / step)
    source = np.repeat(np.arange(len(blocks)), counts)
    nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    slot_starts = starts[source] + nth * step
    places = blocks["place"].to_numpy()[source]
    _, first = np.unique(places * GROUP_STRIDE + slot_starts, return_index=True)
    keep = source[np.sort(first)], slot_starts[np.sort(first)]
    slots = blocks.iloc[keep[0]][["clinician_id", "location", "clinician_code", "place"]]
    slots = slots.reset_index(drop=True)
    slots["start"] = keep[1]
    slots["end"] = keep[1] + step
    return slots


def _candidate_slots(availability: _Availability, from_second: int, rules: Rules) -> pd.DataFrame:
    """Slots starting at or after ``from_second`` that lie wholly inside available time at
    their block's location: clinician_id, location, start, end, sorted by clinician, start and
    location. Whether an appointment holds them is not looked at yet."""
    slots = _slot_starts(availability.blocks, rules.slot_minutes * 60)
    slots = slots[slots["start"].to_numpy() >= from_second].reset_index(drop=True)
    if slots.empty:
        return slots
    available = availability.available
    offset = available["place"].to_numpy() * GROUP_STRIDE
    union = _merge(available["start"].to_numpy() + offset, available["end"].to_numpy() + offset)
    codes = slots["place"].to_numpy() * GROUP_STRIDE
    inside = _containing(union, slots["start"].to_numpy() + codes, slots["end"].to_numpy() + codes)
    slots = slots[inside]
    # By clinician, start, then location: the place code orders locations within a clinician.
    order = np.lexsort(
        (slots["place"].to_numpy(), slots["start"].to_numpy(), slots["clinician_code"].to_numpy())
    )
    return slots.iloc[order].reset_index(drop=True)


def _unheld(slots: pd.DataFrame, busy: pd.DataFrame) -> np.ndarray:
    """Which slots overlap no held appointment of their clinician."""
    clinicians = pd.Index(pd.unique(slots["clinician_id"]))
    offset = _group_codes(busy["clinician_id"], clinicians)
    taken = _merge(busy["start"].to_numpy() + offset, busy["end"].to_numpy() + offset)
    codes = _group_codes(slots["clinician_id"], clinicians)
    return ~_overlapping(taken, slots["start"].to_numpy() + codes, slots["end"].to_numpy() + codes)


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
    slots = _candidate_slots(availability, _seconds(as_of), rules)
    if slots.empty:
        return slots
    busy = _busy(
        conn,
        list(pd.unique(slots["clinician_id"])),
        dt.datetime.combine(start, dt.time()),
        dt.datetime.combine(end + ONE_DAY, dt.time()),
        rules,
    )
    return slots[_unheld(slots, busy)].reset_index(drop=True)


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


@dataclasses.dataclass
class _Search:
    """The first three open slots of each clinician from several as-of moments at once.

    Row i is one as-of, column j one clinician: how many open slots were found so far and the
    starts of the first and the third (seconds). Slots are met in time order, window by window,
    so a search stops as soon as every as-of has three slots for every clinician."""

    as_ofs: list[dt.datetime]
    clinicians: list[str]
    horizon_days: int

    def __post_init__(self) -> None:
        shape = (len(self.as_ofs), len(self.clinicians))
        self.found = np.zeros(shape, dtype=np.int64)
        self.first = np.zeros(shape, dtype=np.int64)
        self.third = np.zeros(shape, dtype=np.int64)
        self.from_second = np.array([_seconds(a) for a in self.as_ofs], dtype=np.int64)
        # Slots on dates up to the as-of date + the horizon count: before the next midnight.
        self.until_second = np.array(
            [_day_seconds(self.last_day(a) + ONE_DAY) for a in self.as_ofs], dtype=np.int64
        )

    def last_day(self, as_of: dt.datetime) -> dt.date:
        return _as_of_date(as_of) + dt.timedelta(days=self.horizon_days)

    def waiting(self, window_start: int) -> list[str]:
        """Clinicians some as-of still needs slots of from ``window_start`` on."""
        open_ended = self.until_second > window_start
        short = (self.found < 3) & open_ended[:, None]
        return [c for c, wanted in zip(self.clinicians, short.any(axis=0), strict=True) if wanted]

    def take(self, slots: pd.DataFrame) -> None:
        """Count the open slots of one window (sorted by clinician, then start)."""
        if slots.empty:
            return
        codes = pd.Index(self.clinicians).get_indexer(slots["clinician_id"]).astype(np.int64)
        starts = slots["start"].to_numpy()
        keys = codes * GROUP_STRIDE + starts
        base = np.arange(len(self.clinicians), dtype=np.int64) * GROUP_STRIDE
        last = len(starts) - 1
        for i in range(len(self.as_ofs)):
            low = np.searchsorted(keys, base + self.from_second[i], side="left")
            high = np.searchsorted(keys, base + self.until_second[i], side="left")
            before = self.found[i]
            taken = np.minimum(high - low, np.maximum(3 - before, 0))
            # The window's first slot is the first ever when none was found before; its
            # (3 - before)-th is the third when this window completes the three.
            new_first = (before == 0) & (taken > 0)
            self.first[i] = np.where(new_first, starts[np.minimum(low, last)], self.first[i])
            new_third = (before < 3) & (before + taken >= 3)
            third_at = np.clip(low + 2 - before, 0, last)
            self.third[i] = np.where(new_third, starts[third_at], self.third[i])
            self.found[i] = before + taken

    def frame(self, i: int) -> pd.DataFrame:
        as_of_date = _as_of_date(self.as_ofs[i])
        records = []
        for j, clinician_id in enumerate(self.clinicians):
            found = int(self.found[i, j])
            first = EPOCH + dt.timedelta(seconds=int(self.first[i, j])) if found else None
            days = None
            if found >= 3:
                third_day = (EPOCH + dt.timedelta(seconds=int(self.third[i, j]))).date()
                days = (third_day - as_of_date).days
            records.append((clinician_id, first, days))
        result = pd.DataFrame.from_records(records, columns=THIRD_NEXT_COLUMNS)
        result["next_available"] = pd.to_datetime(result["next_available"])
        result["third_next_available_days"] = result["third_next_available_days"].astype("float64")
        return result


def _as_of_date(as_of: dt.datetime) -> dt.date:
    return (as_of - dt.timedelta(microseconds=1)).date()


def _search(
    conn: Connection, as_ofs: Sequence[dt.datetime], filters: Filters, rules: Rules
) -> _Search:
    """Run the search of ``_Search`` over the dates all the as-ofs look at: available time
    and candidate slots once for the whole span, held appointments window by window."""
    search = _Search(list(as_ofs), _candidate_clinicians(conn, filters), rules.slot_horizon_days)
    if not search.clinicians or not search.as_ofs:
        return search
    first_day = min(a.date() for a in as_ofs)
    last_day = max(search.last_day(a) for a in as_ofs)
    if first_day > last_day:
        return search
    availability = _availability(conn, first_day, last_day, filters, search.clinicians)
    candidates = _candidate_slots(availability, int(search.from_second.min()), rules)
    day = first_day
    while day <= last_day:
        window_end = min(last_day, day + dt.timedelta(days=SLOT_WINDOW_DAYS - 1))
        low, high = _day_seconds(day), _day_seconds(window_end + ONE_DAY)
        waiting = search.waiting(low)
        if not waiting:
            break
        in_window = candidates["start"].between(low, high - 1) & candidates["clinician_id"].isin(
            waiting
        )
        slots = candidates[in_window.to_numpy()]
        if len(slots):
            busy = _busy(
                conn,
                list(pd.unique(slots["clinician_id"])),
                dt.datetime.combine(day, dt.time()),
                dt.datetime.combine(window_end + ONE_DAY, dt.time()),
                rules,
            )
            search.take(slots[_unheld(slots, busy)])
        day = window_end + ONE_DAY
    return search


def third_next_available(
    conn: Connection, as_of: dt.datetime, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """Per active clinician accepting new clients who passes the filters: next_available (the
    first open slot's start, or null) and third_next_available_days (whole days from the as-of
    date to the third open slot's date; null when there is none within the horizon).

    With a location filter the clinician's home location must match and only slots in blocks
    at that location count (both columns of the filter table apply)."""
    return _search(conn, [as_of], filters, rules).frame(0)


def third_next_available_at(
    conn: Connection, as_ofs: Sequence[dt.datetime], filters: Filters, rules: Rules
) -> list[pd.DataFrame]:
    """``third_next_available`` as of each of ``as_ofs``, in one search (one pass over the
    held appointments of the dates they look at, however many as-ofs there are)."""
    search = _search(conn, as_ofs, filters, rules)
    return [search.frame(i) for i in range(len(search.as_ofs))]


# --- the groups of a breakdown ------------------------------------------------------------------


__all__ = [
    "available_intervals",
    "open_slots",
    "third_next_available",
    "third_next_available_at",
]
