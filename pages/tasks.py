"""Tasks (everyone): the follow-up queue of the user's scope, filtered by assignee, kind, due and
client; mark done, snooze, add a note, and (directors) reassign. Directors also see throughput.

Scope and the writes' rules (one audited, version-checked, idempotent transaction each) are in
``db/task_queue.py``. The filter bar, kept in the URL, is ``tasks_bar``; the directors'
throughput charts are ``tasks_throughput``."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.grid import grid
from dashboard.components.kpi import kpi_card
from dashboard.components.panels import page_header
from dashboard.context import state
from dashboard.format import count
from dashboard.metrics import task_queue as queue
from dashboard.roles import EVERYONE
from db.task_queue import TaskChange, TaskScope, change_task
from pages import tasks_bar as bar
from pages import tasks_throughput as throughput

dash.register_page(
    __name__, path="/tasks", name="Tasks", title="Tasks · careboard", roles=EVERYONE, nav=50
)

COUNTS, GRID, DETAIL, SELECTED, REFRESH, MESSAGE = (
    f"tasks-{n}" for n in ("counts", "grid", "detail", "selected", "refresh", "message")
)
DONE, SNOOZE, SNOOZE_DATE, NOTE, NOTE_TEXT, REASSIGN, REASSIGN_TO = (
    f"tasks-{n}"
    for n in ("done", "snooze", "snooze-date", "note", "note-text", "reassign", "reassign-to")
)
ACTION_OF = {DONE: "done", SNOOZE: "snooze", NOTE: "note", REASSIGN: "reassign"}
COLUMNS = [
    col.text("due", "Due", minWidth=110),
    col.text("when", "Status", minWidth=100),
    col.text("kind_label", "Kind", minWidth=140),
    col.text("client", "Client", minWidth=130),
    col.text("assignee_name", "Assignee", minWidth=130),
    col.text("last_note", "Latest note", minWidth=200),
]
GRID_FIELDS = [
    "task_id",
    "version",
    "due",
    "when",
    "kind_label",
    "client",
    "assignee_name",
    "last_note",
]

bar.register()
throughput.register()


def _action(label: str, control: Any, button: str, text: str) -> html.Div:
    return html.Div(
        [
            dbc.Label(label, html_for=control.id, className="small mb-1 d-block"),
            control,
            dbc.Button(text, id=button, color="secondary", size="sm", className="mt-2"),
        ],
        className="mt-3",
    )


def _actions(scope: TaskScope, people: dict[str, str]) -> dbc.Card:
    targets = {k: name for k, name in people.items() if k != queue.UNASSIGNED}
    reassign = _action(
        "Reassign to",
        bar.choice_dropdown(REASSIGN_TO, targets, placeholder="Choose…"),
        REASSIGN,
        "Reassign",
    )
    reassign.style = None if scope.is_director else {"display": "none"}
    snooze = dcc.DatePickerSingle(
        id=SNOOZE_DATE,
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
        min_date_allowed=state().now().date().isoformat(),
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Selected task", className="h6"),
                dcc.Loading(html.Div("Select a task in the list.", id=DETAIL), type="dot"),
                html.Div(id=MESSAGE, role="status", className="my-2"),
                dbc.Button("Mark done", id=DONE, color="success", size="sm"),
                _action("Snooze to", snooze, SNOOZE, "Snooze"),
                _action(
                    "Note", dbc.Textarea(id=NOTE_TEXT, maxLength=500, rows=2), NOTE, "Add note"
                ),
                reassign,
            ]
        ),
        className="mb-3",
    )


def layout(**query: Any) -> html.Div:
    scope = bar.scope_of(current_user.role, current_user.clinician_id)
    with state().db.read() as conn:
        people = dict(queue.assignee_choices(conn, scope)) if scope.is_director else {}
    queue_grid = grid(
        GRID,
        COLUMNS,
        row_id="task_id",
        height=560,
        selectable=True,
        no_rows="No task in this view.",
    )
    return html.Div(
        [
            page_header(
                "Tasks",
                "Follow-up owed: outreach after missed sessions, re-engagement, alliance checks, "
                "post-discharge follow-up and treatment-plan reviews. Select a task to act on it.",
            ),
            bar.task_bar(query, scope),
            dcc.Loading(html.Div(id=COUNTS), type="dot"),
            dbc.Row([dbc.Col(queue_grid, lg=8), dbc.Col(_actions(scope, people), lg=4)]),
            throughput.section(state().now().date()) if scope.is_director else None,
            dcc.Store(id=SELECTED),
            dcc.Store(id=REFRESH, data=0),
        ]
    )


@callback(Output(GRID, "rowData"), Output(COUNTS, "children"), *bar.INPUTS, Input(REFRESH, "data"))
@secure_callback(roles=EVERYONE, args=[*bar.VALIDATORS, v.ignored()], phi=True, cache=True)
def show_tasks(ctx: CallbackContext, *values: Any) -> tuple[Any, Any]:
    assignee, kind, due, client, status, _refresh = values
    filters = queue.TaskFilters(assignee, kind, due, client, status or queue.OPEN)
    scope, now = bar.scope_of(ctx.role, ctx.scope), ctx.now()
    with ctx.db.read() as conn:
        frame = queue.task_list(conn, scope, filters, now)
        counts = queue.task_counts(conn, scope, filters, now)
    ctx.note_clients(frame["client_id"].dropna())
    cards = [
        kpi_card("Open", count(counts["open"]), note="for these filters", card_id="tasks-kpi-open"),
        kpi_card("Overdue", count(counts["overdue"]), note="past due", card_id="tasks-kpi-overdue"),
        kpi_card(
            "Due today", count(counts["today"]), note="still on time", card_id="tasks-kpi-today"
        ),
    ]
    return col.records(frame[GRID_FIELDS]), dbc.Row(
        [dbc.Col(c, md=4, className="mb-3") for c in cards]
    )


def _detail(task: dict[str, Any]) -> html.Div:
    rows = [
        html.Div(
            [html.Dt(label, className="col-4"), html.Dd(text, className="col-8 mb-1")],
            className="row",
        )
        for label, text in task["facts"].items()
    ]
    note = html.Pre(task["note"] or "No notes.", className="small bg-light p-2 mb-0 text-wrap")
    return html.Div([html.Dl(rows, className="small mb-2"), note])


@callback(
    Output(DETAIL, "children"),
    Output(SELECTED, "data"),
    Input(GRID, "selectedRows"),
    Input(REFRESH, "data"),
)
@secure_callback(
    roles=EVERYONE,
    args=[v.list_of(v.record({"task_id": v.text(max_length=64)}), max_items=5), v.ignored()],
    phi=True,
)
def show_detail(
    ctx: CallbackContext, selected: list[dict[str, Any]], _refresh: None
) -> tuple[Any, Any]:
    task_id = selected[0]["task_id"] if selected and selected[0] else None
    if not task_id:
        return "Select a task in the list.", None
    with ctx.db.read() as conn:
        task = queue.task_detail(conn, bar.scope_of(ctx.role, ctx.scope), task_id, ctx.now())
    if task is None:
        return "That task is not in your queue.", None
    ctx.note_clients([task["client_id"]])
    return _detail(task), {"task_id": task_id, "version": int(task["version"])}


@callback(
    Output(REFRESH, "data"),
    Output(MESSAGE, "children"),
    Output(NOTE_TEXT, "value"),
    *[Input(button, "n_clicks") for button in ACTION_OF],
    State(SELECTED, "data"),
    State(SNOOZE_DATE, "date"),
    State(NOTE_TEXT, "value"),
    State(REASSIGN_TO, "value"),
    State(REFRESH, "data"),
    prevent_initial_call=True,
)
@secure_callback(
    roles=EVERYONE,
    args=[
        *[v.clicks() for _ in ACTION_OF],
        v.record(
            {
                "task_id": v.text(max_length=64, optional=False),
                "version": v.integer(1, 10**9, optional=False),
            }
        ),
        v.date(what="snooze date"),
        v.text(max_length=500, what="note"),
        bar.assignee_choice,
        v.integer(0, 10**9, what="refresh"),
    ],
)
def act(ctx: CallbackContext, *values: Any) -> tuple[Any, Any, Any]:
    selected, due_date, text, assignee, refresh = values[len(ACTION_OF) :]
    if not selected:
        hint = dbc.Alert("Select a task first.", color="secondary", className="py-1 mb-0")
        return dash.no_update, hint, dash.no_update
    action = ACTION_OF.get(str(dash.ctx.triggered_id), "done")
    change = TaskChange(action, due_date=due_date, text=text, assignee=assignee)
    scope = bar.scope_of(ctx.role, ctx.scope)
    task_id, seen = selected["task_id"], selected["version"]
    result = change_task(ctx.db, ctx.actor(), ctx.target, scope, task_id, seen, change, ctx.now())
    color = {"ok": "success", "unchanged": "info", "conflict": "warning"}.get(
        result.outcome, "danger"
    )
    cleared = "" if result.saved and action == "note" else dash.no_update
    return (
        (refresh or 0) + 1,
        dbc.Alert(result.message, color=color, className="py-1 mb-0"),
        cleared,
    )
