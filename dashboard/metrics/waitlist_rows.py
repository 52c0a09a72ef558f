"""The waitlist page: open entries as rows, and the waitlist keys over time and by program.

The keys themselves (open count, median and 90th-percentile wait, over target, time to intake)
come from ``waitlist.compute`` and ``trends.weekly`` (metrics.md); this module adds the rows a
person works from. Waitlist entries are filtered by program only (filter table).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, select

from dashboard.metrics import trends, waitlist
from dashboard.metrics.common import Filters, Period, Rules, open_entry_condition
from db.models import Client, WaitlistEntry

ENTRY_COLUMNS = [
    "entry_id",
    "client_id",
    "client",
    "program",
    "priority",
    "referred_at",
    "days_waiting",
    "target_days",
    "over_target",
    "language",
    "preferred_modality",
    "version",
]
TREND_KEYS = ("waitlist_open", "waitlist_median_days", "waitlist_p90_days", "median_days_to_intake")
PROGRAM_KEYS = ("waitlist_open", "waitlist_median_days", "waitlist_over_target")


def open_entries(
    conn: Connection, as_of_date: dt.date, program: str | None, rules: Rules
) -> pd.DataFrame:
    """Entries open on the as-of date (metrics.md, ``waitlist_open``): whole days waiting,
    the priority's target and whether the wait is over it; longest waiting first."""
    stmt = (
        select(
            WaitlistEntry.entry_id,
            WaitlistEntry.client_id,
            Client.display_name.label("client"),
            WaitlistEntry.program,
            WaitlistEntry.priority,
            WaitlistEntry.referred_at,
            WaitlistEntry.language,
            WaitlistEntry.preferred_modality,
            WaitlistEntry.version,
        )
        .join(Client, Client.client_id == WaitlistEntry.client_id)
        .where(
            open_entry_condition(as_of_date),
        )
        .order_by(WaitlistEntry.referred_at, WaitlistEntry.entry_id)
    )
    if program:
        stmt = stmt.where(WaitlistEntry.program == program)
    rows = [row._asdict() for row in conn.execute(stmt)]
    for row in rows:
        row["days_waiting"] = (as_of_date - row["referred_at"]).days
        row["target_days"] = rules.waitlist_target_days.get(row["priority"])
        # "Longer than" the target: strictly more whole days, as waitlist_over_target.
        row["over_target"] = row["target_days"] is not None and (
            row["days_waiting"] > row["target_days"]
        )
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)


def summary(conn: Connection, period: Period, program: str | None, rules: Rules) -> dict:
    """The waitlist keys for the practice (or one program) as of the period's as-of."""
    # No third next available here: its slot search is skipped.
    frame = waitlist.compute(conn, period, Filters(program=program), rules, third_next=False)
    return {key: _plain(frame[key].iloc[0]) for key in waitlist.WAITLIST_KEYS}


def weekly(conn: Connection, period: Period, program: str | None, rules: Rules) -> pd.DataFrame:
    """Open count, median and 90th-percentile wait, and median days to intake, week by week
    (``trends.weekly``), with the week's Monday as a column."""
    frame = trends.weekly(conn, period, Filters(program=program), rules, keys=list(TREND_KEYS))
    return frame.reset_index()


def by_program(conn: Connection, period: Period, program: str | None, rules: Rules) -> pd.DataFrame:
    """Open entries, median wait and entries over target per program."""
    frame = waitlist.compute(
        conn, period, Filters(program=program), rules, by="program", third_next=False
    )
    frame = frame[list(PROGRAM_KEYS)].reset_index()
    return frame.rename(columns={frame.columns[0]: "program"})


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


__all__ = ["ENTRY_COLUMNS", "by_program", "open_entries", "summary", "weekly"]
