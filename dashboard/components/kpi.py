"""KPI cards: a big number, a label, an optional note and definition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html


def kpi_card(
    label: str,
    value: str,
    *,
    note: str | None = None,
    definition: str | None = None,
    card_id: str | None = None,
    compact: bool = False,
    extra: Sequence[Any] = (),
) -> html.Div:
    """A card whose big number is ``value``; the definition shows on hover and is read out by
    screen readers. ``compact`` trims the padding (cards with a sparkline); ``extra`` goes
    under the note."""
    body: list[Any] = [
        html.Div(label, className="kpi-label text-body-secondary small"),
        html.Div(value, className="kpi-value fs-3 fw-semibold"),
    ]
    if note:
        body.append(html.Div(note, className="kpi-note small text-body-secondary"))
    body.extend(extra)
    if definition:
        body.append(html.Span(f"Definition: {definition}", className="visually-hidden"))
    # A plain div with Bootstrap's card classes (what dbc.Card renders), since dbc.Card takes
    # no title: the definition shows on hover of the whole card.
    card = html.Div(
        html.Div(body, className="card-body py-2" if compact else "card-body"),
        className="card kpi-card h-100",
        title=definition or None,
    )
    if card_id:
        card.id = card_id
    return card
