"""Layout pieces the directors' pages share: the header, the filter bar from the URL, chart
and table panels (each with its reading guide), and links that carry the filters along."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.export import export_buttons
from dashboard.components.filters import (
    CLINICIAN,
    LOCATION,
    MODALITY,
    MODALITY_LABELS,
    PERIOD,
    PROGRAM,
    FilterOptions,
    filter_bar,
    initial_values,
    load_options,
)
from dashboard.context import state
from dashboard.metrics.common import Filters, Period
from db.vocab import MODALITIES

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def page_header(title: str, intro: str) -> html.Div:
    return html.Div(
        [html.H1(title, className="h3 mb-1"), html.P(intro, className="text-body-secondary")]
    )


def url_filter_bar(query: Mapping[str, Any], *, clinician_locked: bool = False) -> html.Div:
    """The shared filter bar with the values in the page's query string (junk ignored).

    ``filters.filter_bar`` passes ``role`` to ``dbc.Card``, which dash-bootstrap-components 2
    refuses; until it is fixed there, the same bar is built here with the role on a wrapper."""
    app = state()
    with app.db.read() as conn:
        options = load_options(conn)
    values = initial_values(query, options, app.now().date())
    try:
        return html.Div(filter_bar(values, options, clinician_locked=clinician_locked))
    except TypeError:
        return _filter_bar(values, options, clinician_locked)


def _dropdown(component_id: str, label: str, options: list[dict], value: str | None) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component_id, className="small mb-1"),
            dcc.Dropdown(
                id=component_id, options=options, value=value, placeholder="All", clearable=True
            ),
        ],
        md=2,
    )


def _filter_bar(values: Mapping[str, Any], options: FilterOptions, locked: bool) -> html.Div:
    """``filters.filter_bar``, same ids and layout."""
    clinicians = [{"label": name, "value": cid} for cid, name in options.clinicians]
    clinician_col = _dropdown(CLINICIAN, "Clinician", clinicians, values["clinician"])
    if locked:
        clinician_col.style = {"display": "none"}
    period = dbc.Col(
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
    )
    row = dbc.Row(
        [
            period,
            _dropdown(PROGRAM, "Program", _plain(options.programs), values["program"]),
            _dropdown(LOCATION, "Location", _plain(options.locations), values["location"]),
            clinician_col,
            _dropdown(MODALITY, "Modality", _modalities(), values["modality"]),
        ],
        className="g-2 align-items-end",
    )
    card = dbc.Card(dbc.CardBody(row, className="py-2"), className="mb-3 filter-bar d-print-none")
    return html.Div(card, role="search")


def _plain(values: list[str]) -> list[dict[str, str]]:
    return [{"label": value, "value": value} for value in values]


def _modalities() -> list[dict[str, str]]:
    return [{"label": MODALITY_LABELS[m], "value": m} for m in MODALITIES]


def filter_query(period: Period, filters: Filters) -> str:
    """The query string that reopens a page with this period and these filters."""
    values = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    values.update({key: value for key, value in filters.as_dict().items() if value})
    return "?" + urlencode(values)


def guide(text: str) -> html.P:
    """A chart's one-line reading guide: what a good value looks like."""
    return html.P(text, className="small text-body-secondary mb-1 reading-guide")


def chart_panel(
    title: str, reading_guide: str, graph_id: str, *, min_height: int = 320
) -> dbc.Card:
    """A titled card with its reading guide and a graph that shows a spinner while loading."""
    graph = dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"minHeight": f"{min_height}px"})
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="h6 mb-1"),
                guide(reading_guide),
                dcc.Loading(graph, type="dot"),
            ]
        ),
        className="mb-3 h-100",
    )


def table_panel(
    title: str, reading_guide: str, table: Any, export_prefix: str, *, extra: Any = None
) -> dbc.Card:
    """A titled card with its reading guide, CSV and Excel export, and a grid."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="h6 mb-1"),
                guide(reading_guide),
                extra,
                export_buttons(export_prefix),
                dcc.Loading(table, type="dot"),
            ]
        ),
        className="mb-3",
    )


def two_columns(left: Any, right: Any) -> dbc.Row:
    return dbc.Row([dbc.Col(left, lg=6, className="mb-3"), dbc.Col(right, lg=6, className="mb-3")])
