"""The one entry point to every indicator: the practice's values, breakdowns by a dimension,
the clinician rows, and the report ``careboard metrics`` prints as JSON or CSV (metrics.md).

Every area module follows one contract (``KEYS``, ``ZERO_KEYS``, ``DIMENSIONS`` and
``compute(conn, period, filters, rules, *, by=None)``), so this module only joins their frames.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, exists, or_, select

from dashboard.metrics import (
    attendance,
    caseload,
    continuity,
    engagement,
    tasks,
    utilization,
    waitlist,
)
from dashboard.metrics.common import Filters, Period, Rules, all_of, clinician_conditions, in_period
from dashboard.metrics.grouping import DIMENSIONS
from dashboard.metrics.shared import shared_reads
from db.engine import read_beside
from db.models import Appointment, Clinician

AREAS: tuple[ModuleType, ...] = (
    utilization,
    attendance,
    caseload,
    waitlist,
    continuity,
    engagement,
    tasks,
)
ALL_KEYS: tuple[str, ...] = tuple(key for area in AREAS for key in area.KEYS)
ZERO_KEYS: frozenset[str] = frozenset().union(*(area.ZERO_KEYS for area in AREAS))
AREA_OF_KEY: dict[str, ModuleType] = {key: area for area in AREAS for key in area.KEYS}
# A filter value no practice id, program, location or modality takes: the computation under it
# is an area's value for a group in which it found nothing.
ABSENT = "\x1fcareboard:absent\x1f"
CSV_PREFIX = ("scope", "clinician_id")


def plain(value: Any) -> Any:
    """A JSON-ready Python value: numpy scalars unwrapped, NaN as None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _first_row(frame: pd.DataFrame, keys: Iterable[str]) -> dict[str, Any]:
    # Column by column: a row of a frame with int and float columns would turn counts to floats.
    return {key: plain(frame[key].iloc[0]) for key in keys}


def practice_metrics(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> dict[str, Any]:
    """Every key for the practice under the filters, in metrics.md order; None for null."""
    values = area_values(conn, period, filters, rules, AREAS)
    return {key: values[key] for key in ALL_KEYS}


def area_values(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    areas: Sequence[ModuleType],
) -> dict[str, Any]:
    """The keys of ``areas`` for the practice under the filters (None for null); areas that
    read the same appointments share the read."""
    values: dict[str, Any] = {}
    with shared_reads():
        for area in areas:
            values.update(_first_row(area.compute(conn, period, filters, rules), area.KEYS))
    return values


# Areas whose figures share reads (``shared_reads``): one period's appointment sums.
SHARING: tuple[tuple[ModuleType, ...], ...] = ((utilization, attendance),)


def area_reads(
    period: Period, filters: Filters, rules: Rules, areas: Sequence[ModuleType]
) -> list[Callable[[Connection], dict[str, Any]]]:
    """``area_values`` of ``areas`` as separate reads, to run side by side
    (``Database.read_together``), the areas that share reads in one; their results together
    (a dict union) are ``area_values``."""
    return [
        lambda conn, part=part: area_values(conn, period, filters, rules, part)
        for part in _sharing_parts(areas)
    ]


def _sharing_parts(areas: Sequence[ModuleType]) -> list[tuple[ModuleType, ...]]:
    """``areas`` in parts to read side by side, the areas that share reads in one part."""
    parts: list[tuple[ModuleType, ...]] = []
    for area in areas:
        sharing = next((group for group in SHARING if area in group), (area,))
        if not any(area in part for part in parts):
            parts.append(tuple(a for a in sharing if a in areas))
    return parts


def _complete(
    area: ModuleType,
    found: pd.DataFrame,
    groups: Sequence[Any],
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    by: str,
) -> pd.DataFrame:
    """An area's breakdown over ``groups``. A group the area found nothing for gets the area's
    value under a filter that selects nothing (counts and hours 0, rates null, and the
    unfiltered value of the keys that this dimension does not filter), computed once."""
    missing = [group for group in groups if group not in found.index]
    if not missing:
        return found.reindex(groups)
    empty = area.compute(conn, period, dataclasses.replace(filters, **{by: ABSENT}), rules)
    fill = pd.DataFrame(
        {key: [empty[key].iloc[0]] * len(missing) for key in area.KEYS},
        index=pd.Index(missing, dtype=object),
    )
    present = found[found.index.isin(groups)]
    combined = pd.concat([present, fill]) if len(present) else fill
    combined = combined.reindex(groups)
    for key in area.KEYS:
        if found[key].dtype.kind in "iu" and empty[key].dtype.kind in "iu":
            combined[key] = combined[key].astype(found[key].dtype)
    return combined


def _grouped(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    by: str,
    groups: Sequence[Any] | None = None,
    areas: Sequence[ModuleType] = AREAS,
) -> pd.DataFrame:
    """The keys of ``areas`` (default all) by a dimension, over ``groups`` (default: every
    group any of them found)."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; expected one of {DIMENSIONS}")

    def compute(c: Connection, part: Sequence[ModuleType]) -> dict[ModuleType, pd.DataFrame]:
        with shared_reads():
            return {area: area.compute(c, period, filters, rules, by=by) for area in part}

    # The parts side by side: each area's breakdown is its own set of reads.
    first, *others = _sharing_parts(areas) or [()]
    pending = [read_beside(conn, lambda c, part=part: compute(c, part)) for part in others]
    computed = compute(conn, first)
    for result in pending:
        computed.update(result())
    frames = [(area, computed[area]) for area in areas]
    keys = [key for area in areas for key in area.KEYS]
    if groups is None:
        found = {group for _, frame in frames for group in frame.index if group is not None}
        groups = sorted(found)
    parts = [
        _complete(area, frame, groups, conn, period, filters, rules, by)[list(area.KEYS)]
        for area, frame in frames
    ]
    result = pd.concat(parts, axis=1) if groups else pd.DataFrame(columns=keys)
    result.index = pd.Index(list(groups), name=by, dtype=object)
    return result[keys]


def breakdown(
    conn: Connection, period: Period, filters: Filters, rules: Rules, by: str
) -> pd.DataFrame:
    """Every key, one row per value of ``by`` found in the data; each row equals the practice
    computation with ``filters`` plus that dimension set to that value."""
    return _grouped(conn, period, filters, rules, by)


def row_clinicians(conn: Connection, period: Period, filters: Filters) -> list[str]:
    """Clinicians that get a row: passing the filters ("clinicians counted") and active or
    with an appointment (any status) in the period, by id."""
    has_appointment = exists().where(
        Appointment.clinician_id == Clinician.clinician_id, in_period(period)
    )
    stmt = (
        select(Clinician.clinician_id)
        .where(
            all_of(clinician_conditions(filters)),
            or_(Clinician.active.is_(True), has_appointment),
        )
        .order_by(Clinician.clinician_id)
    )
    return list(conn.execute(stmt).scalars())


def clinician_rows(
    conn: Connection,
    period: Period,
    filters: Filters,
    rules: Rules,
    areas: Sequence[ModuleType] = AREAS,
) -> list[dict[str, Any]]:
    """One row per clinician (see ``row_clinicians``): ``{"clinician_id": ID, key: value}``
    for the keys of ``areas`` (default all), the practice computation with that clinician
    added to the filters. A page that shows a few areas computes only those."""
    ids = row_clinicians(conn, period, filters)
    if not ids:
        return []
    frame = _grouped(conn, period, filters, rules, "clinician", ids, areas)
    keys = list(frame.columns)
    columns = {key: frame[key].tolist() for key in keys}
    return [
        {"clinician_id": clinician_id, **{key: plain(columns[key][i]) for key in keys}}
        for i, clinician_id in enumerate(ids)
    ]


def build_report(
    conn: Connection, period: Period, filters: Filters, rules: Rules
) -> dict[str, Any]:
    """The ``careboard metrics`` object: period, as-of, filters, practice values, clinicians."""
    return {
        **period.as_dict(),
        "filters": filters.as_dict(),
        "practice": practice_metrics(conn, period, filters, rules),
        "clinicians": clinician_rows(conn, period, filters, rules),
    }


def report_to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, allow_nan=False)


def _cell(value: Any) -> str:
    """A CSV cell: empty for null, numbers written as JSON writes them."""
    return "" if value is None else json.dumps(value, allow_nan=False)


def report_to_csv(report: dict[str, Any]) -> str:
    """Header ``scope,clinician_id,<every key>``, the practice row, then one row per clinician."""
    keys = list(report["practice"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_PREFIX, *keys])
    writer.writerow(["practice", "", *(_cell(report["practice"][key]) for key in keys)])
    for row in report["clinicians"]:
        writer.writerow(["clinician", row["clinician_id"], *(_cell(row[key]) for key in keys)])
    return out.getvalue()


__all__ = [
    "ALL_KEYS",
    "AREAS",
    "ZERO_KEYS",
    "area_reads",
    "area_values",
    "breakdown",
    "build_report",
    "clinician_rows",
    "practice_metrics",
    "report_to_csv",
    "report_to_json",
    "row_clinicians",
]
