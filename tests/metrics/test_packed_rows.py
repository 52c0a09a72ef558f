"""``packed_rows``: the rows of a read as one value on SQLite, the same rows as ``raw_rows``."""

from __future__ import annotations

from sqlalchemy import func, select

from dashboard.metrics.grouping import packed_rows, raw_rows
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
