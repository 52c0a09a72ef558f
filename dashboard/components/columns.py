"""Grid column definitions whose numbers look exactly as ``dashboard.format`` writes them.

Grids keep numbers as numbers (so they sort as numbers and export unrounded) and format them
in the browser with d3-format expressions, which dash-ag-grid evaluates with its own parser
(no ``eval``, so the Content-Security-Policy holds). Each expression below is the browser-side
twin of one ``dashboard.format`` function: keep them in step.
"""

from __future__ import annotations

from typing import Any

from dashboard.format import MISSING


def _formatted(expression: str) -> dict[str, str]:
    return {"function": f"params.value == null ? '{MISSING}' : {expression}"}


FORMATS = {
    "pct": _formatted("d3.format('.0%')(params.value)"),  # format.pct
    "pct1": _formatted("d3.format('.1%')(params.value)"),  # format.pct(v, 1)
    "count": _formatted("d3.format(',.0f')(params.value)"),  # format.count
    "hours": _formatted("d3.format(',.1f')(params.value) + ' h'"),  # format.hours
    "days": _formatted("d3.format(',.1f')(params.value) + ' d'"),  # format.days
    "number1": _formatted("d3.format(',.1f')(params.value)"),  # format.number(v, 1)
    "number2": _formatted("d3.format(',.2f')(params.value)"),  # format.number(v, 2)
}


def num(field: str, header: str, fmt: str, **extra: Any) -> dict[str, Any]:
    """A right-aligned numeric column shown with one of ``FORMATS``."""
    return {
        "field": field,
        "headerName": header,
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
        "valueFormatter": FORMATS[fmt],
        **extra,
    }


def text(field: str, header: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, **extra}


def link(field: str, header: str, **extra: Any) -> dict[str, Any]:
    """A column of markdown links (``[label](/path)``), rendered by the grid's markdown renderer."""
    return {"field": field, "headerName": header, "cellRenderer": "markdown", **extra}


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as grid rows: NaN and NaT as None, dates as ISO text."""
    cleaned = frame.astype(object).where(frame.notna(), None)
    rows = cleaned.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                row[key] = (
                    value.isoformat(sep=" ", timespec="minutes")
                    if hasattr(value, "hour")
                    else value.isoformat()
                )
    return rows
