"""Long lists paged on the server: AG Grid's infinite row model, so the browser holds the
block of rows it shows, never the whole list (issue 8: every response at most 150 KB).

The grid asks for rows with ``getRowsRequest`` (startRow, endRow, sortModel, filterModel) and
gets ``getRowsResponse`` ({"rowData": [...], "rowCount": n}) from one secured callback that
this module builds: it validates the request's shape (row range, sort and filter models on
known column ids only), reads the rows in the caller's scope (the page's own function, given
the validated states and the context, so the clinician scope comes from the session), filters,
sorts by validated column ids, slices, and notes the clients of the rows it returns.

How a page uses it::

    APPOINTMENTS = PagedGrid("my-grid", COLUMNS, row_id="appointment_id",
                             client_column="client_id", selectable=True)

    # layout
    APPOINTMENTS.component(height=520)

    # the rows, once (at import or in the page's register()):
    APPOINTMENTS.register(
        rows=lambda ctx, *states: my_frame(ctx, states),  # a DataFrame of the grid's fields
        states=FILTER_STATES, validators=FILTER_VALIDATORS, roles=DIRECTOR,
    )

    # the page's filter callback reloads the grid when the filters change:
    @callback(..., APPOINTMENTS.reload_output(), *FILTER_INPUTS)
    @secure_callback(roles=..., args=FILTER_VALIDATORS, cache=True)
    def show(ctx, *values): ...; return [..., APPOINTMENTS.reloaded(ctx)]

How the reload works: the filter callback puts a token of what its result depends on (the
cache key: data version, scope, inputs, minute) in a store beside the grid; a clientside
function (``careboard.purgeGrid`` in assets/careboard.js: a file, so the CSP holds) then purges
the grid's cache through its API, and the grid asks for its rows again with the page's current
filters. The token is a function of the callback's inputs, not a counter the browser sends
back, so going back to earlier filters is served from the cache like any other result. The
grid's options never change after it is built (replacing them while a block is loading raced
in the browser).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash
import dash_ag_grid as dag
import numpy as np
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import validate as v
from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.grid import PAGE_SIZE

# Rows per request: two pages of the grid.
BLOCK_SIZE = 2 * PAGE_SIZE
MAX_ROW = 10**6
MAX_FILTER_TEXT = 200
TEXT_TYPES = frozenset(
    {"contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"}
)
NUMBER_TYPES = frozenset(
    {
        "equals",
        "notEqual",
        "lessThan",
        "lessThanOrEqual",
        "greaterThan",
        "greaterThanOrEqual",
        "inRange",
        "blank",
        "notBlank",
    }
)


@dataclass(frozen=True)
class Condition:
    """One condition of a column filter: AG Grid's type, and its value(s)."""

    kind: str  # "text" or "number"
    type: str
    value: Any = None
    value_to: Any = None


@dataclass(frozen=True)
class ColumnFilter:
    conditions: tuple[Condition, ...]
    join: str = "AND"


@dataclass(frozen=True)
class RowsRequest:
    """A validated ``getRowsRequest``: rows [start, end), sort keys (column id, descending)
    and column filters, on the grid's column ids only."""

    start: int
    end: int
    sort: tuple[tuple[str, bool], ...] = ()
    filters: tuple[tuple[str, ColumnFilter], ...] = ()


# --- validation ----------------------------------------------------------------------------------


def _row_index(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise v.InvalidInput(f"{what} is not a row number")
    if not 0 <= value <= MAX_ROW:
        raise v.InvalidInput(f"{what} is out of range")
    return int(value)


def _sort_model(value: Any, columns: frozenset[str]) -> tuple[tuple[str, bool], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > len(columns):
        raise v.InvalidInput("the sort is not understood")
    keys = []
    for item in value:
        if not isinstance(item, dict) or item.get("colId") not in columns:
            raise v.InvalidInput("the sort names an unknown column")
        if item.get("sort") not in ("asc", "desc"):
            raise v.InvalidInput("the sort direction is not understood")
        keys.append((str(item["colId"]), item["sort"] == "desc"))
    return tuple(keys)


def _filter_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "text":
        if not isinstance(value, str) or len(value) > MAX_FILTER_TEXT:
            raise v.InvalidInput("a filter value is not understood")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise v.InvalidInput("a filter value is not a number")
    return float(value)


def _condition(value: Any) -> Condition:
    if not isinstance(value, dict):
        raise v.InvalidInput("a filter is not understood")
    kind = value.get("filterType")
    allowed = {"text": TEXT_TYPES, "number": NUMBER_TYPES}.get(kind)
    if allowed is None or value.get("type") not in allowed:
        raise v.InvalidInput("a filter type is not supported")
    return Condition(
        kind,
        value["type"],
        _filter_value(value.get("filter"), kind),
        _filter_value(value.get("filterTo"), kind),
    )


def _column_filter(value: Any) -> ColumnFilter:
    if isinstance(value, dict) and "conditions" in value:
        conditions = value["conditions"]
        if not isinstance(conditions, list) or not 1 <= len(conditions) <= 2:
            raise v.InvalidInput("a filter is not understood")
        join = value.get("operator", "AND")
        if join not in ("AND", "OR"):
            raise v.InvalidInput("a filter operator is not understood")
        return ColumnFilter(tuple(_condition(c) for c in conditions), join)
    return ColumnFilter((_condition(value),))


def _filter_model(value: Any, columns: frozenset[str]) -> tuple[tuple[str, ColumnFilter], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or len(value) > len(columns):
        raise v.InvalidInput("the filter is not understood")
    if any(column not in columns for column in value):
        raise v.InvalidInput("the filter names an unknown column")
    return tuple((str(column), _column_filter(model)) for column, model in value.items())


def rows_request(columns: Sequence[str]) -> v.Validator:
    """A validator of ``getRowsRequest`` for a grid of these column ids; None (no request
    yet) stays None."""
    known = frozenset(columns)

    def check(value: Any, _ctx: CallbackContext) -> RowsRequest | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise v.InvalidInput("the rows request is not understood")
        start = _row_index(value.get("startRow"), "the first row")
        end = _row_index(value.get("endRow"), "the last row")
        if not start < end <= start + 2 * BLOCK_SIZE:
            raise v.InvalidInput("the rows requested are out of range")
        return RowsRequest(
            start,
            end,
            _sort_model(value.get("sortModel"), known),
            _filter_model(value.get("filterModel"), known),
        )

    return check


# --- filtering, sorting, slicing -----------------------------------------------------------------


def _text_match(values: pd.Series, condition: Condition) -> np.ndarray:
    text = values.fillna("").astype(str).str.casefold()
    blank = (text.str.strip() == "").to_numpy()
    if condition.type == "blank":
        return blank
    if condition.type == "notBlank":
        return ~blank
    wanted = (condition.value or "").casefold()
    match condition.type:
        case "contains":
            return text.str.contains(wanted, regex=False).to_numpy()
        case "notContains":
            return ~text.str.contains(wanted, regex=False).to_numpy()
        case "equals":
            return (text == wanted).to_numpy()
        case "notEqual":
            return (text != wanted).to_numpy()
        case "startsWith":
            return text.str.startswith(wanted).to_numpy()
        case _:  # endsWith
            return text.str.endswith(wanted).to_numpy()


def _number_match(values: pd.Series, condition: Condition) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    blank = np.isnan(numbers)
    if condition.type == "blank":
        return blank
    if condition.type == "notBlank":
        return ~blank
    if condition.value is None:
        return np.ones(len(numbers), dtype=bool)  # AG Grid: an empty condition passes all
    a, b = condition.value, condition.value_to
    with np.errstate(invalid="ignore"):
        match condition.type:
            case "equals":
                found = numbers == a
            case "notEqual":
                found = numbers != a
            case "lessThan":
                found = numbers < a
            case "lessThanOrEqual":
                found = numbers <= a
            case "greaterThan":
                found = numbers > a
            case "greaterThanOrEqual":
                found = numbers >= a
            case _:  # inRange: exclusive of both ends, AG Grid's default
                found = (numbers > a) & (numbers < (b if b is not None else np.inf))
    return found & ~blank if condition.type != "notEqual" else found | blank


def _passes(frame: pd.DataFrame, column: str, spec: ColumnFilter) -> np.ndarray:
    values = frame[column] if column in frame else pd.Series([None] * len(frame))
    found = [
        _text_match(values, c) if c.kind == "text" else _number_match(values, c)
        for c in spec.conditions
    ]
    return np.logical_and.reduce(found) if spec.join == "AND" else np.logical_or.reduce(found)


def _sort_key(values: pd.Series) -> pd.Series:
    """Text sorts without regard to case, as AG Grid's own sort does."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    return values.map(lambda x: x.casefold() if isinstance(x, str) else x)


def page_of(frame: pd.DataFrame, request: RowsRequest) -> tuple[pd.DataFrame, int]:
    """The request's rows of ``frame`` (filtered, then sorted, then sliced) and how many
    rows pass its filters. Sorting is stable: ties keep the frame's own order."""
    keep = np.ones(len(frame), dtype=bool)
    for column, spec in request.filters:
        keep &= _passes(frame, column, spec)
    chosen = frame[keep]
    sort = [(c, desc) for c, desc in request.sort if c in chosen]
    if sort:
        chosen = chosen.sort_values(
            [c for c, _ in sort],
            ascending=[not desc for _, desc in sort],
            kind="stable",
            na_position="last",
            key=_sort_key,
        )
    return chosen.iloc[request.start : request.end], len(chosen)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values as null."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# --- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PagedGrid:
    """One paged grid: its id, column definitions, the row id field and the column naming each
    row's client (noted for the audit, and never sent unless it is one of the columns)."""

    grid_id: str
    columns: Sequence[Mapping[str, Any]]
    row_id: str | None = None
    client_column: str | None = None
    selectable: bool = False
    no_rows: str | None = None
    page_size: int = PAGE_SIZE

    @property
    def column_ids(self) -> list[str]:
        return [str(c.get("colId") or c["field"]) for c in self.columns]

    @property
    def reload_id(self) -> str:
        return f"{self.grid_id}-reload"

    def options(self) -> dict[str, Any]:
        """The grid options (``dashGridOptions``)."""
        extra: dict[str, Any] = {}
        if self.selectable:
            extra["rowSelection"] = {"mode": "singleRow", "enableClickSelection": True}
        if self.no_rows:
            # Plain text: an overlay template is HTML, which dash-ag-grid refuses to evaluate.
            extra["localeText"] = {"noRowsToShow": self.no_rows}
        return {
            "rowModelType": "infinite",
            "cacheBlockSize": BLOCK_SIZE,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "pagination": True,
            "paginationPageSize": self.page_size,
            "paginationPageSizeSelector": False,
            "animateRows": False,
            "ensureDomOrder": True,
            "enableCellTextSelection": True,
            "suppressMenuHide": True,
            **extra,
        }

    def component(self, *, height: int = 480) -> html.Div:
        """The grid and the store whose token reloads it."""
        return html.Div([self.grid(height=height), dcc.Store(id=self.reload_id, data="")])

    def grid(self, *, height: int = 480) -> dag.AgGrid:
        kwargs: dict[str, Any] = {}
        if self.row_id:
            kwargs["getRowId"] = f"params.data.{self.row_id}"
        return dag.AgGrid(
            id=self.grid_id,
            columnDefs=list(self.columns),
            rowModelType="infinite",
            defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
            dashGridOptions=self.options(),
            columnSize="responsiveSizeToFit",
            style={"height": f"{height}px", "width": "100%"},
            className="ag-theme-quartz",
            **kwargs,
        )

    # The page's filter callback reloads the grid through these two.
    def reload_output(self) -> Output:
        return Output(self.reload_id, "data")

    @staticmethod
    def reloaded(ctx: CallbackContext) -> str:
        """The store's new value: the grid purges its rows and asks again when it changes."""
        return ctx.result_token()

    def register(
        self,
        *,
        rows: Callable[..., pd.DataFrame],
        states: Sequence[State],
        validators: Sequence[v.Validator],
        roles: Sequence[str],
        target: str | None = None,
        phi: bool | None = None,
        cache: bool = True,
        complete: Callable[[CallbackContext, pd.DataFrame], pd.DataFrame] | None = None,
    ) -> None:
        """Register the secured ``getRowsRequest`` -> ``getRowsResponse`` callback.
        ``rows(ctx, *validated_states)`` returns every row of the list (scoped by ctx) as a
        DataFrame holding the grid's fields (and ``client_column``). ``phi`` (default: the grid
        has a client column) audits each read; ``cache=False`` for rows that change without a
        new data version (the audit log). ``complete(ctx, page)`` adds fields too dear to read
        for every row to the rows of the page sent (they can be neither sorted nor filtered)."""
        grid = self

        def serve_rows(ctx: CallbackContext, request: RowsRequest | None, *values: Any) -> Any:
            if request is None:
                raise PreventUpdate
            page, total = page_of(rows(ctx, *values), request)
            if complete is not None:
                page = complete(ctx, page)
            if grid.client_column and grid.client_column in page:
                ctx.note_clients(page[grid.client_column])
                if grid.client_column not in grid.column_ids:
                    page = page.drop(columns=[grid.client_column])
            return {"rowData": _records(page), "rowCount": total}

        serve_rows.__name__ = f"rows_{self.grid_id.replace('-', '_')}"
        secured = secure_callback(
            roles=roles,
            args=[rows_request(self.column_ids), *validators],
            phi=self.client_column is not None if phi is None else phi,
            target=target,
            cache=cache,
        )
        dash.clientside_callback(
            ClientsideFunction("careboard", "purgeGrid"),
            Output(self.grid_id, "id"),  # never changed: the function returns no_update
            Input(self.reload_id, "data"),
            State(self.grid_id, "id"),
            prevent_initial_call=True,
        )
        dash.callback(
            Output(self.grid_id, "getRowsResponse"),
            Input(self.grid_id, "getRowsRequest"),
            *states,
            prevent_initial_call=True,
        )(secured(serve_rows))


__all__ = ["BLOCK_SIZE", "PagedGrid", "RowsRequest", "page_of", "rows_request"]
