"""Attendance (metrics.md): what became of the past appointments in the period, after client
cancellations less than LATE_CANCEL_HOURS before the start have been moved to late_cancel.

Also the appointment breakdown helper that utilization shares: sums over the period's
appointments, grouped in SQL by the filter table's "appointments" column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, case, func, select
from sqlalchemy.orm import aliased

from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    appointment_conditions,
    effective_status,
    in_period,
    rate,
    ratio,
)
from db.models import Appointment, Client

COUNT_KEYS = ("completed", "no_show", "late_cancel", "cancelled_client", "cancelled_clinician")
KEYS: tuple[str, ...] = (
    *COUNT_KEYS,
    "no_show_rate",
    "late_cancel_rate",
    "kept_rate",
    "clinician_cancel_rate",
)
ZERO_KEYS: frozenset[str] = frozenset(COUNT_KEYS)
DIMENSIONS = ("clinician", "program", "location", "modality")
PRACTICE = "practice"
# The appointment's client, joined only to group by program. An alias, so that the client
# subquery of the program filter is never auto-correlated to it.
GROUP_CLIENT = aliased(Client, name="group_client")

# Filter table, "appointments" column: what an appointment is grouped by for each dimension.
APPOINTMENT_GROUPS: dict[str, ColumnElement[Any]] = {
    "clinician": Appointment.clinician_id,
    "program": GROUP_CLIENT.program,  # the client's program
    "location": Appointment.location,
    "modality": Appointment.modality,
}


def check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; expected one of {DIMENSIONS}")


def appointment_sums(
    conn: Connection,
    sums: Mapping[str, ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]],
    by: str | None,
) -> dict[Any, dict[str, int]]:
    """Each named SQL sum over the appointments meeting ``conditions``: for the practice
    (``{"practice": ...}``, zeros when none) or per non-null value of ``by``."""
    columns = [func.coalesce(expr, 0).label(name) for name, expr in sums.items()]
    stmt = select(*columns).select_from(Appointment).where(*conditions)
    if by is None:
        row = conn.execute(stmt).one()
        return {PRACTICE: {name: int(row[i]) for i, name in enumerate(sums)}}
    group = APPOINTMENT_GROUPS[by]
    if by == "program":
        stmt = stmt.join(GROUP_CLIENT, GROUP_CLIENT.client_id == Appointment.client_id)
    stmt = stmt.add_columns(group.label("grp")).where(group.is_not(None)).group_by(group)
    return {
        row.grp: {name: int(row[i]) for i, name in enumerate(sums)} for row in conn.execute(stmt)
    }


def frame(
    rows: Mapping[Any, Mapping[str, Any]],
    keys: Sequence[str],
    count_keys: Iterable[str],
    by: str | None,
) -> pd.DataFrame:
    """The contract's DataFrame: one column per key, indexed by group (sorted); counts int64,
    everything else (and a count that is null, as the waitlist's under a clinician filter)
    float64 with NaN for null."""
    counts = frozenset(count_keys)
    groups = sorted(rows)
    data = {key: [rows[group][key] for group in groups] for key in keys}
    result = pd.DataFrame(data, index=pd.Index(groups, name=by, dtype=object), columns=list(keys))
    for key in keys:
        whole = key in counts and bool(result[key].notna().all())
        result[key] = result[key].astype("int64" if whole else "float64")
    return result


def _attendance(counts: Mapping[str, int]) -> dict[str, Any]:
    """All keys of one group from its five counts."""
    base = counts["completed"] + counts["no_show"] + counts["late_cancel"]
    cancellations = base + counts["cancelled_client"] + counts["cancelled_clinician"]
    return {
        **{key: counts[key] for key in COUNT_KEYS},
        "no_show_rate": rate(ratio(counts["no_show"], base)),
        "late_cancel_rate": rate(ratio(counts["late_cancel"], base)),
        "kept_rate": rate(ratio(counts["completed"], base)),
        "clinician_cancel_rate": rate(ratio(counts["cancelled_clinician"], cancellations)),
    }


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Attendance keys for the practice (``by=None``) or per value of a dimension.

    Past appointments in the period (``start_at`` before as-of); ``rescheduled`` counts in
    none of the keys."""
    check_dimension(by)
    status = effective_status(rules)
    sums = {key: func.sum(case((status == key, 1), else_=0)) for key in COUNT_KEYS}
    conditions = [
        in_period(period),
        Appointment.start_at < period.as_of,
        *appointment_conditions(filters),
    ]
    groups = appointment_sums(conn, sums, conditions, by)
    return frame({group: _attendance(c) for group, c in groups.items()}, KEYS, COUNT_KEYS, by)


__all__ = [
    "APPOINTMENT_GROUPS",
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "appointment_sums",
    "compute",
    "frame",
]
