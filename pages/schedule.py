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
from dashboard.components.paged_grid import PagedGrid
from dashboard.figures.schedule import STATUS_LABELS
from dashboard.figures.schedule_lists import appointment_rows as grid_rows
from dashboard.metrics.schedule import status_counts
from dashboard.metrics.schedule_rows import appointment_rows
from dashboard.roles import FRONT_DESK
from pages import schedule_bar as bar
from pages import schedule_fill, schedule_print, schedule_slots, schedule_status, schedule_timeline
from pages.schedule_counts import count_cards
from pages.schedule_print import (
    PRINT,
    PRINT_SHEET,
    PRINT_SINK,
    print_button,
    print_sheet,
    print_sheet_placeholder,
)
from pages.schedule_status import APPOINTMENTS_GRID, REFRESH, SELECTION
from pages.schedule_timeline import TIMELINE, schedule_figure

dash.register_page(
    __name__,
    path="/schedule",
    name="Schedule",
    title="Schedule · careboard",
    roles=FRONT_DESK,
    nav=10,
)

HEADING, COUNTS = "sch-heading", "sch-counts"
EXPORT = "sch-export"
STATUS_CLASSES = {
    f"status-{key.replace('_', '-')}": f"params.data && params.data.status_key == '{key}'"
    for key in STATUS_LABELS
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

# The day's list is paged on the server: the browser holds the rows it shows (issue 8). Rows
# still loading have no data yet, hence ``params.data &&`` in the class rules.
APPOINTMENTS = PagedGrid(
    APPOINTMENTS_GRID, COLUMNS, row_id="appointment_id", client_column="client_id", selectable=True
)

bar.register()
schedule_status.register()
schedule_slots.register()
schedule_fill.register()
schedule_print.register()
schedule_timeline.register()


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
    appointments = APPOINTMENTS.component(height=520)
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
            html.Div(print_sheet_placeholder(), id=PRINT_SHEET, className="print-sheet"),
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


def _grid_frame(ctx: CallbackContext, *values: Any) -> pd.DataFrame:
    """The list's rows as the grid shows them, with each row's client (for the audit)."""
    frame = _appointments(ctx, list(values))
    rows = pd.DataFrame(grid_rows(frame), columns=[*GRID_FIELDS])
    rows["client_id"] = frame["client_id"].to_numpy()
    return rows


GRID_FIELDS = (
    "appointment_id",
    "version",
    *(column["field"] for column in COLUMNS),
    "status_key",
)
APPOINTMENTS.register(
    rows=_grid_frame,
    states=bar.STATES,
    validators=bar.VALIDATORS,
    roles=FRONT_DESK,
    target="schedule.appointment_rows",
)


@dash.callback(
    Output(HEADING, "children"),
    Output(COUNTS, "children"),
    Output(TIMELINE, "figure"),
    APPOINTMENTS.reload_output(),
    Output(APPOINTMENTS_GRID, "selectedRows"),
    *bar.INPUTS,
    Input(REFRESH, "data"),
    State(APPOINTMENTS_GRID, "selectedRows"),
)
@secure_callback(
    roles=FRONT_DESK,
    args=[*bar.VALIDATORS, v.ignored(), SELECTION],
    phi=True,
    cache=True,
)
def show_schedule(ctx: CallbackContext, *values: Any) -> list[Any]:
    """The heading, counts and timeline (a week of many clinicians: the overview heatmap);
    the list reloads its rows (``APPOINTMENTS``)."""
    *filters, _refresh, selection = values
    start, end, scoped = bar.scoped_window(ctx, filters)
    frame = _appointments(ctx, filters)
    ctx.note_clients(frame["client_id"])
    with ctx.db.read() as conn:
        counts = status_counts(conn, *bar.moments(start, end), scoped, ctx.rules)
    figure = schedule_figure(ctx, start, end, scoped, frame, filters[-1] or None)
    # A pick the reloaded list no longer holds is dropped; one it holds stays picked (the
    # grid keeps a selection by row id while it reloads its rows).
    picked = selection[0]["appointment_id"] if selection else None
    # (Nothing picked: an empty pick, a plain output that the cache can keep.)
    kept = dash.no_update if picked and (frame["appointment_id"] == picked).any() else []
    return [
        _heading(start, end),
        count_cards(counts),
        figure,
        APPOINTMENTS.reloaded(ctx),
        kept,
    ]


@dash.callback(
    Output(PRINT_SHEET, "children"),
    Output(PRINT_SINK, "data"),
    Input(PRINT, "n_clicks"),
    *bar.STATES,
    prevent_initial_call=True,
)
@secure_callback(roles=FRONT_DESK, args=[v.clicks(), *bar.VALIDATORS], phi=True)
def show_print_sheet(ctx: CallbackContext, clicks: int | None, *filters: Any) -> list[Any]:
    """The daily schedule on paper when the print button is pressed (compact text: it holds
    the whole day); the print dialog then opens (``PRINT_SINK``)."""
    if not clicks:
        raise PreventUpdate
    start, end, _scoped = bar.scoped_window(ctx, list(filters))
    frame = _appointments(ctx, list(filters)) if start == end else pd.DataFrame()
    if len(frame):
        ctx.note_clients(frame["client_id"])
    return [print_sheet(frame, start, end), clicks]


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
