"""Caseload figures: per-clinician bars (utilization, sessions, caseload, attendance), the
clinician × week utilization heatmap, and one clinician's weekly trends.

Every bar carries its clinician id in ``customdata`` so a click can narrow the page to that
clinician; numbers on bars and in hovers come from ``dashboard.format``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import PALETTE, TEMPLATE, clinician_bar, empty_figure, text_position
from dashboard.format import count, number, pct

ROW_PX = 24
OVER = PALETTE[5]  # vermillion, always paired with the word "over"
# A heatmap with more cells than this shows its values by colour and on hover only: a label
# per cell costs the browser a text measurement each (a 200-clinician practice's quarter,
# 2,600 cells, took 0.6 s of a 2-core machine's first paint) and is too small to read there.
LABELLED_CELLS = 600


def _height(rows: int) -> int:
    return max(260, 90 + ROW_PX * rows)


def _bars(frame: pd.DataFrame, title: str) -> go.Figure:
    figure = go.Figure(
        layout={
            "template": TEMPLATE,
            "meta": title,
            "barmode": "group",
            "height": _height(len(frame)),
            "margin": {"l": 150, "r": 24, "t": 36, "b": 40},
            # A fixed range, top row first: autorange padded the markers of the target marks
            # into an empty band above the first clinician.
            "yaxis": {"range": [len(frame) - 0.5, -0.5], "automargin": True},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            "clickmode": "event",
        }
    )
    return figure


def utilization_bars(frame: pd.DataFrame) -> go.Figure:
    """Booked and kept utilization per clinician, with the 100% line."""
    if frame.empty:
        return empty_figure()
    figure = _bars(frame, "Booked and kept utilization of available hours")
    figure.add_trace(clinician_bar(frame, "booked_utilization", "Booked", PALETTE[0], pct))
    figure.add_trace(clinician_bar(frame, "kept_utilization", "Kept", PALETTE[2], pct))
    figure.add_vline(x=1, line_dash="dot", line_color="#6c757d")
    figure.update_xaxes(tickformat=".0%", rangemode="tozero")
    return figure


def _marks(frame: pd.DataFrame, column: str, name: str) -> go.Scatter:
    return go.Scatter(
        y=frame["name"],
        x=frame[column],
        name=name,
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "line": {"width": 3}, "color": "#212529"},
        customdata=frame["clinician_id"],
        hovertemplate="%{y}: " + name.lower() + " %{x}<extra></extra>",
    )


def sessions_bars(frame: pd.DataFrame) -> go.Figure:
    """Kept sessions per week per clinician against their weekly target (a mark)."""
    if frame.empty:
        return empty_figure()
    figure = _bars(frame, "Kept sessions per week against target")
    figure.add_trace(
        clinician_bar(
            frame, "sessions_per_week", "Sessions per week", PALETTE[0], lambda v: number(v, 1)
        )
    )
    figure.add_trace(_marks(frame, "weekly_session_target", "Target"))
    return figure


def caseload_bars(frame: pd.DataFrame) -> go.Figure:
    """Active caseload per clinician against capacity; over capacity in another colour and
    labelled "over by N" (never colour alone)."""
    if frame.empty:
        return empty_figure()
    over = frame["active_caseload"] > frame["max_caseload"].fillna(float("inf"))
    labels = [
        f"{count(n)} · over by {count(n - cap)}" if is_over else count(n)
        for n, cap, is_over in zip(
            frame["active_caseload"], frame["max_caseload"], over, strict=True
        )
    ]
    # Many clinicians: only the bars over capacity keep their words on the chart.
    few = text_position(len(frame)) == "outside"
    figure = _bars(frame, "Active caseload against capacity")
    figure.add_trace(
        go.Bar(
            y=frame["name"],
            x=frame["active_caseload"],
            name="Active caseload",
            orientation="h",
            marker_color=[OVER if o else PALETTE[0] for o in over],
            customdata=frame["clinician_id"],
            text=[label if few or o else "" for label, o in zip(labels, over, strict=True)],
            hovertext=labels,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{hovertext}<extra>Active caseload</extra>",
        )
    )
    figure.add_trace(_marks(frame, "max_caseload", "Capacity"))
    return figure


def attendance_bars(frame: pd.DataFrame) -> go.Figure:
    """No-show and late-cancel rates per clinician."""
    if frame.empty:
        return empty_figure()
    figure = _bars(frame, "No-show and late-cancel rates")
    figure.add_trace(
        clinician_bar(frame, "no_show_rate", "No-show", PALETTE[5], lambda v: pct(v, 1))
    )
    figure.add_trace(
        clinician_bar(frame, "late_cancel_rate", "Late cancel", PALETTE[1], lambda v: pct(v, 1))
    )
    figure.update_xaxes(tickformat=".0%", rangemode="tozero")
    return figure


def _columns_title(weeks: int) -> str:
    return "Week of" if weeks == 1 else f"{weeks} weeks from"


def _column_labels(mondays: Sequence[dt.date], weeks: int) -> list[str]:
    # Runs of weeks cover long periods: the year keeps two runs' labels apart.
    return [f"{m:%b %-d}" if weeks == 1 else f"{m:%b %-d, %Y}" for m in mondays]


def utilization_heatmap(
    matrix: pd.DataFrame, names: Mapping[str, str], weeks: int = 1
) -> go.Figure:
    """Clinician × week (or × run of ``weeks`` weeks, see ``director.utilization_matrix``)
    booked utilization. Rows are clinician ids (what a click reports, as the cell's y)
    labelled with names. Kept slim for long periods (issue 8: a response at most 150 KB):
    each value rounded to the whole percent its label shows (still a fraction), labels and
    hovers formatted in the browser from it rather than a string per cell. Cells are labelled
    up to ``LABELLED_CELLS`` of them."""
    if matrix.empty:
        return empty_figure()
    wide = matrix.pivot(index="clinician_id", columns="week", values="booked_utilization")
    wide = wide.sort_index(key=lambda ids: ids.map(lambda c: names.get(c, c)))
    ids = list(wide.index)
    title = _columns_title(weeks)
    figure = go.Figure(
        go.Heatmap(
            # Single precision halves the encoded array and still shows the same percent.
            z=((wide.to_numpy(dtype="float64") * 100).round() / 100).astype("float32"),
            x=_column_labels(list(wide.columns), weeks),
            y=ids,
            coloraxis="coloraxis",
            texttemplate="%{z:.0%}" if wide.size <= LABELLED_CELLS else None,
            hovertemplate=title.lower() + " %{x}: %{z:.0%}<extra></extra>",
            hoverongaps=False,
            xgap=1,
            ygap=1,
        ),
        layout={"template": TEMPLATE},
    )
    # Runs of weeks carry the year in their labels, which the browser tilts: room for them
    # below the axis (they were cut and ran into its title).
    figure.update_xaxes(title_text=title, type="category", automargin=True)
    figure.update_yaxes(
        tickmode="array",
        tickvals=ids,
        ticktext=[names.get(c, c) for c in ids],
        autorange="reversed",
        type="category",
    )
    figure.update_layout(
        height=_height(len(ids)),
        margin={"l": 150, "r": 24, "t": 24, "b": 40},
        coloraxis={"colorscale": "Blues", "cmin": 0, "cmax": 1.2},
        coloraxis_colorbar={"tickformat": ".0%", "title": {"text": "Booked"}},
    )
    return figure


TREND_SERIES = {
    "booked_utilization": ("Booked utilization", PALETTE[0]),
    "kept_utilization": ("Kept utilization", PALETTE[2]),
    "no_show_rate": ("No-show rate", PALETTE[5]),
    "late_cancel_rate": ("Late-cancel rate", PALETTE[1]),
}


def clinician_trends(weekly: pd.DataFrame) -> go.Figure:
    """One clinician's weekly utilization and attendance rates."""
    if weekly.empty:
        return empty_figure()
    figure = go.Figure(layout={"template": TEMPLATE, "height": 320, "hovermode": "x unified"})
    for key, (name, color) in TREND_SERIES.items():
        figure.add_trace(
            go.Scatter(
                x=list(weekly.index),
                y=weekly[key],
                name=name,
                mode="lines+markers",
                line={"color": color},
                text=[pct(v, 1) for v in weekly[key]],
                hovertemplate="%{text}",
            )
        )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(title_text="Week of")
    return figure


def attendance_counts(counts: Mapping[str, int]) -> go.Figure:
    """What became of one clinician's past appointments in the period."""
    labels = {
        "completed": "Completed",
        "no_show": "No-show",
        "late_cancel": "Late cancel",
        "cancelled_client": "Client cxl",
        "cancelled_clinician": "Clinician cxl",
    }
    if not any(counts.get(key) for key in labels):
        return empty_figure()
    values = [int(counts.get(key) or 0) for key in labels]
    figure = go.Figure(
        go.Bar(
            x=list(labels.values()),
            y=values,
            marker_color=[PALETTE[2], PALETTE[5], PALETTE[1], PALETTE[4], PALETTE[3]],
            text=[count(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        ),
        layout={"template": TEMPLATE, "height": 320, "showlegend": False},
    )
    figure.update_xaxes(automargin=True, tickangle=0)
    return figure
