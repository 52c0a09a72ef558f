"""The continuity page's tables: columns of the clinician-change, lost-to-follow-up and
discharge grids, and the controls that sit above them."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import columns as col

SCORE_COLUMNS = [col.num(k, k.upper(), "number2") for k in ("upc", "coc", "secon")]
CHANGE_COLUMNS = [
    col.text("client_id", "Client"),
    col.text("primary_clinician_id", "Primary"),
    col.num("visits", "Visits", "count"),
    col.num("clinicians", "Clinicians", "count"),
    *SCORE_COLUMNS,
]
LOST_COLUMNS = [
    col.text("client_id", "Client"),
    col.text("primary_clinician_id", "Primary"),
    col.text("last_visit", "Last visit"),
    col.num("days_since", "Days since", "count"),
]
DISCHARGE_COLUMNS = [
    col.text("event_id", "Event"),
    col.text("client_id", "Client"),
    col.text("primary_clinician_id", "Primary"),
    col.text("discharged", "Discharged"),
    col.text("next_visit", "Next visit"),
]
# Several clients can be chosen at once, by checkbox or by clicking rows.
MULTI_SELECT = {"rowSelection": {"mode": "multiRow", "enableClickSelection": True}}


def outreach_controls(button_id: str, status_id: str) -> html.Div:
    return html.Div(
        [
            dbc.Button("Create outreach task for selected", id=button_id, size="sm"),
            html.Span(id=status_id, className="ms-2 small", role="status"),
        ],
        className="mb-2",
    )


def window_control(control_id: str) -> Any:
    return dbc.RadioItems(
        id=control_id,
        inline=True,
        value=7,
        className="mb-2",
        options=[
            {"label": "No visit within 7 days", "value": 7},
            {"label": "No visit within 30 days", "value": 30},
        ],
    )
