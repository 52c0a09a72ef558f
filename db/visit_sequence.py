"""Keeping the visit sequence rollup (``models.VisitSequence``, migration 0004) current.

A change to one appointment can move its client's previous/next visits and sequence numbers, so
a write recomputes the whole sequence of every client it touched (a few dozen rows each), in the
writer's own transaction. ORM writes are caught by the flush listener below; writers that use
Core statements (scheduling, the importer, the demo) call ``refresh_clients`` or ``rebuild``.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Select,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy.orm import Session, UOWTransaction

from db.models import Appointment, Client, VisitSequence
from db.vocab import KEPT_STATUSES, NON_VISIT_SERVICES

# Client ids per IN list: well under SQLite's bound-parameter limit.
CHUNK = 500
COLUMNS = (
    "appointment_id",
    "client_id",
    "clinician_id",
    "start_at",
    "prev_start_at",
    "next_start_at",
    "same_clinician",
    "seq",
)


def _is_visit() -> ColumnElement[bool]:
    """``common.is_visit_row`` (kept, not group), whenever the visit starts."""
    return and_(
        Appointment.status.in_(KEPT_STATUSES), Appointment.service.not_in(NON_VISIT_SERVICES)
    )


def sequence_rows(*conditions: ColumnElement[bool]) -> Select[Any]:
    """The rollup's rows of the visits that meet ``conditions``, computed from appointments."""
    order = (Appointment.start_at, Appointment.appointment_id)

    def over(value: Any) -> Any:
        return value.over(partition_by=Appointment.client_id, order_by=order)

    previous = over(func.lag(Appointment.clinician_id))
    same = case(
        (previous.is_(None), None),
        (previous == Appointment.clinician_id, literal(1)),
        else_=literal(0),
    )
    return select(
        Appointment.appointment_id,
        Appointment.client_id,
        Appointment.clinician_id,
        Appointment.start_at,
        over(func.lag(Appointment.start_at, type_=DateTime)),
        over(func.lead(Appointment.start_at, type_=DateTime)),
        same,
        over(func.row_number()),
    ).where(_is_visit(), *conditions)


def _lock_clients(conn: Connection, clients: ColumnElement[bool]) -> None:
    """On PostgreSQL, hold the clients' rows until commit, so that two writers refreshing the
    same client take turns (each then sees the other's rows; SQLite writers already do)."""
    if conn.dialect.name == "postgresql":
        ids = select(Client.client_id).where(clients).order_by(Client.client_id)
        conn.execute(ids.with_for_update())


def refresh_clients(conn: Connection, client_ids: Iterable[str]) -> None:
    """Recompute the sequences of these clients from their appointments."""
    ids = sorted({c for c in client_ids if c is not None})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _lock_clients(conn, Client.client_id.in_(chunk))
        conn.execute(delete(VisitSequence).where(VisitSequence.client_id.in_(chunk)))
        rows = sequence_rows(Appointment.client_id.in_(chunk))
        conn.execute(insert(VisitSequence).from_select(COLUMNS, rows))


def refresh_clients_of(conn: Connection, clients: Select[Any]) -> None:
    """Recompute the sequences of the clients a query names (one column of client ids), for a
    bulk write whose clients are in a staging table."""
    _lock_clients(conn, Client.client_id.in_(clients))
    conn.execute(delete(VisitSequence).where(VisitSequence.client_id.in_(clients)))
    rows = sequence_rows(Appointment.client_id.in_(clients))
    conn.execute(insert(VisitSequence).from_select(COLUMNS, rows))


def rebuild(conn: Connection) -> None:
    """Recompute the whole rollup (after a bulk load)."""
    conn.execute(delete(VisitSequence))
    conn.execute(insert(VisitSequence).from_select(COLUMNS, sequence_rows()))


def _touched_clients(session: Session) -> set[str]:
    """The clients (old and new) of the appointments this flush wrote."""
    clients: set[str] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Appointment):
            clients.add(obj.client_id)
            clients.update(inspect(obj).attrs.client_id.history.deleted or ())
    return clients


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    """Every ORM write of appointments refreshes its clients' sequences before it commits."""
    clients = _touched_clients(session)
    if clients:
        refresh_clients(session.connection(), clients)


__all__ = ["rebuild", "refresh_clients", "refresh_clients_of", "sequence_rows"]
