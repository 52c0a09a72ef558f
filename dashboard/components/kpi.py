"""KPI cards: a big number, a label, an optional comparison and definition."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(
    label: str,
    value: str,
    *,
    note: str | None = None,
    definition: str | None = None,
    card_id: str | None = None,
) -> dbc.Card:
    body = [
        html.Div(label, className="kpi-label text-body-secondary small"),
        html.Div(value, className="kpi-value fs-3 fw-semibold"),
    ]
    if note:
        body.append(html.Div(note, className="kpi-note small text-body-secondary"))
    # dbc.Card takes no title: the definition shows on hover of the card's body.
    card = dbc.Card(
        dbc.CardBody(html.Div(body, title=definition or None)), className="kpi-card h-100"
    )
    if card_id:
        card.id = card_id
    return card
