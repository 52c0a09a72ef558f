"""The indicators of metrics.md, one module per area; ``report`` joins them.

The entry points are re-exported lazily (PEP 562), so importing one area module, or
``dashboard.metrics.common``, does not import every area.
"""

from __future__ import annotations

import importlib
from typing import Any

_REPORT_NAMES = (
    "ALL_KEYS",
    "AREAS",
    "ZERO_KEYS",
    "breakdown",
    "build_report",
    "clinician_rows",
    "practice_metrics",
    "report_to_csv",
    "report_to_json",
)
_TREND_NAMES = ("weekly",)

__all__ = [*_REPORT_NAMES, *_TREND_NAMES]


def __getattr__(name: str) -> Any:
    if name in _REPORT_NAMES:
        return getattr(importlib.import_module("dashboard.metrics.report"), name)
    if name in _TREND_NAMES:
        return getattr(importlib.import_module("dashboard.metrics.trends"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
