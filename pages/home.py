"""Overview (directors): the practice's KPIs for the period against the previous period of the
same length, each with its weekly trend, its definition on hover and a link to its page."""

from __future__ import annotations

from typing import Any

import dash
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
from dashboard.components.kpis import (
    COHORT_TREND_KEYS,
    TREND_KEYS,
    overview_cards,
    overview_table,
    placeholder_cards,
)
from dashboard.components.panels import filter_query, filtered_page
from dashboard.metrics import director
from dashboard.metrics.common import Period
from dashboard.metrics.report import practice_metrics
from dashboard.roles import DIRECTOR

dash.register_page(
    __name__, path="/", name="Overview", title="Overview · careboard", roles=DIRECTOR, nav=0
)

HOME_CARDS = "home-cards"  # the appointment cards; each other group has its own
HOME_PERIOD = "home-period"
HOME_EXPORT = "home-export"
HOME_FILTERS = "home-filters"
# Each group of cards (director.OVERVIEW_GROUPS) comes from a callback of its own, so that
# the quick ones show while the slower ones are still being read.
FIRST_GROUP = "appointments"
GROUP_OF_OUTPUT = {
    HOME_CARDS: FIRST_GROUP,
    **{f"home-{group}-cards": group for group in director.OVERVIEW_GROUPS if group != FIRST_GROUP},
}
# The cards follow one input, the filter bar's values gathered in the browser (no data) into
# a record keyed by the bar's query keys.
dash.clientside_callback(
    ClientsideFunction("careboard", "record"),
    Output(HOME_FILTERS, "data"),
    *FILTER_INPUTS,
    State(FILTER_SYNC.store_id, "data"),
)
CHOSEN_FILTERS = v.record(dict(zip(FILTER_KEYS, FILTER_VALIDATORS, strict=True)))


def _group_keys(group: str) -> list[str]:
    return [key for area in director.OVERVIEW_GROUPS[group] for key in area.KEYS]


def layout(**query: Any) -> html.Div:
    # One grid: each group's container lays its cards out as the grid's own cells.
    groups = [
        html.Div(placeholder_cards(_group_keys(group)), id=output, className="home-group")
        for output, group in GROUP_OF_OUTPUT.items()
    ]
    return filtered_page(
        "Practice overview",
        "Each card compares the period with the previous period of the same length; "
        "hover for its definition, click to open its page with these filters.",
        query,
        html.P(id=HOME_PERIOD, className="small text-body-secondary mb-2"),
        export_buttons(HOME_EXPORT),
        html.Div(groups, className="home-cards"),
        dcc.Store(id=HOME_FILTERS, data=None),
    )


def _span(days: int) -> str:
    return "week" if days == 7 else f"{days} days"


def _cards(ctx: CallbackContext, chosen: dict[str, Any] | None, group: str) -> tuple[list, Period]:
    """The cards of one group for the filters, and the period they cover."""
    if chosen is None:
        raise dash.exceptions.PreventUpdate  # the filter values are on their way
    # As of the minute (ctx.now() in a cached callback): everyone looking at the overview
    # within it shares one result.
    period, filters = scoped_period_and_filters(ctx, [chosen[k] for k in FILTER_KEYS])
    # Both periods and every card's weekly values (at least twelve weeks to the period's end),
    # each area of the group read once for all of them.
    with ctx.db.read() as conn:
        current, before, trends = director.overview(
            conn,
            period,
            filters,
            ctx.rules,
            TREND_KEYS,
            COHORT_TREND_KEYS,
            areas=director.OVERVIEW_GROUPS[group],
        )
    query = filter_query(period, filters)
    return overview_cards(current, before, trends, query, _span(period.days)), period


@callback(
    Output(HOME_CARDS, "children"),
    Output(HOME_PERIOD, "children"),
    Input(HOME_FILTERS, "data"),
)
@secure_callback(roles=DIRECTOR, args=[CHOSEN_FILTERS], cache=True)
def show_overview(ctx: CallbackContext, chosen: dict[str, Any] | None) -> tuple[list, str]:
    cards, period = _cards(ctx, chosen, GROUP_OF_OUTPUT[HOME_CARDS])
    previous = period.previous()
    caption = (
        f"{period.start:%b %-d, %Y} – {period.end:%b %-d, %Y} (as of {period.as_of:%b %-d %H:%M}), "
        f"compared with {previous.start:%b %-d} – {previous.end:%b %-d, %Y}. "
        "Sparklines: weekly values over at least the last 12 weeks."
    )
    return cards, caption


def _register_group(output: str, group: str) -> None:
    """The callback of one group of cards but the first (``home.show_<group>_cards``)."""

    def show_cards(ctx: CallbackContext, chosen: dict[str, Any] | None) -> list:
        return _cards(ctx, chosen, group)[0]

    secured = secure_callback(
        roles=DIRECTOR, args=[CHOSEN_FILTERS], cache=True, target=f"home.show_{group}_cards"
    )(show_cards)
    callback(Output(output, "children"), Input(HOME_FILTERS, "data"))(secured)


for _output, _group in GROUP_OF_OUTPUT.items():
    if _output != HOME_CARDS:
        _register_group(_output, _group)


@callback(*export_io(HOME_EXPORT), *FILTER_STATES, prevent_initial_call=True)
@secure_callback(roles=DIRECTOR, args=[*EXPORT_CLICKS, *FILTER_VALIDATORS])
def export_overview(ctx: CallbackContext, _csv: int, _xlsx: int, *values: Any) -> dict:
    period, filters = scoped_period_and_filters(ctx, values)
    with ctx.db.read() as conn:
        current = practice_metrics(conn, period, filters, ctx.rules)
        before = practice_metrics(conn, period.previous(), filters, ctx.rules)
    return send_table(ctx, overview_table(current, before), "overview")
