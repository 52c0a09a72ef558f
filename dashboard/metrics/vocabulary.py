"""The practice's own names: clinicians, programs, locations (filter options and validation)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select, union

from db.models import Appointment, Availability, Client, Clinician, WaitlistEntry

KINDS = ("clinician", "program", "location")


def clinicians(conn: Connection) -> pd.DataFrame:
    """Every clinician, active first, then by name."""
    rows = conn.execute(
        select(
            Clinician.clinician_id,
            Clinician.name,
            Clinician.program,
            Clinician.location,
            Clinician.active,
        ).order_by(Clinician.active.desc(), Clinician.name)
    ).all()
    return pd.DataFrame(rows, columns=["clinician_id", "name", "program", "location", "active"])


def programs(conn: Connection) -> list[str]:
    query = union(
        select(Clinician.program), select(Client.program), select(WaitlistEntry.program)
    ).subquery()
    values = conn.execute(select(query.c[0]).where(query.c[0].is_not(None))).scalars()
    return sorted(set(values))


def locations(conn: Connection) -> list[str]:
    query = union(select(Clinician.location), select(Availability.location)).subquery()
    values = set(conn.execute(select(query.c[0]).where(query.c[0].is_not(None))).scalars())
    return sorted(values | set(distinct_values(conn, Appointment.location)))


def distinct_values(conn: Connection, column: Any) -> list[Any]:
    """The distinct non-null values of an indexed column, one index seek each: a practice has
    a handful of locations and a million appointments, which a DISTINCT would all read."""
    found = []
    value = conn.execute(select(func.min(column))).scalar()
    while value is not None:
        found.append(value)
        value = conn.execute(select(func.min(column)).where(column > value)).scalar()
    return found


def vocabulary(conn: Connection, kind: str) -> list[str]:
    """The allowed values of one kind of filter."""
    if kind == "clinician":
        return list(clinicians(conn)["clinician_id"])
    if kind == "program":
        return programs(conn)
    if kind == "location":
        return locations(conn)
    raise ValueError(f"unknown vocabulary {kind!r}")
