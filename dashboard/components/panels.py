"""Layout pieces the pages share: the header, a page under the filter bar, chart and table
panels (each with its reading guide) in rows, and links that carry the filters along."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.export import export_buttons
from dashboard.components.filters import url_filter_bar
from dashboard.metrics.common import Filters, Period

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def page_header(title: str, intro: str, *, title_id: str | None = None) -> html.Div:
    """The page's title and what it is for; ``title_id`` for a title a callback rewrites."""
    heading = html.H1(title, className="h3 mb-1")
    if title_id:
        heading.id = title_id
    return html.Div([heading, html.P(intro, className="text-body-secondary")])


def filtered_page(
    title: str, intro: str, query: Mapping[str, Any], *body: Any, hide: Collection[str] = ()
) -> html.Div:
    """A page under the shared filter bar, which starts from the URL's query (``hide``: the
    filters it keeps but does not show)."""
    return html.Div([page_header(title, intro), url_filter_bar(query, hide=hide), *body])


def filter_query(period: Period, filters: Filters) -> str:
    """The query string that reopens a page with this period and these filters."""
    values = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    values.update({key: value for key, value in filters.as_dict().items() if value})
    return "?" + urlencode(values)


def guide(text: str) -> html.P:
    """A chart's one-line reading guide: what a good value looks like."""
    return html.P(text, className="small text-body-secondary mb-1 reading-guide")


def panel(title: str, reading_guide: str | None, *body: Any, class_name: str = "mb-3") -> dbc.Card:
    """A titled card with its reading guide (if any) above ``body``."""
    heading = [html.H2(title, className="h6 mb-1"), guide(reading_guide) if reading_guide else None]
    return dbc.Card(dbc.CardBody([*heading, *body]), className=class_name)


def chart_panel(
    title: str, reading_guide: str, graph_id: str, *, min_height: int = 320
) -> dbc.Card:
    """A titled card with its reading guide and a graph that shows a spinner while loading."""
    graph = dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"minHeight": f"{min_height}px"})
    return panel(title, reading_guide, dcc.Loading(graph, type="dot"), class_name="mb-3 h-100")


def table_panel(
    title: str, reading_guide: str, table: Any, export_prefix: str, *, extra: Any = None
) -> dbc.Card:
    """A titled card with its reading guide, CSV and Excel export, and a grid."""
    return panel(
        title, reading_guide, extra, export_buttons(export_prefix), dcc.Loading(table, type="dot")
    )


def one_column(panel: Any) -> dbc.Row:
    """A panel across the page, spaced like ``two_columns``."""
    return dbc.Row(dbc.Col(panel, className="mb-3"))


def two_columns(left: Any, right: Any) -> dbc.Row:
    return dbc.Row([dbc.Col(left, lg=6, className="mb-3"), dbc.Col(right, lg=6, className="mb-3")])
