"""The task queue's filter bar: assignee, kind, due, client and status, all kept in the URL
query string (``assignee``, ``kind``, ``due``, ``client``, ``status``), so
``/tasks?assignee=front_desk&due=overdue`` opens that view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import Input, dcc, html

from dashboard.auth import validate as v
from dashboard.components.filters import choice_arg, field
from dashboard.components.urlsync import QuerySync
from dashboard.context import state
from dashboard.metrics import task_queue as queue
from db.task_queue import TaskScope
from db.vocab import FRONT_DESK

if TYPE_CHECKING:
    from dashboard.auth.callbacks import CallbackContext

KEYS = ("assignee", "kind", "due", "client", "status")
ASSIGNEE, KIND, DUE, CLIENT, STATUS = (f"tasks-{key}" for key in KEYS)
DUE_LABELS = {"overdue": "Overdue", "today": "Due today", "week": "Due this week"}
STATUS_LABELS = {"open": "Open", "closed": "Done or cancelled"}


def assignee_choice(value: Any, ctx: CallbackContext) -> str | None:
    """The front desk, unassigned, or a known clinician (the scope still limits what is seen)."""
    if value in (None, "", FRONT_DESK, queue.UNASSIGNED):
        return value or None
    return v.known("clinician")(value, ctx)


INPUTS = [Input(i, "value") for i in (ASSIGNEE, KIND, DUE, CLIENT, STATUS)]
VALIDATORS = [
    assignee_choice,
    v.text(max_length=50, what="kind"),
    v.choice(queue.DUE_CHOICES, what="due"),
    v.text(max_length=100, what="client"),
    v.choice(queue.STATUS_CHOICES, what="status"),
]
URL_SYNC = QuerySync("tasks-url-sync", dict(zip(KEYS, INPUTS, strict=True)))


def register() -> None:
    """Register the bar's URL sync with the app being built."""
    URL_SYNC.register()


def scope_of(role: str, clinician_id: str | None) -> TaskScope:
    """Whose tasks a user works: a clinician's own, everyone's for the others."""
    return TaskScope(role, clinician_id if role == "clinician" else None)


def choice_dropdown(
    cid: str, choices: Mapping[str, str], value: str | None = None, **kw: Any
) -> dcc.Dropdown:
    """A dropdown of ``choices`` (value: label) that starts at ``value``."""
    options = [{"label": label, "value": key} for key, label in choices.items()]
    kw.setdefault("placeholder", "All")
    return dcc.Dropdown(id=cid, options=options, value=value, **kw)


def task_bar(query: Mapping[str, Any], scope: TaskScope) -> html.Div:
    """The bar, starting from the URL query (a value not among the choices is ignored)."""
    with state().db.read() as conn:
        people = dict(queue.assignee_choices(conn, scope))
        kinds = {kind: queue.kind_label(kind) for kind in queue.task_kinds(conn, scope)}
    own = FRONT_DESK if scope.role == "front_desk" else scope.clinician_id

    def start(key: str, choices: Mapping[str, str], default: str | None = None) -> str | None:
        return choice_arg(query.get(key), choices) or default

    client = query.get("client") if isinstance(query.get("client"), str) else ""
    assignee = choice_dropdown(
        ASSIGNEE, people, start("assignee", people, own), clearable=scope.role != "front_desk"
    )
    status = choice_dropdown(
        STATUS, STATUS_LABELS, start("status", STATUS_LABELS, "open"), clearable=False
    )
    fields = [
        field("Assignee", assignee, md=3),
        field("Kind", choice_dropdown(KIND, kinds, start("kind", kinds))),
        field("Due", choice_dropdown(DUE, DUE_LABELS, start("due", DUE_LABELS))),
        field(
            "Client",
            dbc.Input(id=CLIENT, value=client[:100], debounce=True, placeholder="id or name"),
        ),
        field("Status", status),
    ]
    row = dbc.Row(fields, className="g-2 mb-3 align-items-end d-print-none")
    return html.Div([row, URL_SYNC.store()], role="search")
