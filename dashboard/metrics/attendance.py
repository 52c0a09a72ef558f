"""Attendance (metrics.md): what became of the past appointments in the period, after client
cancellations less than LATE_CANCEL_HOURS before the start have been moved to late_cancel.

``from_counts`` turns one group's five counts into its keys, for the weekly trends too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from dashboard.metrics.appointment_days import COUNT_KEYS, status_day_sums, status_group_sums
from dashboard.metrics.common import (
    Filters,
    Period,
    Rules,
    rate,
    ratio,
)
from dashboard.metrics.grouping import (
    DIMENSIONS,
    PRACTICE,
    DaySums,
    check_dimension,
    frame,
)

KEYS: tuple[str, ...] = (
    *COUNT_KEYS,
    "no_show_rate",
    "late_cancel_rate",
    "kept_rate",
    "clinician_cancel_rate",
)
ZERO_KEYS: frozenset[str] = frozenset(COUNT_KEYS)


def from_counts(counts: Mapping[str, int]) -> dict[str, Any]:
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


def practice_values(
    conn: Connection,
    periods: Sequence[Period],
    filters: Filters,
    rules: Rules,
    by_day: DaySums | None = None,
) -> list[dict[str, Any]]:
    """The practice's keys for each period (its own as-of), from one read of the appointments'
    status counts by day over all of them: the same counts as ``compute``."""
    if not periods:
        return []
    if by_day is None:  # else read with the other appointment sums (trends)
        by_day = status_day_sums(conn, periods, filters, rules)
    return [
        from_counts({key: by_day.total(key, period, past=True) for key in COUNT_KEYS})
        for period in periods
    ]


def compute(
    conn: Connection, period: Period, filters: Filters, rules: Rules, *, by: str | None = None
) -> pd.DataFrame:
    """Attendance keys for the practice (``by=None``) or per value of a dimension.

    Past appointments in the period (``start_at`` before as-of); ``rescheduled`` counts in
    none of the keys."""
    check_dimension(by)
    sums = status_group_sums(conn, period, filters, rules, by)
    # The groups with a past appointment in the period (the practice always).
    groups = {g: c for g, c in sums.items() if c["past_rows"] or g == PRACTICE}
    return frame({group: from_counts(c) for group, c in groups.items()}, KEYS, COUNT_KEYS, by)


__all__ = [
    "COUNT_KEYS",
    "DIMENSIONS",
    "KEYS",
    "ZERO_KEYS",
    "compute",
    "from_counts",
    "practice_values",
]
