"""KPI cards with a weekly sparkline and a comparison with the previous period; the whole card
links to the page that explains the number."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.components.kpi import kpi_card

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
    extra = [html.Div(comparison, className="kpi-change small")]
    if sparkline is not None:
        extra.append(
            # The trend is described by the comparison text; the line is decoration.
            html.Div(
                dcc.Graph(figure=sparkline, config=SPARK_CONFIG, style={"height": "44px"}),
                className="kpi-spark mt-1",
                **{"aria-hidden": "true"},
            )
        )
    card = kpi_card(
        label, value, note=note, definition=definition, card_id=card_id, compact=True, extra=extra
    )
    return dcc.Link(card, href=href, className="text-reset text-decoration-none d-block h-100")
