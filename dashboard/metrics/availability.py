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
import functools
import math
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    func,
    select,
    union_all,
)

from dashboard.metrics.common import (
    ONE_DAY,
    Filters,
    Rules,
    all_of,
    clinician_conditions,
    is_held,
)
from dashboard.metrics.grouping import raw_rows
from dashboard.metrics.shared import shared
from dashboard.metrics.sqlfn import epoch_second, moment_text
from db.engine import read_beside
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
# Third next available reads held appointments in rounds: each round the next window of days
# from each as-of's date, this many days long at first, twice as long each round after the
# second. The third open slot is usually within days, so most searches stop after round one.
FIRST_WINDOW_DAYS = 1
# A read of held appointments names its clinicians unless it needs more than this share of the
# search's: then it reads them all (by the search's own query), as rows of clinicians not
# needed do no harm and a short statement is quicker to run.
MOST_CLINICIANS = 0.8
# Reads per UNION ALL query: under SQLite's limit of 500 compound terms.
READS_PER_QUERY = 100
# With this many as-ofs or more (a weekly trend), the days from the first as-of's date to the
# last's are read in one range before the rounds: weekly searches of a few days each need most
# of those days anyway, and one plain range read of a year (190,000 held appointments at
# 1,000,000) is about twice as fast as the rounds' many windows. The rounds then read only
# what is left (past the last as-of's date and DENSE_AHEAD_DAYS more).
DENSE_AS_OFS = 8
# The dense read goes on this many days past the last as-of's date: what the rounds would
# read next, for that as-of, in its first four windows (1, 1, 2 and 4 days), each a query of
# its own; most clinicians have their third open slot within them.
DENSE_AHEAD_DAYS = 8
# Held appointments are fetched by start_at (indexed) from this long before a window: a
# session that starts earlier and still runs into the window would have to last over a day.
LONGEST_APPOINTMENT = ONE_DAY


# --- seconds of wall-clock time ------------------------------------------------------------------


def _seconds(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(seconds=1)


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


def lexsorted(keys: Sequence[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first; stable): when the keys' ranges fit in
    one int64 together, one stable argsort of that key instead, about 50x quicker over the
    300,000 slots of a year (numpy's lexsort does not notice input already in order)."""
    if not len(keys[0]):
        return np.array([], dtype=np.int64)
    if any(key.dtype.kind not in "iub" for key in keys):
        return np.lexsort(keys)  # a combined key holds integers only
    lows = [int(key.min()) for key in keys]
    spans = [int(key.max()) - low + 1 for key, low in zip(keys, lows, strict=True)]
    if math.prod(spans) >= 2**63:
        return np.lexsort(keys)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key, low, span in zip(keys[::-1], lows[::-1], spans[::-1], strict=True):
        combined = combined * span + (key.astype(np.int64) - low)
    return np.argsort(combined, kind="stable")


def _subtract(
    starts: np.ndarray, ends: np.ndarray, cuts: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals minus a merged union of cuts: (source row, start, end) of the pieces left,
    the untouched intervals first, then each touched one's pieces in order."""
    cut_starts, cut_ends = cuts
    touched = _overlapping(cuts, starts, ends)
    kept = np.flatnonzero(~touched)
    cut_rows = np.flatnonzero(touched)
    # A touched interval meets the cuts first..last-1 (at least one); its candidate pieces are
    # the gaps before, between and after them, clipped to it: a year of full days off touches
    # thousands of blocks, cut here at once rather than one by one.
    first = np.searchsorted(cut_ends, starts[cut_rows], side="right")
    met = np.searchsorted(cut_starts, ends[cut_rows], side="left") - first
    per_row = met + 1
    rows = np.repeat(cut_rows, per_row)
    nth = np.arange(len(rows)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    cut = np.repeat(first, per_row) + nth  # the cut after the piece (the one before: cut - 1)
    last = np.repeat(met, per_row) == nth
    lefts = np.where(nth == 0, starts[rows], cut_ends[np.maximum(cut - 1, 0)])
    rights = np.where(last, ends[rows], cut_starts[np.minimum(cut, len(cut_starts) - 1)])
    left_over = lefts < rights
    return (
        np.concatenate([kept, rows[left_over]]),
        np.concatenate([starts[kept], lefts[left_over]]),
        np.concatenate([ends[kept], rights[left_over]]),
    )


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


def _dated_frame(
    clinicians: np.ndarray,
    locations: np.ndarray,
    source: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> pd.DataFrame:
    """Template rows laid over dates, row ``source[k]`` of ``clinicians`` and ``locations``
    at ``starts[k]``..``ends[k]``: sorted by clinician, start and end (stable), with integer
    codes, the clinician's (ordered like the ids) and the place's (one per clinician and
    location), so later steps group by numbers, not by strings. The codes are found over the
    template rows, not the dated blocks (a year at 1M: 1,800 rows, not 100,000)."""
    clinician_codes, _ = _codes(clinicians)
    location_codes, location_count = _codes(locations)
    places = clinician_codes * location_count + location_codes
    clinician_codes, places = clinician_codes[source], places[source]
    order = lexsorted((ends, starts, clinician_codes))
    rows = source[order]
    return pd.DataFrame(
        {
            "clinician_id": clinicians[rows],
            "location": locations[rows],
            "start": starts[order],
            "end": ends[order],
            "clinician_code": clinician_codes[order],
            "place": places[order],
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
    and the codes of ``_dated_frame``."""
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
        none = np.array([], dtype=np.int64)
        return _dated_frame(empty, empty, none, none, none)
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
    return _dated_frame(
        clinicians,
        locations,
        source,
        midnights + start_times[source],
        midnights + end_times[source],
    )


def _time_off(
    conn: Connection, clinician_ids: Sequence[str], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Time off of these clinicians overlapping the dates: clinician_id, start, end (seconds,
    from SQL: no datetime is built per row)."""
    if not clinician_ids:
        return pd.DataFrame({"clinician_id": [], "start": [], "end": []})
    stmt = select(
        TimeOff.clinician_id, epoch_second(TimeOff.start_at), epoch_second(TimeOff.end_at)
    ).where(
        TimeOff.clinician_id.in_(bindparam("ids", list(clinician_ids), expanding=True)),
        TimeOff.start_at < dt.datetime.combine(end + ONE_DAY, dt.time()),
        TimeOff.end_at > dt.datetime.combine(start, dt.time()),
    )
    clinicians, starts, ends = _interval_columns(raw_rows(conn, stmt))
    return pd.DataFrame({"clinician_id": clinicians, "start": starts, "end": ends})


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


def _block_clinicians(blocks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The clinicians of blocks sorted by clinician code: their codes and ids, in code order
    (read off each clinician's first row rather than hashing every row's id)."""
    codes = blocks["clinician_code"].to_numpy()
    firsts = np.flatnonzero(np.diff(codes, prepend=-1) != 0)
    return codes[firsts], blocks["clinician_id"].to_numpy()[firsts]


def _minus_time_off(blocks: pd.DataFrame, time_off: pd.DataFrame) -> pd.DataFrame:
    """Blocks (sorted by clinician code) minus each clinician's time off; a partial cut
    leaves one or two pieces."""
    if blocks.empty or time_off.empty:
        return blocks
    codes, ids = _block_clinicians(blocks)
    found = pd.Index(ids).get_indexer(time_off["clinician_id"])
    time_off = time_off[found >= 0]
    offset = codes[found[found >= 0]] * GROUP_STRIDE
    cuts = _merge(time_off["start"].to_numpy() + offset, time_off["end"].to_numpy() + offset)
    shift = blocks["clinician_code"].to_numpy() * GROUP_STRIDE
    rows, starts, ends = _subtract(
        blocks["start"].to_numpy() + shift, blocks["end"].to_numpy() + shift, cuts
    )
    pieces = blocks.iloc[rows].reset_index(drop=True)
    pieces["start"] = starts - shift[rows]
    pieces["end"] = ends - shift[rows]
    order = lexsorted((pieces["start"].to_numpy(), pieces["clinician_code"].to_numpy()))
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
    time_off = _time_off(conn, list(_block_clinicians(blocks)[1]), start, end)
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
    not filter availability. Inactive clinicians keep the time their templates give them.

    Inside ``shared_reads`` one computation serves every caller of the same dates and filters
    (callers only read the frame)."""
    return shared(
        ("available intervals", conn, start, end, filters),
        lambda: _interval_frame(_availability(conn, start, end, filters).available),
    )


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
        # One expanding parameter, not a bound parameter built per id.
        Appointment.clinician_id.in_(bindparam("ids", list(clinician_ids), expanding=True)),
        Appointment.start_at >= start - LONGEST_APPOINTMENT,
        Appointment.start_at < end,
        Appointment.end_at > start,
        is_held(rules),
    )
    rows = raw_rows(conn, stmt)
    if not rows:
        return pd.DataFrame({"clinician_id": [], "start": [], "end": []})
    clinicians, starts, ends = _interval_columns(rows)
    return pd.DataFrame({"clinician_id": clinicians, "start": starts, "end": ends})


def _slot_starts(blocks: pd.DataFrame, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Slot starts: each block's start, then every ``step`` seconds while inside the block;
    one slot per clinician, location and start (the first block's). As (block row, start)."""
    starts, ends = blocks["start"].to_numpy(), blocks["end"].to_numpy()
    counts = -((starts - ends) // step)  # ceil((end - start) / step)
    source = np.repeat(np.arange(len(blocks)), counts)
    nth = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    slot_starts = starts[source] + nth * step
    places = blocks["place"].to_numpy()[source]
    # The first of each place and start, in order: hashed, not sorted (a year of 200
    # clinicians' slots: 29 -> 5 ms).
    first = np.flatnonzero(~pd.Series(places * GROUP_STRIDE + slot_starts).duplicated().to_numpy())
    return source[first], slot_starts[first]


@dataclasses.dataclass(frozen=True)
class _Candidates:
    """Candidate slots as arrays: each one's block row, clinician and place codes and start,
    sorted by clinician, start and location."""

    rows: np.ndarray
    clinician_codes: np.ndarray
    places: np.ndarray
    starts: np.ndarray


def _candidates(availability: _Availability, from_second: int, rules: Rules) -> _Candidates:
    """Slots starting at or after ``from_second`` that lie wholly inside available time at
    their block's location. Whether an appointment holds them is not looked at yet. In
    arrays: a year at 1M has 300,000, and a frame of them cost more than finding them."""
    blocks, step = availability.blocks, rules.slot_minutes * 60
    rows, starts = _slot_starts(blocks, step)
    later = starts >= from_second
    rows, starts = rows[later], starts[later]
    places = blocks["place"].to_numpy()[rows]
    if len(rows):
        available = availability.available
        offset = available["place"].to_numpy() * GROUP_STRIDE
        ends = available["end"].to_numpy() + offset
        union = _merge(available["start"].to_numpy() + offset, ends)
        codes = places * GROUP_STRIDE
        inside = _containing(union, starts + codes, starts + step + codes)
        rows, starts, places = rows[inside], starts[inside], places[inside]
    clinician_codes = blocks["clinician_code"].to_numpy()[rows]
    # By clinician, start, then location: the place code orders locations within a clinician.
    order = lexsorted((places, starts, clinician_codes))
    return _Candidates(rows[order], clinician_codes[order], places[order], starts[order])


def _candidate_slots(availability: _Availability, from_second: int, rules: Rules) -> pd.DataFrame:
    """``_candidates`` as a frame: clinician_id, location, clinician_code, place, start, end."""
    found, blocks = _candidates(availability, from_second, rules), availability.blocks
    return pd.DataFrame(
        {
            "clinician_id": blocks["clinician_id"].to_numpy()[found.rows],
            "location": blocks["location"].to_numpy()[found.rows],
            "clinician_code": found.clinician_codes,
            "place": found.places,
            "start": found.starts,
            "end": found.starts + rules.slot_minutes * 60,
        }
    )


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


def _candidates_query(filters: Filters) -> Select[tuple[str]]:
    """Clinicians third next available is about: active, accepting new clients, passing the
    filters (filter table, "clinicians counted")."""
    return select(Clinician.clinician_id).where(
        Clinician.active.is_(True),
        Clinician.accepting_new.is_(True),
        all_of(clinician_conditions(filters)),
    )


def _candidate_clinicians(conn: Connection, filters: Filters) -> list[str]:
    stmt = _candidates_query(filters).order_by(Clinician.clinician_id)
    return list(conn.execute(stmt).scalars())


class _Search:
    """The first three open slots of each clinician from several as-of moments at once.

    Row i is one as-of, column j one clinician: how many open slots were found (up to three)
    and the starts of the first and the third (seconds); ``done`` once three are found or the
    horizon is read to its end."""

    def __init__(
        self, as_ofs: Sequence[dt.datetime], clinicians: Sequence[str], horizon_days: int
    ) -> None:
        self.as_ofs = list(as_ofs)
        self.clinicians = list(clinicians)
        shape = (len(self.as_ofs), len(self.clinicians))
        self.found = np.zeros(shape, dtype=np.int64)
        self.first = np.zeros(shape, dtype=np.int64)
        self.third = np.zeros(shape, dtype=np.int64)
        self.done = np.zeros(shape, dtype=bool)
        self.from_second = np.array([_seconds(a) for a in self.as_ofs], dtype=np.int64)
        # Epoch days: the first a slot can fall on (the as-of's own), and the last that counts
        # (the as-of date + the horizon; slots before the next midnight).
        self.first_day = np.array([_epoch_day(a.date()) for a in self.as_ofs], dtype=np.int64)
        self.last_day = np.array(
            [_epoch_day(_as_of_date(a) + dt.timedelta(days=horizon_days)) for a in self.as_ofs],
            dtype=np.int64,
        )

    def frame(self, i: int) -> pd.DataFrame:
        """As-of ``i``'s ``THIRD_NEXT_COLUMNS``, column by column in numpy (a weekly trend of a
        year has 53 as-ofs of 200 clinicians)."""
        found = self.found[i]
        firsts = self.first[i].astype("datetime64[s]").astype("datetime64[us]")
        as_of_day = _epoch_day(_as_of_date(self.as_ofs[i]))
        third_days = self.third[i] // DAY_SECONDS - as_of_day
        return pd.DataFrame(
            {
                "clinician_id": self._ids,
                "next_available": np.where(found >= 1, firsts, np.datetime64("NaT", "us")),
                "third_next_available_days": np.where(found >= 3, third_days, np.nan),
            },
            columns=THIRD_NEXT_COLUMNS,
        )

    @functools.cached_property
    def _ids(self) -> pd.api.extensions.ExtensionArray:
        """The clinicians' ids as the text column every frame shares (checked once)."""
        return pd.array(self.clinicians, dtype="str")


def _as_of_date(as_of: dt.datetime) -> dt.date:
    return (as_of - dt.timedelta(microseconds=1)).date()


def _epoch_day(day: dt.date) -> int:
    return (day - EPOCH_DAY).days


def _interval_columns(rows: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clinician_id, start, end) rows as three arrays. Column by column: ``zip(*rows)`` makes
    an iterator per row, 4-7x slower over the 200,000 rows of a year's held appointments."""
    count = len(rows)
    clinicians = np.array([row[0] for row in rows], dtype=object)
    starts = np.fromiter((row[1] for row in rows), dtype=np.int64, count=count)
    ends = np.fromiter((row[2] for row in rows), dtype=np.int64, count=count)
    return clinicians, starts, ends


def _held_in_days(
    conn: Connection,
    reads: Sequence[tuple[Sequence[str] | None, int, int]],
    filters: Filters,
    rules: Rules,
) -> tuple[np.ndarray, ...]:
    """Held appointments overlapping the days [first, end) (epoch days) of each read's
    clinicians (None: every clinician of the search), as ``_moment_columns``: clinician_id
    and appointments of each clinician read, and each appointment's start and end (seconds).

    The reads go in UNION ALL queries of a few statements each; an appointment two reads share
    may come back twice, harmless for a union of busy time. Every column is in the covering
    index of migration 0005 (clinician, start, end, status, lead), so no table row is read.
    Each read comes back as one row per clinician, its appointments' moments in one string
    (``_moment_columns``): a year of 200 clinicians' 200,000 held appointments as a row each
    cost more to fetch than the database took to find them (0.21 s against 0.09 s)."""
    everyone = _candidates_query(filters).scalar_subquery()
    statements = []
    for n, (clinician_ids, first, end) in enumerate(reads):
        low = EPOCH + dt.timedelta(days=int(first))
        high = EPOCH + dt.timedelta(days=int(end))
        # One expanding parameter, not a bound parameter built per id.
        ids = bindparam(f"ids_{n}", list(clinician_ids or []), expanding=True)
        whose = Appointment.clinician_id.in_(everyone if clinician_ids is None else ids)
        moments = moment_text(Appointment.start_at) + "," + moment_text(Appointment.end_at)
        statements.append(
            select(Appointment.clinician_id, func.aggregate_strings(moments, ","))
            .where(
                whose,
                Appointment.start_at >= low - LONGEST_APPOINTMENT,
                Appointment.start_at < high,
                Appointment.end_at > low,
                is_held(rules),
            )
            .group_by(Appointment.clinician_id)
        )
    rows: list[tuple] = []
    for at in range(0, len(statements), READS_PER_QUERY):
        rows.extend(raw_rows(conn, _union(statements[at : at + READS_PER_QUERY])))
    return _moment_columns(rows)


def _moment_columns(rows: Sequence[tuple[str, str]]) -> tuple[np.ndarray, ...]:
    """(clinician_id, "start,end,start,end,...") rows (``moment_text``) as arrays: each row's
    clinician_id and number of appointments, and every appointment's start and end in
    seconds (one numpy parse of every moment). The ids stay one per row: the search looks
    each up once, not once per appointment."""
    if not rows:
        return (
            np.array([], dtype=object),
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int64),
        )
    pairs = np.array([(text.count(",") + 1) // 2 for _, text in rows], dtype=np.int64)
    moments = parse_moments(",".join(text for _, text in rows))
    clinicians = np.array([row[0] for row in rows], dtype=object)
    return clinicians, pairs, moments[0::2], moments[1::2]


# A moment of ``moment_text`` and its comma: "YYYY-MM-DD HH:MM:SS," (PostgreSQL) and
# "YYYY-MM-DD HH:MM:SS.ffffff," (SQLite, as SQLAlchemy stores it).
MOMENT_FIELDS = (20, 27)


def parse_moments(joined: str) -> np.ndarray:
    """Comma-separated moments (``moment_text``) as int64 whole seconds (fractions dropped).
    When every one has one of the widths of ``MOMENT_FIELDS`` (a comma at every 20th or 27th
    byte: no moment can be shorter or longer), numpy reads the bytes as fixed-width fields
    and parses them in place, with no Python string per moment (a year's 400,000 held
    moments at 1M: 48 -> 17 ms); else (moments of mixed widths, or stored without their
    seconds) by splitting."""
    data = (joined + ",").encode("ascii")
    for width in MOMENT_FIELDS:
        count = len(data) // width
        if len(data) % width == 0 and data[width - 1 :: width] == b"," * count:
            fields = np.frombuffer(data, dtype=f"S{width}").astype(f"S{width - 1}")
            return _whole_seconds(fields.astype("datetime64[us]"))
    # To the second, as epoch_second reads them (text written by hand may carry more).
    return _whole_seconds(np.array([m[:19] for m in joined.split(",")], dtype="datetime64[us]"))


def _whole_seconds(moments: np.ndarray) -> np.ndarray:
    """Microsecond moments as seconds since the epoch, the fraction dropped (floored: the
    second a moment's text begins with)."""
    return moments.astype(np.int64) // 1_000_000


def _union(statements: list[Any]) -> Any:
    return statements[0] if len(statements) == 1 else union_all(*statements)


def _search(
    conn: Connection, as_ofs: Sequence[dt.datetime], filters: Filters, rules: Rules
) -> _Search:
    """Run the search of ``_Search``: available time and candidate slots once for all the
    dates the as-ofs look at; held appointments in rounds, each round reading for every as-of
    the next window of days from its as-of date (FIRST_WINDOW_DAYS), only for the clinicians
    still short of three open slots, and never a clinician's day twice. The third slot is
    usually within days, so most of the horizon is never read."""
    search = _Search(as_ofs, _candidate_clinicians(conn, filters), rules.slot_horizon_days)
    if not search.clinicians or not search.as_ofs:
        return search
    first_day, last_day = int(search.first_day.min()), int(search.last_day.max())
    if first_day > last_day:
        return search
    # Many as-ofs read every day between the first and the last of them (``dense``): that read
    # needs no slot, so it starts now, in two halves, beside the slot building below.
    last_as_of_day = int(search.first_day.max())
    # Up to the last as-of's date and the days its first rounds would read one by one.
    dense_end = min(last_as_of_day + DENSE_AHEAD_DAYS, last_day + 1)
    dense_reads = []
    if len(search.as_ofs) >= DENSE_AS_OFS and last_as_of_day > first_day:
        middle = (first_day + dense_end) // 2
        for low, high in ((first_day, middle), (middle, dense_end)):
            if low < high:
                halves = [(None, low, high)]
                dense_reads.append(
                    read_beside(conn, lambda c, r=halves: _held_in_days(c, r, filters, rules))
                )
    availability = _availability(
        conn,
        EPOCH_DAY + dt.timedelta(days=first_day),
        EPOCH_DAY + dt.timedelta(days=last_day),
        filters,
        search.clinicians,
    )
    candidates = _candidates(availability, int(search.from_second.min()), rules)
    # Candidates as numbers: the clinician's position in the search and the start, sorted so
    # that one searchsorted finds any clinician's slots from any moment. Positions by code,
    # looked up once per clinician.
    search_index = pd.Index(search.clinicians)
    codes, ids = _block_clinicians(availability.blocks)
    position_of = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype=np.int64)
    position_of[codes] = search_index.get_indexer(ids)
    positions = position_of[candidates.clinician_codes]
    starts = candidates.starts
    order = lexsorted((starts, positions))
    positions, starts = positions[order].astype(np.int64), starts[order]
    keys = positions * GROUP_STRIDE + starts
    cells_of = (positions, starts // DAY_SECONDS - first_day)  # each slot's clinician and day
    shape = (len(search.clinicians), last_day - first_day + 1)
    has_slots = np.zeros(shape, dtype=bool)
    has_slots[cells_of] = True
    read = np.zeros(shape, dtype=bool)
    is_open = np.zeros(len(keys), dtype=bool)
    step = rules.slot_minutes * 60

    def read_cells(fresh: np.ndarray, reads: list[tuple[list[str] | None, int, int]]) -> None:
        """Read the held appointments of ``reads`` and settle each slot of the ``fresh``
        cells: open when no held appointment overlaps it."""
        settle(fresh, _held_in_days(conn, reads, filters, rules))

    def settle(fresh: np.ndarray, held: tuple[np.ndarray, ...]) -> None:
        clinicians, pairs, busy_starts, busy_ends = held
        shift = np.repeat(_group_codes(pd.Series(clinicians, dtype=object), search_index), pairs)
        taken = _merge(busy_starts + shift, busy_ends + shift)
        now = fresh[cells_of]
        is_open[now] = ~_overlapping(taken, keys[now], keys[now] + step)
        read[fresh] = True

    if dense_reads:
        dense = np.zeros(shape, dtype=bool)
        dense[:, : dense_end - first_day] = has_slots[:, : dense_end - first_day]
        parts = [result() for result in dense_reads]
        settle(dense, tuple(np.concatenate(columns) for columns in zip(*parts, strict=True)))
    offset, length = 0, FIRST_WINDOW_DAYS
    while not search.done.all():
        short = ~search.done
        window_first = search.first_day + offset
        window_end = np.minimum(window_first + length, search.last_day + 1)  # exclusive
        fresh = np.zeros(shape, dtype=bool)
        reads: list[tuple[list[str] | None, int, int]] = []
        for i in np.flatnonzero(short.any(axis=1) & (window_first < window_end)):
            low, high = window_first[i] - first_day, window_end[i] - first_day
            cells = has_slots[short[i], low:high] & ~read[short[i], low:high]
            if not cells.any():
                continue
            fresh[short[i], low:high] |= cells
            who = np.flatnonzero(short[i])[cells.any(axis=1)]
            days = np.flatnonzero(cells.any(axis=0)) + window_first[i]
            most = len(who) > MOST_CLINICIANS * len(search.clinicians)
            ids = None if most else [search.clinicians[j] for j in who]
            reads.append((ids, int(days[0]), int(days[-1]) + 1))
        if reads:
            read_cells(fresh, reads)
        _count(search, keys, is_open, window_end)
        search.done |= short & (window_end > search.last_day)[:, None]
        offset, length = offset + length, length * (2 if offset else 1)
    return search


def _count(search: _Search, keys: np.ndarray, is_open: np.ndarray, window_end: np.ndarray) -> None:
    """For each pair not done: the open slots from its as-of to the end of its window (every
    slot there is known by now), the first and the third of them."""
    pairs_i, pairs_j = np.nonzero(~search.done)
    if not len(pairs_i):
        return
    opened = np.concatenate([[0], np.cumsum(is_open)])
    base = pairs_j.astype(np.int64) * GROUP_STRIDE
    low = np.searchsorted(keys, base + search.from_second[pairs_i], side="left")
    high = np.searchsorted(keys, base + window_end[pairs_i] * DAY_SECONDS, side="left")
    count = opened[high] - opened[low]
    last = max(len(keys) - 1, 0)
    # The n-th open slot from ``low`` is the slot just before the prefix count reaches n more.
    nth = [np.searchsorted(opened, opened[low] + n, side="left") - 1 for n in (1, 3)]
    found = np.minimum(count, 3)
    search.found[pairs_i, pairs_j] = found
    if len(keys):
        search.first[pairs_i, pairs_j] = np.where(
            found >= 1, keys[np.clip(nth[0], 0, last)] - base, 0
        )
        search.third[pairs_i, pairs_j] = np.where(
            found >= 3, keys[np.clip(nth[1], 0, last)] - base, 0
        )
    search.done[pairs_i, pairs_j] = found >= 3


def third_next_available(
    conn: Connection, as_of: dt.datetime, filters: Filters, rules: Rules
) -> pd.DataFrame:
    """Per active clinician accepting new clients who passes the filters: next_available (the
    first open slot's start, or null) and third_next_available_days (whole days from the as-of
    date to the third open slot's date; null when there is none within the horizon).

    With a location filter the clinician's home location must match and only slots in blocks
    at that location count (both columns of the filter table apply)."""
    return third_next_available_at(conn, [as_of], filters, rules)[0]


def third_next_available_at(
    conn: Connection, as_ofs: Sequence[dt.datetime], filters: Filters, rules: Rules
) -> list[pd.DataFrame]:
    """``third_next_available`` as of each of ``as_ofs``, in one search (one pass over the
    held appointments of the dates they look at, however many as-ofs there are); searched
    before when inside ``searched_together`` with all of them."""
    known = _SEARCHED.get()
    if known is not None and known.covers(as_ofs, filters, rules):
        return [known.frames[as_of].copy() for as_of in as_ofs]
    search = _search(conn, as_ofs, filters, rules)
    return [search.frame(i) for i in range(len(search.as_ofs))]


class _Searched:
    """The search of ``searched_together``: its as-ofs now, its frames when first asked for
    (it may still be running beside the caller's reads)."""

    def __init__(
        self,
        filters: Filters,
        rules: Rules,
        as_ofs: Collection[dt.datetime],
        result: Callable[[], list[pd.DataFrame]],
    ) -> None:
        self.filters, self.rules, self.as_ofs = filters, rules, frozenset(as_ofs)
        self._wanted, self._result = sorted(self.as_ofs), result

    @functools.cached_property
    def frames(self) -> dict[dt.datetime, pd.DataFrame]:
        return dict(zip(self._wanted, self._result(), strict=True))

    def covers(self, as_ofs: Sequence[dt.datetime], filters: Filters, rules: Rules) -> bool:
        same = self.filters == filters and self.rules == rules
        return same and all(as_of in self.as_ofs for as_of in as_ofs)


_SEARCHED: ContextVar[_Searched | None] = ContextVar("third_next_searched", default=None)


@contextmanager
def searched_together(
    conn: Connection, as_ofs: Collection[dt.datetime], filters: Filters, rules: Rules
) -> Iterator[None]:
    """Within the block, third next available for any of ``as_ofs`` (with these filters and
    rules) comes from one search started here: a page that needs the current value, the
    previous period's and each week's searches once instead of once per caller (the search's
    cost is mostly reading the days it shares between them). The search runs beside the
    block's other reads (``read_beside``) until its result is first needed."""
    wanted = sorted(set(as_ofs))

    def search(c: Connection) -> list[pd.DataFrame]:
        # ``_search`` itself: in turn, on this thread, third_next_available_at would find the
        # block's own unfinished search and ask it for its result.
        found = _search(c, wanted, filters, rules)
        return [found.frame(i) for i in range(len(found.as_ofs))]

    result = read_beside(conn, search) if wanted else list
    token = _SEARCHED.set(_Searched(filters, rules, wanted, result))
    try:
        yield
    finally:
        _SEARCHED.reset(token)


# --- the groups of a breakdown ------------------------------------------------------------------


# Shared with the schedule's rows (cancellations that freed a slot).
interval_columns = _interval_columns
merge_intervals = _merge
overlapping = _overlapping

__all__ = [
    "GROUP_STRIDE",
    "LONGEST_APPOINTMENT",
    "available_intervals",
    "interval_columns",
    "merge_intervals",
    "open_slots",
    "overlapping",
    "searched_together",
    "third_next_available",
    "third_next_available_at",
]
