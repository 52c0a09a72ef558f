"""Tasks (everyone): the follow-up queue of the user's scope, filtered by assignee, kind, due and
client; mark done, snooze, add a note, and (directors) reassign. Directors also see throughput.

Scope and the writes' rules (one audited, version-checked, idempotent transaction each) are in
``db/task_queue.py``. Filters start from the URL (``assignee``, ``kind``, ``due``, ``client``,
``status``), so ``/tasks?assignee=front_desk&due=overdue`` opens that view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.filters import period_and_filters
from dashboard.components.grid import grid
from dashboard.components.panels import GRAPH_CONFIG
from dashboard.context import state
from dashboard.figures.tasks import on_time_figure, throughput_figure
from dashboard.format import count
from dashboard.metrics import task_queue as queue
from dashboard.roles import DIRECTOR, EVERYONE
from db.task_queue import TaskChange, TaskScope, change_task
from db.vocab import FRONT_DESK

dash.register_page(
    __name__, path="/tasks", name="Tasks", title="Tasks · careboard", roles=EVERYONE, nav=50
)

ASSIGNEE, KIND, DUE, CLIENT, STATUS = (
    f"tasks-{n}" for n in ("assignee", "kind", "due", "client", "status")
)
COUNTS, GRID, DETAIL, SELECTED, REFRESH, MESSAGE = (
    f"tasks-{n}" for n in ("counts", "grid", "detail", "selected", "refresh", "message")
)
DONE, SNOOZE, SNOOZE_DATE, NOTE, NOTE_TEXT, REASSIGN, REASSIGN_TO = (
    f"tasks-{n}"
    for n in ("done", "snooze", "snooze-date", "note", "note-text", "reassign", "reassign-to")
)
PERIOD, THROUGHPUT, ON_TIME_KIND, ON_TIME_ASSIGNEE = (
    f"tasks-{n}" for n in ("period", "throughput", "on-time-kind", "on-time-assignee")
)
ACTION_OF = {DONE: "done", SNOOZE: "snooze", NOTE: "note", REASSIGN: "reassign"}
DUE_LABELS = {"overdue": "Overdue", "today": "Due today", "week": "Due this week"}
STATUS_LABELS = {"open": "Open", "closed": "Done or cancelled"}
THROUGHPUT_WEEKS = 12
COLUMNS = [
    col.text("due", "Due", minWidth=110),
    col.text("when", "Status", minWidth=100),
    col.text("kind_label", "Kind", minWidth=140),
    col.text("client", "Client", minWidth=130),
    col.text("assignee_name", "Assignee", minWidth=130),
    col.text("last_note", "Latest note", minWidth=200),
]
# A plain-text expression: the grid's default HTML template string trips AG Grid's XSS guard.
NO_ROWS = {"overlayNoRowsTemplate": {"function": "'No task in this view.'"}}
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


def assignee_choice(value: Any, ctx: CallbackContext) -> str | None:
    """The front desk, unassigned, or a known clinician (the scope still limits what is seen)."""
    if value in (None, "", FRONT_DESK, queue.UNASSIGNED):
        return value or None
    return v.known("clinician")(value, ctx)


FILTER_INPUTS = [Input(i, "value") for i in (ASSIGNEE, KIND, DUE, CLIENT, STATUS)]
FILTER_VALIDATORS = [
    assignee_choice,
    v.text(max_length=50, what="kind"),
    v.choice(queue.DUE_CHOICES, what="due"),
    v.text(max_length=100, what="client"),
    v.choice(queue.STATUS_CHOICES, what="status"),
]


def _scope(role: str, clinician_id: str | None) -> TaskScope:
    return TaskScope(role, clinician_id if role == "clinician" else None)


def _field(label: str, control: Any, width: int = 2) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=control.id, className="small mb-1"), control], md=width
    )


def _dropdown(
    cid: str, choices: dict[str, str], query: dict[str, Any], default: str | None = None, **kw: Any
) -> dcc.Dropdown:
    """A dropdown whose value starts from the URL query, if it is one of ``choices``."""
    wanted = query.get(cid.removeprefix("tasks-"))
    value = wanted if isinstance(wanted, str) and wanted in choices else default
    options = [{"label": label, "value": key} for key, label in choices.items()]
    kw.setdefault("placeholder", "All")
    return dcc.Dropdown(id=cid, options=options, value=value, **kw)


def _filters(query: dict[str, Any], scope: TaskScope) -> html.Div:
    with state().db.read() as conn:
        people = dict(queue.assignee_choices(conn, scope))
        kinds = {kind: queue.kind_label(kind) for kind in queue.task_kinds(conn, scope)}
    own = FRONT_DESK if scope.role == "front_desk" else scope.clinician_id
    client = query.get("client") if isinstance(query.get("client"), str) else ""
    controls = [
        (
            "Assignee",
            _dropdown(ASSIGNEE, people, query, own, clearable=scope.role != "front_desk"),
            3,
        ),
        ("Kind", _dropdown(KIND, kinds, query), 2),
        ("Due", _dropdown(DUE, DUE_LABELS, query), 2),
        (
            "Client",
            dbc.Input(id=CLIENT, value=client[:100], debounce=True, placeholder="id or name"),
            2,
        ),
        ("Status", _dropdown(STATUS, STATUS_LABELS, query, "open", clearable=False), 2),
    ]
    fields = [_field(label, control, width) for label, control, width in controls]
    row = dbc.Row(fields, className="g-2 mb-3 align-items-end d-print-none")
    return html.Div(row, role="search")


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
        _dropdown(REASSIGN_TO, targets, {}, placeholder="Choose…"),
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


def kpi_card(label: str, value: str, *, note: str, card_id: str) -> dbc.Card:
    """A KPI card like components.kpi's (whose dbc.Card(title=...) dbc 2 refuses)."""
    body = [
        html.Div(label, className="kpi-label text-body-secondary small"),
        html.Div(value, className="kpi-value fs-3 fw-semibold"),
        html.Div(note, className="kpi-note small text-body-secondary"),
    ]
    return dbc.Card(dbc.CardBody(body), className="kpi-card h-100", id=card_id)


def layout(**query: Any) -> html.Div:
    scope = _scope(current_user.role, current_user.clinician_id)
    with state().db.read() as conn:
        people = dict(queue.assignee_choices(conn, scope)) if scope.is_director else {}
    queue_grid = grid(GRID, COLUMNS, row_id="task_id", height=560, selectable=True, options=NO_ROWS)
    return html.Div(
        [
            html.H1("Tasks", className="h3 mb-1"),
            html.P(
                "Follow-up owed: outreach after missed sessions, re-engagement, alliance checks, "
                "post-discharge follow-up and treatment-plan reviews. Select a task to act on it.",
                className="text-body-secondary",
            ),
            _filters(query, scope),
            dcc.Loading(html.Div(id=COUNTS), type="dot"),
            dbc.Row([dbc.Col(queue_grid, lg=8), dbc.Col(_actions(scope, people), lg=4)]),
            _throughput(state().now().date()) if scope.is_director else None,
            dcc.Store(id=SELECTED),
            dcc.Store(id=REFRESH, data=0),
        ]
    )


@callback(
    Output(GRID, "rowData"), Output(COUNTS, "children"), *FILTER_INPUTS, Input(REFRESH, "data")
)
@secure_callback(roles=EVERYONE, args=[*FILTER_VALIDATORS, v.ignored()], phi=True)
def show_tasks(ctx: CallbackContext, *values: Any) -> tuple[Any, Any]:
    assignee, kind, due, client, status, _refresh = values
    filters = queue.TaskFilters(assignee, kind, due, client, status or queue.OPEN)
    scope, now = _scope(ctx.role, ctx.scope), ctx.now()
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
        task = queue.task_detail(conn, _scope(ctx.role, ctx.scope), task_id, ctx.now())
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
        assignee_choice,
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
    scope = _scope(ctx.role, ctx.scope)
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


def _throughput(today: dt.date) -> html.Div:
    start = today - dt.timedelta(days=today.weekday(), weeks=THROUGHPUT_WEEKS - 1)
    period = dcc.DatePickerRange(
        id=PERIOD,
        start_date=start.isoformat(),
        end_date=today.isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
    )
    graphs = [(THROUGHPUT, 12), (ON_TIME_KIND, 6), (ON_TIME_ASSIGNEE, 6)]
    return html.Div(
        [
            html.H2("Throughput", className="h5 mt-4 mb-1"),
            html.P(
                "Tasks created and done per week, overdue at each week's end, and the share done "
                "by its due moment (on-time rate, metrics.md) by kind and by assignee.",
                className="small text-body-secondary mb-2",
            ),
            dbc.Row(_field("Period", period, 4)),
            dbc.Row(
                [
                    dbc.Col(dcc.Loading(dcc.Graph(id=g, config=GRAPH_CONFIG), type="dot"), lg=w)
                    for g, w in graphs
                ]
            ),
        ]
    )


@callback(
    Output(THROUGHPUT, "figure"),
    Output(ON_TIME_KIND, "figure"),
    Output(ON_TIME_ASSIGNEE, "figure"),
    Input(PERIOD, "start_date"),
    Input(PERIOD, "end_date"),
)
@secure_callback(roles=DIRECTOR, args=[v.date(what="period start"), v.date(what="period end")])
def show_throughput(ctx: CallbackContext, start: Any, end: Any) -> tuple[Any, ...]:
    period, everyone = period_and_filters(start, end, None, None, None, None, now=ctx.now())
    with ctx.db.read() as conn:
        weekly = queue.weekly_throughput(conn, period, everyone, ctx.rules)
        by_kind = queue.on_time_by(conn, period, everyone, "kind")
        by_assignee = queue.on_time_by(conn, period, everyone, "assignee")
    return (
        throughput_figure(weekly),
        on_time_figure(by_kind, "kind", "On time by kind"),
        on_time_figure(by_assignee, "assignee", "On time by assignee"),
    )
