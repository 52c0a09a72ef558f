"""Numbers formatted one way everywhere: rates as percentages, hours, days, counts."""

from __future__ import annotations

import math

MISSING = "—"


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
