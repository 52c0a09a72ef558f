"""Access (directors): the waitlist over time, how long entries wait, time to intake, third next
available, and visit volume by weekday and hour. A click on a heatmap cell narrows the
time-of-week panel to that hour; a click on a clinician's bar narrows the page to them."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.crossfilter import clicked_cell, narrow_to_clinician, time_cell
from dashboard.components.export import EXPORT_CLICKS, export_io, send_table
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_STATES,
    FILTER_VALIDATORS,
    scoped_period_and_filters,
)
from dashboard.components.grid import grid
from dashboard.components.panels import (
    chart_panel,
    filtered_page,
    guide,
    one_column,
    table_panel,
    two_columns,
)
from dashboard.components.states import NOTHING_FOR_FILTERS
from dashboard.figures import access as fig
from dashboard.metrics import access, director, waitlist
from dashboard.metrics.definitions import GUIDES
from dashboard.roles import DIRECTOR
from db.engine import read_beside
from db.vocab import WEEKDAYS

dash.register_page(
    __name__, path="/access", name="Access", title="Access · careboard", roles=DIRECTOR, nav=20
)

WAITLIST, WAITS, INTAKE = "access-waitlist", "access-waits", "access-intake"
TNA_TREND, TNA_CLINICIANS = "access-tna-trend", "access-tna-clinicians"
VOLUME, TIME_OF_WEEK = "access-volume", "access-time-of-week"
CELL, CELL_LABEL, CELL_CLEAR = "access-cell", "access-cell-label", "access-cell-clear"
GRID, EXPORT = "access-over-target", "access-export"
CLICKABLE = (TNA_CLINICIANS, TIME_OF_WEEK)
COLUMNS = [
    col.text("entry_id", "Entry", pinned="left"),
    col.text("client_id", "Client"),
    col.text("program", "Program"),
    col.text("priority", "Priority"),
    col.text("referred_at", "Referred"),
    col.num("days_waiting", "Days waiting", "count"),
    col.num("target_days", "Target (days)", "count"),
    col.text("preferred_modality", "Modality"),
    col.text("language", "Language"),
]


def layout(**query: Any) -> html.Div:
    selection = html.Div(
        [
            html.Span(id=CELL_LABEL, className="me-2 small", **{"aria-live": "polite"}),
            dbc.Button("Show all hours", id=CELL_CLEAR, size="sm", color="secondary", outline=True),
        ],
        className="d-flex align-items-center mb-2",
    )
    return filtered_page(
        "Access",
        "How long people wait to be seen, and where there is room. Waitlist charts "
        "follow the program filter only: waiting clients have no clinician yet.",
        query,
        two_columns(
            chart_panel("Waitlist over time", GUIDES["waitlist_trend"], WAITLIST),
            chart_panel("Days waiting (open entries)", GUIDES["wait_distribution"], WAITS),
        ),
        two_columns(
            chart_panel("Time to intake by program", GUIDES["time_to_intake"], INTAKE),
            chart_panel("Third next available by program", GUIDES["third_next"], TNA_TREND),
        ),
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2("Visit volume by weekday and hour", className="h6 mb-1"),
                    guide(GUIDES["visit_volume"]),
                    dcc.Loading(dcc.Graph(id=VOLUME, config={"displaylogo": False}), type="dot"),
                    selection,
                    guide(GUIDES["time_of_week"]),
                    dcc.Loading(dcc.Graph(id=TIME_OF_WEEK, config={"displaylogo": False})),
                ]
            ),
            className="mb-3",
        ),
        dcc.Store(id=CELL, data=None),
        one_column(
            chart_panel("Third next available by clinician", GUIDES["third_next"], TNA_CLINICIANS)
        ),
        table_panel(
            "Entries over target",
            "Open entries waiting longer than their priority's target, longest first.",
            grid(GRID, COLUMNS, row_id="entry_id", height=420, no_rows=NOTHING_FOR_FILTERS),
            EXPORT,
        ),
    )


@callback(
    Output(WAITLIST, "figure"),
    Output(WAITS, "figure"),
    Output(INTAKE, "figure"),
    *FILTER_INPUTS,
)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS, cache=True)
def show_access(ctx: CallbackContext, *values: Any) -> tuple:
    """The waitlist's charts. Third next available has a callback of its own: its slot search
    is most of the page's work, and the waitlist need not wait for it."""
    period, filters = scoped_period_and_filters(ctx, values)
    rules = ctx.rules
    daily, waits, by_program = ctx.db.read_together(
        lambda conn: access.waitlist_daily(conn, period, filters, rules),
        lambda conn: access.open_waits(conn, period, filters, rules),
        lambda conn: waitlist.compute(conn, period, filters, rules, by="program", third_next=False),
    )
    return (
        fig.waitlist_trend(daily),
        fig.wait_distribution(waits, dict(rules.waitlist_target_days)),
        fig.time_to_intake(by_program),
    )


@callback(
    Output(TNA_TREND, "figure"),
    Output(TNA_CLINICIANS, "figure"),
    *FILTER_INPUTS,
)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS, cache=True)
def show_third_next(ctx: CallbackContext, *values: Any) -> tuple:
    """Third next available by program, week by week, and by clinician as of the period's
    as-of (the last week's), all from one slot search."""
    period, filters = scoped_period_and_filters(ctx, values)
    with ctx.db.read() as conn:
        tna = access.third_next_available_weekly(
            conn, director.trend_period(period), filters, ctx.rules
        )
        names = director.clinician_names(conn)
    latest = tna[tna["week"] == tna["week"].max()] if len(tna) else tna
    latest = latest.assign(name=latest["clinician_id"].map(names)).sort_values("name")
    return (
        fig.third_next_trend(access.median_by(tna, "program")),
        fig.third_next_by_clinician(latest),
    )


@callback(
    Output(CELL, "data"),
    Input(VOLUME, "clickData"),
    Input(CELL_CLEAR, "n_clicks"),
    prevent_initial_call=True,
)
@secure_callback(roles=DIRECTOR, args=[clicked_cell(), v.clicks()])
def select_cell(ctx: CallbackContext, cell: tuple[int, int] | None, _clear: int | None) -> Any:
    """A click on a heatmap cell selects that time of the week; the button clears it."""
    if dash.ctx.triggered_id == CELL_CLEAR:
        return None
    return list(cell) if cell else dash.no_update


@callback(
    Output(VOLUME, "figure"),
    Output(TIME_OF_WEEK, "figure"),
    Output(CELL_LABEL, "children"),
    *FILTER_INPUTS,
    Input(CELL, "data"),
)
@secure_callback(roles=DIRECTOR, args=[*FILTER_VALIDATORS, time_cell()], cache=True)
def show_volume(ctx: CallbackContext, *values: Any) -> tuple:
    period, filters = scoped_period_and_filters(ctx, values[:-1])
    cell = values[-1]
    weekday, hour = cell if cell else (None, None)
    rules = ctx.rules
    with ctx.db.read() as conn:
        # The open slots' search beside the read of held appointments by clinician and time
        # of the week, which serves both charts.
        slots = read_beside(conn, lambda c: access.active_open_slots(c, period, filters, rules))
        held = access.held_by_time_of_week(conn, period, filters, rules)
        volume = access.visit_volume(conn, period, filters, rules, held)
        by_clinician = access.time_of_week_by_clinician(
            conn, period, filters, rules, weekday, hour, held, slots()
        )
        names = director.clinician_names(conn)
    by_clinician = by_clinician.assign(name=by_clinician["clinician_id"].map(names))
    by_clinician = by_clinician.sort_values("name")
    when = f"{WEEKDAYS[weekday]} {hour:02d}:00–{hour + 1:02d}:00" if cell else "all hours"
    label = f"Showing {when}." if cell else "Showing all hours: click a cell to narrow."
    title = f"Booked and open by clinician, {when}"
    return fig.volume_heatmap(volume, cell), fig.time_of_week_bars(by_clinician, title), label


narrow_to_clinician(CLICKABLE, roles=DIRECTOR, page=__name__)


def _over_target(ctx: CallbackContext, values: tuple) -> Any:
    period, filters = scoped_period_and_filters(ctx, values)
    with ctx.db.read() as conn:
        return access.over_target_entries(conn, period, filters, ctx.rules)


@callback(Output(GRID, "rowData"), *FILTER_INPUTS)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS, phi=True, cache=True)
def show_over_target(ctx: CallbackContext, *values: Any) -> list[dict]:
    frame = _over_target(ctx, values)
    ctx.note_clients(frame["client_id"])
    return col.records(frame)


@callback(*export_io(EXPORT), *FILTER_STATES, prevent_initial_call=True)
@secure_callback(roles=DIRECTOR, args=[*EXPORT_CLICKS, *FILTER_VALIDATORS])
def export_over_target(ctx: CallbackContext, _csv: int, _xlsx: int, *values: Any) -> dict:
    frame = _over_target(ctx, values)
    return send_table(ctx, frame, "waitlist-over-target", client_column="client_id")
