"""One clinician (directors): their numbers against the practice's, weekly trends, attendance,
the continuity of their clients and their caseload list."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Output, callback, dcc, html

from dashboard.auth.callbacks import CallbackContext, polite, secure_callback
from dashboard.components import columns as col
from dashboard.components.export import EXPORT_CLICKS, export_io, send_table
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_STATES,
    FILTER_VALIDATORS,
    scoped_period_and_filters,
)
from dashboard.components.grid import grid
from dashboard.components.kpi import kpi_card
from dashboard.components.panels import chart_panel, filtered_page, table_panel
from dashboard.components.states import NOTHING_FOR_FILTERS, empty
from dashboard.context import state
from dashboard.figures import caseloads as fig
from dashboard.figures.continuity import score_histograms
from dashboard.format import count, number, pct
from dashboard.metrics import (
    attendance,
    caseload,
    continuity,
    director,
    engagement,
    utilization,
)
from dashboard.metrics.common import Filters
from dashboard.metrics.definitions import DEFINITIONS, GUIDES
from dashboard.metrics.report import area_reads, area_values
from dashboard.metrics.trends import weekly
from dashboard.roles import DIRECTOR
from db.engine import read_beside

dash.register_page(
    __name__,
    path_template="/clinicians/<clinician_id>",
    name="Clinician",
    title="Clinician · careboard",
    roles=DIRECTOR,
)

SUMMARY, TRENDS, ATTENDANCE, CONTINUITY = (
    "clinician-summary",
    "clinician-trends",
    "clinician-attendance",
    "clinician-continuity",
)
GRID, EXPORT = "clinician-caseload", "clinician-export"
COLUMNS = [
    col.text("client_id", "Client", pinned="left"),
    col.text("display_name", "Name"),
    col.text("program", "Program"),
    col.text("intake_date", "Intake"),
    col.text("last_visit", "Last visit"),
    col.text("next_appointment", "Next appointment"),
    col.num("visits", "Visits", "count"),
    col.num("no_shows", "No-shows", "count"),
    col.num("late_cancels", "Late cancels", "count"),
    col.num("upc", "UPC", "number2", headerTooltip=DEFINITIONS["upc"]),
    col.num("coc", "COC", "number2", headerTooltip=DEFINITIONS["coc"]),
    col.num("secon", "SECON", "number2", headerTooltip=DEFINITIONS["secon"]),
]
SUMMARY_KEYS = [
    ("booked_utilization", "Booked utilization", pct),
    ("kept_utilization", "Kept utilization", pct),
    ("sessions_per_week", "Sessions per week", lambda x: number(x, 1)),
    ("active_caseload", "Active caseload", count),
    ("no_show_rate", "No-show rate", lambda x: pct(x, 1)),
    ("late_cancel_rate", "Late-cancel rate", lambda x: pct(x, 1)),
    ("coc", "Continuity (COC)", lambda x: number(x, 2)),
    ("feedback_rate", "Feedback collected", pct),
]


# The areas of the keys the cards, the attendance chart and the practice comparison show: the
# page computes only these (a whole practice_metrics adds the waitlist, third next available
# and tasks, which it does not show).
OWN_AREAS = (utilization, attendance, caseload, continuity, engagement)
PRACTICE_AREAS = (utilization, attendance, continuity, engagement)  # rates compared
TREND_KEYS = list(fig.TREND_SERIES)


def _profile(clinician_id: str | None) -> dict[str, Any] | None:
    if not isinstance(clinician_id, str):
        return None
    with state().db.read() as conn:
        found = director.clinician_profiles(conn, Filters(clinician=clinician_id))
    return found.iloc[0].to_dict() if len(found) else None


def _facts(p: dict[str, Any]) -> str:
    parts = [p["discipline"], p["program"], p["location"], f"FTE {number(p['fte'], 1)}"]
    parts += [
        f"capacity {count(p['max_caseload'])}",
        f"target {count(p['weekly_session_target'])}/wk",
    ]
    parts.append("accepting new clients" if p["accepting_new"] else "not accepting new clients")
    return " · ".join(str(x) for x in parts if x is not None)


def layout(clinician_id: str | None = None, **query: Any) -> html.Div:
    profile = _profile(clinician_id)
    if profile is None:
        return html.Div(
            [empty("No clinician with that id."), dcc.Link("Back to caseloads", href="/caseloads")]
        )
    table = grid(GRID, COLUMNS, row_id="client_id", height=480, no_rows=NOTHING_FOR_FILTERS)
    page = filtered_page(
        profile["name"],
        _facts(profile),
        {**query, "clinician": profile["clinician_id"]},
        dcc.Loading(html.Div(id=SUMMARY), type="dot"),
        chart_panel("Weekly trends", GUIDES["clinician_trend"], TRENDS),
        dbc.Row(
            [
                dbc.Col(chart_panel("Attendance", GUIDES["attendance"], ATTENDANCE), lg=5),
                dbc.Col(
                    chart_panel(
                        "Continuity of their clients", GUIDES["score_distribution"], CONTINUITY
                    ),
                    lg=7,
                ),
            ],
            className="mb-3",
        ),
        table_panel(
            "Caseload",
            "Active clients on this caseload as of the period's end; continuity scores need "
            "two or more visits in the period.",
            table,
            EXPORT,
        ),
        hide={"clinician"},
    )
    return html.Div([dcc.Link("← Caseloads", href="/caseloads", className="small"), page])


def _compare(key: str, fmt: Any, practice: dict, profile: dict) -> str:
    """What a clinician's number is read against: their own target and capacity for sessions
    and caseload (the practice's are sums), the practice's value for rates."""
    if key == "sessions_per_week":
        return f"target: {count(profile['weekly_session_target'])}"
    if key == "active_caseload":
        return f"capacity: {count(profile['max_caseload'])}"
    return f"practice: {fmt(practice[key])}"


@callback(
    Output(SUMMARY, "children"),
    Output(TRENDS, "figure"),
    Output(ATTENDANCE, "figure"),
    Output(CONTINUITY, "figure"),
    *FILTER_INPUTS,
)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS, cache=True)
def show_clinician(ctx: CallbackContext, *values: Any) -> tuple:
    period, filters = scoped_period_and_filters(ctx, values)
    if not filters.clinician:
        raise dash.exceptions.PreventUpdate
    practice = Filters(None, filters.program, filters.location, filters.modality)
    rules = ctx.rules
    # The profile first: a clinician outside the filters gets a message at once (never
    # cached, so it must be quick), not after the page's figures. Then the practice's figures,
    # by far the largest reads, area by area beside the clinician's, at the profile's state of
    # the data.
    with ctx.db.read() as conn:
        profiles = director.clinician_profiles(conn, filters)
        if profiles.empty:  # the program or location chosen is not the clinician's
            return polite(
                "This clinician is not in the program or location chosen: clear that filter "
                "to see their figures.",
                color="info",
            )
        reads = [
            lambda c: weekly(c, director.trend_period(period), filters, rules, TREND_KEYS),
            lambda c: director.score_distribution(c, period, filters, rules),
            *area_reads(period, practice, rules, PRACTICE_AREAS),
        ]
        pending = [read_beside(conn, read) for read in reads]
        mine = area_values(conn, period, filters, rules, OWN_AREAS)
        trend, scores, *everyone_parts = [result() for result in pending]
    profile = profiles.iloc[0].to_dict()
    everyone = {key: value for part in everyone_parts for key, value in part.items()}
    cards = dbc.Row(
        [
            dbc.Col(
                kpi_card(
                    label,
                    fmt(mine[key]),
                    note=_compare(key, fmt, everyone, profile),
                    definition=DEFINITIONS[key],
                    card_id=f"clinician-kpi-{key}",
                    compact=True,
                ),
                xs=6,
                lg=3,
                className="mb-3",
            )
            for key, label, fmt in SUMMARY_KEYS
        ]
    )
    return cards, fig.clinician_trends(trend), fig.attendance_counts(mine), score_histograms(scores)


def _caseload(ctx: CallbackContext, values: tuple) -> tuple[Any, str | None]:
    """The caseload list of the filtered clinician (None without one) and that clinician."""
    period, filters = scoped_period_and_filters(ctx, values)
    if not filters.clinician:
        return None, None
    with ctx.db.read() as conn:
        return director.caseload_list(conn, period, filters, ctx.rules), filters.clinician


@callback(Output(GRID, "rowData"), *FILTER_INPUTS)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS, phi=True, cache=True)
def show_caseload(ctx: CallbackContext, *values: Any) -> list[dict]:
    frame, _clinician = _caseload(ctx, values)
    if frame is None:
        return []
    ctx.note_clients(frame["client_id"])
    return col.records(frame)


@callback(*export_io(EXPORT), *FILTER_STATES, prevent_initial_call=True)
@secure_callback(roles=DIRECTOR, args=[*EXPORT_CLICKS, *FILTER_VALIDATORS])
def export_caseload(ctx: CallbackContext, _csv: int, _xlsx: int, *values: Any) -> dict:
    frame, clinician_id = _caseload(ctx, values)
    if frame is None:
        raise dash.exceptions.PreventUpdate
    return send_table(ctx, frame, f"caseload-{clinician_id}", client_column="client_id")
