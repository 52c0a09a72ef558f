"""Waitlist charts: open entries and waits week by week, open entries by program."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import PALETTE, TEMPLATE, empty_figure
from dashboard.format import count, days

WAIT_LINES = (
    ("waitlist_median_days", "Median wait"),
    ("waitlist_p90_days", "90th-percentile wait"),
    ("median_days_to_intake", "Median days to intake"),
)


def _weeks(weekly: pd.DataFrame) -> list[str]:
    """Week labels by their Monday, as categories (a date axis would tick on other days)."""
    return [pd.Timestamp(week).strftime("%b %-d") for week in weekly["week"]]


def open_over_time(weekly: pd.DataFrame) -> go.Figure:
    """Open entries at the end of each week (as of the week's end, or now)."""
    if weekly.empty:
        return empty_figure()
    figure = go.Figure(
        go.Bar(
            x=_weeks(weekly),
            y=weekly["waitlist_open"].tolist(),
            text=[count(v) for v in weekly["waitlist_open"]],
            textposition="outside",
            marker={"color": PALETTE[0]},
            name="Open entries",
            hovertemplate="Week of %{x}<br>%{text} open<extra></extra>",
        ),
        layout={"template": TEMPLATE},
    )
    figure.update_layout(
        height=300,
        title={"text": "Open entries, week by week", "font": {"size": 14}},
        margin={"t": 48},
        yaxis={"title": "Open entries", "rangemode": "tozero"},
        xaxis={"title": None, "type": "category"},
    )
    return figure


def waits_over_time(weekly: pd.DataFrame) -> go.Figure:
    """Median and 90th-percentile wait of the open entries, and median days to intake."""
    if weekly.empty:
        return empty_figure()
    figure = go.Figure(layout={"template": TEMPLATE})
    for i, (key, name) in enumerate(WAIT_LINES):
        values = weekly[key].astype("float64")
        figure.add_trace(
            go.Scatter(
                x=_weeks(weekly),
                y=[None if pd.isna(v) else v for v in values],
                mode="lines+markers",
                name=name,
                line={"color": PALETTE[i + 1], "dash": ("solid", "dash", "dot")[i]},
                text=[days(None if pd.isna(v) else v) for v in values],
                hovertemplate=f"{name}<br>Week of %{{x}}: %{{text}}<extra></extra>",
            )
        )
    figure.update_layout(
        height=300,
        title={"text": "Waits in days, week by week", "font": {"size": 14}},
        margin={"t": 48},
        yaxis={"title": "Days", "rangemode": "tozero"},
        xaxis={"title": None, "type": "category"},
        legend={"orientation": "h", "y": -0.3},
    )
    return figure


def open_by_program(frame: pd.DataFrame) -> go.Figure:
    """Open entries per program, with how many are over target."""
    if frame.empty:
        return empty_figure()
    frame = frame.sort_values("waitlist_open")
    figure = go.Figure(layout={"template": TEMPLATE})
    figure.add_trace(
        go.Bar(
            y=frame["program"].tolist(),
            x=frame["waitlist_open"].tolist(),
            orientation="h",
            name="Open entries",
            marker={"color": PALETTE[0]},
            text=[
                f"{count(n)} open · {count(o)} over target"
                for n, o in zip(frame["waitlist_open"], frame["waitlist_over_target"], strict=True)
            ],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        height=100 + 40 * len(frame),
        title={"text": "Open entries by program", "font": {"size": 14}},
        xaxis={"title": "Open entries", "rangemode": "tozero"},
        yaxis={"title": None},
        margin={"l": 150, "t": 48},
        showlegend=False,
    )
    return figure


__all__ = ["open_by_program", "open_over_time", "waits_over_time"]
