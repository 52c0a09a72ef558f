"""KPI cards with a weekly sparkline, a comparison with the previous period and the
definition on hover; the whole card links to the page that explains the number."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

SPARK_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def trend_card(
    card_id: str,
    label: str,
    value: str,
    *,
    href: str,
    definition: str,
    comparison: str,
    sparkline: go.Figure | None = None,
    note: str | None = None,
) -> dcc.Link:
    """A card whose big number is ``value``; ``comparison`` reads like "▲ 2.1 pts vs
    previous 28 days (better)" so the direction is in words, not only in colour."""
    body: list = [
        html.Div(label, className="kpi-label text-body-secondary small"),
        html.Div(value, className="kpi-value fs-3 fw-semibold"),
    ]
    if note:
        body.append(html.Div(note, className="kpi-note small text-body-secondary"))
    body.append(html.Div(comparison, className="kpi-change small"))
    if sparkline is not None:
        body.append(
            # The trend is described by the comparison text; the line is decoration.
            html.Div(
                dcc.Graph(figure=sparkline, config=SPARK_CONFIG, style={"height": "44px"}),
                className="kpi-spark mt-1",
                **{"aria-hidden": "true"},
            )
        )
    body.append(html.Span(f"Definition: {definition}", className="visually-hidden"))
    return dcc.Link(
        html.Div(
            html.Div(body, className="card-body py-2"),
            className="card kpi-card h-100",
            title=definition,
            id=card_id,
        ),
        href=href,
        className="text-reset text-decoration-none d-block h-100",
    )


def stat_card(card_id: str, label: str, value: str, *, note: str, definition: str) -> html.Div:
    """A plain KPI card (no link, no trend) with its definition on hover and for screen
    readers."""
    return html.Div(
        html.Div(
            [
                html.Div(label, className="kpi-label text-body-secondary small"),
                html.Div(value, className="kpi-value fs-4 fw-semibold"),
                html.Div(note, className="kpi-note small text-body-secondary"),
                html.Span(f"Definition: {definition}", className="visually-hidden"),
            ],
            className="card-body py-2",
        ),
        className="card kpi-card h-100",
        title=definition,
        id=card_id,
    )
