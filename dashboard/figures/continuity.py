"""Continuity figures: score distributions, group means, cohort rates and feedback."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.caseloads import _height
from dashboard.figures.theme import PALETTE, TEMPLATE, clinician_bar, empty_figure, side_by_side
from dashboard.format import count, number, pct

SCORE_NAMES = {"upc": "UPC", "coc": "COC", "secon": "SECON"}
SCORE_COLORS = {"upc": PALETTE[0], "coc": PALETTE[2], "secon": PALETTE[1]}


def score_histograms(distribution: pd.DataFrame) -> go.Figure:
    """Clients per tenth of each score, side by side."""
    if distribution.empty or distribution["clients"].sum() == 0:
        return empty_figure("No client had two or more visits in this period")
    traces = []
    for col, (measure, name) in enumerate(SCORE_NAMES.items(), start=1):
        rows = distribution[distribution["measure"] == measure]
        axis = "" if col == 1 else str(col)
        traces.append(
            go.Bar(
                x=[f"{number(a, 1)}+" for a in rows["bin_start"]],
                y=rows["clients"],
                name=name,
                marker_color=SCORE_COLORS[measure],
                text=[count(v) for v in rows["clients"]],
                hovertemplate=name + " %{x}: %{text} clients<extra></extra>",
                textposition="none",
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
            )
        )
    layout = side_by_side(list(SCORE_NAMES.values()), [1, 1, 1])
    layout["yaxis"]["title"] = {"text": "Clients"}
    layout.update(template=TEMPLATE, height=300, showlegend=False, bargap=0.05)
    return go.Figure(data=traces, layout=layout)


def group_scores(frame: pd.DataFrame, label: str, *, clickable: bool = False) -> go.Figure:
    """Mean UPC, COC and SECON per group (a frame with ``name`` and, for clinicians,
    ``clinician_id``)."""
    known = frame[frame["continuity_clients"] > 0]
    if known.empty:
        return empty_figure("No client had two or more visits in this period")
    figure = go.Figure(
        layout={
            "template": TEMPLATE,
            "barmode": "group",
            "height": _height(len(known)),
            "margin": {"l": 150, "r": 24, "t": 40, "b": 40},
            "xaxis": {"range": [0, 1]},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "title": {"text": f"Mean continuity by {label}", "font": {"size": 13}},
            "legend": {"orientation": "h", "y": -0.08, "yanchor": "top"},
        }
    )
    for measure, name in SCORE_NAMES.items():
        figure.add_trace(
            go.Bar(
                y=known["name"],
                x=known[measure],
                name=name,
                orientation="h",
                marker_color=SCORE_COLORS[measure],
                customdata=known["clinician_id"] if clickable else None,
                text=[number(v) for v in known[measure]],
                hovertemplate="%{y}: " + name + " %{text}<extra></extra>",
                textposition="none",
            )
        )
    return figure


COHORT_NAMES = {
    "early_engagement_rate": ("Early engagement", PALETTE[0]),
    "fuh7_rate": ("FUH 7 days", PALETTE[5]),
    "fuh30_rate": ("FUH 30 days", PALETTE[2]),
}


def cohort_lines(cohorts: pd.DataFrame, keys: list[str], period_label: str) -> go.Figure:
    """Rates by month (or week) of the cohort's start."""
    if cohorts.empty or cohorts[keys].isna().all().all():
        return empty_figure("No cohort is old enough to judge yet")
    figure = go.Figure(
        layout={
            "template": TEMPLATE,
            "height": 300,
            "hovermode": "x unified",
            "xaxis": {"title": {"text": period_label}},
            "yaxis": {"tickformat": ".0%", "range": [0, 1.05]},
        }
    )
    for key in keys:
        name, color = COHORT_NAMES[key]
        figure.add_trace(
            go.Scatter(
                x=list(cohorts.index),
                y=cohorts[key],
                name=name,
                mode="lines+markers",
                line={"color": color, "dash": "dash" if key == "fuh30_rate" else "solid"},
                text=[pct(v) for v in cohorts[key]],
                hovertemplate="%{text}",
            )
        )
    return figure


def feedback_by_clinician(frame: pd.DataFrame) -> go.Figure:
    """Feedback collection rate per clinician, low-alliance sessions as labelled markers."""
    if frame.empty:
        return empty_figure()
    rate = clinician_bar(frame, "feedback_rate", "Feedback rate", PALETTE[0], pct)
    low = clinician_bar(
        frame, "low_alliance_sessions", "Low-alliance sessions", PALETTE[1], count
    ).update(xaxis="x2", yaxis="y2")
    layout = side_by_side(["Feedback collected (SRS or ORS)", "Low-alliance sessions"], [65, 35])
    layout["xaxis"].update(tickformat=".0%", range=[0, 1.15])
    layout["yaxis"]["autorange"] = "reversed"
    layout.update(
        template=TEMPLATE,
        height=_height(len(frame)),
        showlegend=False,
        margin={"l": 150, "r": 40, "t": 40, "b": 40},
    )
    return go.Figure(data=[rate, low], layout=layout)
