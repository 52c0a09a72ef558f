"""Numbers formatted one way everywhere: rates as percentages, hours, days, counts; and the
few words and moments the pages show of the practice's vocabulary."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MISSING = "—"
MODALITY_LABELS = {"in_person": "In person", "telehealth": "Telehealth"}


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, digits: int = 0) -> str:
    """A rate (a fraction) as a percentage: 0.1234 → "12%"."""
    return MISSING if _missing(value) else f"{value * 100:.{digits}f}%"  # type: ignore[operator]


def count(value: float | int | None) -> str:
    return MISSING if _missing(value) else f"{int(round(value)):,}"  # type: ignore[arg-type]


def hours(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:,.1f} h"


def days(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:,.1f} d"


def number(value: float | None, digits: int = 2) -> str:
    return MISSING if _missing(value) else f"{value:,.{digits}f}"


def in_days(value: float | None) -> str:
    """Third next available in words: "today", "in 3 days"; none within the 90-day horizon."""
    if pd.isna(value):
        return "none within 90 days"
    if value == 0:
        return "today"
    return f"in {count(value)} day{'s' if value != 1 else ''}"


def day_time(moment: Any) -> str | None:
    """A moment as "Tue Mar 3, 09:00"; None when there is none."""
    return None if moment is None or pd.isna(moment) else f"{pd.Timestamp(moment):%a %b %-d, %H:%M}"
