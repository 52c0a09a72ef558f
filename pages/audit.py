"""Audit log (directors): who read, exported or changed what, and when."""

from __future__ import annotations

import datetime as dt

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, State, callback, dcc, html

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.filters import field
from dashboard.components.paged_grid import PagedGrid
from dashboard.components.panels import page_header
from dashboard.context import state
from dashboard.roles import DIRECTOR
from db.audit import client_heads, search

dash.register_page(
    __name__, path="/audit", name="Audit log", title="Audit log · careboard", roles=DIRECTOR, nav=90
)

AUDIT_GRID = "audit-grid"
AUDIT_START, AUDIT_END = "audit-start", "audit-end"
AUDIT_USER, AUDIT_ACTION, AUDIT_OUTCOME, AUDIT_CLIENT = (
    "audit-user",
    "audit-action",
    "audit-outcome",
    "audit-client",
)
AUDIT_EXPORT = "audit-export"
ACTIONS = ("read", "export", "write", "login", "admin", "import")
OUTCOMES = ("ok", "denied", "invalid", "conflict", "error", "rate_limited")
COLUMNS = [
    {"field": "at", "headerName": "When", "minWidth": 170},
    {"field": "username", "headerName": "User"},
    {"field": "role", "headerName": "Role"},
    {"field": "action", "headerName": "Action"},
    {"field": "target", "headerName": "Page / callback", "minWidth": 200},
    {"field": "outcome", "headerName": "Outcome"},
    {"field": "row_count", "headerName": "Rows", "type": "numericColumn"},
    # Sorted and filtered in the bar (the client filter), not by the grid: it reads only the
    # shown page's lists.
    {
        "field": "client_ids",
        "headerName": "Clients",
        "minWidth": 200,
        "sortable": False,
        "filter": False,
    },
    {"field": "detail", "headerName": "Detail", "minWidth": 200},
]
# The grid shows the first few clients of a read; the export has them all.
CLIENTS_SHOWN = 10
AUDIT = PagedGrid(AUDIT_GRID, COLUMNS, row_id="id", no_rows="No audit entries match.")
INPUTS = [
    Input(AUDIT_START, "date"),
    Input(AUDIT_END, "date"),
    Input(AUDIT_USER, "value"),
    Input(AUDIT_ACTION, "value"),
    Input(AUDIT_OUTCOME, "value"),
    Input(AUDIT_CLIENT, "value"),
]
VALIDATORS = [
    v.date(what="from"),
    v.date(what="to"),
    v.text(max_length=100, what="user"),
    v.choice(ACTIONS, what="action"),
    v.choice(OUTCOMES, what="outcome"),
    v.text(max_length=64, what="client id"),
]


def layout(**_query: str) -> html.Div:
    today = state().now().date()
    controls = dbc.Row(
        [
            field(
                "From",
                dcc.DatePickerSingle(
                    id=AUDIT_START,
                    date=(today - dt.timedelta(days=7)).isoformat(),
                    display_format="YYYY-MM-DD",
                ),
            ),
            field(
                "To",
                dcc.DatePickerSingle(
                    id=AUDIT_END, date=today.isoformat(), display_format="YYYY-MM-DD"
                ),
            ),
            field("User", dbc.Input(id=AUDIT_USER, debounce=True, placeholder="any")),
            field(
                "Action", dcc.Dropdown(id=AUDIT_ACTION, options=list(ACTIONS), placeholder="any")
            ),
            field(
                "Outcome", dcc.Dropdown(id=AUDIT_OUTCOME, options=list(OUTCOMES), placeholder="any")
            ),
            field("Client id", dbc.Input(id=AUDIT_CLIENT, debounce=True, placeholder="any")),
        ],
        className="g-2 mb-3 align-items-end",
    )
    return html.Div(
        [
            page_header(
                "Audit log",
                "Every read of client data, export, change and login, newest first. "
                "The log is append-only: the database refuses to change or delete its rows.",
            ),
            controls,
            export_buttons(AUDIT_EXPORT),
            AUDIT.component(height=600),
        ]
    )


def _rows(ctx: CallbackContext, values: list, with_clients: bool = True) -> pd.DataFrame:  # type: ignore[type-arg]
    start, end, user, action, outcome, client = values
    end = end or ctx.now().date()
    start = start or end - dt.timedelta(days=7)
    with ctx.db.read() as conn:
        frame = search(
            conn,
            start=dt.datetime.combine(start, dt.time()),
            end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
            username=user or None,
            action=action,
            outcome=outcome,
            client_id=client or None,
            limit=2000,
            with_clients=with_clients,
        )
    if not frame.empty:
        frame["at"] = frame["at"].astype(str).str.slice(0, 19)
    return frame


def _shortened(head: str, count: int) -> str:
    """A client list (of which ``head`` is the start) cut to its first few, saying how many
    there are."""
    if count <= CLIENTS_SHOWN:
        return head
    return ",".join(head.split(",")[:CLIENTS_SHOWN]) + f" … ({count} in all; export for the list)"


def _grid_rows(ctx: CallbackContext, *values: object) -> pd.DataFrame:
    # The rows without their client lists: the page shown gets them in ``_page_clients``.
    return _rows(ctx, list(values), with_clients=False)


def _page_clients(ctx: CallbackContext, page: pd.DataFrame) -> pd.DataFrame:
    """The first few clients of each row of the page (the export has them all)."""
    with ctx.db.read() as conn:
        heads = client_heads(conn, [int(i) for i in page["id"]], CLIENTS_SHOWN)
    shown = [_shortened(*heads[int(i)]) if int(i) in heads else None for i in page["id"]]
    return page.assign(client_ids=shown)


STATES = [State(i.component_id, i.component_property) for i in INPUTS]
# Each read of the log is itself audited; never cached, as new entries carry no data version.
AUDIT.register(
    rows=_grid_rows,
    complete=_page_clients,
    states=STATES,
    validators=VALIDATORS,
    roles=DIRECTOR,
    target="audit.show_audit",
    phi=True,
    cache=False,
)


@callback(AUDIT.reload_output(), *INPUTS, prevent_initial_call=True)
@secure_callback(roles=DIRECTOR, args=VALIDATORS)
def reload_audit(ctx: CallbackContext, *values: object) -> str:
    """The search changed: the grid asks for its rows again."""
    return AUDIT.reloaded(ctx)


@callback(
    *export_io(AUDIT_EXPORT),
    *STATES,
    prevent_initial_call=True,
)
@secure_callback(roles=DIRECTOR, args=[*EXPORT_CLICKS, *VALIDATORS])
def export_audit(ctx: CallbackContext, _csv: int, _xlsx: int, *values: object) -> dict:  # type: ignore[type-arg]
    return send_table(ctx, _rows(ctx, list(values)), "audit-log")
