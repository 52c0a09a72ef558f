"""The schedule's timeline made small enough to send: a busy day at 1,000,000 appointments
drew a bar per appointment with the clinician's name and a date text on each."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go


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
