"""The append-only audit trail: one row per read of client data, export, write and login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, String, cast, func, insert, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import AuditEntry, PracticeId

# The longest practice id (clients.client_id).
ID_LENGTH = PracticeId.length or 64

MAX_IDS_TEXT = 20000


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str | None
    role: str | None


def _ids_text(client_ids: Iterable[str] | None) -> str | None:
    if client_ids is None:
        return None
    text = ",".join(sorted(set(client_ids)))
    # A very long list is kept whole up to a bound; the count is in row_count either way.
    return text[:MAX_IDS_TEXT] or None


def audit_values(
    actor: Actor,
    action: str,
    target: str,
    outcome: str,
    now: dt.datetime,
    *,
    client_ids: Iterable[str] | None = None,
    row_count: int | None = None,
    detail: str | None = None,
) -> dict[str, object]:
    ids = list(client_ids) if client_ids is not None else None
    return {
        "at": now,
        "user_id": actor.user_id,
        "username": actor.username,
        "role": actor.role,
        "action": action,
        "target": target[:200],
        "client_ids": _ids_text(ids),
        "row_count": row_count if row_count is not None else (len(set(ids)) if ids else None),
        "outcome": outcome,
        "detail": (detail or None) and detail[:2000],
    }


def record(db: Database, values: dict[str, object]) -> None:
    """Append one audit row in its own transaction."""
    with db.write() as session:
        session.execute(insert(AuditEntry).values(**values))


def record_in(session: Session | Connection, values: dict[str, object]) -> None:
    """Append one audit row inside the caller's transaction (writes: both or neither)."""
    session.execute(insert(AuditEntry).values(**values))


def search(
    conn: Connection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    username: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    client_id: str | None = None,
    limit: int = 500,
    with_clients: bool = True,
) -> pd.DataFrame:
    """Audit rows in [start, end), newest first, narrowed by the given filters (``at`` as its
    text to the second, "YYYY-MM-DD HH:MM:SS"); without their
    client_ids unless ``with_clients`` (a read of a whole caseload lists thousands of ids, and
    reading them is most of the cost of a page of the log: ``client_heads`` has the few shown)."""
    conditions = [AuditEntry.at >= start, AuditEntry.at < end]
    if username:
        conditions.append(AuditEntry.username == username)
    if action:
        conditions.append(AuditEntry.action == action)
    if outcome:
        conditions.append(AuditEntry.outcome == outcome)
    if client_id:
        conditions.append(AuditEntry.client_ids.contains(client_id))
    columns = [c for c in AuditEntry.__table__.c if with_clients or c.name != "client_ids"]
    # The moment as its text to the second, which the page shows: not a datetime built per
    # row and formatted again (2,000 rows: most of the read's time).
    shown = [
        func.substr(cast(c, String), 1, 19).label(c.name) if c.name == "at" else c for c in columns
    ]
    query = select(*shown).where(*conditions).order_by(AuditEntry.id.desc())
    # Plain tuples: pandas probes a Row for mapping keys, an exception per row and column.
    rows = [tuple(row) for row in conn.execute(query.limit(limit))]
    return pd.DataFrame(rows, columns=[column.name for column in columns])


def client_heads(conn: Connection, ids: Iterable[int], shown: int) -> dict[int, tuple[str, int]]:
    """For each audit row of ``ids`` with clients: the head of its client list (text enough for
    ``shown`` practice ids) and how many ids the list has."""
    listed = AuditEntry.client_ids
    head = func.substr(listed, 1, shown * (ID_LENGTH + 1))
    commas = func.length(listed) - func.length(func.replace(listed, ",", ""))
    stmt = select(AuditEntry.id, head, commas + 1).where(
        AuditEntry.id.in_(list(ids)), listed.is_not(None)
    )
    return {row_id: (text, int(count)) for row_id, text, count in conn.execute(stmt)}


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
