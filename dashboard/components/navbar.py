"""The navbar, built from the page registry: a user sees only the pages of their role."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from db.accounts import SessionUser

# Where each role's work starts ("/" is the directors' overview).
LANDING = {"front_desk": "/schedule", "clinician": "/my-week", "director": "/"}
ROLE_LABELS = {
    "director": "Clinical director",
    "front_desk": "Front desk",
    "clinician": "Clinician",
}


def allowed_pages(role: str) -> list[dict]:
    """Pages in the navbar for ``role``, in their nav order."""
    pages = [
        page
        for page in dash.page_registry.values()
        if page.get("nav") is not None and role in page.get("roles", ())
    ]
    return sorted(pages, key=lambda page: page["nav"])


def navbar(user: SessionUser) -> dbc.Navbar:
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"],
                href=page["path"],
                active="exact" if page["path"] == "/" else "partial",
            )
        )
        for page in allowed_pages(user.role)
    ]
    account = html.Div(
        [
            html.Span(
                [html.Strong(user.username), f" · {ROLE_LABELS.get(user.role, user.role)}"],
                className="navbar-text me-3",
            ),
            html.A("Log out", href="/logout", className="btn btn-outline-light btn-sm"),
        ],
        className="d-flex align-items-center ms-auto",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    "careboard", href=LANDING.get(user.role, "/"), className="fw-semibold"
                ),
                dbc.Nav(links, navbar=True, className="me-auto"),
                account,
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3 d-print-none",
    )
