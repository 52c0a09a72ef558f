"""The portable date functions agree with Python's calendar on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import literal, select
from sqlalchemy.types import Date, DateTime

from dashboard.metrics.sqlfn import epoch_day, epoch_minute, epoch_week
from db.engine import Database

EPOCH = dt.date(1970, 1, 1)


def test_epoch_day_and_minute(db: Database) -> None:
    moment = dt.datetime(2026, 3, 8, 23, 59)  # the day US clocks spring forward
    with db.read() as conn:
        day, minute, week, day_of_date = conn.execute(
            select(
                epoch_day(literal(moment, DateTime())),
                epoch_minute(literal(moment, DateTime())),
                epoch_week(epoch_day(literal(moment, DateTime()))),
                epoch_day(literal(dt.date(2026, 3, 9), Date())),
            )
        ).one()
    assert day == (moment.date() - EPOCH).days
    # Wall-clock minutes: no DST hour is dropped, because stored times are naive.
    assert minute == (moment - dt.datetime(1970, 1, 1)).days * 1440 + 23 * 60 + 59
    assert day_of_date == day + 1
    # 2026-03-08 is a Sunday and 2026-03-09 a Monday: they fall in consecutive weeks.
    monday = (dt.date(2026, 3, 2) - EPOCH).days
    assert week == (monday + 3) // 7
