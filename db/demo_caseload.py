"""Caseload simulation: each clinician's standing weekly slots (demo_slots), filled over time.

Week by week, clinicians take new clients from the waitlist while their booked sessions are
below target and their caseload below its ceiling; each client gets a cadence (weekly or every
other week) and a planned episode, a share of them stopping after one or two sessions. A
clinician who leaves hands most clients over to colleagues of the same program; prescribers see
some therapy clients for medication management besides their own clients; DBT clients join
their clinician's weekly skills group. The simulation starts WARMUP_WEEKS before the history,
so the history opens on settled caseloads.

The result is a list of *segments* (a client's standing series with one clinician) expanded to
appointments later, in bulk.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from db.demo_calendar import Calendar
from db.demo_slots import Grid, Piece
from db.demo_staff import PROGRAMS, Clinician

# Segment kinds.
FIRST, CONTINUED, MED, MED_FIRST, GROUP = range(5)

WARMUP_WEEKS = 40
ADMIT_AHEAD_WEEKS = 2
WEEKLY_SHARE = {"Adult": 0.75, "Child & Adolescent": 0.8, "Couples & Family": 0.7, "DBT": 0.7}
MED_REFERRAL_SHARE = 0.17
GROUP_JOIN = 0.6
GROUP_SIZE = 8
TRANSFER_SHARE = 0.7
UNIFORMS = 8  # random numbers drawn per new client


@dataclass
class Arrival:
    """A client arriving with an episode already planned: a transfer or a medication referral."""

    client: int
    week: int
    cadence: int
    count: int
    kind: int
    tries: int = 0


@dataclass(frozen=True)
class Booked:
    """A client's series with one clinician, as booked."""

    client: int
    week: int
    cadence: int
    planned: int
    placed: int
    last_week: int


SEGMENT_COLUMNS = (
    "client", "clinician", "weekday", "start", "location", "first_week", "step", "count", "kind",
)  # fmt: skip


@dataclass
class Schedule:
    """Clients (one entry per client in each column) and their segments (one row each, in
    SEGMENT_COLUMNS order); lists while building, numpy arrays after ``arrays()``."""

    program: list[int] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    primary: list[int] = field(default_factory=list)
    first_clinician: list[int] = field(default_factory=list)
    transfer_week: list[int] = field(default_factory=list)
    planned: list[int] = field(default_factory=list)
    end_week: list[int] = field(default_factory=list)
    left_with: list[bool] = field(default_factory=list)
    segments: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def n_clients(self) -> int:
        return len(self.program)

    def arrays(self) -> Schedule:
        columns = {name: np.asarray(value) for name, value in self.__dict__.items()}
        columns["segments"] = np.asarray(self.segments, dtype=np.int64).reshape(-1, 9)
        return Schedule(**columns)

    def segment(self, column: str) -> np.ndarray:
        """One column of the segments array."""
        return self.segments[:, SEGMENT_COLUMNS.index(column)]  # type: ignore[call-overload]


class CaseloadSimulation:
    def __init__(
        self,
        staff: list[Clinician],
        cal: Calendar,
        rng: np.random.Generator,
        tick: Callable[[], None] = lambda: None,
    ) -> None:
        self.staff = staff
        self.cal = cal
        self.rng = rng
        self.tick = tick
        self.out = Schedule()
        self.incoming: dict[int, dict[int, list[Arrival]]] = defaultdict(lambda: defaultdict(list))
        self.med_referrals: dict[int, Arrival] = {}
        self.transfer_turn: dict[str, int] = defaultdict(int)
        self._pool = np.empty((0, UNIFORMS))
        self._next = 0

    def run(self) -> Schedule:
        """Leavers first (their clients move on), then therapists, then prescribers."""
        leavers = [c for c in self.staff if c.leave_week is not None]
        therapists = [c for c in self.staff if c.leave_week is None and not c.prescriber]
        prescribers = [c for c in self.staff if c.prescriber]
        for c in leavers + therapists:
            self._simulate(c)
        referrals = [r for r in self.med_referrals.values() if r.count > 0]
        for turn, referral in enumerate(referrals):
            if prescribers:
                target = prescribers[turn % len(prescribers)]
                self.incoming[target.index][referral.week].append(referral)
        for c in prescribers:
            self._simulate(c)
        return self.out.arrays()

    # --- randomness ------------------------------------------------------------------------

    def _uniforms(self) -> np.ndarray:
        """The next row of pre-drawn uniforms (drawing in blocks keeps the loop fast)."""
        if self._next >= len(self._pool):
            self._pool = self.rng.random((4096, UNIFORMS))
            self._next = 0
        self._next += 1
        return self._pool[self._next - 1]

    # --- one clinician ---------------------------------------------------------------------

    def _simulate(self, c: Clinician) -> None:
        grid = Grid(c, self.cal.n_weeks)
        admit_until = min(self.cal.today_week + ADMIT_AHEAD_WEEKS, self.cal.n_weeks - 1)
        own: list[Booked] = []
        arrivals = self.incoming.pop(c.index, {})
        for week in range(grid.limit):
            for arrival in arrivals.pop(week, []):
                self._admit_arrival(c, grid, arrival, arrivals)
            if week <= admit_until and c.accepts_intakes(week):
                self._admit_new(c, grid, week, own)
        if c.leave_week is not None:
            self._hand_over(c, own)
        if c.group_block is not None:
            self._group(c, own)
        self.tick()

    def _admit_new(self, c: Clinician, grid: Grid, week: int, own: list[Booked]) -> None:
        """Take clients from the waitlist while booked sessions are below target."""
        boost = 2 if week < WARMUP_WEEKS // 3 else 1
        cap = math.ceil(3 * c.fte) * boost
        # Prescribers fill their own caseload; their slots also hold therapists' referrals.
        room = (
            c.max_caseload - grid.caseload[week]
            if c.prescriber
            else c.cells_target - grid.load[week]
        )
        wanted = int(room + self._uniforms()[0])
        for _ in range(min(wanted, cap)):
            if grid.caseload[week] >= c.max_caseload:
                return
            u = self._uniforms()
            program = self._program(c, u)
            cadence, planned = self._episode(c, program, u)
            pieces = grid.place_series(week, cadence, planned, u[4], pair=c.prescriber)
            if not pieces:
                return
            booked = self._book(c, grid, pieces, cadence, planned, program, u)
            own.append(booked)
            dropout = planned <= 2
            self._count_caseload(grid, week, booked.last_week + (7 if dropout else 2))

    def _book(
        self,
        c: Clinician,
        grid: Grid,
        pieces: list[Piece],
        cadence: int,
        planned: int,
        program: int,
        u: np.ndarray,
    ) -> Booked:
        week = pieces[0].first_week
        placed = sum(p.count for p in pieces)
        last = pieces[-1].first_week + cadence * (pieces[-1].count - 1)
        client = self._new_client(c, program, planned, last)
        kind = MED_FIRST if c.prescriber else FIRST
        for piece in pieces:
            self._segment(client, c, grid, piece, cadence, kind)
            kind = MED if c.prescriber else CONTINUED
        if not c.prescriber:
            self._maybe_refer(client, program, week, last, u)
        return Booked(client, week, cadence, planned, placed, last)

    def _admit_arrival(
        self, c: Clinician, grid: Grid, arrival: Arrival, arrivals: dict[int, list[Arrival]]
    ) -> None:
        if arrival.count <= 0:
            return
        pieces = grid.place_series(
            arrival.week, arrival.cadence, arrival.count, self._uniforms()[4]
        )
        if not pieces:
            if arrival.tries < 3 and arrival.week + 1 < grid.limit and arrival.count > 1:
                arrival.week, arrival.tries = arrival.week + 1, arrival.tries + 1
                arrival.count -= 1
                arrivals[arrival.week].append(arrival)
            elif arrival.kind == CONTINUED:
                self._stop(arrival.client)
            return
        for piece in pieces:
            self._segment(arrival.client, c, grid, piece, arrival.cadence, arrival.kind)
        if arrival.kind == CONTINUED:
            last = pieces[-1].first_week + arrival.cadence * (pieces[-1].count - 1)
            self.out.primary[arrival.client] = c.index
            self.out.transfer_week[arrival.client] = arrival.week
            self.out.end_week[arrival.client] = last
            self._count_caseload(grid, arrival.week, last + 2)

    def _hand_over(self, c: Clinician, own: list[Booked]) -> None:
        """Clients still in treatment when a clinician leaves move to a colleague, or stop."""
        assert c.leave_week is not None
        for b in own:
            remaining = b.planned - b.placed
            if remaining <= 0 or b.last_week < c.leave_week - b.cadence:
                continue
            self.out.end_week[b.client] = b.last_week
            target = self._transfer_target(c)
            if target is None or self._uniforms()[0] >= TRANSFER_SHARE:
                self._stop(b.client)
                continue
            arrive = c.leave_week + int(self._uniforms()[0] * 2)
            self.incoming[target.index][arrive].append(
                Arrival(b.client, arrive, b.cadence, remaining, CONTINUED)
            )

    def _stop(self, client: int) -> None:
        """A client who does not follow their departing clinician stops, medication too."""
        self.out.left_with[client] = True
        referral = self.med_referrals.get(client)
        if referral is not None:
            end = self.out.end_week[client]
            referral.count = max(0, (end - referral.week) // referral.cadence + 1)

    def _transfer_target(self, c: Clinician) -> Clinician | None:
        pool = [t for t in self.staff if t.active and not t.prescriber and t.program == c.program]
        pool = pool or [t for t in self.staff if t.active and not t.prescriber]
        if not pool:
            return None
        self.transfer_turn[c.program] += 1
        return pool[self.transfer_turn[c.program] % len(pool)]

    def _group(self, c: Clinician, own: list[Booked]) -> None:
        """DBT clients join their clinician's weekly skills group from the week after intake,
        while it has room (up to GROUP_SIZE members)."""
        block = c.group_block
        assert block is not None
        members = np.zeros(self.cal.n_weeks, dtype=np.int64)
        dbt = PROGRAMS.index("DBT")
        for b in own:
            if self.out.program[b.client] != dbt or b.planned <= 2 or b.last_week <= b.week:
                continue
            weeks = slice(b.week + 1, b.last_week + 1)
            if self._uniforms()[6] >= GROUP_JOIN or members[weeks].max() >= GROUP_SIZE:
                continue
            members[weeks] += 1
            count = b.last_week - b.week
            self._append(
                b.client,
                c.index,
                block.weekday,
                block.start,
                block.location,
                b.week + 1,
                1,
                count,
                GROUP,
            )

    # --- clients ---------------------------------------------------------------------------

    def _program(self, c: Clinician, u: np.ndarray) -> int:
        if c.prescriber:
            return PROGRAMS.index("Child & Adolescent") if u[6] < 0.25 else PROGRAMS.index("Adult")
        return PROGRAMS.index(c.program)

    def _episode(self, c: Clinician, program: int, u: np.ndarray) -> tuple[int, int]:
        """Cadence in weeks and planned sessions: a share of clients stop after one or two."""
        if c.prescriber:
            cadence = 4 if u[0] < 0.6 else 2
            return cadence, 1 if u[1] < 0.15 else 3 + int(u[2] * 12)
        name = PROGRAMS[program]
        cadence = 1 if u[0] < WEEKLY_SHARE[name] else 2
        if u[1] < 0.2:
            return cadence, 1 + int(u[2] < 0.5)
        if name == "DBT":
            return cadence, 20 + int(u[2] * 33)
        if u[1] < 0.5:
            return cadence, 4 + int(u[2] * 7)
        if u[1] < 0.8:
            return cadence, 11 + int(u[2] * 14)
        return cadence, 25 + int(u[2] * 36)

    def _new_client(self, c: Clinician, program: int, planned: int, end_week: int) -> int:
        out = self.out
        out.program.append(program)
        out.language.append(self._language(c))
        out.primary.append(c.index)
        out.first_clinician.append(c.index)
        out.transfer_week.append(-1)
        out.planned.append(planned)
        out.end_week.append(end_week)
        out.left_with.append(False)
        return out.n_clients - 1

    def _language(self, c: Clinician) -> str:
        """Clients who prefer another language go to clinicians who speak it."""
        u = self._uniforms()[7]
        if "Spanish" in c.languages and u < 0.45:
            return "Spanish"
        others = [lang for lang in c.languages if lang not in ("English", "Spanish")]
        if others and u > 0.75:
            return others[0]
        return "English"

    def _maybe_refer(self, client: int, program: int, week: int, last: int, u: np.ndarray) -> None:
        """Some therapy clients also see a prescriber, every two or four weeks."""
        planned = self.out.planned[client]
        if planned < 6 or PROGRAMS[program] == "Couples & Family" or u[3] >= MED_REFERRAL_SHARE:
            return
        start = week + 2 + int(u[5] * 5)
        if start > last:
            return
        step = 4 if u[7] < 0.65 else 2
        self.med_referrals[client] = Arrival(client, start, step, (last - start) // step + 1, MED)

    # --- bookkeeping -----------------------------------------------------------------------

    def _count_caseload(self, grid: Grid, first: int, until: int) -> None:
        grid.caseload[first : max(first + 1, until)] += 1

    def _segment(
        self, client: int, c: Clinician, grid: Grid, piece: Piece, step: int, kind: int
    ) -> None:
        slot = piece.slot
        weekday, start, location = grid.weekday[slot], grid.start[slot], grid.location[slot]
        self._append(
            client, c.index, weekday, start, location, piece.first_week, step, piece.count, kind
        )

    def _append(self, *segment: int) -> None:
        """One segment, its values in SEGMENT_COLUMNS order; empty ones are dropped."""
        if segment[SEGMENT_COLUMNS.index("count")] > 0:
            self.out.segments.append(tuple(int(value) for value in segment))
