"""My week (clinicians; directors choose a clinician): this and next week's schedule, hours
against available time and the weekly target, the caseload with its flags, and open tasks.

A clinician always sees their own week: the clinician comes from the session, whatever is
posted. The period (``start``, ``end`` in the URL) only sets "visits in the period"; a
director's choice of clinician is ``clinician`` in the URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html
from flask_login import current_user

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components import columns as col
from dashboard.components.filters import (
    default_period,
    field,
    initial_values,
    period_picker,
    practice_options,
)
from dashboard.components.grid import grid
from dashboard.components.panels import GRAPH_CONFIG, page_header, panel
from dashboard.components.urlsync import QuerySync
from dashboard.context import state
from dashboard.figures.schedule_lists import week_rows
from dashboard.figures.tasks import week_load_figure
from dashboard.metrics import clinician_week as week
from dashboard.metrics.common import Period
from dashboard.metrics.task_queue import TaskFilters, task_list
from dashboard.roles import CLINICAL
from db.task_queue import TaskScope
from pages.my_week_cards import load_cards

dash.register_page(
    __name__, path="/my-week", name="My week", title="My week · careboard", roles=CLINICAL, nav=5
)

WHO, PERIOD = "week-clinician", "week-period"
TITLE, KPIS, LOAD = "week-title", "week-kpis", "week-load"
SCHEDULE, CASELOAD, TASKS = "week-schedule", "week-caseload", "week-tasks"
SCHEDULE_COLUMNS = [
    col.text("week", "Week", maxWidth=120),
    col.text("day", "Day", minWidth=120),
    col.text("time", "Time", maxWidth=130),
    col.text("client", "Client", minWidth=150),
    col.text("service", "Service"),
    col.text("modality", "Modality"),
    col.text("location", "Location"),
    col.text("status", "Status"),
]
CASELOAD_COLUMNS = [
    col.text("client", "Client", minWidth=150, pinned="left"),
    col.text("last_visit", "Last visit", minWidth=150),
    col.text("next_appointment", "Next appointment", minWidth=175),
    col.num("visits", "Visits in period", "count", minWidth=150),
    col.num("srs", "Latest SRS", "number1", minWidth=125),
    col.num("ors", "Latest ORS", "number1", minWidth=125),
    col.text("plan_review_due", "Plan review due", minWidth=150),
    col.num("open_tasks", "Open tasks", "count", minWidth=125),
    col.text("flags", "Flags", minWidth=260, wrapText=True, autoHeight=True),
]
TASK_COLUMNS = [
    col.text("due", "Due", maxWidth=150),
    col.text("when", "Status", maxWidth=120),
    col.text("kind_label", "Kind", minWidth=150),
    col.text("client", "Client"),
    col.text("last_note", "Latest note", minWidth=260),
]
DAY = dt.timedelta(days=1)
NO_ROWS = "Nothing to show."
URL_SYNC = QuerySync(
    "week-url-sync",
    {
        "clinician": Input(WHO, "value"),
        "start": Input(PERIOD, "start_date"),
        "end": Input(PERIOD, "end_date"),
    },
    on_load=False,  # a clinician's landing page: /my-week until they change the period
)
URL_SYNC.register()


def _controls(query: dict[str, Any]) -> dbc.Row:
    app = state()
    options = practice_options(app)
    values = initial_values(query, options, app.now().date())
    is_director = current_user.role == "director"
    own = current_user.clinician_id
    chosen = values["clinician"] or (options.clinicians[0][0] if options.clinicians else None)
    who = dcc.Dropdown(
        id=WHO,
        options=[{"label": name, "value": cid} for cid, name in options.clinicians]
        if is_director
        else [{"label": "Me", "value": own}],
        value=chosen if is_director else own,
        clearable=False,
    )
    period = period_picker(PERIOD, values["start"], values["end"])
    chooser = field("Clinician", who, md=3)
    if not is_director:
        chooser.style = {"display": "none"}
    return dbc.Row(
        [chooser, field("Period for visit counts", period, md=4), URL_SYNC.store()],
        className="g-2 mb-3 align-items-end d-print-none",
    )


def layout(**query: Any) -> html.Div:
    load = dcc.Graph(id=LOAD, config=GRAPH_CONFIG, style={"height": "320px"})
    schedule = grid(SCHEDULE, SCHEDULE_COLUMNS, row_id="appointment_id", no_rows=NO_ROWS)
    caseload = grid(CASELOAD, CASELOAD_COLUMNS, row_id="client_id", height=520, no_rows=NO_ROWS)
    tasks = grid(TASKS, TASK_COLUMNS, row_id="task_id", height=320, no_rows=NO_ROWS)
    return html.Div(
        [
            page_header(
                "My week",
                "This and next week's sessions, hours against available time and the weekly "
                "target, the caseload with what needs attention, and the follow-up owed.",
                title_id=TITLE,
            ),
            _controls(query),
            dcc.Loading(html.Div(id=KPIS), type="dot"),
            panel(
                "Hours this week and next",
                "Target: weekly session target × 1 h.",
                dcc.Loading(load, type="dot"),
            ),
            panel(
                "Schedule",
                None,
                dcc.Loading(schedule, type="dot"),
            ),
            panel(
                "Caseload",
                "Flags: no next appointment; low alliance (latest SRS below 36); treatment-"
                "plan review due within 14 days (90 days after intake or the last review).",
                dcc.Loading(caseload, type="dot"),
            ),
            panel(
                "My open tasks",
                None,
                dcc.Loading(tasks, type="dot"),
            ),
            dcc.Link("Work my tasks in the task queue →", href="/tasks", className="d-print-none"),
        ]
    )


def _clinician(ctx: CallbackContext, posted: str | None) -> str:
    """A clinician's own id from the session; a director's choice (validated as known)."""
    if ctx.scope:
        return ctx.scope
    if posted:
        return posted
    raise v.InvalidInput("choose a clinician")


@callback(
    Output(TITLE, "children"),
    Output(KPIS, "children"),
    Output(LOAD, "figure"),
    Output(SCHEDULE, "rowData"),
    Input(WHO, "value"),
)
@secure_callback(roles=CLINICAL, args=[v.known("clinician")], phi=True, cache=True)
def show_week(ctx: CallbackContext, posted: str | None) -> tuple[Any, ...]:
    clinician_id = _clinician(ctx, posted)
    now = ctx.now()
    monday = week.monday_of(now.date())
    with ctx.db.read() as conn:
        info = week.clinician_info(conn, clinician_id) or {"name": clinician_id}
        loads = [
            week.week_load(conn, clinician_id, m, now, ctx.rules)
            for m in (monday, monday + 7 * DAY)
        ]
        appointments = week.schedule(conn, clinician_id, monday, monday + 13 * DAY, ctx.rules)
    ctx.note_clients(appointments["client_id"])
    loads_frame = pd.DataFrame(loads).assign(week=["This week", "Next week"])
    title = "My week" if ctx.scope else f"Week of {info['name']}"
    return (
        title,
        load_cards(loads[0], loads[1]),
        week_load_figure(loads_frame),
        week_rows(appointments, monday),
    )


@callback(
    Output(CASELOAD, "rowData"),
    Input(WHO, "value"),
    Input(PERIOD, "start_date"),
    Input(PERIOD, "end_date"),
)
@secure_callback(
    roles=CLINICAL,
    args=[v.known("clinician"), v.date(what="period start"), v.date(what="period end")],
    phi=True,
    cache=True,
)
def show_caseload(
    ctx: CallbackContext, posted: str | None, start: dt.date | None, end: dt.date | None
) -> list[dict[str, Any]]:
    clinician_id = _clinician(ctx, posted)
    now = ctx.now()
    if start is None or end is None:
        start, end = default_period(now.date())
    if end < start:
        raise v.InvalidInput("the period ends before it starts")
    with ctx.db.read() as conn:
        frame = week.caseload(conn, clinician_id, Period.make(start, end, as_of=now))
    ctx.note_clients(frame["client_id"])
    return col.records(frame)


@callback(Output(TASKS, "rowData"), Input(WHO, "value"))
@secure_callback(roles=CLINICAL, args=[v.known("clinician")], phi=True, cache=True)
def show_tasks(ctx: CallbackContext, posted: str | None) -> list[dict[str, Any]]:
    clinician_id = _clinician(ctx, posted)
    scope = TaskScope(ctx.role, ctx.scope)
    with ctx.db.read() as conn:
        frame = task_list(conn, scope, TaskFilters(assignee=clinician_id), ctx.now())
    ctx.note_clients(frame["client_id"].dropna())
    return col.records(frame[["task_id", "due", "when", "kind_label", "client", "last_note"]])
