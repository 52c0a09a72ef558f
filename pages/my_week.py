"""My week (clinicians; directors choose a clinician): this and next week's schedule, hours
against available time and the weekly target, the caseload with its flags, and open tasks.

A clinician always sees their own week: the clinician comes from the session, whatever is
posted. The period (``start``, ``end`` in the URL) only sets "visits in the period"."""

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
from dashboard.components.filters import default_period, initial_values, load_options
from dashboard.components.grid import grid
from dashboard.components.panels import GRAPH_CONFIG
from dashboard.context import state
from dashboard.figures.tasks import week_load_figure
from dashboard.format import count, hours, pct
from dashboard.metrics import clinician_week as week
from dashboard.metrics.common import Period
from dashboard.metrics.task_queue import TaskFilters, task_list
from dashboard.roles import CLINICAL
from db.task_queue import TaskScope

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
# A plain-text expression: the grid's default HTML template string trips AG Grid's XSS guard.
NO_ROWS = {"overlayNoRowsTemplate": {"function": "'Nothing to show.'"}}


def _label(text: str, control: Any, width: int) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(text, html_for=control.id, className="small mb-1"), control], md=width
    )


def _controls(query: dict[str, Any]) -> dbc.Row:
    app = state()
    with app.db.read() as conn:
        options = load_options(conn)
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
    period = dcc.DatePickerRange(
        id=PERIOD,
        start_date=values["start"].isoformat(),
        end_date=values["end"].isoformat(),
        display_format="YYYY-MM-DD",
        first_day_of_week=1,
        minimum_nights=0,
    )
    chooser = _label("Clinician", who, 3)
    if not is_director:
        chooser.style = {"display": "none"}
    return dbc.Row(
        [chooser, _label("Period for visit counts", period, 4)],
        className="g-2 mb-3 align-items-end d-print-none",
    )


def _panel(title: str, body: Any, note: str | None = None) -> dbc.Card:
    parts = [html.H2(title, className="h6 mb-1")]
    if note:
        parts.append(html.P(note, className="small text-body-secondary mb-2"))
    return dbc.Card(dbc.CardBody([*parts, dcc.Loading(body, type="dot")]), className="mb-3")


def kpi_card(label: str, value: str, *, note: str, card_id: str) -> dbc.Card:
    """A KPI card like components.kpi's (whose dbc.Card(title=...) dbc 2 refuses)."""
    body = [
        html.Div(label, className="kpi-label text-body-secondary small"),
        html.Div(value, className="kpi-value fs-3 fw-semibold"),
        html.Div(note, className="kpi-note small text-body-secondary"),
    ]
    return dbc.Card(dbc.CardBody(body), className="kpi-card h-100", id=card_id)


def layout(**query: Any) -> html.Div:
    load = dcc.Graph(id=LOAD, config=GRAPH_CONFIG, style={"height": "320px"})
    return html.Div(
        [
            html.H1("My week", id=TITLE, className="h3 mb-1"),
            html.P(
                "This and next week's sessions, hours against available time and the weekly "
                "target, the caseload with what needs attention, and the follow-up owed.",
                className="text-body-secondary",
            ),
            _controls(query),
            dcc.Loading(html.Div(id=KPIS), type="dot"),
            _panel("Hours this week and next", load, "Target: weekly session target × 1 h."),
            _panel(
                "Schedule",
                grid(SCHEDULE, SCHEDULE_COLUMNS, row_id="appointment_id", options=NO_ROWS),
            ),
            _panel(
                "Caseload",
                grid(CASELOAD, CASELOAD_COLUMNS, row_id="client_id", height=520, options=NO_ROWS),
                "Flags: no next appointment; low alliance (latest SRS below 36); treatment-"
                "plan review due within 14 days (90 days after intake or the last review).",
            ),
            _panel(
                "My open tasks",
                grid(TASKS, TASK_COLUMNS, row_id="task_id", height=320, options=NO_ROWS),
                None,
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


def _schedule_rows(frame: pd.DataFrame, this_monday: dt.date) -> list[dict[str, Any]]:
    rows = []
    for item in frame.itertuples(index=False):
        rows.append(
            {
                "appointment_id": item.appointment_id,
                "week": "This week" if item.start_at.date() < this_monday + 7 * DAY else "Next",
                "day": f"{item.start_at:%a %b %-d}",
                "time": f"{item.start_at:%H:%M}–{item.end_at:%H:%M}",
                "client": item.client,
                "service": item.service.replace("_", " "),
                "modality": item.modality.replace("_", " "),
                "location": item.location,
                "status": item.status.replace("_", " "),
            }
        )
    return rows


def _cards(this: dict[str, Any], following: dict[str, Any]) -> dbc.Row:
    target = this["target_hours"]
    target_note = f"{pct(this['booked_of_target'])} of target ({hours(target)})"
    cards = [
        kpi_card(
            "Booked this week",
            hours(this["booked_hours"]),
            note=f"{pct(this['booked_utilization'])} of {hours(this['available_hours'])} "
            f"available · {target_note}",
            card_id="week-kpi-booked",
        ),
        kpi_card(
            "Kept so far",
            hours(this["kept_hours"]),
            note=f"{pct(this['kept_utilization'])} of available time so far · "
            f"{pct(this['kept_of_target'])} of target",
            card_id="week-kpi-kept",
        ),
        kpi_card(
            "Sessions kept this week",
            f"{count(this['kept_sessions'])} of {count(this['target_sessions'])}",
            note=f"{count(this['booked_sessions'])} booked · target "
            f"{count(this['target_sessions'])} a week",
            card_id="week-kpi-sessions",
        ),
        kpi_card(
            "Booked next week",
            hours(following["booked_hours"]),
            note=f"{pct(following['booked_utilization'])} of "
            f"{hours(following['available_hours'])} available",
            card_id="week-kpi-next",
        ),
    ]
    return dbc.Row([dbc.Col(card, md=3, className="mb-3") for card in cards])


@callback(
    Output(TITLE, "children"),
    Output(KPIS, "children"),
    Output(LOAD, "figure"),
    Output(SCHEDULE, "rowData"),
    Input(WHO, "value"),
)
@secure_callback(roles=CLINICAL, args=[v.known("clinician")], phi=True)
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
        _cards(loads[0], loads[1]),
        week_load_figure(loads_frame),
        _schedule_rows(appointments, monday),
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
@secure_callback(roles=CLINICAL, args=[v.known("clinician")], phi=True)
def show_tasks(ctx: CallbackContext, posted: str | None) -> list[dict[str, Any]]:
    clinician_id = _clinician(ctx, posted)
    scope = TaskScope(ctx.role, ctx.scope)
    with ctx.db.read() as conn:
        frame = task_list(conn, scope, TaskFilters(assignee=clinician_id), ctx.now())
    ctx.note_clients(frame["client_id"].dropna())
    return col.records(frame[["task_id", "due", "when", "kind_label", "client", "last_note"]])
