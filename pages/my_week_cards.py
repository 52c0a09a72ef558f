"""The clinician's week in four KPI cards: booked and kept hours this week against available
time and the weekly target, sessions kept, and next week's bookings."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc

from dashboard.components.kpi import kpi_card
from dashboard.format import count, hours, pct


def load_cards(this: dict[str, Any], following: dict[str, Any]) -> dbc.Row:
    """Cards from ``metrics.clinician_week.week_load`` of this week and the next."""
    target = this["target_hours"]
    target_note = f"{pct(this['booked_of_target'])} of target ({hours(target)})"
    cards = [
        kpi_card(
            "Booked this week",
            hours(this["booked_hours"]),
            note=f"{pct(this['booked_utilization'])} of {hours(this['available_hours'])} "
            f"available · {target_note}",
            card_id="week-kpi-booked",
        ),
        kpi_card(
            "Kept so far",
            hours(this["kept_hours"]),
            note=f"{pct(this['kept_utilization'])} of available time so far · "
            f"{pct(this['kept_of_target'])} of target",
            card_id="week-kpi-kept",
        ),
        kpi_card(
            "Sessions kept this week",
            f"{count(this['kept_sessions'])} of {count(this['target_sessions'])}",
            note=f"{count(this['booked_sessions'])} booked · target "
            f"{count(this['target_sessions'])} a week",
            card_id="week-kpi-sessions",
        ),
        kpi_card(
            "Booked next week",
            hours(following["booked_hours"]),
            note=f"{pct(following['booked_utilization'])} of "
            f"{hours(following['available_hours'])} available",
            card_id="week-kpi-next",
        ),
    ]
    return dbc.Row([dbc.Col(card, md=3, className="mb-3") for card in cards])
