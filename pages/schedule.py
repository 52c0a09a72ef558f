"""Schedule (front desk, directors): the day or week as a timeline and a list, today's counts,
status changes from the list, open slots and filling them from the waitlist, a printable
daily schedule. Nothing clinical: names, times, clinician, service, modality, place, status.

The status buttons live in ``schedule_status``, open slots and the fill list in
``schedule_slots``, the filter bar in ``schedule_bar``; their callbacks are registered below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.grid import grid
from dashboard.figures.schedule import STATUS_LABELS, timeline
from dashboard.figures.schedule_lists import appointment_rows as grid_rows
from dashboard.metrics.schedule import status_counts
from dashboard.metrics.schedule_rows import (
    appointment_rows,
    day_hours,
    timeline_clinicians,
    timeline_shading,
)
from dashboard.roles import FRONT_DESK
from pages import schedule_bar as bar
from pages import schedule_fill, schedule_print, schedule_slots, schedule_status
from pages.schedule_counts import count_cards
from pages.schedule_print import PRINT_SHEET, print_button, print_sheet
from pages.schedule_status import APPOINTMENTS_GRID, REFRESH, SELECTION

dash.register_page(
    __name__,
    path="/schedule",
    name="Schedule",
    title="Schedule · careboard",
    roles=FRONT_DESK,
    nav=10,
)

HEADING, COUNTS, TIMELINE = "sch-heading", "sch-counts", "sch-timeline"
EXPORT = "sch-export"
STATUS_CLASSES = {
    f"status-{key.replace('_', '-')}": f"params.data.status_key == '{key}'" for key in STATUS_LABELS
}
COLUMNS = [
    {"field": "date", "headerName": "Date", "maxWidth": 130},
    {"field": "time", "headerName": "Time", "maxWidth": 130},
    {"field": "clinician", "headerName": "Clinician", "minWidth": 150},
    {"field": "client", "headerName": "Client", "minWidth": 130},
    {"field": "service", "headerName": "Service"},
    {"field": "modality", "headerName": "Modality"},
    {"field": "location", "headerName": "Location"},
    {"field": "status", "headerName": "Status", "minWidth": 150, "cellClassRules": STATUS_CLASSES},
]

bar.register()
schedule_status.register()
schedule_slots.register()
schedule_fill.register()
schedule_print.register()


def layout(**query: Any) -> html.Div:
    heading = html.Div(
        [
            html.H1("Schedule", className="h3 mb-0 me-3"),
            html.Span(id=HEADING, className="text-body-secondary me-auto"),
            print_button(),
        ],
        className="d-flex align-items-baseline mb-3",
    )
    timeline_graph = dcc.Graph(id=TIMELINE, config={"displaylogo": False, "responsive": True})
    appointments = grid(
        APPOINTMENTS_GRID, COLUMNS, row_id="appointment_id", height=520, selectable=True
    )
    return html.Div(
        [
            heading,
            bar.url_schedule_bar(query),
            dcc.Loading(html.Div(id=COUNTS, className="d-print-none"), type="dot"),
            html.Section(
                [html.H2("Timeline", className="h5"), dcc.Loading(timeline_graph, type="dot")],
                className="d-print-none mb-3",
            ),
            html.Section(
                [
                    html.H2("Appointments", className="h5"),
                    schedule_status.panel(),
                    export_buttons(EXPORT),
                    appointments,
                ],
                className="d-print-none",
            ),
            html.Div(id=PRINT_SHEET, className="print-sheet"),
            schedule_slots.section(),
            schedule_fill.modal(),
            dcc.Store(id=REFRESH),
        ],
        className="schedule-page",
    )


def _appointments(ctx: CallbackContext, values: list[Any]) -> pd.DataFrame:
    start, end, filters = bar.scoped_window(ctx, values)
    with ctx.db.read() as conn:
        return appointment_rows(
            conn, *bar.moments(start, end), filters, ctx.rules, statuses=values[-1] or None
        )


def _heading(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start:%A, %B %-d, %Y}"
    return f"Week of {start:%B %-d} – {end:%B %-d, %Y}"


@dash.callback(
    Output(HEADING, "children"),
    Output(COUNTS, "children"),
    Output(TIMELINE, "figure"),
    Output(APPOINTMENTS_GRID, "rowData"),
    Output(APPOINTMENTS_GRID, "selectedRows"),
    Output(PRINT_SHEET, "children"),
    *bar.INPUTS,
    Input(REFRESH, "data"),
    State(APPOINTMENTS_GRID, "selectedRows"),
)
@secure_callback(
    roles=FRONT_DESK, args=[*bar.VALIDATORS, v.ignored(), SELECTION], phi=True, cache=True
)
def show_schedule(ctx: CallbackContext, *values: Any) -> list[Any]:
    *filters, _refresh, selection = values
    start, end, scoped = bar.scoped_window(ctx, filters)
    frame = _appointments(ctx, filters)
    ctx.note_clients(frame["client_id"])
    with ctx.db.read() as conn:
        counts = status_counts(conn, *bar.moments(start, end), scoped, ctx.rules)
        rows = timeline_clinicians(conn, start, end, scoped, frame)
        hours = day_hours(frame)
        shading = timeline_shading(conn, start, end, scoped, [cid for cid, _ in rows], hours)
    figure = timeline(frame, shading, rows, start, end, hours, now=ctx.now())
    listed = grid_rows(frame)
    picked = selection[0]["appointment_id"] if selection else None
    # Keep the pick across a reload, with the version the reload brought.
    kept = [
        {"appointment_id": r["appointment_id"], "version": r["version"]}
        for r in listed
        if r["appointment_id"] == picked
    ]
    sheet = print_sheet(frame, start, end)
    return [_heading(start, end), count_cards(counts), figure, listed, kept, sheet]


@dash.callback(
    *export_io(EXPORT),
    *bar.STATES,
    prevent_initial_call=True,
)
@secure_callback(roles=FRONT_DESK, args=[*EXPORT_CLICKS, *bar.VALIDATORS])
def export_schedule(ctx: CallbackContext, csv: int, xlsx: int, *values: Any) -> Any:
    if not (csv or xlsx):
        raise PreventUpdate
    frame = _appointments(ctx, list(values)).drop(columns=["version"])
    return send_table(ctx, frame, "schedule", client_column="client_id")
