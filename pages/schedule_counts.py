"""The schedule's counts for the dates shown: booked, checked in, completed, no-shows and
cancellations, as KPI cards with their definitions."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc

from dashboard.components.kpi import kpi_card
from dashboard.format import count


def count_cards(counts: dict[str, Any]) -> dbc.Row:
    """One card per count of ``metrics.schedule.status_counts``."""
    cancelled = counts["cancelled"] + counts["late_cancel"]
    cards = [
        ("Booked", counts["booked"], None, "Appointments holding the time (cancelled ones aside)"),
        ("Checked in", counts["checked_in"], "here now", "Clients checked in, not yet completed"),
        ("Completed", counts["completed"], None, "Sessions marked completed"),
        ("No-shows", counts["no_show"], None, "Clients who did not come"),
        (
            "Cancellations",
            cancelled,
            f"{count(counts['late_cancel'])} late",
            "Cancelled by client or clinician, and late cancels (late ones also count as booked)",
        ),
    ]
    return dbc.Row(
        [
            dbc.Col(
                kpi_card(
                    label,
                    count(n),
                    note=note,
                    definition=definition,
                    card_id=f"sch-count-{label.lower().replace(' ', '-')}",
                ),
                xs=6,
                md=True,
                className="mb-3",
            )
            for label, n, note, definition in cards
        ],
        className="g-2",
    )
