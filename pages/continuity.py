"""Continuity (directors): UPC, COC and SECON by client, clinician and program; clients who
changed clinician; clients lost to follow-up (with "create an outreach task"); early
engagement and FUH 7/30 by cohort with the discharges that lacked follow-up; feedback.

The charts' callbacks are in ``continuity_charts``; the tables and the outreach tasks here."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.continuity_tables import (
    CHANGE_COLUMNS,
    DISCHARGE_COLUMNS,
    LOST_COLUMNS,
    MULTI_SELECT,
    outreach_controls,
    window_control,
)
from dashboard.components.export import send_table
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_STATES,
    FILTER_VALIDATORS,
    scoped_period_and_filters,
)
from dashboard.components.grid import grid
from dashboard.components.paged_grid import PagedGrid
from dashboard.components.panels import chart_panel, filtered_page, table_panel, two_columns
from dashboard.components.states import NOTHING_FOR_FILTERS
from dashboard.metrics import director, engagement
from dashboard.metrics.common import Period
from dashboard.metrics.definitions import GUIDES
from dashboard.roles import DIRECTOR
from db.outreach import create_re_engagement_tasks
from pages import continuity_charts as charts
from pages.continuity_charts import BY_CLINICIAN, BY_PROGRAM, DIST, EARLY, FEEDBACK, FUH

dash.register_page(
    __name__,
    path="/continuity",
    name="Continuity",
    title="Continuity · careboard",
    roles=DIRECTOR,
    nav=30,
)

CHANGES, LOST, DISCHARGES = "continuity-changes", "continuity-lost", "continuity-discharges"
CREATE, CREATED, WINDOW = "continuity-create", "continuity-created", "continuity-window"
EXPORTS = {CHANGES: "continuity-changes-export", LOST: "continuity-lost-export"}
EXPORTS[DISCHARGES] = "continuity-discharges-export"
COLUMNS = {CHANGES: CHANGE_COLUMNS, LOST: LOST_COLUMNS, DISCHARGES: DISCHARGE_COLUMNS}
# Over a year the clients who changed clinician run to thousands: paged on the server.
CHANGE_GRID = PagedGrid(
    CHANGES,
    CHANGE_COLUMNS,
    row_id="client_id",
    client_column="client_id",
    no_rows=NOTHING_FOR_FILTERS,
)

charts.register()


def layout(**query: Any) -> html.Div:
    create = outreach_controls(CREATE, CREATED)
    window = window_control(WINDOW)
    return filtered_page(
        "Continuity",
        "Whether clients keep seeing the same clinician, come back, and are followed up "
        "after a hospital stay. Click a clinician's bar to narrow the page to them.",
        query,
        chart_panel(
            "Continuity scores of clients with 2+ visits", GUIDES["score_distribution"], DIST
        ),
        two_columns(
            chart_panel("By clinician", GUIDES["continuity_groups"], BY_CLINICIAN),
            chart_panel("By program", GUIDES["continuity_groups"], BY_PROGRAM),
        ),
        table_panel(
            "Clients who changed clinician",
            "Least continuous first.",
            CHANGE_GRID.component(height=320),
            EXPORTS[CHANGES],
        ),
        table_panel(
            "Lost to follow-up",
            "Select clients to give their primary clinician a "
            "re-engagement task (due in 7 days); a client gets one task per lapse.",
            grid(
                LOST,
                COLUMNS[LOST],
                row_id="client_id",
                height=360,
                options=MULTI_SELECT,
                no_rows=NOTHING_FOR_FILTERS,
            ),
            EXPORTS[LOST],
            extra=create,
        ),
        two_columns(
            chart_panel(
                "Early engagement by month of first visit", GUIDES["early_engagement"], EARLY
            ),
            chart_panel("Follow-up after hospital discharge, by month", GUIDES["fuh"], FUH),
        ),
        table_panel(
            "Discharges that lacked follow-up",
            "Hospital discharges in the period with no visit 1 to 7 (or 30) days after.",
            grid(
                DISCHARGES,
                COLUMNS[DISCHARGES],
                row_id="event_id",
                height=320,
                no_rows=NOTHING_FOR_FILTERS,
            ),
            EXPORTS[DISCHARGES],
            extra=window,
        ),
        chart_panel("Feedback and alliance by clinician", GUIDES["feedback"], FEEDBACK),
        dcc.Store(id=f"{CREATE}-done", data=0),
    )


def _table(ctx: CallbackContext, which: str, values: tuple, window: int | None) -> pd.DataFrame:
    period, filters = scoped_period_and_filters(ctx, values)
    with ctx.db.read() as conn:
        if which == CHANGES:
            return director.clinician_changes(conn, period, filters, ctx.rules)
        if which == LOST:
            return engagement.lost_to_follow_up_clients(conn, period, filters, ctx.rules)
        return engagement.discharges_without_follow_up(
            conn, period, filters, ctx.rules, window=window or 7
        )


def _changes(ctx: CallbackContext, *values: Any) -> pd.DataFrame:
    return _table(ctx, CHANGES, values, None)


CHANGE_GRID.register(
    rows=_changes,
    states=FILTER_STATES,
    validators=FILTER_VALIDATORS,
    roles=DIRECTOR,
    target="continuity.changes_rows",
)


@callback(
    CHANGE_GRID.reload_output(),
    Output(LOST, "rowData"),
    Output(DISCHARGES, "rowData"),
    *FILTER_INPUTS,
    Input(WINDOW, "value"),
    Input(f"{CREATE}-done", "data"),
)
@secure_callback(
    roles=DIRECTOR,
    args=[
        *FILTER_VALIDATORS,
        v.integer(1, 30, what="window"),
        v.ignored(),
    ],
    phi=True,
    cache=True,
)
def show_tables(ctx: CallbackContext, *values: Any) -> tuple:
    """The short lists; the changes grid asks for its rows again (``CHANGE_GRID``)."""
    tables = [_table(ctx, which, values[:6], values[6]) for which in (LOST, DISCHARGES)]
    for frame in tables:
        ctx.note_clients(frame["client_id"])
    return (CHANGE_GRID.reloaded(ctx), *(col.records(frame) for frame in tables))


@callback(
    Output(CREATED, "children"),
    Output(f"{CREATE}-done", "data"),
    Input(CREATE, "n_clicks"),
    State(LOST, "selectedRows"),
    *FILTER_STATES,
    prevent_initial_call=True,
)
@secure_callback(
    roles=DIRECTOR,
    args=[
        v.clicks(),
        v.list_of(v.record({"client_id": v.text(max_length=64)})),
        *FILTER_VALIDATORS,
    ],
)
def create_outreach(ctx: CallbackContext, clicks: int | None, rows: list, *values: Any) -> tuple:
    chosen = [row["client_id"] for row in rows if row and row.get("client_id")]
    if not clicks or not chosen:
        return "Select one or more clients first.", dash.no_update
    _period, filters = scoped_period_and_filters(ctx, values)
    now = ctx.now()
    today = Period.make(now.date(), now.date(), now=now)  # lost to follow-up as of now
    with ctx.db.read() as conn:
        lost = engagement.lost_to_follow_up_clients(conn, today, filters, ctx.rules)
    result = create_re_engagement_tasks(
        ctx.db,
        lost,
        chosen,
        as_of_date=today.as_of_date,
        actor=ctx.actor(),
        target=ctx.target,
        now=now,
    )
    return result.message(), clicks


@callback(
    *[Output(f"{prefix}-download", "data") for prefix in EXPORTS.values()],
    *[
        Input(f"{prefix}-{fmt}", "n_clicks")
        for prefix in EXPORTS.values()
        for fmt in ("csv", "xlsx")
    ],
    *FILTER_STATES,
    State(WINDOW, "value"),
    prevent_initial_call=True,
)
@secure_callback(
    roles=DIRECTOR,
    args=[*[v.clicks()] * 6, *FILTER_VALIDATORS, v.integer(1, 30, what="window")],
)
def export_tables(ctx: CallbackContext, *values: Any) -> tuple:
    trigger = str(dash.ctx.triggered_id or "")
    which = next((w for w, prefix in EXPORTS.items() if trigger.startswith(prefix)), None)
    if which is None:
        raise dash.exceptions.PreventUpdate
    frame = _table(ctx, which, values[6:12], values[12])
    sent = send_table(ctx, frame, EXPORTS[which].removesuffix("-export"), client_column="client_id")
    return tuple(sent if w == which else dash.no_update for w in EXPORTS)
