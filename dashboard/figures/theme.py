"""One slim plotly template for every chart: small payloads, readable defaults."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "careboard"
# Colour-blind-safe (Okabe–Ito); status colours are paired with text in every chart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def register_theme() -> None:
    """Register the template (a few keys, not plotly's 10 KB defaults) and make it default."""
    pio.templates[TEMPLATE] = go.layout.Template(
        layout={
            "font": {"family": FONT, "size": 12, "color": "#212529"},
            "colorway": PALETTE,
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "margin": {"l": 48, "r": 16, "t": 32, "b": 40},
            "xaxis": {"gridcolor": "#eceff1", "zeroline": False},
            "yaxis": {"gridcolor": "#eceff1", "zeroline": False},
            "legend": {"orientation": "h", "y": -0.2},
            "hoverlabel": {"font": {"family": FONT}},
        }
    )
    pio.templates.default = TEMPLATE


def empty_figure(message: str = "No data for these filters") -> go.Figure:
    figure = go.Figure(layout={"template": TEMPLATE})
    figure.add_annotation(text=message, showarrow=False, font={"size": 14, "color": "#6c757d"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def side_by_side(titles: Sequence[str], widths: Sequence[float]) -> dict[str, Any]:
    """Layout keys for panels side by side on one shared y axis, each titled: the axes and
    titles ``make_subplots(rows=1, cols=n, shared_yaxes=True)`` lays out, given to the figure
    at once (make_subplots and updates by path cost ~40 ms a figure). Panel ``i`` (from 1)
    plots on axes ``x{i}``/``y{i}`` (``x``/``y`` for the first)."""
    spacing = 0.2 / len(widths)
    share = (1 - spacing * (len(widths) - 1)) / sum(widths)
    layout: dict[str, Any] = {"annotations": []}
    left = 0.0
    for i, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        suffix = "" if i == 1 else str(i)
        right = left + width * share
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": [left, right]}
        shared = {} if i == 1 else {"matches": "y", "showticklabels": False}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [0.0, 1.0], **shared}
        layout["annotations"].append(
            {
                "text": title,
                "x": (left + right) / 2,
                "xref": "paper",
                "xanchor": "center",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 16},
            }
        )
        left = right + spacing
    return layout


# A bar chart with more bars than this carries their values in the hover only (and the page's
# grid): the browser measures every label drawn outside a bar, about a second of the first
# paint of a page of 200 clinicians on a 2-core machine, and 400 labels are not read anyway.
LABELLED_BARS = 60


def text_position(bars: int) -> str:
    """Where a bar chart of ``bars`` bars draws its value labels ("none": hover only)."""
    return "outside" if bars <= LABELLED_BARS else "none"


def clinician_bar(
    frame: pd.DataFrame, column: str, name: str, color: str, fmt: Callable[[Any], str]
) -> go.Bar:
    """A horizontal bar per clinician (``name`` on the y axis), labelled with ``fmt`` (on hover
    only for more than ``LABELLED_BARS`` clinicians); each bar carries its clinician id, so a
    click can narrow the page to them."""
    return go.Bar(
        y=frame["name"],
        x=frame[column],
        name=name,
        orientation="h",
        marker_color=color,
        customdata=frame["clinician_id"],
        text=[fmt(v) for v in frame[column]],
        textposition=text_position(len(frame)),
        cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra>" + name + "</extra>",
    )
