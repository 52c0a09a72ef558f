"""``packed_rows``: the rows of a read as one value on SQLite, the same rows as ``raw_rows``;
``grouped_rows`` reads groups that way."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from dashboard.metrics.grouping import (
    PRACTICE,
    count_if,
    grouped_rows,
    packed_rows,
    raw_rows,
    with_group,
)
from db.engine import Database
from db.models import Client
from tests.factory import Practice


def test_the_same_rows_as_the_drivers_own(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    for client_id, program in (("K1", "Adult"), ("K2", "Adult"), ("K3", "Niños y Familias")):
        practice.client(client_id, program=program)
    practice.client("K4", program=None)
    grouped = select(Client.program, func.count(), func.max(Client.client_id)).group_by(
        Client.program
    )
    with db.read() as conn:
        packed = sorted(map(tuple, packed_rows(conn, grouped)), key=repr)
        plain = sorted(map(tuple, raw_rows(conn, grouped)), key=repr)
        nothing = packed_rows(conn, grouped.where(Client.client_id == "K9"))
    # Text (not ASCII too), counts and nulls come back as they are.
    assert (
        packed
        == plain
        == sorted([("Adult", 2, "K2"), ("Niños y Familias", 1, "K3"), (None, 1, "K4")], key=repr)
    )
    assert nothing == []


def test_grouped_rows_give_each_groups_counts_by_label(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    for client_id, program in (("K1", "Adult"), ("K2", "Adult"), ("K3", "Youth")):
        practice.client(client_id, program=program, intake="2026-01-05")
    practice.client("K4", program="Youth", intake="2026-03-02")
    counts = select(
        func.count().label("clients"),
        count_if(Client.intake_date >= dt.date(2026, 2, 1)).label("recent"),
    )
    with db.read() as conn:
        by_program = grouped_rows(conn, with_group(counts, Client.program), Client.program)
        practice_row = grouped_rows(conn, counts, None)
    # Adult: K1, K2 (neither recent); Youth: K3 and K4 (K4 recent); the practice: all four.
    assert {g: (r.clients, r.recent) for g, r in by_program.items()} == {
        "Adult": (2, 0),
        "Youth": (2, 1),
    }
    assert [(g, r.clients, r.recent) for g, r in practice_row.items()] == [(PRACTICE, 4, 1)]
