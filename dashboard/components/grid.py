"""AG Grid with careboard's defaults: sortable, filterable, paged, keyboard friendly."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag

PAGE_SIZE = 50


def grid(
    grid_id: str,
    columns: list[dict[str, Any]],
    *,
    row_id: str | None = None,
    height: int = 480,
    page_size: int = PAGE_SIZE,
    selectable: bool = False,
    options: dict[str, Any] | None = None,
    no_rows: str | None = None,
) -> dag.AgGrid:
    """A client-side grid (rows come from a callback); ``row_id`` keeps rows stable on update;
    ``no_rows`` replaces AG Grid's "No Rows To Show"."""
    grid_options: dict[str, Any] = {
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": False,
        "animateRows": False,
        "ensureDomOrder": True,
        "enableCellTextSelection": True,
        "suppressMenuHide": True,
    }
    if no_rows:
        # Plain text through localeText: an overlay template is HTML, which dash-ag-grid
        # refuses to evaluate under its XSS guard.
        grid_options["localeText"] = {"noRowsToShow": no_rows}
    if selectable:
        grid_options["rowSelection"] = {"mode": "singleRow", "enableClickSelection": True}
    grid_options.update(options or {})
    kwargs: dict[str, Any] = {}
    if row_id:
        kwargs["getRowId"] = f"params.data.{row_id}"
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        dashGridOptions=grid_options,
        columnSize="responsiveSizeToFit",
        style={"height": f"{height}px", "width": "100%"},
        className="ag-theme-quartz",
        **kwargs,
    )
