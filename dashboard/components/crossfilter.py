"""Cross-filtering: validators that read a chart click (Plotly's ``clickData``) as a clinician
id or a weekday × hour cell, and the callback that narrows a page to a clicked clinician.
Clicks are posted by the browser, so they are untrusted like any input: a clinician must exist,
a cell must be inside the week."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import dash
from dash import Input, Output, callback

from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.auth.validate import InvalidInput, Validator
from dashboard.components.filters import CLINICIAN


def _first_point(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("a chart click was expected")
    points = value.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        raise InvalidInput("a chart click was expected")
    return points[0]


def clicked_clinician() -> Validator:
    """The clinician id a bar or heatmap cell carries in ``customdata``, or None."""

    def check(value: Any, ctx: CallbackContext) -> str | None:
        point = _first_point(value)
        if point is None:
            return None
        # Bars carry the id in customdata; heatmap rows have it as their y value (dcc.Graph
        # does not pass a heatmap cell's customdata on).
        clinician_id = point.get("customdata", point.get("y"))
        if isinstance(clinician_id, list) and len(clinician_id) == 1:
            clinician_id = clinician_id[0]
        if not isinstance(clinician_id, str) or clinician_id not in ctx.vocabulary("clinician"):
            raise InvalidInput("unknown clinician")
        return clinician_id

    return check


def clicked_cell() -> Validator:
    """The (weekday, hour) of a visit-volume cell: its y (weekday) and x (hour), or None."""

    def check(value: Any, _ctx: CallbackContext) -> tuple[int, int] | None:
        point = _first_point(value)
        if point is None:
            return None
        cell = point.get("customdata", [point.get("y"), point.get("x")])
        if (
            not isinstance(cell, list)
            or len(cell) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in cell)
            or not (0 <= cell[0] <= 6 and 0 <= cell[1] <= 23)
        ):
            raise InvalidInput("not a cell of the week")
        return cell[0], cell[1]

    return check


def time_cell() -> Validator:
    """A stored (weekday, hour) selection, as [weekday, hour] or None."""
    inner = clicked_cell()

    def check(value: Any, ctx: CallbackContext) -> tuple[int, int] | None:
        if value is None:
            return None
        return inner({"points": [{"customdata": value}]}, ctx)

    return check


def narrow_to_clinician(graphs: Sequence[str], *, roles: Collection[str], page: str) -> None:
    """Register the callback by which a click on a clinician's bar or heatmap row in one of
    ``graphs`` sets the filter bar's clinician; ``page`` (a module's ``__name__``) names it in
    the audit log."""

    @callback(
        Output(CLINICIAN, "value", allow_duplicate=True),
        *[Input(graph, "clickData") for graph in graphs],
        prevent_initial_call=True,
    )
    @secure_callback(
        roles=roles,
        args=[clicked_clinician() for _ in graphs],
        target=f"{page.rsplit('.', 1)[-1]}.narrow_to_clinician",
    )
    def narrow_to_clinician(ctx: CallbackContext, *clicked: str | None) -> str:
        trigger = dash.ctx.triggered_id
        chosen = clicked[list(graphs).index(trigger)] if trigger in graphs else None
        if chosen is None:
            raise dash.exceptions.PreventUpdate
        return chosen
