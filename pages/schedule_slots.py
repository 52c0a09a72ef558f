"""The schedule's open slots and the fill-from-waitlist list.

Open slots, next available and third next available come from ``availability`` through
``metrics.schedule_rows``; the ranking of waitlist entries for a slot is
``metrics.matching.rank_waitlist``. This module lays them out and wires them. The open slots
are paged on the server (``SLOTS``): a week of 200 clinicians' open slots was 304 KB in one
response (issue 8: at most 150 KB).
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.grid import grid
from dashboard.components.paged_grid import PagedGrid
from dashboard.components.states import empty
from dashboard.figures.schedule_lists import next_available_rows, slot_rows
from dashboard.metrics.schedule_rows import next_available, open_slot_rows
from dashboard.roles import FRONT_DESK
from pages import schedule_bar as bar
from pages.schedule_status import REFRESH

SLOTS_GRID, NEXT_GRID, PROGRAM_TABLE = "sch-slots-grid", "sch-next-grid", "sch-program-next"
FILL_FROM_SLOT = "sch-fill-slot"
SLOTS_EXPORT, NEXT_EXPORT = "sch-slots-export", "sch-next-export"
SLOT_COLUMNS = [
    {"field": "day", "headerName": "Day", "maxWidth": 130},
    {"field": "start", "headerName": "Start", "maxWidth": 90},
    {"field": "end", "headerName": "End", "maxWidth": 90},
    {"field": "clinician", "headerName": "Clinician", "minWidth": 160},
    {"field": "program", "headerName": "Program"},
    {"field": "location", "headerName": "Location"},
    {"field": "accepting", "headerName": "New clients"},
    {"field": "freed", "headerName": "Freed by", "minWidth": 140},
]
# Each row also carries what the fill list reads from a pick: clinician_id, start_at, end_at.
SLOTS = PagedGrid(
    SLOTS_GRID,
    SLOT_COLUMNS,
    row_id="slot_id",
    selectable=True,
    no_rows="No open slots on these dates for these filters.",
)
NEXT_COLUMNS = [
    {"field": "clinician", "headerName": "Clinician", "minWidth": 160},
    {"field": "program", "headerName": "Program"},
    {"field": "next_available", "headerName": "Next available"},
    {"field": "third_next", "headerName": "Third next available"},
]


def section() -> html.Section:
    """Open slots, and next available per clinician and program."""
    return html.Section(
        [
            html.H2("Open slots", className="h5 mt-4"),
            html.P(
                "Open 60-minute slots of active clinicians from now on, on the dates shown: "
                "available time, minus time off, minus booked appointments. Pick one and "
                "press “Fill from waitlist” to see who could take it.",
                className="small text-body-secondary",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H3("Next available, by clinician", className="h6"),
                            export_buttons(NEXT_EXPORT),
                            grid(NEXT_GRID, NEXT_COLUMNS, row_id="clinician_id", height=300),
                        ],
                        lg=7,
                    ),
                    dbc.Col(
                        [
                            html.H3("By program", className="h6"),
                            dcc.Loading(html.Div(id=PROGRAM_TABLE), type="dot"),
                        ],
                        lg=5,
                    ),
                ],
                className="mb-3",
            ),
            html.Div(
                [
                    dbc.Button(
                        "Fill selected slot from waitlist…",
                        id=FILL_FROM_SLOT,
                        color="info",
                        outline=True,
                        size="sm",
                        className="me-auto",
                    ),
                    export_buttons(SLOTS_EXPORT),
                ],
                className="d-flex align-items-start",
            ),
            SLOTS.component(height=380),
        ],
        className="d-print-none",
    )


# --- rows ----------------------------------------------------------------------------------------


def _filters(ctx: CallbackContext, values: list[Any]) -> Any:
    """The bar's filters in the user's scope, without modality: slots have none."""
    _day, _view, program, location, clinician, _modality, _status = values
    return ctx.scoped(bar.filters_of(program, location, clinician, None))


def _slot_rows(ctx: CallbackContext, values: list[Any]) -> pd.DataFrame:
    start, end = bar.window(values[0], values[1], ctx.now().date())
    with ctx.db.read() as conn:
        slots = open_slot_rows(conn, start, end, ctx.now(), _filters(ctx, values), ctx.rules)
    return slot_rows(slots)


def _slot_page_rows(ctx: CallbackContext, *values: Any) -> pd.DataFrame:
    """Every open slot in the user's scope, as ``SLOTS`` pages them."""
    return _slot_rows(ctx, list(values))


def _next_rows(ctx: CallbackContext, values: list[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    with ctx.db.read() as conn:
        per, programs = next_available(conn, ctx.now(), _filters(ctx, values), ctx.rules)
    return next_available_rows(per, programs)


# --- callbacks -----------------------------------------------------------------------------------


def register() -> None:
    """Register the open-slot and fill-from-waitlist callbacks with the app being built."""

    SLOTS.register(
        rows=_slot_page_rows,
        states=bar.STATES,
        validators=bar.VALIDATORS,
        roles=FRONT_DESK,
        target="schedule.slot_rows",
    )

    @dash.callback(
        SLOTS.reload_output(),
        Output(SLOTS_GRID, "selectedRows"),
        Output(NEXT_GRID, "rowData"),
        Output(PROGRAM_TABLE, "children"),
        *bar.INPUTS,
        Input(REFRESH, "data"),
    )
    @secure_callback(
        roles=FRONT_DESK,
        args=[*bar.VALIDATORS, v.ignored()],
        cache=True,
    )
    def show_slots(ctx: CallbackContext, *values: Any) -> list[Any]:
        """Next available by clinician and program; the open slots reload their rows, and a
        pick among the old ones is dropped (the fill list must not open on a slot no longer
        shown)."""
        *filters, _refresh = values
        clinicians, programs = _next_rows(ctx, filters)
        table = (
            dbc.Table.from_dataframe(programs, striped=True, size="sm", className="small")
            if len(programs)
            else empty("No clinician accepting new clients passes these filters.")
        )
        return [SLOTS.reloaded(ctx), [], col.records(clinicians), table]

    for prefix, name in ((SLOTS_EXPORT, "open-slots"), (NEXT_EXPORT, "next-available")):
        _register_export(prefix, name)


def _register_export(prefix: str, name: str) -> None:
    def export(ctx: CallbackContext, csv: int, xlsx: int, *values: Any) -> Any:
        if not (csv or xlsx):
            raise PreventUpdate
        if prefix == SLOTS_EXPORT:
            frame = _slot_rows(ctx, list(values)).drop(columns=["slot_id"])
        else:
            frame = _next_rows(ctx, list(values))[0]
        return send_table(ctx, frame, name)

    # Each export is audited under its own name.
    export.__name__ = f"export_{name.replace('-', '_')}"
    secured = secure_callback(roles=FRONT_DESK, args=[*EXPORT_CLICKS, *bar.VALIDATORS])
    dash.callback(*export_io(prefix), *bar.STATES, prevent_initial_call=True)(secured(export))
