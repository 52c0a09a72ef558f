"""Continuity figures: score distributions, group means, cohort rates and feedback."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.caseloads import _height
from dashboard.figures.theme import PALETTE, TEMPLATE, clinician_bar, empty_figure
from dashboard.format import count, number, pct

SCORE_NAMES = {"upc": "UPC", "coc": "COC", "secon": "SECON"}
SCORE_COLORS = {"upc": PALETTE[0], "coc": PALETTE[2], "secon": PALETTE[1]}


def score_histograms(distribution: pd.DataFrame) -> go.Figure:
    """Clients per tenth of each score, side by side."""
    if distribution.empty or distribution["clients"].sum() == 0:
        return empty_figure("No client had two or more visits in this period")
    figure = make_subplots(
        rows=1, cols=3, subplot_titles=list(SCORE_NAMES.values()), shared_yaxes=True
    )
    for col, (measure, name) in enumerate(SCORE_NAMES.items(), start=1):
        rows = distribution[distribution["measure"] == measure]
        labels = [f"{number(a, 1)}+" for a in rows["bin_start"]]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=rows["clients"],
                name=name,
                marker_color=SCORE_COLORS[measure],
                text=[count(v) for v in rows["clients"]],
                hovertemplate=name + " %{x}: %{text} clients<extra></extra>",
                textposition="none",
            ),
            row=1,
            col=col,
        )
    figure.update_layout(template=TEMPLATE, height=300, showlegend=False, bargap=0.05)
    figure.update_yaxes(title_text="Clients", row=1, col=1)
    return figure


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
    figure.update_xaxes(range=[0, 1])
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
    figure = go.Figure(layout={"template": TEMPLATE, "height": 300, "hovermode": "x unified"})
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
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05])
    figure.update_xaxes(title_text=period_label)
    return figure


def feedback_by_clinician(frame: pd.DataFrame) -> go.Figure:
    """Feedback collection rate per clinician, low-alliance sessions as labelled markers."""
    if frame.empty:
        return empty_figure()
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.65, 0.35],
        subplot_titles=["Feedback collected (SRS or ORS)", "Low-alliance sessions"],
    )
    figure.add_trace(
        clinician_bar(frame, "feedback_rate", "Feedback rate", PALETTE[0], pct), row=1, col=1
    )
    figure.add_trace(
        clinician_bar(frame, "low_alliance_sessions", "Low-alliance sessions", PALETTE[1], count),
        row=1,
        col=2,
    )
    figure.update_layout(
        template=TEMPLATE,
        height=_height(len(frame)),
        showlegend=False,
        margin={"l": 150, "r": 40, "t": 40, "b": 40},
        yaxis={"autorange": "reversed"},
    )
    figure.update_xaxes(tickformat=".0%", range=[0, 1.15], row=1, col=1)
    return figure
