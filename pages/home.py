"""Overview (directors): the practice's KPIs for the period against the previous period of the
same length, each with its weekly trend, its definition on hover and a link to its page."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_KEYS,
    FILTER_STATES,
    FILTER_SYNC,
    FILTER_VALIDATORS,
    scoped_period_and_filters,
)
from dashboard.components.kpis import COHORT_TREND_KEYS, TREND_KEYS, overview_cards, overview_table
from dashboard.components.panels import filter_query, filtered_page
from dashboard.metrics import director
from dashboard.metrics.report import practice_metrics
from dashboard.roles import DIRECTOR

dash.register_page(
    __name__, path="/", name="Overview", title="Overview · careboard", roles=DIRECTOR, nav=0
)

HOME_CARDS = "home-cards"
HOME_PERIOD = "home-period"
HOME_EXPORT = "home-export"
HOME_FILTERS = "home-filters"
# The cards follow one input, the filter bar's values gathered in the browser (no data) into
# a record keyed by the bar's query keys.
dash.clientside_callback(
    ClientsideFunction("careboard", "record"),
    Output(HOME_FILTERS, "data"),
    *FILTER_INPUTS,
    State(FILTER_SYNC.store_id, "data"),
)


def layout(**query: Any) -> html.Div:
    return filtered_page(
        "Practice overview",
        "Each card compares the period with the previous period of the same length; "
        "hover for its definition, click to open its page with these filters.",
        query,
        html.P(id=HOME_PERIOD, className="small text-body-secondary mb-2"),
        export_buttons(HOME_EXPORT),
        dcc.Loading(html.Div(id=HOME_CARDS, className="home-cards"), type="dot"),
        dcc.Store(id=HOME_FILTERS, data=None),
    )


def _span(days: int) -> str:
    return "week" if days == 7 else f"{days} days"


@callback(
    Output(HOME_CARDS, "children"),
    Output(HOME_PERIOD, "children"),
    Input(HOME_FILTERS, "data"),
)
@secure_callback(
    roles=DIRECTOR,
    args=[v.record(dict(zip(FILTER_KEYS, FILTER_VALIDATORS, strict=True)))],
    cache=True,
)
def show_overview(ctx: CallbackContext, chosen: dict[str, Any] | None) -> tuple[dbc.Row, str]:
    if chosen is None:
        raise dash.exceptions.PreventUpdate  # the filter values are on their way
    # As of the minute (ctx.now() in a cached callback): everyone looking at the overview
    # within it shares one result.
    period, filters = scoped_period_and_filters(ctx, [chosen[k] for k in FILTER_KEYS])
    previous = period.previous()
    # Both periods and every card's weekly values (at least twelve weeks to the period's end),
    # each area read once for all of them.
    with ctx.db.read() as conn:
        current, before, trends = director.overview(
            conn, period, filters, ctx.rules, TREND_KEYS, COHORT_TREND_KEYS
        )
    cards = overview_cards(
        current, before, trends, filter_query(period, filters), _span(period.days)
    )
    caption = (
        f"{period.start:%b %-d, %Y} – {period.end:%b %-d, %Y} (as of {period.as_of:%b %-d %H:%M}), "
        f"compared with {previous.start:%b %-d} – {previous.end:%b %-d, %Y}. "
        "Sparklines: weekly values over at least the last 12 weeks."
    )
    row = dbc.Row(
        [dbc.Col(card, xs=12, sm=6, lg=4, xl=3, className="mb-3") for card in cards],
        className="g-3",
    )
    return row, caption


@callback(*export_io(HOME_EXPORT), *FILTER_STATES, prevent_initial_call=True)
@secure_callback(roles=DIRECTOR, args=[*EXPORT_CLICKS, *FILTER_VALIDATORS])
def export_overview(ctx: CallbackContext, _csv: int, _xlsx: int, *values: Any) -> dict:
    period, filters = scoped_period_and_filters(ctx, values)
    with ctx.db.read() as conn:
        current = practice_metrics(conn, period, filters, ctx.rules)
        before = practice_metrics(conn, period.previous(), filters, ctx.rules)
    return send_table(ctx, overview_table(current, before), "overview")
