"""CSV and Excel export of a grid's table, computed again on the server and audited."""

from __future__ import annotations

import io
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext

FORMATS = ("csv", "xlsx")
# A cell starting with one of these runs as a formula in a spreadsheet (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with an apostrophe."""

    def defuse(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value

    text_columns = [
        c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) == "str"
    ]
    if not text_columns:
        return frame
    safe = frame.copy()
    for column in text_columns:
        safe[column] = safe[column].map(defuse)
    return safe


def export_buttons(prefix: str) -> html.Div:
    """Two buttons and a download target: ids ``{prefix}-csv``, ``{prefix}-xlsx``,
    ``{prefix}-download``."""
    return html.Div(
        [
            dbc.Button(
                "Export CSV", id=f"{prefix}-csv", size="sm", color="secondary", outline=True
            ),
            dbc.Button(
                "Export Excel",
                id=f"{prefix}-xlsx",
                size="sm",
                color="secondary",
                outline=True,
                className="ms-2",
            ),
            dcc.Download(id=f"{prefix}-download"),
        ],
        className="d-flex justify-content-end mb-2 d-print-none",
    )


def export_io(prefix: str) -> list[Output | Input]:
    """The download output and the two buttons' inputs of ``export_buttons(prefix)``; their
    validators are ``EXPORT_CLICKS``."""
    return [
        Output(f"{prefix}-download", "data"),
        Input(f"{prefix}-csv", "n_clicks"),
        Input(f"{prefix}-xlsx", "n_clicks"),
    ]


EXPORT_CLICKS = [v.clicks(), v.clicks()]


def send_table(
    ctx: CallbackContext,
    frame: pd.DataFrame,
    name: str,
    fmt: str | None = None,
    *,
    client_column: str | None = None,
) -> dict[str, Any]:
    """The download of ``frame`` as ``name.csv`` or ``name.xlsx`` (by default, as the button
    pressed says: ``…-xlsx`` is Excel); one audit row per export."""
    if fmt is None:
        fmt = "xlsx" if str(dash.ctx.triggered_id or "").endswith("-xlsx") else "csv"
    client_ids = list(frame[client_column].dropna().astype(str)) if client_column else None
    ctx.audit("export", "ok", client_ids=client_ids, row_count=len(frame), detail=f"{name}.{fmt}")
    frame = defuse_formulas(frame)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name=name[:31])
        return dcc.send_bytes(buffer.getvalue(), f"{name}.xlsx")
    return dcc.send_string(frame.to_csv(index=False), f"{name}.csv")
