"""The shared filter bar: period, program, location, clinician, modality.

Its values live in the URL query string (``start``, ``end``, ``program``, ``location``,
``clinician``, ``modality``), so a view can be bookmarked, shared and reloaded. A page's layout
reads them from its query arguments; assets/careboard.js writes them back as they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, dcc, html
from sqlalchemy import Connection

from dashboard.auth import validate as v
from dashboard.metrics.common import Filters, Period
from dashboard.metrics.vocabulary import clinicians, locations, programs
from db.vocab import MODALITIES

START, END = "f-start", "f-end"
PERIOD = "f-period"
PROGRAM, LOCATION, CLINICIAN, MODALITY = "f-program", "f-location", "f-clinician", "f-modality"
DEFAULT_DAYS = 28
MAX_DAYS = 3 * 366
MODALITY_LABELS = {"in_person": "In person", "telehealth": "Telehealth"}

# Inputs and validators of every callback that follows the filter bar, in this order.
FILTER_INPUTS = [
    Input(PERIOD, "start_date"),
    Input(PERIOD, "end_date"),
    Input(PROGRAM, "value"),
    Input(LOCATION, "value"),
    Input(CLINICIAN, "value"),
    Input(MODALITY, "value"),
]
FILTER_VALIDATORS = [
    v.date(what="period start"),
    v.date(what="period end"),
    v.known("program"),
    v.known("location"),
    v.known("clinician"),
    v.choice(MODALITIES, what="modality"),
]


@dataclass(frozen=True)
class FilterOptions:
    programs: list[str]
    locations: list[str]
    clinicians: list[tuple[str, str]]  # (id, name)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def _date_arg(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _choice_arg(value: Any, allowed: set[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def initial_values(query: Mapping[str, Any], options: FilterOptions, today: dt.date) -> dict:
    """Filter values from a page's query arguments; anything unknown falls back to default."""
    start, end = _date_arg(query.get("start")), _date_arg(query.get("end"))
    if start is None or end is None or end < start or (end - start).days > MAX_DAYS:
        start, end = default_period(today)
    return {
        "start": start,
        "end": end,
        "program": _choice_arg(query.get("program"), set(options.programs)),
        "location": _choice_arg(query.get("location"), set(options.locations)),
        "clinician": _choice_arg(query.get("clinician"), {c for c, _ in options.clinicians}),
        "modality": _choice_arg(query.get("modality"), set(MODALITIES)),
    }


def _dropdown(component_id: str, label: str, options: list[dict], value: str | None) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id, className="small mb-1"),
            dcc.Dropdown(
                id=component_id,
                options=options,
                value=value,
                placeholder="All",
                clearable=True,
            ),
        ],
        md=2,
    )


def filter_bar(
    values: Mapping[str, Any], options: FilterOptions, *, clinician_locked: bool = False
) -> html.Div:
    """The filter bar with ``values``; a clinician user's clinician filter is fixed and hidden."""
    clinician_col = _dropdown(
        CLINICIAN,
        "Clinician",
        [{"label": name, "value": cid} for cid, name in options.clinicians],
        values["clinician"],
    )
    if clinician_locked:
        clinician_col.style = {"display": "none"}
    card = dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Period", html_for=PERIOD, className="small mb-1"),
                            dcc.DatePickerRange(
                                id=PERIOD,
                                start_date=values["start"].isoformat(),
                                end_date=values["end"].isoformat(),
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                                minimum_nights=0,
                            ),
                        ],
                        md=4,
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
                    clinician_col,
                    _dropdown(
                        MODALITY,
                        "Modality",
                        [{"label": MODALITY_LABELS[m], "value": m} for m in MODALITIES],
                        values["modality"],
                    ),
                ],
                className="g-2 align-items-end",
            ),
            className="py-2",
        ),
        className="mb-3 filter-bar d-print-none",
    )
    return html.Div(card, role="search")


def period_and_filters(
    start: dt.date | None,
    end: dt.date | None,
    program: str | None,
    location: str | None,
    clinician: str | None,
    modality: str | None,
    *,
    now: dt.datetime,
) -> tuple[Period, Filters]:
    """Validated filter-bar values as a Period (as of now) and Filters."""
    if start is None or end is None:
        start, end = default_period(now.date())
    if end < start:
        raise v.InvalidInput("the period ends before it starts")
    if (end - start).days > MAX_DAYS:
        raise v.InvalidInput("the period is longer than three years")
    return Period.make(start, end, now=now), Filters(clinician, program, location, modality)


def html_label(text: str) -> html.Span:
    return html.Span(text, className="small text-body-secondary")


def load_options(conn: Connection) -> FilterOptions:
    """The filter choices that exist in the practice."""
    table = clinicians(conn)
    return FilterOptions(
        programs=programs(conn),
        locations=locations(conn),
        clinicians=list(zip(table["clinician_id"], table["name"], strict=True)),
    )
