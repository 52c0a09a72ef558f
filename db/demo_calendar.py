"""The generator's calendar: simulated weeks, history, today and the booking horizon.

Time inside the generator is counted from the Monday of simulation week 0: ``day`` numbers are
days since that Monday and ``minute`` numbers minutes since its 00:00, wall-clock in the
practice's zone, so arrays of them stay small integers and become strings once, at write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MINUTES_PER_DAY = 1440
NOON = 12 * 60


@dataclass(frozen=True)
class Calendar:
    """The simulated weeks: from week 0 (warm-up included) through the booking horizon."""

    today: dt.date
    first_monday: dt.date
    n_weeks: int
    history_start: dt.date
    future_days: int = 28

    @property
    def now(self) -> dt.datetime:
        """Noon today: 'now' for today's statuses, fixed so reruns agree."""
        return dt.datetime.combine(self.today, dt.time(12))

    @property
    def horizon(self) -> dt.date:
        """The last date with booked appointments."""
        return self.today + dt.timedelta(days=self.future_days)

    def day(self, date: dt.date) -> int:
        return (date - self.first_monday).days

    def date(self, day: int) -> dt.date:
        return self.first_monday + dt.timedelta(days=int(day))

    @property
    def today_day(self) -> int:
        return self.day(self.today)

    @property
    def today_week(self) -> int:
        return self.today_day // 7

    @property
    def now_minute(self) -> int:
        return self.today_day * MINUTES_PER_DAY + NOON

    @property
    def history_day(self) -> int:
        return self.day(self.history_start)

    @property
    def horizon_day(self) -> int:
        return self.day(self.horizon)
