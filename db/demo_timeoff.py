"""Clinicians' time off: a vacation week a quarter, sick days, training days, half days."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from db.demo_calendar import NOON, Calendar
from db.demo_staff import Clinician


@dataclass
class TimeOffPlan:
    """Clinicians' time off: whole vacation weeks, days off, afternoons off and sick days."""

    vacation: list[tuple[int, int]] = field(default_factory=list)  # (clinician, week)
    days_off: list[tuple[int, int, str]] = field(default_factory=list)  # (clinician, day, reason)
    afternoons: list[tuple[int, int]] = field(default_factory=list)  # (clinician, day) from noon
    sick: list[tuple[int, int]] = field(default_factory=list)  # (clinician, day), in the past

    def keys(self, kind: str, n_days: int, n_weeks: int) -> np.ndarray:
        """Clinician-and-day (or -week) keys of one kind, for np.isin."""
        if kind == "vacation":
            return np.array([c * n_weeks + w for c, w in self.vacation], dtype=np.int64)
        pairs = {
            "days_off": [(c, d) for c, d, _ in self.days_off],
            "afternoons": self.afternoons,
            "sick": self.sick,
        }[kind]
        return np.array([c * n_days + d for c, d in pairs], dtype=np.int64)


def plan_time_off(staff: list[Clinician], cal: Calendar, rng: np.random.Generator) -> TimeOffPlan:
    """A vacation week a quarter, a sick day or so a quarter, some training days and half
    days; never two kinds on one day, so no time off overlaps another."""
    plan = TimeOffPlan()
    # Thirteen-week quarters counted back from this week, so every quarter of the history
    # holds exactly one vacation week per clinician (about four weeks a year).
    end = cal.today_week + 1
    quarters = [(max(hi - 13, 0), hi) for hi in range(end, 0, -13)]
    quarters += [(end, cal.n_weeks)]
    for c in staff:
        workdays = sorted({b.weekday for b in c.blocks if not b.group})
        afternoon_days = sorted({b.weekday for b in c.blocks if b.end > NOON and b.start >= NOON})
        last_week = c.leave_week if c.leave_week is not None else cal.n_weeks
        taken_weeks: set[int] = set()
        for lo, hi in sorted(quarters):
            hi = min(hi, last_week)
            if hi <= lo:
                continue
            if hi - lo >= 13 or rng.random() < (hi - lo) / 13:
                taken_weeks.add(int(rng.integers(lo, hi)))
            for _ in range(1 + int(rng.poisson(0.3))):
                week, day = int(rng.integers(lo, hi)), workdays[int(rng.integers(len(workdays)))]
                if week * 7 + day < cal.today_day and week not in taken_weeks:
                    plan.sick.append((c.index, week * 7 + day))
            if rng.random() < 0.3:
                week, day = int(rng.integers(lo, hi)), workdays[int(rng.integers(len(workdays)))]
                if week not in taken_weeks:
                    plan.days_off.append((c.index, week * 7 + day, "Training"))
            for _ in range(int(rng.poisson(0.8))):
                if afternoon_days:
                    week = int(rng.integers(lo, hi))
                    day = afternoon_days[int(rng.integers(len(afternoon_days)))]
                    if week not in taken_weeks:
                        plan.afternoons.append((c.index, week * 7 + day))
        plan.vacation.extend((c.index, w) for w in sorted(taken_weeks))
    training = {(c, d) for c, d, _ in plan.days_off}
    plan.sick = sorted(set(plan.sick) - training)
    plan.afternoons = sorted(set(plan.afternoons) - set(plan.sick) - training)
    return plan
