"""The schedule timeline: clinician rows across the time of day, appointments coloured by
status (and named by it in the legend and the hover text), telehealth marked with a pattern
and "TH", time off and unavailable time shaded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import TEMPLATE, empty_figure

STATUS_LABELS = {
    "scheduled": "Scheduled",
    "confirmed": "Confirmed",
    "checked_in": "Checked in",
    "completed": "Completed",
    "no_show": "No-show",
    "late_cancel": "Late cancel",
    "cancelled_client": "Cancelled by client",
    "cancelled_clinician": "Cancelled by clinician",
    "rescheduled": "Rescheduled",
}
# Okabe–Ito hues; cancelled ones grey, since they no longer take the clinician's time.
STATUS_COLOURS = {
    "scheduled": "#56B4E9",
    "confirmed": "#0072B2",
    "checked_in": "#E69F00",
    "completed": "#009E73",
    "no_show": "#D55E00",
    "late_cancel": "#CC79A7",
    "cancelled_client": "#8d959c",
    "cancelled_clinician": "#6c757d",
    "rescheduled": "#b8bfc6",
}
SHADES = {
    "unavailable": ("Unavailable", "#e9ecef", ""),
    "time_off": ("Time off", "#ced4da", "/"),
}
MODALITY_WORDS = {"in_person": "in person", "telehealth": "telehealth"}
ROW_HEIGHT = 30
MS_PER_MINUTE = 60_000


def _minutes(start: pd.Series, end: pd.Series) -> list[float]:
    return ((pd.to_datetime(end) - pd.to_datetime(start)).dt.total_seconds() / 60).tolist()


def _labels(rows: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Row labels by clinician id: the name, with the id when two share a name."""
    names = [name for _, name in rows]
    return {cid: name if names.count(name) == 1 else f"{name} ({cid})" for cid, name in rows}


def _shading_traces(shading: pd.DataFrame, labels: dict[str, str]) -> list[go.Bar]:
    traces = []
    for kind, (name, colour, pattern) in SHADES.items():
        part = shading[shading["kind"] == kind]
        if part.empty:
            continue
        traces.append(
            go.Bar(
                name=name,
                orientation="h",
                y=[labels.get(cid, cid) for cid in part["clinician_id"]],
                base=pd.to_datetime(part["start_at"]).dt.strftime("%Y-%m-%dT%H:%M").tolist(),
                x=[m * MS_PER_MINUTE for m in _minutes(part["start_at"], part["end_at"])],
                marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#adb5bd"}},
                width=1.0,
                hovertemplate=f"{name}<extra></extra>",
            )
        )
    return traces


def _appointment_trace(
    status: str, part: pd.DataFrame, labels: dict[str, str], show_text: bool
) -> go.Bar:
    label = STATUS_LABELS.get(status, status)
    telehealth = (part["modality"] == "telehealth").tolist()
    starts = pd.to_datetime(part["start_at"])
    ends = pd.to_datetime(part["end_at"])
    when = (starts.dt.strftime("%a %H:%M") + "–" + ends.dt.strftime("%H:%M")).tolist()
    text = [
        f"{'TH · ' if th else ''}{client}"
        for th, client in zip(telehealth, part["client"], strict=True)
    ]
    details = [
        f"{w}<br>{client} · {service}<br>{MODALITY_WORDS.get(mod, mod)} · {loc or ''}"
        for w, client, service, mod, loc in zip(
            when, part["client"], part["service"], part["modality"], part["location"], strict=True
        )
    ]
    return go.Bar(
        name=label,
        orientation="h",
        y=[labels.get(cid, cid) for cid in part["clinician_id"]],
        base=starts.dt.strftime("%Y-%m-%dT%H:%M").tolist(),
        x=[m * MS_PER_MINUTE for m in _minutes(part["start_at"], part["end_at"])],
        width=0.7,
        marker={
            "color": STATUS_COLOURS.get(status, "#6c757d"),
            "line": {"color": "white", "width": 1},
            # Telehealth: white dots over the status colour (and "TH" in the label).
            "pattern": {
                "shape": ["." if th else "" for th in telehealth],
                "fillmode": "overlay",
                "fgcolor": "white",
                "size": 6,
                "solidity": 0.15,
            },
        },
        text=text if show_text else None,
        textposition="inside",
        insidetextanchor="start",
        textfont={"size": 10},
        customdata=details,
        hovertemplate=f"<b>{label}</b><br>%{{customdata}}<extra></extra>",
    )


def timeline(
    appointments: pd.DataFrame,
    shading: pd.DataFrame,
    rows: Sequence[tuple[str, str]],
    start: dt.date,
    end: dt.date,
    hours: tuple[int, int],
    *,
    now: dt.datetime | None = None,
) -> go.Figure:
    """Clinician rows (``rows``: id and name, top to bottom) over the dates start..end, each
    day shown from ``hours[0]`` to ``hours[1]`` o'clock."""
    if not rows:
        return empty_figure("No clinician works or is booked on these days")
    labels = _labels(rows)
    one_day = start == end
    figure = go.Figure(layout={"template": TEMPLATE})
    for trace in _shading_traces(shading, labels):
        figure.add_trace(trace)
    for status in STATUS_LABELS:
        part = appointments[appointments["status"] == status]
        if not part.empty:
            figure.add_trace(_appointment_trace(status, part, labels, show_text=one_day))
    first = dt.datetime.combine(start, dt.time(hours[0]))
    last = dt.datetime.combine(end, dt.time()) + dt.timedelta(hours=hours[1])
    xaxis: dict = {"type": "date", "range": [first.isoformat(), last.isoformat()], "side": "top"}
    if one_day:
        xaxis.update(dtick=3_600_000, tickformat="%H:%M")
    else:
        # One tick a day; nights lie outside the shaded hours and stay blank.
        xaxis.update(dtick=86_400_000, tickformat="%a %-d", ticklabelmode="period")
    if now is not None and first <= now <= last:
        figure.add_vline(x=now.isoformat(), line={"color": "#D55E00", "width": 2, "dash": "dot"})
    figure.update_layout(
        barmode="overlay",
        height=80 + ROW_HEIGHT * len(rows),
        xaxis=xaxis,
        yaxis={
            "categoryorder": "array",
            "categoryarray": [labels[cid] for cid, _ in rows],
            "autorange": "reversed",
            "title": None,
        },
        margin={"l": 150, "r": 16, "t": 48, "b": 24},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "traceorder": "normal"},
        uniformtext={"minsize": 8, "mode": "hide"},
    )
    return figure


__all__ = ["STATUS_COLOURS", "STATUS_LABELS", "timeline"]
