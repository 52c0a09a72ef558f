"""Continuity (directors): UPC, COC and SECON by client, clinician and program; clients who
changed clinician; clients lost to follow-up (with "create an outreach task"); early
engagement and FUH 7/30 by cohort with the discharges that lacked follow-up; feedback."""

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
from dashboard.components.crossfilter import clicked_clinician
from dashboard.components.export import send_table
from dashboard.components.filters import (
    CLINICIAN,
    FILTER_INPUTS,
    FILTER_VALIDATORS,
    period_and_filters,
)
from dashboard.components.grid import grid
from dashboard.components.panels import (
    chart_panel,
    page_header,
    table_panel,
    two_columns,
    url_filter_bar,
)
from dashboard.figures import continuity as fig
from dashboard.metrics import continuity, director, engagement
from dashboard.metrics.common import Period
from dashboard.metrics.definitions import GUIDES
from dashboard.roles import DIRECTOR
from db.outreach import create_re_engagement_tasks

dash.register_page(
    __name__,
    path="/continuity",
    name="Continuity",
    title="Continuity · careboard",
    roles=DIRECTOR,
    nav=30,
)

DIST, BY_CLINICIAN, BY_PROGRAM = "continuity-dist", "continuity-clinician", "continuity-program"
EARLY, FUH, FEEDBACK = "continuity-early", "continuity-fuh", "continuity-feedback"
CHANGES, LOST, DISCHARGES = "continuity-changes", "continuity-lost", "continuity-discharges"
CREATE, CREATED, WINDOW = "continuity-create", "continuity-created", "continuity-window"
EXPORTS = {CHANGES: "continuity-changes-export", LOST: "continuity-lost-export"}
EXPORTS[DISCHARGES] = "continuity-discharges-export"
CLICKABLE = (BY_CLINICIAN, FEEDBACK)
FILTER_STATES = [State(i.component_id, i.component_property) for i in FILTER_INPUTS]
COLUMNS = {CHANGES: CHANGE_COLUMNS, LOST: LOST_COLUMNS, DISCHARGES: DISCHARGE_COLUMNS}


def layout(**query: Any) -> html.Div:
    create = outreach_controls(CREATE, CREATED)
    window = window_control(WINDOW)
    return html.Div(
        [
            page_header(
                "Continuity",
                "Whether clients keep seeing the same clinician, come back, and are followed up "
                "after a hospital stay. Click a clinician's bar to narrow the page to them.",
            ),
            url_filter_bar(query),
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
                grid(
                    CHANGES, COLUMNS[CHANGES], row_id="client_id", height=320, options=col.NO_ROWS
                ),
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
                    options={**col.NO_ROWS, **MULTI_SELECT},
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
                    options=col.NO_ROWS,
                ),
                EXPORTS[DISCHARGES],
                extra=window,
            ),
            chart_panel("Feedback and alliance by clinician", GUIDES["feedback"], FEEDBACK),
            dcc.Store(id=f"{CREATE}-done", data=0),
        ]
    )


def _scope(ctx: CallbackContext, values: tuple) -> tuple[Period, Any]:
    period, filters = period_and_filters(*values, now=ctx.now())
    return period, ctx.scoped(filters)


def _named(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    shown = frame.reset_index().rename(columns={"clinician": "clinician_id"})
    return shown.assign(name=shown["clinician_id"].map(names)).sort_values("name")


@callback(
    *[Output(g, "figure") for g in (DIST, BY_CLINICIAN, BY_PROGRAM, EARLY, FUH, FEEDBACK)],
    *FILTER_INPUTS,
)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS)
def show_continuity(ctx: CallbackContext, *values: Any) -> tuple:
    period, filters = _scope(ctx, values)
    rules = ctx.rules
    with ctx.db.read() as conn:
        dist = director.score_distribution(conn, period, filters, rules)
        by_clinician = continuity.compute(conn, period, filters, rules, by="clinician")
        by_program = continuity.compute(conn, period, filters, rules, by="program")
        cohorts = director.cohort_rates(conn, director.trend_period(period, 183), filters, rules)
        feedback = engagement.compute(conn, period, filters, rules, by="clinician")
        names = director.clinician_names(conn)
    programs = by_program.reset_index().rename(columns={"program": "name"})
    used = feedback[feedback["feedback_rate"].notna()]
    return (
        fig.score_histograms(dist),
        fig.group_scores(_named(by_clinician, names), "clinician", clickable=True),
        fig.group_scores(programs.assign(clinician_id=None), "program"),
        fig.cohort_lines(cohorts, ["early_engagement_rate"], "Month of first visit"),
        fig.cohort_lines(cohorts, ["fuh7_rate", "fuh30_rate"], "Month of discharge"),
        fig.feedback_by_clinician(_named(used, names)),
    )


def _table(ctx: CallbackContext, which: str, values: tuple, window: int | None) -> pd.DataFrame:
    period, filters = _scope(ctx, values)
    with ctx.db.read() as conn:
        if which == CHANGES:
            return director.clinician_changes(conn, period, filters, ctx.rules)
        if which == LOST:
            return engagement.lost_to_follow_up_clients(conn, period, filters, ctx.rules)
        return engagement.discharges_without_follow_up(
            conn, period, filters, ctx.rules, window=window or 7
        )


@callback(
    Output(CHANGES, "rowData"),
    Output(LOST, "rowData"),
    Output(DISCHARGES, "rowData"),
    *FILTER_INPUTS,
    Input(WINDOW, "value"),
    Input(f"{CREATE}-done", "data"),
)
@secure_callback(
    roles=DIRECTOR,
    args=[*FILTER_VALIDATORS, v.integer(1, 30, what="window"), v.ignored()],
    phi=True,
)
def show_tables(ctx: CallbackContext, *values: Any) -> tuple:
    tables = [_table(ctx, which, values[:6], values[6]) for which in (CHANGES, LOST, DISCHARGES)]
    for frame in tables:
        ctx.note_clients(frame["client_id"])
    return tuple(col.records(frame) for frame in tables)


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
    _period, filters = _scope(ctx, values)
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
    fmt = "xlsx" if trigger.endswith("xlsx") else "csv"
    sent = send_table(
        ctx, frame, EXPORTS[which].removesuffix("-export"), fmt, client_column="client_id"
    )
    return tuple(sent if w == which else dash.no_update for w in EXPORTS)


@callback(
    Output(CLINICIAN, "value", allow_duplicate=True),
    *[Input(graph, "clickData") for graph in CLICKABLE],
    prevent_initial_call=True,
)
@secure_callback(roles=DIRECTOR, args=[clicked_clinician() for _ in CLICKABLE])
def narrow_to_clinician(ctx: CallbackContext, *clicked: str | None) -> str:
    chosen = clicked[CLICKABLE.index(dash.ctx.triggered_id)] if dash.ctx.triggered_id else None
    if chosen is None:
        raise dash.exceptions.PreventUpdate
    return chosen
