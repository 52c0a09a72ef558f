"""Access figures: the waitlist over time, days waiting, time to intake by program, third next
available over time and by clinician, visit volume by weekday and hour, and who is booked and
open at one time of the week."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from dashboard.figures.caseloads import _height
from dashboard.figures.theme import PALETTE, TEMPLATE, clinician_bar, empty_figure, text_position
from dashboard.format import count, days
from db.vocab import WEEKDAYS

PRIORITY_COLORS = {"routine": PALETTE[0], "urgent": PALETTE[5]}


def _layout(**extra: object) -> dict:
    return {"template": TEMPLATE, "height": 320, **extra}


def waitlist_trend(daily: pd.DataFrame) -> go.Figure:
    """Open entries and those over target, day by day."""
    if daily.empty:
        return empty_figure("The waitlist is not by clinician: clear the clinician filter")
    figure = go.Figure(layout=_layout(hovermode="x unified"))
    for key, name, color in (
        ("waitlist_open", "Open entries", PALETTE[0]),
        ("waitlist_over_target", "Over target", PALETTE[5]),
    ):
        figure.add_trace(
            go.Scatter(
                x=daily["date"],
                y=daily[key],
                name=name,
                mode="lines",
                line={"color": color, "dash": "solid" if key == "waitlist_open" else "dash"},
                text=[count(v) for v in daily[key]],
                hovertemplate="%{text}",
            )
        )
    figure.update_yaxes(rangemode="tozero", title_text="Entries")
    return figure


def wait_distribution(waits: pd.DataFrame, targets: Mapping[str, int]) -> go.Figure:
    """Open entries by whole days waited, one bar colour per priority, target lines marked."""
    if waits.empty:
        return empty_figure("No open entries for these filters")
    figure = go.Figure(layout=_layout(barmode="stack", bargap=0.1))
    for priority, rows in waits.groupby("priority"):
        figure.add_trace(
            go.Bar(
                x=rows["days_waiting"],
                y=rows["entries"],
                name=str(priority).capitalize(),
                marker_color=PRIORITY_COLORS.get(str(priority), PALETTE[3]),
                text=[
                    f"{days(d)}: {count(n)}"
                    for d, n in zip(rows["days_waiting"], rows["entries"], strict=True)
                ],
                hovertemplate="%{text}<extra>%{fullData.name}</extra>",
                textposition="none",
            )
        )
    for priority, target in targets.items():
        figure.add_vline(
            x=target + 0.5,
            line_dash="dot",
            line_color=PRIORITY_COLORS.get(priority, "#6c757d"),
            annotation_text=f"{priority} target",
            annotation_position="top",
        )
    figure.update_xaxes(title_text="Days waiting")
    figure.update_yaxes(title_text="Entries")
    return figure


def time_to_intake(by_program: pd.DataFrame) -> go.Figure:
    """Median days from referral to first visit per program (index: program)."""
    known = by_program["median_days_to_intake"].dropna()
    if known.empty:
        return empty_figure("No first visits after a referral in this period")
    figure = go.Figure(
        go.Bar(
            x=list(known.index),
            y=known.to_numpy(),
            marker_color=PALETTE[0],
            text=[days(v) for v in known],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        ),
        layout=_layout(showlegend=False),
    )
    figure.add_hline(y=14, line_dash="dot", line_color="#6c757d", annotation_text="14-day target")
    figure.update_yaxes(title_text="Median days to intake", rangemode="tozero")
    return figure


def third_next_trend(by_program: pd.DataFrame) -> go.Figure:
    """Third next available (median over clinicians) per program, week by week."""
    if by_program.empty:
        return empty_figure("No clinician accepting new clients has open slots")
    figure = go.Figure(layout=_layout(hovermode="x unified"))
    for i, (program, rows) in enumerate(by_program.groupby("program")):
        figure.add_trace(
            go.Scatter(
                x=rows["week"],
                y=rows["third_next_available_days"],
                name=str(program),
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)]},
                text=[days(v) for v in rows["third_next_available_days"]],
                hovertemplate="%{text}",
            )
        )
    figure.update_yaxes(title_text="Days to third open slot", rangemode="tozero")
    figure.update_xaxes(title_text="Week of")
    return figure


def third_next_by_clinician(latest: pd.DataFrame) -> go.Figure:
    """Each clinician's current third next available (clickable bars)."""
    if latest.empty:
        return empty_figure("No clinician accepting new clients for these filters")
    shown = latest.assign(value=latest["third_next_available_days"])
    figure = go.Figure(
        go.Bar(
            y=shown["name"],
            x=shown["value"],
            orientation="h",
            marker_color=PALETTE[0],
            customdata=shown["clinician_id"],
            text=[days(v) if not pd.isna(v) else "none within 90 d" for v in shown["value"]],
            textposition=text_position(len(shown)),
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        ),
        layout=_layout(
            height=_height(len(shown)),
            margin={"l": 150, "r": 24, "t": 24, "b": 40},
            yaxis={"autorange": "reversed", "automargin": True},
            showlegend=False,
        ),
    )
    figure.update_xaxes(title_text="Days to third open slot", rangemode="tozero")
    return figure


def volume_heatmap(volume: pd.DataFrame, selected: tuple[int, int] | None = None) -> go.Figure:
    """Held appointments by weekday (rows) and start hour (columns); the selected cell boxed."""
    if volume.empty:
        return empty_figure()
    hours = list(range(int(volume["hour"].min()), int(volume["hour"].max()) + 1))
    grid = np.zeros((7, len(hours)))
    for row in volume.itertuples():
        grid[int(row.weekday), hours.index(int(row.hour))] = row.appointments
    used = [d for d in range(7) if grid[d].sum() > 0]
    grid = grid[used]
    # Cells are addressed by weekday number (y) and hour (x), what a click reports.
    figure = px.imshow(
        grid,
        x=hours,
        y=used,
        color_continuous_scale="Blues",
        aspect="auto",
        text_auto=True,
        labels={"x": "Start hour", "y": "", "color": "Appointments"},
    )
    figure.update_traces(
        text=[[count(v) for v in row] for row in grid],
        texttemplate="%{text}",
        customdata=[[[d, h] for h in hours] for d in used],
        hovertemplate="%{text} appointments<extra></extra>",
        xgap=2,
        ygap=2,
    )
    figure.update_xaxes(tickmode="array", tickvals=hours, ticktext=[f"{h:02d}:00" for h in hours])
    figure.update_yaxes(tickmode="array", tickvals=used, ticktext=[WEEKDAYS[d] for d in used])
    figure.update_layout(template=TEMPLATE, height=300, margin={"l": 48, "r": 16, "t": 16, "b": 40})
    if selected and selected[0] in used and selected[1] in hours:
        row, col = used.index(selected[0]), hours.index(selected[1])
        figure.add_shape(
            type="rect",
            x0=col - 0.5,
            x1=col + 0.5,
            y0=row - 0.5,
            y1=row + 0.5,
            line={"color": PALETTE[5], "width": 3},
        )
    return figure


def time_of_week_bars(frame: pd.DataFrame, title: str) -> go.Figure:
    """Booked appointments and open slots per clinician (clickable bars)."""
    if frame.empty:
        return empty_figure("Nobody is booked or open at this time")
    figure = go.Figure(
        layout=_layout(
            title={"text": title, "font": {"size": 13}},
            barmode="group",
            height=_height(len(frame)),
            margin={"l": 150, "r": 24, "t": 40, "b": 40},
            yaxis={"autorange": "reversed", "automargin": True},
            legend={"orientation": "h", "y": -0.08, "yanchor": "top"},
        )
    )
    for key, name, color in (
        ("booked", "Booked in period", PALETTE[0]),
        ("open_slots", "Open slots, next 28 days", PALETTE[2]),
    ):
        figure.add_trace(clinician_bar(frame, key, name, color, count))
    return figure
