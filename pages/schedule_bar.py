"""The schedule's own filter bar: one date and a day/week view instead of a period, plus
program, location, clinician, modality and status, all kept in the URL query string (``date``,
``view``, ``program``, ``location``, ``clinician``, ``modality``, ``status``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashboard.auth import validate as v
from dashboard.components.filters import MODALITY_LABELS, FilterOptions
from dashboard.figures.schedule import STATUS_LABELS
from dashboard.metrics.common import Filters
from db.vocab import APPOINTMENT_STATUSES, MODALITIES

DATE, VIEW = "sch-date", "sch-view"
PROGRAM, LOCATION, CLINICIAN = "sch-program", "sch-location", "sch-clinician"
MODALITY, STATUS = "sch-modality", "sch-status"
URL_SYNC = "sch-url-sync"
VIEWS = ("day", "week")

INPUTS = [
    Input(DATE, "date"),
    Input(VIEW, "value"),
    Input(PROGRAM, "value"),
    Input(LOCATION, "value"),
    Input(CLINICIAN, "value"),
    Input(MODALITY, "value"),
    Input(STATUS, "value"),
]
VALIDATORS = [
    v.date(what="date"),
    v.choice(VIEWS, what="view"),
    v.known("program"),
    v.known("location"),
    v.known("clinician"),
    v.choice(MODALITIES, what="modality"),
    v.list_of(v.choice(APPOINTMENT_STATUSES, what="status"), max_items=len(APPOINTMENT_STATUSES)),
]

# Writes the bar's values into the query string as they change (no data: it runs in the page).
SYNC_URL_JS = """
function (date, view, program, location, clinician, modality, status) {
  const params = new URLSearchParams(window.location.search);
  const values = {date, view, program, location, clinician, modality,
                  status: Array.isArray(status) ? status.join(",") : status};
  Object.entries(values).forEach(([key, value]) => {
    if (value === null || value === undefined || value === "") params.delete(key);
    else params.set(key, key === "date" ? String(value).slice(0, 10) : String(value));
  });
  const query = params.toString();
  window.history.replaceState(window.history.state, "",
    window.location.pathname + (query ? "?" + query : ""));
  return window.dash_clientside.no_update;
}
"""


def register() -> None:
    """Register the bar's URL sync with the app being built."""
    dash.clientside_callback(SYNC_URL_JS, Output(URL_SYNC, "data"), *INPUTS)


def _one(value: Any, allowed: set[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def initial_values(query: Mapping[str, Any], options: FilterOptions, today: dt.date) -> dict:
    """The bar's values from the query string; anything unknown falls back to its default."""
    try:
        day = dt.date.fromisoformat(str(query.get("date"))[:10]) if query.get("date") else today
    except ValueError:
        day = today
    if not v.EARLIEST <= day <= v.LATEST:
        day = today
    statuses = str(query.get("status") or "").split(",")
    return {
        "date": day,
        "view": _one(query.get("view"), set(VIEWS)) or "day",
        "program": _one(query.get("program"), set(options.programs)),
        "location": _one(query.get("location"), set(options.locations)),
        "clinician": _one(query.get("clinician"), {cid for cid, _ in options.clinicians}),
        "modality": _one(query.get("modality"), set(MODALITIES)),
        "status": [s for s in APPOINTMENT_STATUSES if s in statuses],
    }


def window(day: dt.date | None, view: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates shown: the day, or its Monday-to-Sunday week."""
    day = day or today
    if view == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


def filters_of(
    program: str | None, location: str | None, clinician: str | None, modality: str | None
) -> Filters:
    return Filters(clinician=clinician, program=program, location=location, modality=modality)


def _dropdown(
    component_id: str, label: str, options: list[dict], value: Any, *, md: int = 2, **kw: Any
) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id, className="small mb-1"),
            dcc.Dropdown(id=component_id, options=options, value=value, placeholder="All", **kw),
        ],
        md=md,
    )


def schedule_bar(values: Mapping[str, Any], options: FilterOptions) -> html.Div:
    """The bar, showing ``values``."""
    status_options = [{"label": label, "value": key} for key, label in STATUS_LABELS.items()]
    card = dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Date", html_for=DATE, className="small mb-1"),
                            dcc.DatePickerSingle(
                                id=DATE,
                                date=values["date"].isoformat(),
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                            ),
                        ],
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("View", html_for=VIEW, className="small mb-1 d-block"),
                            dbc.RadioItems(
                                id=VIEW,
                                options=[
                                    {"label": "Day", "value": "day"},
                                    {"label": "Week", "value": "week"},
                                ],
                                value=values["view"],
                                inline=True,
                            ),
                        ],
                        md=1,
                    ),
                    _dropdown(
                        PROGRAM,
                        "Program",
                        [{"label": p, "value": p} for p in options.programs],
                        values["program"],
                    ),
                    _dropdown(
                        LOCATION,
                        "Location",
                        [{"label": loc, "value": loc} for loc in options.locations],
                        values["location"],
                    ),
                    _dropdown(
                        CLINICIAN,
                        "Clinician",
                        [{"label": name, "value": cid} for cid, name in options.clinicians],
                        values["clinician"],
                    ),
                    _dropdown(
                        MODALITY,
                        "Modality",
                        [{"label": MODALITY_LABELS[m], "value": m} for m in MODALITIES],
                        values["modality"],
                        md=1,
                    ),
                    _dropdown(STATUS, "Status", status_options, values["status"], multi=True),
                ],
                className="g-2 align-items-end",
            ),
            className="py-2",
        ),
        className="mb-3 filter-bar",
    )
    return html.Div(card, role="search", className="d-print-none")
