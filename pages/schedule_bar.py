"""The schedule's own filter bar: one date and a day/week view instead of a period, plus
program, location, clinician, modality and status, all kept in the URL query string (``date``,
``view``, ``program``, ``location``, ``clinician``, ``modality``, ``status``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import Input, State, dcc, html

from dashboard.auth import validate as v
from dashboard.components.filters import (
    FilterOptions,
    bar_card,
    choice_arg,
    chosen_dimensions,
    date_arg,
    dimension_choices,
    dropdown,
    field,
    practice_options,
)
from dashboard.components.urlsync import QuerySync
from dashboard.context import state
from dashboard.figures.schedule import STATUS_LABELS
from dashboard.metrics.common import Filters
from db.timeutil import day_start
from db.vocab import APPOINTMENT_STATUSES, MODALITIES

if TYPE_CHECKING:
    from dashboard.auth.callbacks import CallbackContext

DATE, VIEW = "sch-date", "sch-view"
PROGRAM, LOCATION, CLINICIAN = "sch-program", "sch-location", "sch-clinician"
MODALITY, STATUS = "sch-modality", "sch-status"
VIEWS = ("day", "week")
KEYS = ("date", "view", "program", "location", "clinician", "modality", "status")

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
STATES = [State(i.component_id, i.component_property) for i in INPUTS]
# Writes the bar's values into the query string as they change (no data: it runs in the page).
URL_SYNC = QuerySync("sch-url-sync", dict(zip(KEYS, INPUTS, strict=True)))


def register() -> None:
    """Register the bar's URL sync with the app being built."""
    URL_SYNC.register()


def initial_values(query: Mapping[str, Any], options: FilterOptions, today: dt.date) -> dict:
    """The bar's values from the query string; anything unknown falls back to its default."""
    day = date_arg(query.get("date")) or today
    if not v.EARLIEST <= day <= v.LATEST:
        day = today
    statuses = str(query.get("status") or "").split(",")
    return {
        "date": day,
        "view": choice_arg(query.get("view"), VIEWS) or "day",
        **chosen_dimensions(query, options),
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


def scoped_window(ctx: CallbackContext, values: list[Any]) -> tuple[dt.date, dt.date, Filters]:
    """The dates shown and the filters (in the user's scope) of the bar's validated values."""
    day, view, program, location, clinician, modality, _status = values
    start, end = window(day, view, ctx.now().date())
    return start, end, ctx.scoped(filters_of(program, location, clinician, modality))


def moments(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The dates as the half-open range of moments [start 00:00, the day after end 00:00)."""
    return day_start(start), day_start(end + dt.timedelta(days=1))


def url_schedule_bar(query: Mapping[str, Any]) -> html.Div:
    """The bar with the values in the page's query string, and the store of its URL sync."""
    app = state()
    options = practice_options(app)
    values = initial_values(query, options, app.now().date())
    return html.Div([schedule_bar(values, options), URL_SYNC.store()])


def schedule_bar(values: Mapping[str, Any], options: FilterOptions) -> html.Div:
    """The bar, showing ``values``."""
    day = dcc.DatePickerSingle(
        id=DATE, date=values["date"].isoformat(), display_format="YYYY-MM-DD", first_day_of_week=1
    )
    view = dbc.RadioItems(
        id=VIEW,
        options=[{"label": "Day", "value": "day"}, {"label": "Week", "value": "week"}],
        value=values["view"],
        inline=True,
    )
    ids = {"program": PROGRAM, "location": LOCATION, "clinician": CLINICIAN, "modality": MODALITY}
    dimensions = [
        dropdown(ids[key], label, choices, values[key], md=1 if key == "modality" else 2)
        for key, (label, choices) in dimension_choices(options).items()
    ]
    statuses = [{"label": label, "value": key} for key, label in STATUS_LABELS.items()]
    return bar_card(
        [
            field("Date", day),
            field("View", view, md=1, block_label=True),
            *dimensions,
            dropdown(STATUS, "Status", statuses, values["status"], multi=True),
        ]
    )
