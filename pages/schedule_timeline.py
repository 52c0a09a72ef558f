"""The schedule's figure: the timeline of a day, or of one clinician's week, and the week's
overview of many clinicians (a clinician × day heatmap); made small enough to send (issue 8:
responses at most 150 KB). A click on an overview cell narrows the page to that clinician's
day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.figures.schedule import timeline, week_heatmap
from dashboard.metrics.common import Filters
from dashboard.metrics.schedule_rows import (
    day_hours,
    day_totals,
    timeline_clinicians,
    timeline_shading,
)
from dashboard.roles import FRONT_DESK
from db.vocab import HELD_STATUSES
from pages import schedule_bar as bar

TIMELINE = "sch-timeline"


def schedule_figure(
    ctx: CallbackContext,
    start: dt.date,
    end: dt.date,
    scoped: Filters,
    frame: pd.DataFrame,
    statuses: Sequence[str] | None,
) -> go.Figure:
    """The overview heatmap for a week of more than one clinician, else the timeline of the
    appointments in ``frame``: a bar each was 641 KB for a week of 200 clinicians at 1,000,000
    appointments."""
    with ctx.db.read() as conn:
        rows = timeline_clinicians(conn, start, end, scoped, frame)
        if start != end and len(rows) > 1:
            totals = day_totals(conn, start, end, scoped, ctx.rules, statuses)
            return week_heatmap(totals, rows, start, end, statuses or HELD_STATUSES)
        hours = day_hours(frame)
        shading = timeline_shading(conn, start, end, scoped, [cid for cid, _ in rows], hours)
    return slim(timeline(frame, shading, rows, start, end, hours, now=ctx.now()))


def _epoch_ms(moments: Any) -> list[int]:
    """Wall-clock moments as milliseconds since 1970, the number a date axis reads them as."""
    return (
        (pd.to_datetime(list(moments)) - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)
    ).tolist()


def slim(figure: go.Figure) -> go.Figure:
    """The timeline with each bar's row as a number (the names once, as tick labels) and its
    start as a number: a name and a date text per bar made most of a busy day's figure
    (issue 8: responses at most 150 KB). What it shows is unchanged."""
    labels = list(figure.layout.yaxis.categoryarray or [])
    if not labels:
        return figure
    position = {label: n for n, label in enumerate(labels)}
    for trace in figure.data:
        if trace.y is not None:
            trace.y = [position.get(label, -1) for label in trace.y]
        if trace.base is not None and len(trace.base):
            trace.base = _epoch_ms(trace.base)
    figure.update_yaxes(
        type="linear",
        categoryorder=None,
        categoryarray=None,
        tickmode="array",
        tickvals=list(range(len(labels))),
        ticktext=labels,
        range=[len(labels) - 0.5, -0.5],
        autorange=False,
        showgrid=False,
        zeroline=False,
    )
    return figure


# --- a click on the overview ---------------------------------------------------------------------


def clicked_day() -> v.Validator:
    """The (clinician id, date) of a clicked overview cell; None for a click on a timeline
    bar (its y is a row number: bars narrow nothing)."""
    day = v.date(optional=False, what="the clicked day")

    def check(value: Any, ctx: CallbackContext) -> tuple[str, dt.date] | None:
        if value is None:
            return None
        points = value.get("points") if isinstance(value, dict) else None
        if not isinstance(points, list) or not points or not isinstance(points[0], dict):
            raise v.InvalidInput("a chart click was expected")
        clinician_id = points[0].get("y")
        if isinstance(clinician_id, int | float) and not isinstance(clinician_id, bool):
            return None
        if not isinstance(clinician_id, str) or clinician_id not in ctx.vocabulary("clinician"):
            raise v.InvalidInput("unknown clinician")
        return clinician_id, day(points[0].get("x"), ctx)

    return check


def register() -> None:
    """Register the overview's click with the app being built."""

    @dash.callback(
        Output(bar.CLINICIAN, "value", allow_duplicate=True),
        Output(bar.DATE, "date", allow_duplicate=True),
        Output(bar.VIEW, "value", allow_duplicate=True),
        Input(TIMELINE, "clickData"),
        prevent_initial_call=True,
    )
    @secure_callback(roles=FRONT_DESK, args=[clicked_day()])
    def narrow_to_day(ctx: CallbackContext, clicked: tuple[str, dt.date] | None) -> list[Any]:
        """That clinician's day (the bar's values; its own callbacks do the rest)."""
        if clicked is None:
            raise dash.exceptions.PreventUpdate
        clinician_id, day = clicked
        return [clinician_id, day.isoformat(), "day"]
