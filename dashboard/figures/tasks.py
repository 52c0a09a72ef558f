"""Figures of the clinician's week and the task queue: pure DataFrame → plotly figure.

Every bar carries its number as text, so no value is read from colour alone.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import PALETTE, TEMPLATE, empty_figure, text_position
from dashboard.format import count, hours, pct

LOAD_MEASURES = (
    ("available_hours", "Available"),
    ("booked_hours", "Booked"),
    ("kept_hours", "Kept"),
    ("target_hours", "Target"),
)


def week_load_figure(weeks: pd.DataFrame) -> go.Figure:
    """Hours per week (rows labelled by ``week``): available, booked, kept and the target, as
    grouped horizontal bars."""
    if weeks.empty:
        return empty_figure("No schedule for these weeks")
    figure = go.Figure(layout={"template": TEMPLATE})
    for index, (column, label) in enumerate(LOAD_MEASURES):
        values = weeks[column].astype("float64")
        figure.add_bar(
            name=label,
            y=weeks["week"],
            x=values.fillna(0),
            orientation="h",
            text=[f"{label} {hours(v)}" if pd.notna(v) else f"{label}: none" for v in values],
            textposition="outside",
            textfont={"size": 12},
            cliponaxis=False,
            marker_color=PALETTE[index],
            hovertemplate="%{text}<extra>%{y}</extra>",
        )
    longest = float(weeks[[column for column, _ in LOAD_MEASURES]].max().max() or 0)
    figure.update_layout(
        barmode="group",
        bargap=0.25,
        height=320,
        xaxis={"title": "hours", "range": [0, max(longest, 1) * 1.25]},
        yaxis={"autorange": "reversed"},
        showlegend=False,
        margin={"l": 90, "r": 16, "t": 8, "b": 40},
    )
    return figure


def throughput_figure(weekly: pd.DataFrame) -> go.Figure:
    """Per week: tasks created, tasks done, and tasks overdue at the week's end."""
    if weekly.empty:
        return empty_figure("No tasks in this period")
    weeks = [f"{monday:%b %-d}" for monday in weekly.index]
    figure = go.Figure(layout={"template": TEMPLATE})
    series = (("created", "Created"), ("completed", "Done"), ("overdue", "Overdue at week's end"))
    for color, (column, label) in zip((0, 2, 5), series, strict=True):
        figure.add_bar(
            name=label,
            x=weeks,
            y=weekly[column],
            text=[count(v) for v in weekly[column]],
            textposition=text_position(len(weekly) * len(series)),
            cliponaxis=False,
            marker_color=PALETTE[color],
        )
    figure.update_layout(
        barmode="group", height=340, xaxis_title="week starting", yaxis_title="tasks"
    )
    return figure


def on_time_figure(rates: pd.DataFrame, by: str, title: str) -> go.Figure:
    """The on-time rate per ``by`` value, as horizontal bars labelled "83% of 12"."""
    rated = rates.dropna(subset=["on_time_rate"])
    if rated.empty:
        return empty_figure("No task was done in this period")
    rated = rated.sort_values("on_time_rate")
    figure = go.Figure(layout={"template": TEMPLATE})
    figure.add_bar(
        x=rated["on_time_rate"],
        y=rated[by].astype(str),
        orientation="h",
        text=[
            f"{pct(rate)} of {count(done)}"
            for rate, done in zip(rated["on_time_rate"], rated["done"], strict=True)
        ],
        textposition="auto",
        marker_color=PALETTE[2],
        hovertemplate="%{y}: %{text} on time<extra></extra>",
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 13}},
        height=max(220, 28 * len(rated) + 90),
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": "done on time"},
        yaxis={"automargin": True},
        margin={"l": 16, "r": 16, "t": 40, "b": 40},
        showlegend=False,
    )
    return figure


__all__ = ["on_time_figure", "throughput_figure", "week_load_figure"]
