"""Standing appointment slots: one clinician's weekly template as a grid of slots by weeks.

Outpatient therapy runs on standing appointments: a client keeps one weekday and hour, weekly or
every other week, for the length of an episode. A new client takes a slot that is free in every
week of the planned episode, so nobody is ever double-booked; when the clinician's template
changes, a series may move to another slot at the change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from db.demo_staff import Clinician


class Grid:
    """One clinician's standing slots by weeks: True where taken or outside the template."""

    def __init__(self, c: Clinician, n_weeks: int) -> None:
        slots = sorted(
            (b.weekday, start, b.location, b.from_week, b.to_week or n_weeks)
            for b in c.blocks
            if not b.group
            for start in range(b.start, b.end - c.slot_minutes + 1, c.slot_minutes)
        )
        self.limit = min(n_weeks, c.leave_week if c.leave_week is not None else n_weeks)
        self.weekday = np.array([s[0] for s in slots], dtype=np.int64)
        self.start = np.array([s[1] for s in slots], dtype=np.int64)
        self.location = np.array([s[2] for s in slots], dtype=np.int64)
        self.taken = np.ones((len(slots), n_weeks), dtype=bool)
        for i, (_, _, _, lo, hi) in enumerate(slots):
            self.taken[i, lo : min(hi, self.limit)] = False
        self.load = np.zeros(n_weeks)
        self.caseload = np.zeros(n_weeks)
        # Weeks where the template changes: a standing series may move to a new slot there.
        self.breaks = sorted({w for s in slots for w in s[3:] if 0 < w < self.limit})
        # The slot right after each one in the same block, for 60-minute prescriber intakes.
        self.next_slot = np.full(len(slots), -1, dtype=np.int64)
        for i in range(len(slots) - 1):
            a, b = slots[i], slots[i + 1]
            if a[0] == b[0] and b[1] == a[1] + c.slot_minutes and a[3:] == b[3:]:
                self.next_slot[i] = i + 1

    def cells(self, first_week: int, step: int, count: int) -> int:
        """How many of a series' weeks fall before the grid's end."""
        stop = min(first_week + step * count, self.limit)
        return max(0, math.ceil((stop - first_week) / step))

    def place(self, first_week: int, step: int, count: int, u: float, pair: bool = False) -> int:
        """Take a slot free in every week of the series; its index, or -1 if none is free."""
        stop = min(first_week + step * count, self.limit)
        if first_week >= stop or not len(self.taken):
            return -1
        window = self.taken[:, first_week:stop:step]
        free = ~window.any(axis=1)
        if pair:
            has_next = self.next_slot >= 0
            free &= has_next
            free[has_next] &= ~self.taken[self.next_slot[has_next], first_week]
        candidates = np.flatnonzero(free)
        if not candidates.size:
            return -1
        slot = int(candidates[int(u * candidates.size)])
        window[slot] = True
        if pair:
            self.taken[self.next_slot[slot], first_week] = True
        self.load[first_week:stop:step] += 1
        return slot

    def place_series(
        self, first_week: int, step: int, count: int, u: float, pair: bool = False
    ) -> list[Piece]:
        """Book a standing series: one slot if one is free throughout, else one slot up to a
        template change and another after it (the client moves time with the template)."""
        slot = self.place(first_week, step, count, u, pair)
        if slot >= 0:
            return [Piece(slot, first_week, self.cells(first_week, step, count))]
        end = first_week + step * count
        split = next((w for w in self.breaks if first_week < w < end), None)
        if split is None:
            return []
        before = math.ceil((split - first_week) / step)
        slot = self.place(first_week, step, before, u, pair)
        if slot < 0:
            return []
        pieces = [Piece(slot, first_week, before)]
        later = first_week + step * before
        slot = self.place(later, step, count - before, u)
        if slot >= 0:
            pieces.append(Piece(slot, later, self.cells(later, step, count - before)))
        return pieces


@dataclass(frozen=True)
class Piece:
    """Part of a standing series booked in one slot."""

    slot: int
    first_week: int
    count: int
