"""The schedule's status changes: pick an appointment in the list, press what happened.

The buttons the rules allow for the picked appointment are enabled (``db.scheduling.
allowed_actions``, on the stored row, not on what the browser holds); a press writes through
``db.scheduling.change_status`` with the version the list showed, so a stale edit is refused
and reloaded and a double click changes nothing the second time.
"""

from __future__ import annotations

import secrets
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.figures.schedule import STATUS_LABELS
from dashboard.metrics.schedule_rows import appointment_brief
from dashboard.roles import FRONT_DESK
from db.scheduling import ACTION_LABELS, ACTIONS, allowed_actions, change_status

APPOINTMENTS_GRID = "sch-grid"
REFRESH = "sch-refresh"
SELECTED = "sch-selected"
# The picked appointment as the panel shows it (id and the version read with it): a status
# change is checked against what the person saw, whatever the paged list still holds.
PICKED = "sch-picked"
MESSAGE = "sch-action-message"
FILL_FROM_APPOINTMENT = "sch-fill-appointment"
ACTION_PREFIX = "sch-act-"
ACTION_IDS = {action: f"{ACTION_PREFIX}{action.replace('_', '-')}" for action in ACTIONS}
ACTION_COLOURS = {
    "check_in": "primary",
    "complete": "success",
    "no_show": "danger",
    "late_cancel": "warning",
    "cancel_client": "secondary",
    "cancel_clinician": "secondary",
}
# Statuses whose time a cancellation gave back, so the fill-from-waitlist list applies.
FREED = ("cancelled_client", "cancelled_clinician", "late_cancel", "rescheduled")
OUTCOME_COLOURS = {"ok": "success", "unchanged": "info", "conflict": "warning"}
NOTHING_PICKED = "Pick an appointment in the list to change its status."

SELECTION = v.list_of(
    v.record(
        {
            "appointment_id": v.text(max_length=64, optional=False, what="appointment"),
            "version": v.integer(1, 10**9, optional=False, what="version"),
        }
    ),
    max_items=1,
)


def panel() -> html.Div:
    """The picked appointment and the status buttons (all disabled until a pick)."""
    buttons = [
        dbc.Button(
            ACTION_LABELS[action],
            id=ACTION_IDS[action],
            color=ACTION_COLOURS[action],
            outline=action.startswith("cancel"),
            size="sm",
            disabled=True,
            className="me-1 mb-1",
        )
        for action in ACTIONS
    ]
    buttons.append(
        dbc.Button(
            "Fill from waitlist…",
            id=FILL_FROM_APPOINTMENT,
            color="info",
            outline=True,
            size="sm",
            disabled=True,
            className="ms-2 mb-1",
        )
    )
    return html.Div(
        [
            html.Div(
                NOTHING_PICKED, id=SELECTED, className="small mb-1", **{"aria-live": "polite"}
            ),
            html.Div(buttons, role="group", **{"aria-label": "Change the picked appointment"}),
            html.Div(id=MESSAGE, role="status", **{"aria-live": "polite"}),
            dcc.Store(id=PICKED, data=[]),
        ],
        className="mb-2 d-print-none",
    )


def _picked(selection: list[dict[str, Any]]) -> dict[str, Any] | None:
    return selection[0] if selection else None


def _describe(brief: dict[str, Any]) -> str:
    when = f"{brief['start_at']:%a %b %-d, %H:%M}–{brief['end_at']:%H:%M}"
    status = STATUS_LABELS.get(brief["status"], brief["status"])
    return f"{brief['client']} · {when} with {brief['clinician']} · {status}"


def register() -> None:
    """Register the status callbacks with the app being built."""
    buttons = [Output(ACTION_IDS[action], "disabled") for action in ACTIONS]

    @dash.callback(
        Output(SELECTED, "children"),
        *buttons,
        Output(FILL_FROM_APPOINTMENT, "disabled"),
        Output(PICKED, "data"),
        Input(APPOINTMENTS_GRID, "selectedRows"),
        # After a change the list reloads its rows; the panel reads the picked row again.
        Input(REFRESH, "data"),
    )
    @secure_callback(roles=FRONT_DESK, args=[SELECTION, v.ignored()], phi=True)
    def show_actions(
        ctx: CallbackContext, selection: list[dict[str, Any]], _refresh: Any
    ) -> list[Any]:
        picked = _picked(selection)
        brief = None
        if picked:
            with ctx.db.read() as conn:
                brief = appointment_brief(conn, picked["appointment_id"])
        if brief is None:
            return [NOTHING_PICKED, *([True] * len(ACTIONS)), True, []]
        ctx.note_clients([brief["client_id"]])
        now = ctx.now()
        allowed = allowed_actions(
            brief["status"],
            brief["start_at"],
            now,
            tz=ctx.app.settings.tz,
            late_cancel_hours=ctx.rules.late_cancel_hours,
        )
        fillable = brief["status"] in FREED and brief["start_at"] > now
        return [
            _describe(brief),
            *[action not in allowed for action in ACTIONS],
            not fillable,
            [{"appointment_id": brief["appointment_id"], "version": int(brief["version"])}],
        ]

    @dash.callback(
        Output(REFRESH, "data"),
        Output(MESSAGE, "children"),
        *[Input(ACTION_IDS[action], "n_clicks") for action in ACTIONS],
        State(PICKED, "data"),
        prevent_initial_call=True,
    )
    @secure_callback(roles=FRONT_DESK, args=[*([v.clicks()] * len(ACTIONS)), SELECTION])
    def apply_action(ctx: CallbackContext, *values: Any) -> list[Any]:
        *clicks, selection = values
        by_id = {ACTION_IDS[action]: action for action in ACTIONS}
        action = by_id.get(str(dash.ctx.triggered_id))
        if action is None or not clicks[list(ACTIONS).index(action)]:
            raise PreventUpdate
        picked = _picked(selection)
        if picked is None:
            return [dash.no_update, dbc.Alert(NOTHING_PICKED, color="info", className="py-1")]
        result = change_status(
            ctx.db,
            picked["appointment_id"],
            action,
            picked["version"],
            actor=ctx.actor(),
            target=ctx.target,
            now=ctx.now(),
            tz=ctx.app.settings.tz,
            late_cancel_hours=ctx.rules.late_cancel_hours,
        )
        alert = dbc.Alert(
            result.message,
            color=OUTCOME_COLOURS.get(result.outcome, "danger"),
            className="py-1 mt-1",
            dismissable=True,
        )
        return [secrets.token_hex(4), alert]
