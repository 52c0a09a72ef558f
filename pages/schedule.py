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
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.export import export_buttons, send_table
from dashboard.components.filters import load_options
from dashboard.components.grid import grid
from dashboard.components.kpi import kpi_card
from dashboard.context import state
from dashboard.figures.schedule import STATUS_LABELS, timeline
from dashboard.format import count
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
from pages.schedule_print import PRINT, PRINT_SHEET, PRINT_SINK, print_sheet
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
MODALITY_WORDS = {"in_person": "In person", "telehealth": "Telehealth"}
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
    app = state()
    with app.db.read() as conn:
        options = load_options(conn)
    values = bar.initial_values(query, options, app.now().date())
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Schedule", className="h3 mb-0 me-3"),
                    html.Span(id=HEADING, className="text-body-secondary me-auto"),
                    dbc.Button(
                        "Print daily schedule",
                        id=PRINT,
                        size="sm",
                        color="secondary",
                        outline=True,
                        className="d-print-none",
                    ),
                ],
                className="d-flex align-items-baseline mb-3",
            ),
            bar.schedule_bar(values, options),
            dcc.Loading(html.Div(id=COUNTS, className="d-print-none"), type="dot"),
            html.Section(
                [
                    html.H2("Timeline", className="h5"),
                    dcc.Loading(
                        dcc.Graph(id=TIMELINE, config={"displaylogo": False, "responsive": True}),
                        type="dot",
                    ),
                ],
                className="d-print-none mb-3",
            ),
            html.Section(
                [
                    html.H2("Appointments", className="h5"),
                    schedule_status.panel(),
                    export_buttons(EXPORT),
                    grid(
                        APPOINTMENTS_GRID,
                        COLUMNS,
                        row_id="appointment_id",
                        height=520,
                        selectable=True,
                    ),
                ],
                className="d-print-none",
            ),
            html.Div(id=PRINT_SHEET, className="print-sheet"),
            schedule_slots.section(),
            schedule_fill.modal(),
            dcc.Store(id=REFRESH),
            dcc.Store(id=bar.URL_SYNC),
            dcc.Store(id=PRINT_SINK),
        ],
        className="schedule-page",
    )


# --- rows ----------------------------------------------------------------------------------------


def _window(ctx: CallbackContext, values: list[Any]) -> tuple[dt.date, dt.date, Any]:
    day, view, program, location, clinician, modality, _status = values
    start, end = bar.window(day, view, ctx.now().date())
    return start, end, ctx.scoped(bar.filters_of(program, location, clinician, modality))


def _appointments(ctx: CallbackContext, values: list[Any]) -> pd.DataFrame:
    start, end, filters = _window(ctx, values)
    with ctx.db.read() as conn:
        return appointment_rows(
            conn,
            dt.datetime.combine(start, dt.time()),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
            filters,
            ctx.rules,
            statuses=values[-1] or None,
        )


def _grid_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "appointment_id": row.appointment_id,
            "version": int(row.version),
            "date": f"{row.start_at:%a %b %-d}",
            "time": f"{row.start_at:%H:%M}–{row.end_at:%H:%M}",
            "clinician": row.clinician,
            "client": row.client,
            "service": row.service.replace("_", " ").capitalize(),
            "modality": MODALITY_WORDS.get(row.modality, row.modality),
            "location": None if pd.isna(row.location) else row.location,
            "status": STATUS_LABELS.get(row.status, row.status),
            "status_key": row.status,
        }
        for row in frame.itertuples()
    ]


def _counts(ctx: CallbackContext, values: list[Any], start: dt.date, end: dt.date) -> dbc.Row:
    _s, _e, filters = _window(ctx, values)
    with ctx.db.read() as conn:
        counts = status_counts(
            conn,
            dt.datetime.combine(start, dt.time()),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
            filters,
            ctx.rules,
        )
    cancelled = counts["cancelled"] + counts["late_cancel"]
    cards = [
        ("Booked", counts["booked"], None, "Appointments holding the time (cancelled ones aside)"),
        ("Checked in", counts["checked_in"], "here now", "Clients checked in, not yet completed"),
        ("Completed", counts["completed"], None, "Sessions marked completed"),
        ("No-shows", counts["no_show"], None, "Clients who did not come"),
        (
            "Cancellations",
            cancelled,
            f"{count(counts['late_cancel'])} late",
            "Cancelled by client or clinician, and late cancels (late ones also count as booked)",
        ),
    ]
    return dbc.Row(
        [
            dbc.Col(
                kpi_card(
                    label,
                    count(n),
                    note=note,
                    definition=definition,
                    card_id=f"sch-count-{label.lower().replace(' ', '-')}",
                ),
                xs=6,
                md=True,
                className="mb-3",
            )
            for label, n, note, definition in cards
        ],
        className="g-2",
    )


def _heading(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start:%A, %B %-d, %Y}"
    return f"Week of {start:%B %-d} – {end:%B %-d, %Y}"


# --- callbacks -----------------------------------------------------------------------------------


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
@secure_callback(roles=FRONT_DESK, args=[*bar.VALIDATORS, v.ignored(), SELECTION], phi=True)
def show_schedule(ctx: CallbackContext, *values: Any) -> list[Any]:
    *filters, _refresh, selection = values
    start, end, scoped = _window(ctx, filters)
    frame = _appointments(ctx, filters)
    ctx.note_clients(frame["client_id"])
    with ctx.db.read() as conn:
        rows = timeline_clinicians(conn, start, end, scoped, frame)
        hours = day_hours(frame)
        shading = timeline_shading(conn, start, end, scoped, [cid for cid, _ in rows], hours)
    figure = timeline(frame, shading, rows, start, end, hours, now=ctx.now())
    grid_rows = _grid_rows(frame)
    picked = selection[0]["appointment_id"] if selection else None
    # Keep the pick across a reload, with the version the reload brought.
    kept = [
        {"appointment_id": r["appointment_id"], "version": r["version"]}
        for r in grid_rows
        if r["appointment_id"] == picked
    ]
    return [
        _heading(start, end),
        _counts(ctx, filters, start, end),
        figure,
        grid_rows,
        kept,
        print_sheet(frame, start, end),
    ]


@dash.callback(
    Output(f"{EXPORT}-download", "data"),
    Input(f"{EXPORT}-csv", "n_clicks"),
    Input(f"{EXPORT}-xlsx", "n_clicks"),
    *[State(i.component_id, i.component_property) for i in bar.INPUTS],
    prevent_initial_call=True,
)
@secure_callback(roles=FRONT_DESK, args=[v.clicks(), v.clicks(), *bar.VALIDATORS])
def export_schedule(ctx: CallbackContext, csv: int, xlsx: int, *values: Any) -> Any:
    if not (csv or xlsx):
        raise PreventUpdate
    frame = _appointments(ctx, list(values)).drop(columns=["version"])
    fmt = "xlsx" if dash.ctx.triggered_id == f"{EXPORT}-xlsx" else "csv"
    return send_table(ctx, frame, "schedule", fmt, client_column="client_id")
