"""The overview's figures: a KPI's weekly trend as a sparkline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from dashboard.figures.theme import PALETTE, TEMPLATE

SPARK_HEIGHT = 44


def sparkline(
    weeks: Sequence[Any], values: Sequence[float | None], fmt: Callable[[Any], str]
) -> go.Figure:
    """A bare line of weekly values (gaps where a week has no value), last point marked; the
    hover text of each point is its week and formatted value."""
    points = list(values)
    labels = [
        f"week of {week:%b %-d}: {fmt(value)}" for week, value in zip(weeks, points, strict=True)
    ]
    figure = go.Figure(
        go.Scatter(
            x=list(weeks),
            y=points,
            mode="lines",
            line={"color": PALETTE[0], "width": 2},
            text=labels,
            hoverinfo="text",
            connectgaps=False,
        ),
        layout={
            "template": TEMPLATE,
            "height": SPARK_HEIGHT,
            "margin": {"l": 2, "r": 2, "t": 4, "b": 4},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "showlegend": False,
        },
    )
    known = [(w, v) for w, v in zip(weeks, points, strict=True) if v is not None]
    if known:
        week, value = known[-1]
        figure.add_trace(
            go.Scatter(
                x=[week],
                y=[value],
                mode="markers",
                marker={"color": PALETTE[0], "size": 5},
                hoverinfo="skip",
            )
        )
    return figure
