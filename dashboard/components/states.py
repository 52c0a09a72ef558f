"""Page-level states: forbidden, unavailable, empty."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def forbidden() -> html.Div:
    return html.Div(
        dbc.Alert(
            [
                html.H2("403 — not available to your role", className="h5"),
                html.P(
                    "This page is not part of your work in careboard. "
                    "If you need it, ask a clinical director to change your role.",
                    className="mb-0",
                ),
            ],
            color="secondary",
        ),
        className="mt-4",
        role="alert",
    )


def unavailable() -> dbc.Alert:
    return dbc.Alert(
        "Data is temporarily unavailable. Please reload the page in a moment.",
        color="danger",
        className="mt-4",
    )


NOTHING_FOR_FILTERS = "Nothing to show for these filters."


def empty(message: str = NOTHING_FOR_FILTERS) -> html.P:
    return html.P(message, className="text-body-secondary fst-italic my-3")
