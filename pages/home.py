"""Home: this week at a glance, from real queries."""

from __future__ import annotations

import datetime as dt

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.kpi import kpi_card
from dashboard.format import count
from dashboard.metrics import caseload, waitlist
from dashboard.metrics.common import Filters, Period
from dashboard.metrics.schedule import status_counts
from dashboard.roles import EVERYONE

dash.register_page(
    __name__, path="/", name="Overview", title="Overview · careboard", roles=EVERYONE, nav=0
)

HOME_CARDS = "home-cards"
HOME_TRIGGER = "home-trigger"


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("This week at CARE", className="h3 mb-3"),
            dcc.Loading(html.Div(id=HOME_CARDS, className="home-cards"), type="dot"),
            dcc.Store(id=HOME_TRIGGER, data=0),
        ]
    )


@callback(Output(HOME_CARDS, "children"), Input(HOME_TRIGGER, "data"))
@secure_callback(roles=EVERYONE, args=[v.ignored()])
def show_week(ctx: CallbackContext, _trigger: None) -> dbc.Row:
    now = ctx.now()
    monday = now.date() - dt.timedelta(days=now.weekday())
    week = Period.make(monday, monday + dt.timedelta(days=6), now=now)
    filters = ctx.scoped(Filters())
    with ctx.db.read() as conn:
        booked = status_counts(conn, week.start_at, week.end_at, filters, ctx.rules)["booked"]
        clients = caseload.compute(conn, week, filters, ctx.rules).iloc[0]["active_caseload"]
        waiting = waitlist.compute(conn, week, filters, ctx.rules).iloc[0]["waitlist_open"]
    week_label = f"{monday:%b %-d} – {monday + dt.timedelta(days=6):%b %-d}"
    cards = [
        kpi_card("Booked sessions this week", count(booked), note=week_label, card_id="kpi-booked"),
        kpi_card(
            "Active clients", count(clients), note="on a caseload today", card_id="kpi-active"
        ),
        kpi_card(
            "Open waitlist entries", count(waiting), note="waiting today", card_id="kpi-waitlist"
        ),
    ]
    return dbc.Row([dbc.Col(card, md=4, className="mb-3") for card in cards])
