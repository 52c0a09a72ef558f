"""The portable date functions agree with Python's calendar on both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, literal, select
from sqlalchemy.types import Date, DateTime

from dashboard.metrics.appointment_days import status_day_sums
from dashboard.metrics.availability import parse_moments
from dashboard.metrics.common import Filters, Period, Rules
from dashboard.metrics.sqlfn import (
    day_after,
    epoch_day,
    epoch_microsecond,
    epoch_minute,
    epoch_second,
    epoch_week,
    moment_text,
    start_day,
)
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


def test_start_day_is_the_date_and_reads_the_day_index(db: Database) -> None:
    moment = dt.datetime(2026, 3, 8, 23, 59, 30)
    with db.read() as conn:
        day = conn.execute(select(start_day(literal(moment, DateTime())))).scalar_one()
        assert str(day) == "2026-03-08"
        if db.engine.dialect.name != "sqlite":
            return
        # The read by day and status walks migration 0007's index in order: no sort.
        captured: list[tuple[str, Any]] = []

        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            captured.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", keep)
        period = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 8), dt.datetime(2026, 3, 9))
        status_day_sums(conn, [period], Filters(), Rules())
        event.remove(conn, "before_cursor_execute", keep)
        statement, parameters = captured[-1]
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_appointments_day_status" in details
    assert "TEMP B-TREE" not in details


def test_epoch_day_keeps_the_last_instant_of_a_day_on_it(db: Database) -> None:
    # SQLite's julianday of the whole text rounds to milliseconds (23:59:59.9999 would be the
    # next day); the tasks' day counts rely on epoch_day keeping it on its own day.
    last = dt.datetime(2026, 3, 8, 23, 59, 59, 999900)
    with db.read() as conn:
        day = conn.execute(select(epoch_day(literal(last, DateTime())))).scalar_one()
    assert day == (last.date() - EPOCH).days


def test_epoch_second_and_microsecond_drop_no_second_and_add_none(db: Database) -> None:
    # SQLite parses a fraction to milliseconds: 10:00:00.9999995 must not become 10:00:01.
    moments = [
        dt.datetime(2026, 3, 8, 10, 0, 0, 999999),
        dt.datetime(2026, 3, 8, 23, 59, 59, 999500),
        dt.datetime(2026, 3, 8, 10, 0),
        dt.datetime(1969, 12, 31, 23, 59, 59, 250000),
    ]
    for moment in moments:
        with db.read() as conn:
            second, micro = conn.execute(
                select(
                    epoch_second(literal(moment, DateTime())),
                    epoch_microsecond(literal(moment, DateTime())),
                )
            ).one()
        since = moment - dt.datetime(1970, 1, 1)
        whole = since.days * 86_400 + since.seconds
        assert second == whole, moment
        assert micro == whole * 1_000_000 + moment.microsecond, moment


def test_moment_text_is_read_by_parse_moments_as_the_whole_second(db: Database) -> None:
    # Moments handed over as text in one string per group (third next available's held
    # appointments): numpy must read each as epoch_second's whole second, fraction dropped.
    moments = [
        dt.datetime(2026, 3, 8, 10, 0, 0, 999999),
        dt.datetime(2026, 11, 1, 1, 30, 5),  # the repeated hour of the fall-back night
        dt.datetime(2026, 3, 8, 23, 59, 59, 999500),
    ]
    with db.read() as conn:
        texts = [
            conn.execute(select(moment_text(literal(m, DateTime())))).scalar_one() for m in moments
        ]
    assert texts[1].startswith("2026-11-01 01:30:05")
    whole = [
        (m.replace(microsecond=0) - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)
        for m in moments
    ]
    assert parse_moments(",".join(texts)).tolist() == whole
    assert [parse_moments(text).tolist() for text in texts] == [[second] for second in whole]


def test_day_after_is_the_date_days_later_comparable_with_start_day(db: Database) -> None:
    first = dt.datetime(2026, 2, 20, 23, 59, 59, 999999)  # the last instant of its day
    cases = [
        (dt.datetime(2026, 3, 22, 0, 0), True),  # 30 days after Feb 20 (28-day February)
        (dt.datetime(2026, 3, 22, 23, 59, 59), True),
        (dt.datetime(2026, 3, 23, 0, 0), False),  # 31 days
    ]
    with db.read() as conn:
        later = conn.execute(select(day_after(literal(first, DateTime()), 30))).scalar_one()
        year_end = conn.execute(
            select(day_after(literal(dt.datetime(2026, 12, 20, 8), DateTime()), 30))
        ).scalar_one()
        within = [
            conn.execute(
                select(
                    start_day(literal(moment, DateTime()))
                    <= day_after(literal(first, DateTime()), 30)
                )
            ).scalar_one()
            for moment, _ in cases
        ]
    assert str(later) == "2026-03-22"
    assert str(year_end) == "2027-01-19"
    assert [bool(found) for found in within] == [expected for _, expected in cases]
