"""The schedule's open slots and the fill-from-waitlist list.

Open slots, next available and third next available come from ``availability`` through
``metrics.schedule_rows``; the ranking of waitlist entries for a slot is
``metrics.matching.rank_waitlist``. This module lays them out and wires them.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.export import export_buttons, send_table
from dashboard.components.grid import grid
from dashboard.components.states import empty
from dashboard.format import count
from dashboard.metrics.schedule_rows import next_available, open_slot_rows
from dashboard.roles import FRONT_DESK
from pages import schedule_bar as bar
from pages.schedule_status import REFRESH

SLOTS_GRID, NEXT_GRID, PROGRAM_TABLE = "sch-slots-grid", "sch-next-grid", "sch-program-next"
FILL_FROM_SLOT = "sch-fill-slot"
SLOTS_EXPORT, NEXT_EXPORT = "sch-slots-export", "sch-next-export"
MODALITY_WORDS = {"in_person": "In person", "telehealth": "Telehealth"}
SLOT_ROW_COLUMNS = [
    "slot_id",
    "clinician_id",
    "day",
    "start",
    "end",
    "clinician",
    "program",
    "location",
    "accepting",
    "freed",
    "start_at",
    "end_at",
]

SLOT_COLUMNS = [
    {"field": "day", "headerName": "Day", "maxWidth": 130},
    {"field": "start", "headerName": "Start", "maxWidth": 90},
    {"field": "end", "headerName": "End", "maxWidth": 90},
    {"field": "clinician", "headerName": "Clinician", "minWidth": 160},
    {"field": "program", "headerName": "Program"},
    {"field": "location", "headerName": "Location"},
    {"field": "accepting", "headerName": "New clients"},
    {"field": "freed", "headerName": "Freed by", "minWidth": 140},
]
NEXT_COLUMNS = [
    {"field": "clinician", "headerName": "Clinician", "minWidth": 160},
    {"field": "program", "headerName": "Program"},
    {"field": "next_available", "headerName": "Next available"},
    {"field": "third_next", "headerName": "Third next available"},
]


def section() -> html.Section:
    """Open slots, and next available per clinician and program."""
    return html.Section(
        [
            html.H2("Open slots", className="h5 mt-4"),
            html.P(
                "Open 60-minute slots of active clinicians from now on, on the dates shown: "
                "available time, minus time off, minus booked appointments. Pick one and "
                "press “Fill from waitlist” to see who could take it.",
                className="small text-body-secondary",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H3("Next available, by clinician", className="h6"),
                            export_buttons(NEXT_EXPORT),
                            grid(NEXT_GRID, NEXT_COLUMNS, row_id="clinician_id", height=300),
                        ],
                        lg=7,
                    ),
                    dbc.Col(
                        [
                            html.H3("By program", className="h6"),
                            dcc.Loading(html.Div(id=PROGRAM_TABLE), type="dot"),
                        ],
                        lg=5,
                    ),
                ],
                className="mb-3",
            ),
            html.Div(
                [
                    dbc.Button(
                        "Fill selected slot from waitlist…",
                        id=FILL_FROM_SLOT,
                        color="info",
                        outline=True,
                        size="sm",
                        className="me-auto",
                    ),
                    export_buttons(SLOTS_EXPORT),
                ],
                className="d-flex align-items-start",
            ),
            grid(SLOTS_GRID, SLOT_COLUMNS, row_id="slot_id", height=380, selectable=True),
        ],
        className="d-print-none",
    )


# --- rows ----------------------------------------------------------------------------------------


def _slot_rows(ctx: CallbackContext, values: list[Any]) -> pd.DataFrame:
    day, view, program, location, clinician, _modality, _status = values
    start, end = bar.window(day, view, ctx.now().date())
    filters = ctx.scoped(bar.filters_of(program, location, clinician, None))
    with ctx.db.read() as conn:
        slots = open_slot_rows(conn, start, end, ctx.now(), filters, ctx.rules)
    if slots.empty:
        return pd.DataFrame(columns=SLOT_ROW_COLUMNS)
    return pd.DataFrame(
        {
            "slot_id": slots["clinician_id"]
            + "|"
            + slots["start_at"].astype(str)
            + "|"
            + slots["location"].fillna("").astype(str),
            "clinician_id": slots["clinician_id"],
            "day": slots["start_at"].dt.strftime("%a %b %-d"),
            "start": slots["start_at"].dt.strftime("%H:%M"),
            "end": slots["end_at"].dt.strftime("%H:%M"),
            "clinician": slots["clinician"],
            "program": slots["program"],
            "location": slots["location"],
            "accepting": slots["accepting_new"].map({True: "Accepting", False: "Not accepting"}),
            "freed": slots["freed_by_cancellation"].map({True: "A cancellation", False: ""}),
            "start_at": slots["start_at"].dt.strftime("%Y-%m-%dT%H:%M"),
            "end_at": slots["end_at"].dt.strftime("%Y-%m-%dT%H:%M"),
        }
    )


def _when(moment: Any) -> str:
    return "none within 90 days" if pd.isna(moment) else f"{pd.Timestamp(moment):%a %b %-d, %H:%M}"


def _in_days(value: Any) -> str:
    if pd.isna(value):
        return "none within 90 days"
    if value == 0:
        return "today"
    return f"in {count(value)} day{'s' if value != 1 else ''}"


def _next_rows(ctx: CallbackContext, values: list[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    _day, _view, program, location, clinician, _modality, _status = values
    filters = ctx.scoped(bar.filters_of(program, location, clinician, None))
    with ctx.db.read() as conn:
        per, programs = next_available(conn, ctx.now(), filters, ctx.rules)
    clinicians = pd.DataFrame(
        {
            "clinician_id": per["clinician_id"],
            "clinician": per["clinician"],
            "program": per["program"],
            "next_available": [_when(m) for m in per["next_available"]],
            "third_next": [_in_days(d) for d in per["third_next_days"]],
        }
    )
    by_program = pd.DataFrame(
        {
            "Program": programs["program"],
            "Clinicians": [count(n) for n in programs["clinicians"]],
            "Next available": [_when(m) for m in programs["next_available"]],
            "Third next available (median)": [_in_days(d) for d in programs["third_next_days"]],
        }
    )
    return clinicians, by_program


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# --- callbacks -----------------------------------------------------------------------------------


def register() -> None:
    """Register the open-slot and fill-from-waitlist callbacks with the app being built."""

    @dash.callback(
        Output(SLOTS_GRID, "rowData"),
        Output(NEXT_GRID, "rowData"),
        Output(PROGRAM_TABLE, "children"),
        *bar.INPUTS,
        Input(REFRESH, "data"),
    )
    @secure_callback(roles=FRONT_DESK, args=[*bar.VALIDATORS, v.ignored()])
    def show_slots(ctx: CallbackContext, *values: Any) -> list[Any]:
        values = list(values[:-1])
        slots = _slot_rows(ctx, values)
        clinicians, programs = _next_rows(ctx, values)
        table = (
            dbc.Table.from_dataframe(programs, striped=True, size="sm", className="small")
            if len(programs)
            else empty("No clinician accepting new clients passes these filters.")
        )
        return [_records(slots), _records(clinicians), table]

    for prefix, name in ((SLOTS_EXPORT, "open-slots"), (NEXT_EXPORT, "next-available")):
        _register_export(prefix, name)


def _register_export(prefix: str, name: str) -> None:
    def export(ctx: CallbackContext, csv: int, xlsx: int, *values: Any) -> Any:
        if not (csv or xlsx):
            raise PreventUpdate
        if prefix == SLOTS_EXPORT:
            frame = _slot_rows(ctx, list(values)).drop(columns=["slot_id"])
        else:
            frame = _next_rows(ctx, list(values))[0]
        fmt = "xlsx" if dash.ctx.triggered_id == f"{prefix}-xlsx" else "csv"
        return send_table(ctx, frame, name, fmt)

    # Each export is audited under its own name.
    export.__name__ = f"export_{name.replace('-', '_')}"
    secured = secure_callback(roles=FRONT_DESK, args=[v.clicks(), v.clicks(), *bar.VALIDATORS])
    dash.callback(
        Output(f"{prefix}-download", "data"),
        Input(f"{prefix}-csv", "n_clicks"),
        Input(f"{prefix}-xlsx", "n_clicks"),
        *[State(i.component_id, i.component_property) for i in bar.INPUTS],
        prevent_initial_call=True,
    )(secured(export))
