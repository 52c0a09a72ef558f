"""Waitlist (front desk, directors): who is waiting, for how long, and how that moves; staff
mark an entry scheduled or removed (with a reason), audited and version-checked.

Waitlist entries are filtered by program only (metrics.md), so the filter bar shows the period
and program; the period sets the charts' weeks and the as-of date of the list.
"""

from __future__ import annotations

import secrets
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_STATES,
    FILTER_VALIDATORS,
    period_and_filters,
    url_filter_bar,
)
from dashboard.components.grid import grid
from dashboard.components.kpi import kpi_card
from dashboard.figures.waitlist import open_by_program, open_over_time, waits_over_time
from dashboard.format import MODALITY_LABELS, count, days
from dashboard.metrics import waitlist_rows
from dashboard.metrics.shared import shared_reads
from dashboard.roles import FRONT_DESK
from db.scheduling import resolve_entry

dash.register_page(
    __name__,
    path="/waitlist",
    name="Waitlist",
    title="Waitlist · careboard",
    roles=FRONT_DESK,
    nav=20,
)

WL_CARDS, WL_OPEN_FIG, WL_WAIT_FIG, WL_PROGRAM_FIG = (
    "wl-cards",
    "wl-open-figure",
    "wl-wait-figure",
    "wl-program-figure",
)
WL_GRID, WL_REFRESH, WL_MESSAGE, WL_EXPORT = "wl-grid", "wl-refresh", "wl-message", "wl-export"
WL_SCHEDULED, WL_REMOVE, WL_REASON = "wl-scheduled", "wl-remove", "wl-reason"
# Waitlist entries are filtered by program only: the other filters are empty and hidden.
NOT_FOR_ENTRIES = ("location", "clinician", "modality")
OUTCOME_COLOURS = {"ok": "success", "unchanged": "info", "conflict": "warning"}
COLUMNS = [
    {"field": "client", "headerName": "Client", "minWidth": 130},
    {"field": "program", "headerName": "Program", "minWidth": 150},
    {"field": "priority", "headerName": "Priority", "maxWidth": 110},
    {"field": "referred_at", "headerName": "Referred", "maxWidth": 130},
    {"field": "days_waiting", "headerName": "Days waiting", "maxWidth": 140, "sort": "desc"},
    {"field": "over_target", "headerName": "Over target", "maxWidth": 140},
    {"field": "language", "headerName": "Language", "maxWidth": 130},
    {"field": "preferred_modality", "headerName": "Preferred modality", "minWidth": 150},
]
SELECTION = v.list_of(
    v.record(
        {
            "entry_id": v.text(max_length=64, optional=False, what="entry"),
            "version": v.integer(1, 10**9, optional=False, what="version"),
        }
    ),
    max_items=1,
)


def layout(**query: Any) -> html.Div:
    actions = html.Div(
        [
            dbc.Button(
                "Mark scheduled", id=WL_SCHEDULED, color="success", size="sm", className="me-2"
            ),
            dbc.Label("Reason for removal", html_for=WL_REASON, className="visually-hidden"),
            dbc.Input(
                id=WL_REASON,
                placeholder="Reason for removal",
                size="sm",
                maxlength=500,
                style={"maxWidth": "320px"},
                className="me-2",
            ),
            dbc.Button("Remove with reason", id=WL_REMOVE, color="danger", outline=True, size="sm"),
        ],
        className="d-flex align-items-center mb-2",
        role="group",
        **{"aria-label": "Resolve the picked entry"},
    )
    return html.Div(
        [
            html.H1("Waitlist", className="h3 mb-3"),
            url_filter_bar({**query, **dict.fromkeys(NOT_FOR_ENTRIES)}, hide=NOT_FOR_ENTRIES),
            dcc.Loading(html.Div(id=WL_CARDS), type="dot"),
            dbc.Row(
                [
                    dbc.Col(dcc.Graph(id=WL_OPEN_FIG, config={"displayModeBar": False}), lg=4),
                    dbc.Col(dcc.Graph(id=WL_WAIT_FIG, config={"displayModeBar": False}), lg=4),
                    dbc.Col(dcc.Graph(id=WL_PROGRAM_FIG, config={"displayModeBar": False}), lg=4),
                ],
                className="mb-3",
            ),
            html.H2("Open entries", className="h5"),
            html.P(
                "Longest waiting first; rows over their target wait (routine 14 days, urgent 1) "
                "are highlighted and say so. Pick an entry to mark it scheduled or removed.",
                className="small text-body-secondary",
            ),
            actions,
            html.Div(id=WL_MESSAGE, role="status", **{"aria-live": "polite"}),
            export_buttons(WL_EXPORT),
            grid(
                WL_GRID,
                COLUMNS,
                row_id="entry_id",
                height=480,
                selectable=True,
                options={
                    "rowClassRules": {"over-target": "params.data.over_target == 'Over target'"}
                },
            ),
            dcc.Store(id=WL_REFRESH),
        ]
    )


def _entries(ctx: CallbackContext, values: list[Any]) -> pd.DataFrame:
    period, filters = period_and_filters(*values, now=ctx.now())
    with ctx.db.read() as conn:
        frame = waitlist_rows.open_entries(conn, period.as_of_date, filters.program, ctx.rules)
    frame["referred_at"] = frame["referred_at"].astype(str)
    frame["over_target"] = frame["over_target"].map({True: "Over target", False: ""})
    frame["preferred_modality"] = frame["preferred_modality"].map(MODALITY_LABELS)
    return frame


def _cards(summary: dict[str, Any]) -> dbc.Row:
    cards = [
        ("Open entries", count(summary["waitlist_open"]), "waiting on the as-of date"),
        ("Median wait", days(summary["waitlist_median_days"]), "of the open entries"),
        ("90th-percentile wait", days(summary["waitlist_p90_days"]), "of the open entries"),
        ("Over target", count(summary["waitlist_over_target"]), "routine > 14 d, urgent > 1 d"),
        (
            "Time to intake",
            days(summary["median_days_to_intake"]),
            "median, first visits in the period",
        ),
    ]
    return dbc.Row(
        [
            dbc.Col(
                kpi_card(label, value, note=note, card_id=f"wl-kpi-{i}"),
                xs=6,
                md=True,
                className="mb-3",
            )
            for i, (label, value, note) in enumerate(cards)
        ],
        className="g-2",
    )


@dash.callback(
    Output(WL_CARDS, "children"),
    Output(WL_OPEN_FIG, "figure"),
    Output(WL_WAIT_FIG, "figure"),
    Output(WL_PROGRAM_FIG, "figure"),
    Output(WL_GRID, "rowData"),
    *FILTER_INPUTS,
    Input(WL_REFRESH, "data"),
)
@secure_callback(roles=FRONT_DESK, args=[*FILTER_VALIDATORS, v.ignored()], phi=True, cache=True)
def show_waitlist(ctx: CallbackContext, *values: Any) -> list[Any]:
    period, filters = period_and_filters(*values[:-1], now=ctx.now())
    # The three views share their open-wait and time-to-intake reads (one each).
    with ctx.db.read() as conn, shared_reads():
        summary = waitlist_rows.summary(conn, period, filters.program, ctx.rules)
        weekly = waitlist_rows.weekly(conn, period, filters.program, ctx.rules)
        programs = waitlist_rows.by_program(conn, period, filters.program, ctx.rules)
    entries = _entries(ctx, list(values[:-1]))
    ctx.note_clients(entries["client_id"])
    rows = entries.drop(columns=["client_id"])
    return [
        _cards(summary),
        open_over_time(weekly),
        waits_over_time(weekly),
        open_by_program(programs),
        col.records(rows),
    ]


@dash.callback(
    Output(WL_REFRESH, "data"),
    Output(WL_MESSAGE, "children"),
    Input(WL_SCHEDULED, "n_clicks"),
    Input(WL_REMOVE, "n_clicks"),
    State(WL_GRID, "selectedRows"),
    State(WL_REASON, "value"),
    prevent_initial_call=True,
)
@secure_callback(
    roles=FRONT_DESK,
    args=[v.clicks(), v.clicks(), SELECTION, v.text(max_length=500, what="reason")],
)
def resolve(
    ctx: CallbackContext, scheduled: int, removed: int, selection: list, reason: str | None
) -> list[Any]:
    if dash.ctx.triggered_id == WL_SCHEDULED and scheduled:
        resolution = "scheduled"
    elif dash.ctx.triggered_id == WL_REMOVE and removed:
        resolution = "removed"
    else:
        raise PreventUpdate
    if not selection:
        return [dash.no_update, dbc.Alert("Pick an entry in the list first.", color="info")]
    picked = selection[0]
    result = resolve_entry(
        ctx.db,
        picked["entry_id"],
        resolution,
        reason,
        picked["version"],
        actor=ctx.actor(),
        target=ctx.target,
        now=ctx.now(),
    )
    colour = OUTCOME_COLOURS.get(result.outcome, "danger")
    alert = dbc.Alert(result.message, color=colour, className="py-1", dismissable=True)
    refresh = secrets.token_hex(4) if result.outcome != "refused" else dash.no_update
    return [refresh, alert]


@dash.callback(*export_io(WL_EXPORT), *FILTER_STATES, prevent_initial_call=True)
@secure_callback(roles=FRONT_DESK, args=[*EXPORT_CLICKS, *FILTER_VALIDATORS])
def export_waitlist(ctx: CallbackContext, csv: int, xlsx: int, *values: Any) -> Any:
    if not (csv or xlsx):
        raise PreventUpdate
    frame = _entries(ctx, list(values)).drop(columns=["version"])
    return send_table(ctx, frame, "waitlist", client_column="client_id")
