"""The task queue's throughput for directors: tasks created and done per week, overdue at each
week's end, and the on-time rate (metrics.md) by kind and by assignee."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.filters import field, period_and_filters
from dashboard.components.panels import GRAPH_CONFIG
from dashboard.figures.tasks import on_time_figure, throughput_figure
from dashboard.metrics import task_queue as queue
from dashboard.roles import DIRECTOR

PERIOD, THROUGHPUT, ON_TIME_KIND, ON_TIME_ASSIGNEE = (
    f"tasks-{n}" for n in ("period", "throughput", "on-time-kind", "on-time-assignee")
)
THROUGHPUT_WEEKS = 12


def section(today: dt.date) -> html.Div:
    """The period (the last twelve weeks by default) and the three charts."""
    start = today - dt.timedelta(days=today.weekday(), weeks=THROUGHPUT_WEEKS - 1)
    period = dcc.DatePickerRange(
        id=PERIOD,
        start_date=start.isoformat(),
        end_date=today.isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )
    graphs = [(THROUGHPUT, 12), (ON_TIME_KIND, 6), (ON_TIME_ASSIGNEE, 6)]
    return html.Div(
        [
            html.H2("Throughput", className="h5 mt-4 mb-1"),
            html.P(
                "Tasks created and done per week, overdue at each week's end, and the share done "
                "by its due moment (on-time rate, metrics.md) by kind and by assignee.",
                className="small text-body-secondary mb-2",
            ),
            dbc.Row(field("Period", period, md=4)),
            dbc.Row(
                [
                    dbc.Col(dcc.Loading(dcc.Graph(id=g, config=GRAPH_CONFIG), type="dot"), lg=w)
                    for g, w in graphs
                ]
            ),
        ]
    )


def register() -> None:
    """Register the throughput charts' callback with the app being built."""

    @dash.callback(
        Output(THROUGHPUT, "figure"),
        Output(ON_TIME_KIND, "figure"),
        Output(ON_TIME_ASSIGNEE, "figure"),
        Input(PERIOD, "start_date"),
        Input(PERIOD, "end_date"),
    )
    @secure_callback(
        roles=DIRECTOR,
        args=[v.date(what="period start"), v.date(what="period end")],
        target="tasks.show_throughput",  # the page's name in the audit log
        cache=True,
    )
    def show_throughput(ctx: CallbackContext, start: Any, end: Any) -> tuple[Any, ...]:
        period, everyone = period_and_filters(start, end, None, None, None, None, now=ctx.now())
        with ctx.db.read() as conn:
            found = queue.throughput(conn, period, everyone)
        return (
            throughput_figure(found.weekly),
            on_time_figure(found.by_kind, "kind", "On time by kind"),
            on_time_figure(found.by_assignee, "assignee", "On time by assignee"),
        )
