"""The printable daily schedule: one table per clinician, shown only on paper (print CSS in
assets/schedule.css), and the button that opens the browser's print dialog.

The sheet is made when the button is pressed, not with every view of the page: a busy day's
sheet is 120 KB of tables whose rendering held the page's charts back by seconds."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ClientsideFunction, Input, Output, dcc, html

from dashboard.components.states import empty
from dashboard.figures.schedule import STATUS_LABELS
from dashboard.format import MODALITY_LABELS

PRINT, PRINT_SINK, PRINT_SHEET = "sch-print", "sch-print-sink", "sch-print-sheet"
PRINTED = "sch-printed"  # the print dialog's (empty) output
HEADINGS = ("Time", "Client", "Service", "Modality", "Location", "Status")
# Characters that could start Markdown or HTML markup in a cell, escaped with a backslash.
MARKUP = re.compile(r"[\\`*_{}\[\]<>()#+!|~&]")


def register() -> None:
    """Register the print dialog with the app being built (assets/careboard.js): it opens
    once the sheet the button asked for has arrived (``PRINT_SINK`` says so)."""
    dash.clientside_callback(
        ClientsideFunction("careboard", "print"),
        Output(PRINTED, "data"),
        Input(PRINT_SINK, "data"),
    )


def print_button() -> html.Div:
    """The button that opens the browser's print dialog, and its (empty) output."""
    button = dbc.Button(
        "Print daily schedule",
        id=PRINT,
        size="sm",
        color="secondary",
        outline=True,
        className="d-print-none",
    )
    return html.Div([button, dcc.Store(id=PRINT_SINK), dcc.Store(id=PRINTED)])


def print_sheet_placeholder() -> list[Any]:
    """What the sheet holds until the print button asks for the day's schedule."""
    return [html.P('Use "Print daily schedule" on the schedule page to print the day.')]


def _cell(value: Any) -> str:
    """Text as a Markdown table cell: punctuation escaped, so a name is never markup."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return MARKUP.sub(r"\\\g<0>", " ".join(text.split()))


def _table(rows: pd.DataFrame) -> str:
    """One clinician's day as a Markdown table: a line of text per appointment, so that a
    busy day stays a small response (a component per cell would be ten times larger)."""
    lines = [
        "| " + " | ".join(HEADINGS) + " |",
        "|" + "---|" * len(HEADINGS),
    ]
    for r in rows.itertuples():
        cells = (
            f"{r.start_at:%H:%M}–{r.end_at:%H:%M}",
            r.client,
            r.service.replace("_", " "),
            MODALITY_LABELS.get(r.modality, r.modality),
            None if pd.isna(r.location) else r.location,
            STATUS_LABELS.get(r.status, r.status),
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def print_sheet(frame: pd.DataFrame, start: dt.date, end: dt.date) -> list[Any]:
    """The daily schedule on paper: one table per clinician (shown only when printing)."""
    if start != end:
        return [html.P("Switch to the day view to print a daily schedule.")]
    parts: list[Any] = [html.H2(f"Schedule for {start:%A, %B %-d, %Y}", className="h4")]
    if frame.empty:
        return [*parts, empty("No appointments.")]
    for clinician, rows in frame.groupby("clinician", sort=True):
        parts.append(
            html.Section(
                [html.H3(clinician, className="h6"), dcc.Markdown(_table(rows))],
                className="print-clinician",
            )
        )
    return parts
