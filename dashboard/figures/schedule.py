"""The schedule timeline: clinician rows across the time of day, appointments coloured by
status (and named by it in the legend and the hover text), telehealth marked with a pattern
and "TH", time off and unavailable time shaded. And the week's overview of many clinicians:
a clinician × day heatmap of how many appointments each holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import TEMPLATE, empty_figure
from db.vocab import HELD_STATUSES

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
ROW_HEIGHT = 30
HEAT_ROW_HEIGHT = 22
# What a heatmap cell's hover splits the day's appointments into, in this order.
HEAT_PARTS = (
    ("scheduled", "confirmed"),
    ("checked_in",),
    ("completed",),
    ("no_show", "late_cancel"),
    ("cancelled_client", "cancelled_clinician", "rescheduled"),
)
HEAT_HOVER = (
    "<b>%{text}</b> · %{x|%a %b %-d}<br>%{z} {counted}<br>"
    "booked %{customdata[0]} h of %{customdata[1]} h available<br>"
    "%{customdata[2]} scheduled or confirmed · %{customdata[3]} checked in · "
    "%{customdata[4]} completed<br>%{customdata[5]} no-show or late cancel · "
    "%{customdata[6]} cancelled or rescheduled<extra></extra>"
)
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


def _where(telehealth: bool, location: object) -> str:
    """Telehealth and the location, whichever there are."""
    parts = ["telehealth"] if telehealth else []
    return " · ".join(parts + ([location] if isinstance(location, str) and location else []))


# The most appointments whose bars carry the client's name (about 30 clinicians' day).
NAMED_BARS = 150


def _appointment_trace(
    status: str, part: pd.DataFrame, labels: dict[str, str], one_day: bool, named: bool
) -> go.Bar:
    """One status's bars. The client is each bar's text (drawn when ``named``, else only
    hovered) and the hover's details say the rest once (issue 8: the client twice and the
    weekday on every bar of a day made a busy day's figure near 150 KB)."""
    label = STATUS_LABELS.get(status, status)
    telehealth = (part["modality"] == "telehealth").tolist()
    starts = pd.to_datetime(part["start_at"])
    ends = pd.to_datetime(part["end_at"])
    when = starts.dt.strftime("%H:%M" if one_day else "%a %H:%M") + "–" + ends.dt.strftime("%H:%M")
    text = [
        f"{'TH · ' if th else ''}{client}"
        for th, client in zip(telehealth, part["client"], strict=True)
    ]
    # Two fields, the line break in the template: "<br>" in each would travel as 14 escaped
    # characters. In person is the default and goes unsaid; telehealth is said.
    details = [
        [f"{w} · {service.replace('_', ' ')}", _where(th, loc)]
        for w, service, th, loc in zip(
            when, part["service"], telehealth, part["location"], strict=True
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
        text=text,
        textposition="inside" if named else "none",
        insidetextanchor="start",
        textfont={"size": 10},
        customdata=details,
        hovertemplate=(
            f"<b>{label}</b> · %{{text}}<br>%{{customdata[0]}}<br>%{{customdata[1]}}<extra></extra>"
        ),
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
    # Names in the bars of a day, unless there are too many to read: the browser measures
    # each bar's text to fit it (a day of 200 clinicians spent a second of its first paint).
    named = one_day and len(appointments) <= NAMED_BARS
    figure = go.Figure(layout={"template": TEMPLATE})
    for trace in _shading_traces(shading, labels):
        figure.add_trace(trace)
    for status in STATUS_LABELS:
        part = appointments[appointments["status"] == status]
        if not part.empty:
            figure.add_trace(_appointment_trace(status, part, labels, one_day, named))
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


def _cells(totals: pd.DataFrame, ids: list[str], dates: list[dt.date]) -> pd.DataFrame:
    """One row per clinician and date, in row-major order (zeros where nothing is)."""
    full = pd.MultiIndex.from_product([ids, dates], names=["clinician_id", "day"])
    return totals.set_index(["clinician_id", "day"]).reindex(full, fill_value=0)


def week_heatmap(
    totals: pd.DataFrame,
    rows: Sequence[tuple[str, str]],
    start: dt.date,
    end: dt.date,
    counted: Collection[str],
) -> go.Figure:
    """Clinician × day (``totals``: ``metrics.schedule_rows.day_totals``): each cell the
    appointments of the ``counted`` statuses that day, its hover the booked and available hours
    and the statuses behind them. A cell per clinician and day instead of a bar per appointment
    keeps a week of 200 clinicians small (issue 8: a response at most 150 KB). Rows are
    clinician ids (what a click reports, as the cell's y) labelled with names; a day with
    neither availability nor appointments is left blank."""
    if not rows:
        return empty_figure("No clinician works or is booked on these days")
    labels = _labels(rows)
    ids = [cid for cid, _ in rows]
    dates = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    cells = _cells(totals, ids, dates)
    shape = (len(ids), len(dates))
    statuses = list(STATUS_LABELS)
    count = cells[[s for s in statuses if s in counted]].sum(axis=1).to_numpy().reshape(shape)
    idle = (cells["available_min"].to_numpy() + cells[statuses].sum(axis=1).to_numpy()) == 0
    # Object arrays, not nested lists: plotly validates a nested list element by element (0.1 s
    # for a week of 200 clinicians) and takes an array as it is; the values keep their Python
    # types, so whole numbers are still sent without ".0". A blank cell is None (null).
    z = np.where(idle.reshape(shape), None, count.astype(object))
    parts = [cells["booked_min"] / 60, cells["available_min"] / 60]
    parts += [cells[list(part)].sum(axis=1) for part in HEAT_PARTS]
    custom = np.column_stack([np.round(part.to_numpy(dtype=float), 1) for part in parts])
    # Whole numbers print without ".0"; the cell's numbers, row by row.
    flat = [[int(n) if n == int(n) else n for n in cell] for cell in custom.tolist()]
    customdata = np.empty((len(flat), len(parts)), dtype=object)
    customdata[:] = flat
    customdata = customdata.reshape((*shape, len(parts)))
    text = np.array([labels[cid] for cid in ids], dtype=object)[:, None].repeat(len(dates), 1)
    word = "held appointments" if set(counted) == set(HELD_STATUSES) else "appointments"
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[d.isoformat() for d in dates],
            y=ids,
            text=text,
            customdata=customdata,
            texttemplate="%{z}",
            textfont={"size": 10},
            hovertemplate=HEAT_HOVER.replace("{counted}", word),
            hoverongaps=False,
            colorscale="Blues",
            zmin=0,
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": word.capitalize(), "side": "right"}, "thickness": 12},
        ),
        layout={
            "template": TEMPLATE,
            "xaxis": {"type": "date", "side": "top", "dtick": 86_400_000, "tickformat": "%a %-d"},
            "yaxis": {
                "type": "category",
                "tickmode": "array",
                "tickvals": ids,
                "ticktext": [labels[cid] for cid in ids],
                "autorange": "reversed",
            },
            "height": 80 + HEAT_ROW_HEIGHT * len(ids),
            "margin": {"l": 150, "r": 16, "t": 48, "b": 24},
        },
    )
    return figure


__all__ = ["STATUS_COLOURS", "STATUS_LABELS", "timeline", "week_heatmap"]
