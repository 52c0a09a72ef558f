"""The fill-from-waitlist list: for a cancelled appointment picked in the list, or an open slot
picked among the open slots, the open waitlist entries that fit, ranked by
``metrics.matching.rank_waitlist``, each with why it fits, in a modal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.export import EXPORT_CLICKS, export_buttons, export_io, send_table
from dashboard.components.grid import grid
from dashboard.format import MODALITY_LABELS, count
from dashboard.metrics import matching
from dashboard.metrics.schedule_rows import is_rebooked
from dashboard.roles import FRONT_DESK
from pages.schedule_slots import FILL_FROM_SLOT, SLOTS_GRID
from pages.schedule_status import APPOINTMENTS_GRID, FILL_FROM_APPOINTMENT, SELECTION

FILL_MODAL, FILL_TITLE, FILL_NOTE, FILL_GRID = (
    "sch-fill-modal",
    "sch-fill-title",
    "sch-fill-note",
    "sch-fill-grid",
)
FILL_TARGET = "sch-fill-target"
FILL_EXPORT = "sch-fill-export"
FILL_COLUMNS = [
    {"field": "rank", "headerName": "#", "maxWidth": 70},
    {"field": "client", "headerName": "Client", "minWidth": 130},
    {"field": "fit", "headerName": "Fit", "maxWidth": 110},
    {"field": "priority", "headerName": "Priority", "maxWidth": 110},
    {"field": "days_waiting", "headerName": "Days waiting", "maxWidth": 130},
    {"field": "language", "headerName": "Language", "maxWidth": 120},
    {"field": "preferred_modality", "headerName": "Prefers", "maxWidth": 120},
    {"field": "why", "headerName": "Why", "minWidth": 380, "wrapText": True, "autoHeight": True},
]


def _moment(what: str) -> v.Validator:
    """An ISO date-time (naive wall-clock time), within the validators' date range."""

    def check(value: Any, _ctx: CallbackContext) -> dt.datetime:
        if not isinstance(value, str) or len(value) > 32:
            raise v.InvalidInput(f"{what} is not a date-time")
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise v.InvalidInput(f"{what} is not a date-time") from exc
        if parsed.tzinfo is not None or not v.EARLIEST <= parsed.date() <= v.LATEST:
            raise v.InvalidInput(f"{what} is out of range")
        return parsed

    return check


SLOT_SELECTION = v.list_of(
    v.record(
        {
            "clinician_id": v.known("clinician", optional=False),
            "start_at": _moment("slot start"),
            "end_at": _moment("slot end"),
            "location": v.text(max_length=100, what="location"),
        }
    ),
    max_items=1,
)
TARGET = v.record(
    {
        "appointment_id": v.text(max_length=64, what="appointment"),
        "clinician_id": v.known("clinician"),
        "start_at": v.text(max_length=32, what="slot start"),
        "end_at": v.text(max_length=32, what="slot end"),
        "location": v.text(max_length=100, what="location"),
    }
)


def modal() -> html.Div:
    """The modal holding the ranked list, and the store of the slot it is about."""
    return html.Div(
        [
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle("Fill from the waitlist", id=FILL_TITLE)),
                    dbc.ModalBody(
                        [
                            html.Div(id=FILL_NOTE, className="mb-2"),
                            export_buttons(FILL_EXPORT),
                            grid(FILL_GRID, FILL_COLUMNS, row_id="entry_id", height=420),
                        ]
                    ),
                ],
                id=FILL_MODAL,
                size="xl",
                is_open=False,
                scrollable=True,
            ),
            dcc.Store(id=FILL_TARGET),
        ]
    )


def _slot_of(conn: Any, target: dict[str, Any]) -> matching.SlotToFill | None:
    if target.get("appointment_id"):
        return matching.slot_for_appointment(conn, target["appointment_id"])
    try:
        start = dt.datetime.fromisoformat(target["start_at"])
        end = dt.datetime.fromisoformat(target["end_at"])
    except (TypeError, ValueError):
        return None
    return matching.slot_for_clinician(
        conn, target["clinician_id"], start, end, location=target.get("location")
    )


def _fill(ctx: CallbackContext, target: dict[str, Any]) -> tuple[Any, str, pd.DataFrame]:
    """The slot's title, a note on it and the ranked entries."""
    today = ctx.now().date()
    with ctx.db.read() as conn:
        slot = _slot_of(conn, target)
        if slot is None:
            return "Fill from the waitlist", "That slot no longer exists.", pd.DataFrame()
        problem = matching.slot_problem(slot)
        ranked = (
            matching.rank_waitlist(
                matching.waitlist_candidates(conn, slot.program, today), slot, today
            )
            if problem is None
            else pd.DataFrame(columns=matching.RANKED_COLUMNS)
        )
        rebooked = bool(target.get("appointment_id")) and is_rebooked(
            conn, slot.clinician_id, slot.start_at, slot.end_at, ctx.rules
        )
    modality = MODALITY_LABELS.get(slot.modality or "", "In person or telehealth")
    title = (
        f"Fill {slot.start_at:%a %b %-d, %H:%M}–{slot.end_at:%H:%M} with {slot.clinician} "
        f"({slot.program or 'no program'})"
    )
    fits = int((ranked["fit"] == matching.FITS).sum()) if len(ranked) else 0
    note = problem or (
        f"{modality}{' at ' + slot.location if slot.location else ''}. "
        f"{count(fits)} open {slot.program} entries fit, {count(len(ranked) - fits)} half fit: "
        "full fits first, then urgent before routine, then longest waiting."
    )
    if rebooked:
        note += " Note: this time has already been booked again."
    return title, note, ranked


# --- callbacks -----------------------------------------------------------------------------------


def register() -> None:
    """Register the fill-list callbacks with the app being built."""

    @dash.callback(
        Output(FILL_MODAL, "is_open"),
        Output(FILL_TITLE, "children"),
        Output(FILL_NOTE, "children"),
        Output(FILL_GRID, "rowData"),
        Output(FILL_TARGET, "data"),
        Input(FILL_FROM_APPOINTMENT, "n_clicks"),
        Input(FILL_FROM_SLOT, "n_clicks"),
        State(APPOINTMENTS_GRID, "selectedRows"),
        State(SLOTS_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @secure_callback(
        roles=FRONT_DESK, args=[v.clicks(), v.clicks(), SELECTION, SLOT_SELECTION], phi=True
    )
    def open_fill(
        ctx: CallbackContext, from_appointment: int, from_slot: int, picked: list, slots: list
    ) -> list[Any]:
        if dash.ctx.triggered_id == FILL_FROM_SLOT and from_slot:
            if not slots:
                return [True, "Fill from the waitlist", "Pick an open slot first.", [], None]
            slot = slots[0]
            target = {
                "clinician_id": slot["clinician_id"],
                "start_at": slot["start_at"].isoformat(timespec="minutes"),
                "end_at": slot["end_at"].isoformat(timespec="minutes"),
                "location": slot["location"],
            }
        elif dash.ctx.triggered_id == FILL_FROM_APPOINTMENT and from_appointment:
            if not picked:
                return [
                    True,
                    "Fill from the waitlist",
                    "Pick a cancelled appointment first.",
                    [],
                    None,
                ]
            target = {"appointment_id": picked[0]["appointment_id"]}
        else:
            raise PreventUpdate
        title, note, ranked = _fill(ctx, target)
        ctx.note_clients(ranked["client_id"] if len(ranked) else [])
        rows = ranked.drop(columns=["client_id"]) if len(ranked) else ranked
        return [True, title, note, col.records(rows), target]

    @dash.callback(*export_io(FILL_EXPORT), State(FILL_TARGET, "data"), prevent_initial_call=True)
    @secure_callback(roles=FRONT_DESK, args=[*EXPORT_CLICKS, TARGET])
    def export_fill(ctx: CallbackContext, csv: int, xlsx: int, target: dict | None) -> Any:
        if not (csv or xlsx) or not target:
            raise PreventUpdate
        _title, _note, ranked = _fill(ctx, target)
        if "client_id" not in ranked:  # the slot no longer exists: no list to export
            raise PreventUpdate
        return send_table(ctx, ranked, "waitlist-fill", client_column="client_id")
