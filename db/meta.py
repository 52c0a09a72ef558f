"""The data version: one number bumped by every import and write, which caches are keyed by."""

from __future__ import annotations

from sqlalchemy import Connection, Integer, String, cast, select, update
from sqlalchemy.orm import Session

from db.models import Meta

DATA_VERSION = "data_version"


def bump_data_version(session: Session | Connection) -> None:
    """Increment the data version inside the caller's transaction."""
    bumped = cast(cast(Meta.value, Integer) + 1, String)
    session.execute(update(Meta).where(Meta.key == DATA_VERSION).values(value=bumped))


def data_version(conn: Connection | Session) -> int:
    value = conn.execute(select(Meta.value).where(Meta.key == DATA_VERSION)).scalar()
    return int(value) if value is not None else 0
