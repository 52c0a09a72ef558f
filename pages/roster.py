"""Roster (everyone): each clinician's discipline, program, location, languages, whether they
accept new clients and when they are next available; directors also see caseload against
capacity (only their responses carry it)."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.grid import grid
from dashboard.components.panels import page_header
from dashboard.format import day_time, in_days, pct
from dashboard.metrics.roster import roster_rows
from dashboard.roles import EVERYONE

dash.register_page(
    __name__, path="/roster", name="Roster", title="Roster · careboard", roles=EVERYONE, nav=60
)

ROSTER_GRID, ROSTER_TRIGGER, ROSTER_EXPORT = "roster-grid", "roster-trigger", "roster-export"
COLUMNS = [
    {"field": "name", "headerName": "Clinician", "minWidth": 170, "pinned": "left"},
    {"field": "discipline", "headerName": "Discipline", "maxWidth": 130},
    {"field": "program", "headerName": "Program", "minWidth": 150},
    {"field": "location", "headerName": "Location"},
    {"field": "languages", "headerName": "Languages", "minWidth": 150},
    {"field": "accepting", "headerName": "New clients"},
    {"field": "next_available", "headerName": "Next available", "minWidth": 150},
    {"field": "third_next", "headerName": "Third next available", "minWidth": 150},
]
DIRECTOR_COLUMNS = [
    {"field": "caseload", "headerName": "Caseload", "type": "numericColumn", "maxWidth": 120},
    {"field": "max_caseload", "headerName": "Capacity", "type": "numericColumn", "maxWidth": 120},
    {"field": "caseload_fill", "headerName": "Fill", "maxWidth": 110},
]


def layout(**_query: Any) -> html.Div:
    return html.Div(
        [
            page_header(
                "Roster",
                "Who works at CARE, what they offer and when each can next see a new client "
                "(the first open 60-minute slot; third next available is the usual measure of "
                "access).",
            ),
            export_buttons(ROSTER_EXPORT),
            dcc.Loading(grid(ROSTER_GRID, COLUMNS, row_id="clinician_id", height=640), type="dot"),
            dcc.Store(id=ROSTER_TRIGGER, data=0),
        ]
    )


def _rows(ctx: CallbackContext) -> pd.DataFrame:
    director = ctx.role == "director"
    with ctx.db.read() as conn:
        frame = roster_rows(conn, ctx.now(), ctx.rules, with_caseload=director)
    accepting = frame["accepting_new"]
    table = pd.DataFrame(
        {
            "clinician_id": frame["clinician_id"],
            "name": frame["name"],
            "discipline": frame["discipline"],
            "program": frame["program"],
            "location": frame["location"],
            "languages": frame["languages"],
            "accepting": accepting.map({True: "Accepting", False: "Not accepting"}),
            "next_available": [
                day_time(m) if ok else "—"
                for m, ok in zip(frame["next_available"], accepting, strict=True)
            ],
            "third_next": [
                in_days(d) if ok else "—"
                for d, ok in zip(frame["third_next_days"], accepting, strict=True)
            ],
        }
    )
    if director:
        table["caseload"] = frame["active_caseload"]
        table["max_caseload"] = frame["max_caseload"]
        table["caseload_fill"] = [pct(f) for f in frame["caseload_fill"]]
    return table


@dash.callback(
    Output(ROSTER_GRID, "rowData"), Output(ROSTER_GRID, "columnDefs"), Input(ROSTER_TRIGGER, "data")
)
@secure_callback(roles=EVERYONE, args=[v.ignored()], cache=True)
def show_roster(ctx: CallbackContext, _trigger: None) -> list[Any]:
    table = _rows(ctx)
    columns = COLUMNS + (DIRECTOR_COLUMNS if ctx.role == "director" else [])
    return [col.records(table), columns]


@dash.callback(*export_io(ROSTER_EXPORT), prevent_initial_call=True)
@secure_callback(roles=EVERYONE, args=EXPORT_CLICKS)
def export_roster(ctx: CallbackContext, csv: int, xlsx: int) -> Any:
    if not (csv or xlsx):
        raise PreventUpdate
    return send_table(ctx, _rows(ctx), "roster")
