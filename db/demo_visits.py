"""Appointments: segments expanded to one row per session, with services, statuses and times.

Everything here works on whole columns at once (numpy), so a million appointments cost about
as much Python as a thousand. Times are minute numbers from the Monday of week 0.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from db.demo_calendar import MINUTES_PER_DAY, NOON, Calendar
from db.demo_caseload import FIRST, GROUP, MED, MED_FIRST, Schedule
from db.demo_staff import PROGRAMS, Clinician
from db.demo_timeoff import TimeOffPlan
from db.vocab import APPOINTMENT_STATUSES, SERVICE_TYPES

EXTRA = 9  # kind of rows not from a standing series: rebooked and crisis sessions
SERVICE = {name: i for i, name in enumerate(SERVICE_TYPES)}
STATUS = {name: i for i, name in enumerate(APPOINTMENT_STATUSES)}
UPCOMING = [STATUS["scheduled"], STATUS["confirmed"], STATUS["checked_in"]]
CANCELLED = [
    STATUS["late_cancel"],
    STATUS["cancelled_client"],
    STATUS["cancelled_clinician"],
    STATUS["rescheduled"],
]

# Per-row outcome probabilities: no-show, late cancel, client cancel, clinician cancel,
# rescheduled; the rest are kept. No-shows run about twice as high at intake (published
# outpatient figures: 5-12% overall, 3-6% late cancels).
OUTCOMES = {
    "regular": (0.065, 0.042, 0.055, 0.02, 0.012),
    "intake": (0.14, 0.03, 0.07, 0.01, 0.0),
    "group": (0.10, 0.02, 0.05, 0.005, 0.0),
}
TELEHEALTH_CLIENTS = 0.3
CRISIS_SHARE = 0.003
CODED_SHARE = 0.45


@dataclass
class Visits:
    """Appointment rows as columns; minute numbers count from the Monday of week 0."""

    client: np.ndarray
    clinician: np.ndarray
    start: np.ndarray
    duration: np.ndarray
    service: np.ndarray
    status: np.ndarray
    modality: np.ndarray  # 1 = telehealth
    location: np.ndarray
    cancelled: np.ndarray  # -1: not cancelled
    created: np.ndarray
    intake: np.ndarray
    kind: np.ndarray
    rank: np.ndarray  # place in the segment, counting only rows that exist
    opening: np.ndarray  # the first week of the segment as booked
    step: np.ndarray
    sick: np.ndarray
    code: np.ndarray  # CPT code or None

    def __len__(self) -> int:
        return len(self.client)

    @property
    def day(self) -> np.ndarray:
        return self.start // MINUTES_PER_DAY

    @property
    def end(self) -> np.ndarray:
        return self.start + self.duration

    def take(self, rows: np.ndarray) -> Visits:
        return Visits(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Visits]) -> Visits:
        return Visits(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Visits)}
        )


class TimeOffIndex:
    """Fast membership of clinician-days in each kind of time off."""

    def __init__(self, plan: TimeOffPlan, cal: Calendar) -> None:
        self.n_days, self.n_weeks = cal.n_weeks * 7, cal.n_weeks
        self.vacation = plan.keys("vacation", self.n_days, self.n_weeks)
        self.days_off = plan.keys("days_off", self.n_days, self.n_weeks)
        self.afternoons = plan.keys("afternoons", self.n_days, self.n_weeks)
        self.sick = plan.keys("sick", self.n_days, self.n_weeks)

    def away(self, clinician: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Rows that fall in planned time off: they were never booked."""
        day = start // MINUTES_PER_DAY
        day_key = clinician * self.n_days + day
        away = np.isin(clinician * self.n_weeks + day // 7, self.vacation)
        away |= np.isin(day_key, self.days_off)
        # A half day off starts at noon: nothing that would still run at noon is booked.
        away |= np.isin(day_key, self.afternoons) & (start % MINUTES_PER_DAY > NOON - 60)
        return away

    def sick_day(self, clinician: np.ndarray, start: np.ndarray) -> np.ndarray:
        return np.isin(clinician * self.n_days + start // MINUTES_PER_DAY, self.sick)


class VisitBuilder:
    def __init__(
        self,
        schedule: Schedule,
        staff: list[Clinician],
        cal: Calendar,
        plan: TimeOffPlan,
        rng: np.random.Generator,
    ) -> None:
        self.s = schedule
        self.staff = staff
        self.cal = cal
        self.rng = rng
        self.time_off = TimeOffIndex(plan, cal)
        n_clients = schedule.n_clients
        self.risk = np.clip(np.exp(rng.normal(0.0, 0.35, n_clients)) / 1.06, 0.3, 3.0)
        self.tele = np.where(rng.random(n_clients) < TELEHEALTH_CLIENTS, 0.88, 0.1)
        self.session_minutes = np.array([c.session_minutes for c in staff])
        self.leave_day = np.array(
            [c.leave_week * 7 if c.leave_week is not None else 10**9 for c in staff]
        )
        self.after_hours = self._after_hours()

    def build(self) -> Visits:
        rows = self._expand()
        self._services(rows)
        self._outcomes(rows)
        rows = self._intakes(rows)
        extras = self._extras(rows)
        visits = Visits.concat([rows, extras]) if len(extras) else rows
        self._times(visits)
        self._codes(visits)
        return visits

    # --- expansion -------------------------------------------------------------------------

    def _expand(self) -> Visits:
        s, cal = self.s, self.cal
        counts = s.segment("count")
        seg = np.repeat(np.arange(len(counts)), counts)
        pos = np.arange(len(seg)) - np.repeat(np.cumsum(counts) - counts, counts)
        week = s.segment("first_week")[seg] + pos * s.segment("step")[seg]
        start = (week * 7 + s.segment("weekday")[seg]) * MINUTES_PER_DAY + s.segment("start")[seg]
        clinician = s.segment("clinician")[seg]
        keep = (start // MINUTES_PER_DAY <= cal.horizon_day) & ~self.time_off.away(clinician, start)
        seg, start, clinician, pos = seg[keep], start[keep], clinician[keep], pos[keep]
        rank = np.arange(len(seg)) - np.searchsorted(seg, seg, side="left")
        past = start < cal.today_day * MINUTES_PER_DAY
        n = len(seg)
        return Visits(
            client=s.segment("client")[seg],
            clinician=clinician,
            start=start,
            duration=np.zeros(n, dtype=np.int64),
            service=np.zeros(n, dtype=np.int64),
            status=np.zeros(n, dtype=np.int64),
            modality=np.zeros(n, dtype=np.int64),
            location=s.segment("location")[seg],
            cancelled=np.full(n, -1, dtype=np.int64),
            created=np.zeros(n, dtype=np.int64),
            intake=np.zeros(n, dtype=bool),
            kind=s.segment("kind")[seg],
            rank=rank,
            opening=pos == 0,
            step=s.segment("step")[seg],
            sick=self.time_off.sick_day(clinician, start) & past,
            code=np.full(n, None, dtype=object),
        )

    def _services(self, v: Visits) -> None:
        """Individual mostly; family for couples and every fourth child session; group; meds."""
        program = self.s.program[v.client]
        v.service[:] = SERVICE["individual"]
        v.service[program == PROGRAMS.index("Couples & Family")] = SERVICE["family"]
        child = program == PROGRAMS.index("Child & Adolescent")
        v.service[child & (v.rank % 4 == 3)] = SERVICE["family"]
        v.service[np.isin(v.kind, [MED, MED_FIRST])] = SERVICE["med_management"]
        v.service[v.kind == GROUP] = SERVICE["group"]
        minutes = self.session_minutes[v.clinician]
        flip = self.rng.random(len(v)) < 0.1
        minutes = np.where(flip, 98 - minutes, minutes)  # 45 <-> 53
        v.duration[:] = minutes
        v.duration[v.service == SERVICE["family"]] = 53
        v.duration[v.service == SERVICE["med_management"]] = 30
        v.duration[v.service == SERVICE["group"]] = 90
        v.modality[:] = self.rng.random(len(v)) < self.tele[v.client]
        v.modality[np.isin(v.service, [SERVICE["group"], SERVICE["crisis"]])] = 0

    # --- statuses --------------------------------------------------------------------------

    def _outcomes(self, v: Visits, rows: np.ndarray | None = None, table: str = "") -> None:
        """Draw outcomes, then let the clock decide: future rows are only booked."""
        rows = np.arange(len(v)) if rows is None else rows
        if not table:
            group = v.service[rows] == SERVICE["group"]
            self._outcomes(v, rows[~group], "regular")
            self._outcomes(v, rows[group], "group")
            return
        n = len(rows)
        p_noshow = np.minimum(OUTCOMES[table][0] * self.risk[v.client[rows]], 0.5)
        others = [np.full(n, p) for p in OUTCOMES[table][1:]]
        edges = np.cumsum(np.stack([p_noshow, *others]), axis=0)
        u = self.rng.random(n)
        status = np.full(n, STATUS["completed"])
        names = ("no_show", "late_cancel", "cancelled_client", "cancelled_clinician", "rescheduled")
        for edge, name in reversed(list(zip(edges, names, strict=True))):
            status[u < edge] = STATUS[name]
        late = status == STATUS["late_cancel"]
        # Most late cancellations arrive as client cancellations less than 24 h ahead.
        status[late & (self.rng.random(n) < 0.75)] = STATUS["cancelled_client"]
        status[v.sick[rows]] = STATUS["cancelled_clinician"]
        v.status[rows] = status
        self._clock(v, rows)
        self._cancel_times(v, rows, late & ~v.sick[rows])

    def _clock(self, v: Visits, rows: np.ndarray) -> None:
        """Rows after now are scheduled or confirmed; a session under way is checked in."""
        now, today = self.cal.now_minute, self.cal.today_day
        start = v.start[rows]
        status = v.status[rows]
        future = start > now
        attended = np.isin(status, [STATUS["completed"], STATUS["no_show"]])
        status[(start <= now) & (start + v.duration[rows] > now) & attended] = STATUS["checked_in"]
        soon = start // MINUTES_PER_DAY - today <= 2
        u = self.rng.random(len(rows))
        confirmed = (soon & (u < 0.7)) | (u < 0.08)
        status[future] = np.where(confirmed[future], STATUS["confirmed"], STATUS["scheduled"])
        v.status[rows] = status

    def _cancel_times(self, v: Visits, rows: np.ndarray, late: np.ndarray) -> None:
        """When each cancellation came in: late ones under 24 hours ahead, sick days that
        morning, the rest days ahead."""
        start, status = v.start[rows], v.status[rows]
        u = self.rng.random(len(rows))
        lead = np.select(
            [
                late,
                status == STATUS["cancelled_client"],
                status == STATUS["cancelled_clinician"],
                status == STATUS["rescheduled"],
            ],
            [
                60 + u * (22 * 60),
                26 * 60 + u * (6 * MINUTES_PER_DAY),
                180 + u * (10 * MINUTES_PER_DAY),
                MINUTES_PER_DAY + u * (5 * MINUTES_PER_DAY),
            ],
            default=0,
        ).astype(np.int64)
        cancelled = np.where(np.isin(status, CANCELLED), start - lead, -1)
        sick = v.sick[rows] & (status == STATUS["cancelled_clinician"])
        morning = (start // MINUTES_PER_DAY) * MINUTES_PER_DAY + 390 + (u * 75).astype(np.int64)
        v.cancelled[rows] = np.where(sick, morning, cancelled)

    def _intakes(self, v: Visits) -> Visits:
        """The first session is the intake; after a missed one, the next session is too.
        Nothing is booked after an intake that has not happened yet."""
        starts = np.flatnonzero(v.rank == 0)
        ordinal = np.full(len(v), -1)
        ordinal[starts] = np.arange(len(starts))
        segment = np.maximum.accumulate(ordinal)  # a segment's rows are contiguous
        chained = np.isin(v.kind[starts], [FIRST, MED_FIRST])
        upcoming_at = np.full(self.s.n_clients, np.iinfo(np.int64).max)
        rank = 0
        while chained.any() and rank < 12:
            rows = np.flatnonzero((v.rank == rank) & chained[segment])
            # A prescriber's 30-minute slot held a 60-minute evaluation only in its first week.
            rows = rows[(v.kind[rows] == FIRST) | v.opening[rows]]
            if not rows.size:
                break
            v.intake[rows] = True
            v.service[rows] = SERVICE["intake"]
            v.duration[rows] = 60
            v.modality[rows] = self.rng.random(len(rows)) < 0.3
            self._outcomes(v, rows, "intake")
            chained[:] = False
            missed = rows[~np.isin(v.status[rows], [*UPCOMING, STATUS["completed"]])]
            chained[segment[missed]] = True
            waiting = rows[np.isin(v.status[rows], UPCOMING)]
            np.minimum.at(upcoming_at, v.client[waiting], v.start[waiting])
            rank += 1
        # Groups and medication visits begin only once the intake has been kept.
        admitted = np.full(self.s.n_clients, np.iinfo(np.int64).max)
        kept = np.flatnonzero(v.intake & (v.status == STATUS["completed"]))
        np.minimum.at(admitted, v.client[kept], v.start[kept])
        follows = np.isin(v.kind, [GROUP, MED]) & (v.start < admitted[v.client])
        return v.take(np.flatnonzero((v.start <= upcoming_at[v.client]) & ~follows))

    # --- rebooked and crisis sessions ------------------------------------------------------

    def _after_hours(self) -> np.ndarray:
        """Per clinician and weekday, the end of the latest block: time outside the template."""
        hours = np.full((len(self.staff), 7), 17 * 60, dtype=np.int64)
        for c in self.staff:
            for day in range(7):
                ends = [b.end for b in c.blocks if b.weekday == day]
                if ends:
                    hours[c.index, day] = max(ends)
        return hours

    def _extras(self, v: Visits) -> Visits:
        """A rescheduled session is rebooked a few days later, after hours; a few clients
        need a crisis session. Both fall outside the template, so utilization can top 1."""
        rebooked = np.flatnonzero(v.status == STATUS["rescheduled"])
        therapy = np.isin(v.service, [SERVICE["individual"], SERVICE["family"]])
        kept = np.flatnonzero(therapy & (v.status == STATUS["completed"]))
        n_crisis = min(len(kept), round(len(v) * CRISIS_SHARE))
        crisis = (
            np.sort(self.rng.choice(kept, size=n_crisis, replace=False)) if n_crisis else kept[:0]
        )
        source = np.concatenate([rebooked, crisis])
        is_crisis = np.arange(len(source)) >= len(rebooked)
        extra = v.take(source)
        u = self.rng.random(len(source))
        day = extra.day + 1 + (u * np.where(is_crisis, 5, 3)).astype(np.int64)
        weekday = day % 7
        day = np.where(weekday >= 5, day + 7 - weekday, day)
        extra.start = day * MINUTES_PER_DAY + self.after_hours[extra.clinician, day % 7]
        extra.kind[:] = EXTRA
        extra.rank[:] = -1
        extra.opening[:] = False
        extra.intake[:] = False
        extra.sick[:] = False
        call = extra.start - 30 - (u * 180).astype(np.int64)
        extra.created = np.where(is_crisis, call, v.cancelled[source])
        extra.service[is_crisis] = SERVICE["crisis"]
        extra.duration[is_crisis] = 60
        extra.modality[is_crisis] = 0
        keep = day <= self.cal.horizon_day
        keep &= day < self.leave_day[extra.clinician]
        keep &= ~self.time_off.away(extra.clinician, extra.start)
        keep &= ~self.time_off.sick_day(extra.clinician, extra.start)
        keep &= ~is_crisis | (extra.start + 60 <= self.cal.now_minute)
        # One after-hours session per clinician and day, so none overlap.
        _, first = np.unique(extra.clinician * (self.cal.n_weeks * 7) + day, return_index=True)
        once = np.zeros(len(source), dtype=bool)
        once[first] = True
        extra = extra.take(np.flatnonzero(keep & once))
        regular = np.flatnonzero(extra.service != SERVICE["crisis"])
        extra.status[:] = STATUS["completed"]
        extra.cancelled[:] = -1
        self._outcomes(extra, regular, "regular")
        again = regular[extra.status[regular] == STATUS["rescheduled"]]
        extra.status[again] = STATUS["completed"]
        extra.cancelled[again] = -1
        return extra

    # --- booking times and codes -----------------------------------------------------------

    def _times(self, v: Visits) -> None:
        """Booked at the previous session (intakes: days ahead, in office hours); never after
        the start, a cancellation or now."""
        u = self.rng.random(len(v))
        series = v.kind != EXTRA
        created = np.where(
            series, v.start - v.step * 7 * MINUTES_PER_DAY - (u * 2880).astype(np.int64), v.created
        )
        first = series & (v.rank == 0) & v.intake
        days_ahead = 3 + (u * 14).astype(np.int64)
        office = (v.day - days_ahead) * MINUTES_PER_DAY + 540 + (u * 480).astype(np.int64)
        # An intake that would be booked after now was booked on one of the last four weeks
        # (as many as are booked ahead) instead: capped at now, a month of booked intakes
        # resolved their waitlist entries all today, and the waitlist fell by half on the day.
        earlier = (self.cal.today_day - 1 - (u * 28).astype(np.int64)) * MINUTES_PER_DAY
        recent = earlier + 540 + ((u * 28) % 1 * 480).astype(np.int64)
        office = np.where(office >= self.cal.now_minute, recent, office)
        created = np.where(first, office, created)
        created = np.minimum(created, v.start - 30)
        created = np.minimum(created, self.cal.now_minute - 1 - (u * 600).astype(np.int64))
        cancelled = v.cancelled >= 0
        created[cancelled] = np.minimum(created, v.cancelled - 60 - (u * 1440).astype(np.int64))[
            cancelled
        ]
        v.created = created

    def _codes(self, v: Visits) -> None:
        """Some rows carry the CPT code the billing system sent (import-format.md)."""
        u = self.rng.random(len(v))
        code = np.full(len(v), None, dtype=object)
        pairs = [
            (v.service == SERVICE["intake"], "90791"),
            ((v.service == SERVICE["individual"]) & (v.duration == 45), "90834"),
            ((v.service == SERVICE["individual"]) & (v.duration == 53), "90837"),
            (v.service == SERVICE["family"], "90847"),
            (v.service == SERVICE["group"], "90853"),
            (v.service == SERVICE["crisis"], "90839"),
            ((v.service == SERVICE["med_management"]) & (u > CODED_SHARE * 0.4), "99213"),
            ((v.service == SERVICE["med_management"]) & (u <= CODED_SHARE * 0.4), "99214"),
        ]
        for rows, value in pairs:
            code[rows] = value
        code[u >= CODED_SHARE] = None
        v.code = code
