"""The shared filter bar: period, program, location, clinician, modality.

Its values live in the URL query string (``start``, ``end``, ``program``, ``location``,
``clinician``, ``modality``), so a view can be bookmarked, shared and reloaded. A page's layout
reads them from its query arguments (``url_filter_bar``); ``FILTER_SYNC`` writes them back as
they change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import Input, State, dcc, html
from sqlalchemy import Connection

from dashboard.auth import validate as v
from dashboard.components.urlsync import QuerySync
from dashboard.context import AppState, state
from dashboard.format import MODALITY_LABELS
from dashboard.metrics.common import Filters, Period
from dashboard.metrics.vocabulary import clinicians, locations, programs
from db.meta import data_version
from db.vocab import MODALITIES

if TYPE_CHECKING:
    from dashboard.auth.callbacks import CallbackContext

PERIOD = "f-period"
PROGRAM, LOCATION, CLINICIAN, MODALITY = "f-program", "f-location", "f-clinician", "f-modality"
DEFAULT_DAYS = 28
MAX_DAYS = 3 * 366

# Query keys, inputs and validators of every callback that follows the filter bar, in this order.
FILTER_KEYS = ("start", "end", "program", "location", "clinician", "modality")
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
# The same values as States, for callbacks that a button triggers (exports, writes).
FILTER_STATES = [State(i.component_id, i.component_property) for i in FILTER_INPUTS]
# Registered by the app factory; its store is in the page shell.
FILTER_SYNC = QuerySync("url-sync", dict(zip(FILTER_KEYS, FILTER_INPUTS, strict=True)))


@dataclass(frozen=True)
class FilterOptions:
    programs: list[str]
    locations: list[str]
    clinicians: list[tuple[str, str]]  # (id, name)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def date_arg(value: Any) -> dt.date | None:
    """A date from a query argument (a date-time keeps its date); None for junk."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def choice_arg(value: Any, allowed: Collection[str]) -> str | None:
    """A query argument that is one of ``allowed``, else None."""
    return value if isinstance(value, str) and value in allowed else None


def chosen_dimensions(query: Mapping[str, Any], options: FilterOptions) -> dict[str, str | None]:
    """Program, location, clinician and modality from query arguments (unknown ones: None)."""
    return {
        "program": choice_arg(query.get("program"), options.programs),
        "location": choice_arg(query.get("location"), options.locations),
        "clinician": choice_arg(query.get("clinician"), {c for c, _ in options.clinicians}),
        "modality": choice_arg(query.get("modality"), MODALITIES),
    }


def initial_values(query: Mapping[str, Any], options: FilterOptions, today: dt.date) -> dict:
    """Filter values from a page's query arguments; anything unknown falls back to default."""
    start, end = date_arg(query.get("start")), date_arg(query.get("end"))
    if start is None or end is None or end < start or (end - start).days > MAX_DAYS:
        start, end = default_period(today)
    return {"start": start, "end": end, **chosen_dimensions(query, options)}


# --- bars ---------------------------------------------------------------------------------------


def field(label: str, control: Any, *, md: int | bool = 2, block_label: bool = False) -> dbc.Col:
    """One column of a bar: a control under its label."""
    label_class = "small mb-1 d-block" if block_label else "small mb-1"
    return dbc.Col([dbc.Label(label, html_for=control.id, className=label_class), control], md=md)


def dropdown(
    component_id: str, label: str, options: list[dict], value: Any, *, md: int = 2, **kw: Any
) -> dbc.Col:
    """A labelled dropdown whose empty value reads "All"."""
    kw.setdefault("clearable", True)
    control = dcc.Dropdown(id=component_id, options=options, value=value, placeholder="All", **kw)
    return field(label, control, md=md)


def period_picker(component_id: str, start: dt.date, end: dt.date) -> dcc.DatePickerRange:
    return dcc.DatePickerRange(
        id=component_id,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
        minimum_nights=0,
    )


def dimension_choices(options: FilterOptions) -> dict[str, tuple[str, list[dict]]]:
    """Label and dropdown options of program, location, clinician and modality."""
    return {
        "program": ("Program", [{"label": p, "value": p} for p in options.programs]),
        "location": ("Location", [{"label": loc, "value": loc} for loc in options.locations]),
        "clinician": (
            "Clinician",
            [{"label": name, "value": cid} for cid, name in options.clinicians],
        ),
        "modality": (
            "Modality",
            [{"label": MODALITY_LABELS[m], "value": m} for m in MODALITIES],
        ),
    }


def bar_card(columns: list[dbc.Col]) -> html.Div:
    """A bar of filters in a card, found as a search landmark; not printed."""
    row = dbc.Row(columns, className="g-2 align-items-end")
    card = dbc.Card(dbc.CardBody(row, className="py-2"), className="mb-3 filter-bar d-print-none")
    return html.Div(card, role="search")


def filter_bar(
    values: Mapping[str, Any], options: FilterOptions, *, hide: Collection[str] = ()
) -> html.Div:
    """The filter bar with ``values``. The filters named in ``hide`` (``program``,
    ``location``, ``clinician``, ``modality``) keep their value but are not shown: one fixed
    by the page (a clinician's own page), or one that does not apply to it."""
    ids = {"program": PROGRAM, "location": LOCATION, "clinician": CLINICIAN, "modality": MODALITY}
    columns = [field("Period", period_picker(PERIOD, values["start"], values["end"]), md=4)]
    for key, (label, choices) in dimension_choices(options).items():
        column = dropdown(ids[key], label, choices, values[key])
        if key in hide:
            column.style = {"display": "none"}
        columns.append(column)
    return bar_card(columns)


def url_filter_bar(query: Mapping[str, Any], *, hide: Collection[str] = ()) -> html.Div:
    """The filter bar with the values in the page's query string (junk ignored)."""
    app = state()
    options = practice_options(app)
    return filter_bar(initial_values(query, options, app.now().date()), options, hide=hide)


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


def scoped_period_and_filters(
    ctx: CallbackContext, values: Sequence[Any]
) -> tuple[Period, Filters]:
    """``period_and_filters`` of the bar's validated values, as of now, in the user's scope."""
    period, filters = period_and_filters(*values, now=ctx.now())
    return period, ctx.scoped(filters)


def practice_options(app: AppState) -> FilterOptions:
    """``load_options``, stored in the app's cache for the data version: the names change only
    with the data, and every callback's validation asks for them."""
    with app.db.read() as conn:
        key = f"filter-options:v{data_version(conn)}"
        found = app.cache.get(key)
        if found is None:
            found = load_options(conn)
            app.cache.set(key, found)
    return found


def load_options(conn: Connection) -> FilterOptions:
    """The filter choices that exist in the practice."""
    table = clinicians(conn)
    return FilterOptions(
        programs=programs(conn),
        locations=locations(conn),
        clinicians=list(zip(table["clinician_id"], table["name"], strict=True)),
    )
