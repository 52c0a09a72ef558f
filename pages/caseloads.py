"""Caseloads (directors): per-clinician utilization, sessions, caseload against capacity and
attendance, the clinician × week utilization heatmap, and the grid behind them. A click on a
clinician's bar or heatmap row narrows the page to that clinician."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Output, callback, html
from sqlalchemy import Connection

from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.cache import cached
from dashboard.components import columns as col
from dashboard.components.crossfilter import narrow_to_clinician
from dashboard.components.export import EXPORT_CLICKS, export_io, send_table
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_STATES,
    FILTER_VALIDATORS,
    scoped_period_and_filters,
)
from dashboard.components.paged_grid import PagedGrid
from dashboard.components.panels import (
    chart_panel,
    filter_query,
    filtered_page,
    one_column,
    table_panel,
    two_columns,
)
from dashboard.components.states import NOTHING_FOR_FILTERS
from dashboard.figures import caseloads as fig
from dashboard.metrics import attendance, caseload, director, utilization
from dashboard.metrics.common import Filters, Period
from dashboard.metrics.definitions import DEFINITIONS, GUIDES
from dashboard.metrics.shared import shared_reads
from dashboard.roles import DIRECTOR
from db.engine import read_beside

dash.register_page(
    __name__,
    path="/caseloads",
    name="Caseloads",
    title="Caseloads · careboard",
    roles=DIRECTOR,
    nav=10,
)

UTILIZATION, SESSIONS, CASELOAD, ATTENDANCE = (
    "caseloads-utilization",
    "caseloads-sessions",
    "caseloads-caseload",
    "caseloads-attendance",
)
HEATMAP = "caseloads-heatmap"
CLICKABLE = (UTILIZATION, SESSIONS, CASELOAD, ATTENDANCE, HEATMAP)
GRID = "caseloads-grid"
# Half a year of weekly columns at most; longer periods show runs of 2, 4, 8 or 13 weeks
# (a year: 14 columns of 4 weeks).
HEATMAP_COLUMNS = 26
HEATMAP_WEEKS = (1, 2, 4, 8, 13)
EXPORT = "caseloads-export"


def _tip(key: str) -> dict[str, str]:
    return {"headerTooltip": DEFINITIONS[key]}


COLUMNS = [
    col.link("clinician", "Clinician", pinned="left", minWidth=170),
    col.text("program", "Program"),
    col.text("location", "Location"),
    col.num("available_hours", "Available", "hours", **_tip("available_hours")),
    col.num("booked_hours", "Booked", "hours", **_tip("booked_hours")),
    col.num("kept_hours", "Kept", "hours", **_tip("kept_hours")),
    col.num("booked_utilization", "Booked util.", "pct", **_tip("booked_utilization")),
    col.num("kept_utilization", "Kept util.", "pct", **_tip("kept_utilization")),
    col.num("sessions_per_week", "Sessions / wk", "number1", **_tip("sessions_per_week")),
    col.num("weekly_session_target", "Target / wk", "count"),
    col.num("active_caseload", "Caseload", "count", **_tip("active_caseload")),
    col.num("max_caseload", "Capacity", "count", **_tip("caseload_capacity")),
    col.text("capacity_status", "Capacity status", minWidth=150),
    col.num("no_show_rate", "No-show", "pct1", **_tip("no_show_rate")),
    col.num("late_cancel_rate", "Late cancel", "pct1", **_tip("late_cancel_rate")),
]
# The areas whose keys the charts, grid and export show: only these are computed.
AREAS = (utilization, attendance, caseload)
EXPORT_COLUMNS = ["clinician_id", "name", "program", "location", "max_caseload"]
EXPORT_COLUMNS += ["weekly_session_target", "capacity_status"]
# Paged on the server (issue 8: a response at most 150 KB); the export still holds every row.
CLINICIANS = PagedGrid(GRID, COLUMNS, row_id="clinician_id", no_rows=NOTHING_FOR_FILTERS)


def layout(**query: Any) -> html.Div:
    table = CLINICIANS.component(height=520)
    # A top-level prop: the grid options are replaced on each reload.
    table.rowClassRules = {"over-target": "params.data && params.data.over_capacity"}
    return filtered_page(
        "Caseloads",
        "How full each clinician's week and caseload is. Click a clinician's bar or "
        "heatmap row to narrow the page to them; open their page from the grid.",
        query,
        two_columns(
            chart_panel("Utilization", GUIDES["utilization"], UTILIZATION),
            chart_panel("Sessions per week", GUIDES["sessions"], SESSIONS),
        ),
        two_columns(
            chart_panel("Caseload and capacity", GUIDES["caseload"], CASELOAD),
            chart_panel("No-shows and late cancels", GUIDES["attendance"], ATTENDANCE),
        ),
        one_column(chart_panel("Booked utilization by week", GUIDES["heatmap"], HEATMAP)),
        table_panel(
            "Clinicians",
            "Over-capacity rows are highlighted and say so in the status column.",
            table,
            EXPORT,
        ),
    )


def _status(row: pd.Series) -> str:
    if pd.isna(row["max_caseload"]):
        return "no capacity set"
    if row["over_capacity"]:
        return f"over capacity by {int(row['active_caseload'] - row['max_caseload'])}"
    return "within capacity"


def _compute_table(
    ctx: CallbackContext, period: Period, filters: Filters, conn: Connection
) -> pd.DataFrame:
    table = director.clinician_table(conn, period, filters, ctx.rules, AREAS)
    table["capacity_status"] = table.apply(_status, axis=1) if len(table) else []
    return table


def _table(
    ctx: CallbackContext, period: Period, filters: Filters, conn: Connection | None = None
) -> pd.DataFrame:
    """The clinician table, computed once per data version and filters: the charts, the
    grid's row requests and the export share it. Read on ``conn`` when given (the charts'
    read, whose other reads may share with it), else in a read of its own."""

    def compute() -> pd.DataFrame:
        if conn is not None:
            return _compute_table(ctx, period, filters, conn)
        with ctx.db.read() as own:
            return _compute_table(ctx, period, filters, own)

    return cached(ctx, "caseloads.table", (period, filters), compute)


def _rows(table: pd.DataFrame, period: Period, filters: Filters) -> pd.DataFrame:
    query = filter_query(period, Filters(None, filters.program, filters.location, filters.modality))
    shown = table.assign(
        clinician=[
            f"[{name}](/clinicians/{cid}{query})"
            for name, cid in zip(table["name"], table["clinician_id"], strict=True)
        ]
    )
    fields = [c["field"] for c in COLUMNS] + ["clinician_id", "over_capacity"]
    return shown[fields].reset_index(drop=True)


def _grid_rows(ctx: CallbackContext, *values: Any) -> pd.DataFrame:
    """Every row of the grid in the director's scope; ``CLINICIANS`` pages them."""
    period, filters = scoped_period_and_filters(ctx, values)
    return _rows(_table(ctx, period, filters), period, filters)


CLINICIANS.register(
    rows=_grid_rows,
    states=FILTER_STATES,
    validators=FILTER_VALIDATORS,
    roles=DIRECTOR,
    target="caseloads.clinician_rows",
)


@callback(
    Output(UTILIZATION, "figure"),
    Output(SESSIONS, "figure"),
    Output(CASELOAD, "figure"),
    Output(ATTENDANCE, "figure"),
    Output(HEATMAP, "figure"),
    CLINICIANS.reload_output(),
    *FILTER_INPUTS,
)
@secure_callback(roles=DIRECTOR, args=FILTER_VALIDATORS, cache=True)
def show_caseloads(ctx: CallbackContext, *values: Any) -> tuple:
    """The charts; the grid reloads its rows (``CLINICIANS``)."""
    period, filters = scoped_period_and_filters(ctx, values)
    weeks = director.weeks_per_column(period, HEATMAP_COLUMNS, HEATMAP_WEEKS)
    # The heatmap's held minutes (the one large read of its own) beside the table; the table
    # and the heatmap then share the period's available time, computed once in this read.
    with ctx.db.read() as conn, shared_reads():
        held = read_beside(conn, lambda c: director.held_minutes(c, period, filters, ctx.rules))
        table = _table(ctx, period, filters, conn)
        # The table's charts while the held minutes may still be read beside.
        bars = (
            fig.utilization_bars(table),
            fig.sessions_bars(table),
            fig.caseload_bars(table),
            fig.attendance_bars(table),
        )
        matrix = director.utilization_matrix(conn, period, filters, ctx.rules, weeks, held())
        names = director.clinician_names(conn)
    return (*bars, fig.utilization_heatmap(matrix, names, weeks), CLINICIANS.reloaded(ctx))


narrow_to_clinician(CLICKABLE, roles=DIRECTOR, page=__name__)


@callback(*export_io(EXPORT), *FILTER_STATES, prevent_initial_call=True)
@secure_callback(roles=DIRECTOR, args=[*EXPORT_CLICKS, *FILTER_VALIDATORS])
def export_caseloads(ctx: CallbackContext, _csv: int, _xlsx: int, *values: Any) -> dict:
    table = _table(ctx, *scoped_period_and_filters(ctx, values))
    keys = [c["field"] for c in COLUMNS if c.get("type") == "numericColumn"]
    frame = table[EXPORT_COLUMNS + [k for k in keys if k not in EXPORT_COLUMNS]]
    return send_table(ctx, frame, "caseloads")
