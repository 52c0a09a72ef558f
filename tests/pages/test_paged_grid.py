"""The paged grid (AG Grid's infinite row model served by one secured callback): request
validation, server-side filters, sorts and slices, and on the schedule: pages of the day's
list, a reload when the filters change, the audit naming only the clients of the page sent,
and the printable sheet as escaped text."""

# The fixtures come from frontdesk; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import json

import dash
import pandas as pd
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from dashboard.auth.validate import InvalidInput
from dashboard.components.paged_grid import RowsRequest, page_of, rows_request
from db.models import AuditEntry
from pages.schedule_print import _cell
from tests.factory import Practice
from tests.pages.frontdesk import app, frank, post  # noqa: F401 - fixtures
from tests.webclient import outputs, post_callback

DAY = ["2026-03-04", "day", None, None, None, None, []]
CHECK = rows_request(["client", "time", "status", "minutes"])
FRAME = pd.DataFrame(
    {
        "client": ["Ann", "bob", "Cy", None],
        "time": ["09:00", "10:00", "11:00", "12:00"],
        "status": ["Scheduled", "Completed", "Scheduled", "No-show"],
        "minutes": [50, 60, None, 30],
    }
)


def request(**fields: object) -> RowsRequest:
    return CHECK({"startRow": 0, "endRow": 100, **fields}, None)


@pytest.mark.parametrize(
    "forged",
    [
        "rows",
        {"startRow": 0},
        {"startRow": -1, "endRow": 10},
        {"startRow": 10, "endRow": 5},
        {"startRow": 0, "endRow": 10**7},
        {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "client_id", "sort": "asc"}]},
        {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "client", "sort": "sideways"}]},
        {"startRow": 0, "endRow": 10, "filterModel": {"client_id": {"filterType": "text"}}},
        {"startRow": 0, "endRow": 10, "filterModel": {"client": {"filterType": "set"}}},
        {
            "startRow": 0,
            "endRow": 10,
            "filterModel": {"client": {"filterType": "text", "type": "contains", "filter": 3}},
        },
        {"startRow": True, "endRow": 10},
    ],
)
def test_a_forged_rows_request_is_refused(forged: object) -> None:
    with pytest.raises(InvalidInput):
        CHECK(forged, None)


def test_no_request_yet_is_none() -> None:
    assert CHECK(None, None) is None


def test_text_filters_ignore_case_and_sorts_are_stable() -> None:
    contains = {"client": {"filterType": "text", "type": "contains", "filter": "B"}}
    page, total = page_of(FRAME, request(filterModel=contains))
    assert (list(page["client"]), total) == (["bob"], 1)
    # Descending status: "Scheduled" (Ann, Cy, in the frame's order), "No-show", "Completed".
    page, total = page_of(FRAME, request(sortModel=[{"colId": "status", "sort": "desc"}]))
    assert list(page["time"]) == ["09:00", "11:00", "12:00", "10:00"] and total == 4
    either = {
        "status": {
            "filterType": "text",
            "operator": "OR",
            "conditions": [
                {"filterType": "text", "type": "equals", "filter": "no-show"},
                {"filterType": "text", "type": "startsWith", "filter": "comp"},
            ],
        }
    }
    assert list(page_of(FRAME, request(filterModel=either))[0]["time"]) == ["10:00", "12:00"]
    blank = {"client": {"filterType": "text", "type": "blank"}}
    assert list(page_of(FRAME, request(filterModel=blank))[0]["time"]) == ["12:00"]


def test_number_filters_and_a_slice_with_the_whole_count() -> None:
    over = {"minutes": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 50}}
    page, total = page_of(FRAME, request(filterModel=over))
    assert (list(page["client"]), total) == (["Ann", "bob"], 2)
    page, total = page_of(FRAME, CHECK({"startRow": 1, "endRow": 3}, None))
    assert (list(page["time"]), total) == (["10:00", "11:00"], 4)


# --- on the schedule -----------------------------------------------------------------------------


def rows(client: FlaskClient, app: dash.Dash, asked: dict, bar: list | None = None) -> dict:
    response = post_callback(client, app, "sch-grid.getRowsResponse", [asked, *(bar or DAY)])
    return outputs(response)["sch-grid"]["getRowsResponse"]


def test_the_day_in_pages_sorted_on_the_server(frank: FlaskClient, app: dash.Dash) -> None:
    first = rows(frank, app, {"startRow": 0, "endRow": 2})
    assert [r["appointment_id"] for r in first["rowData"]] == ["A1", "A3"]
    assert first["rowCount"] == 3
    second = rows(frank, app, {"startRow": 2, "endRow": 4})
    assert [r["appointment_id"] for r in second["rowData"]] == ["A2"]
    by_time = rows(
        frank, app, {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "time", "sort": "desc"}]}
    )
    assert [r["appointment_id"] for r in by_time["rowData"]] == ["A2", "A3", "A1"]
    assert all("client_id" not in r for r in by_time["rowData"])


def test_the_audit_names_the_clients_of_the_page_sent(
    frank: FlaskClient, app: dash.Dash, practice: Practice
) -> None:
    # A2 is K2's (the day's third row); the first two rows are someone else's.
    first = rows(frank, app, {"startRow": 0, "endRow": 2})
    assert "Client K2" not in json.dumps(first)
    with practice.db.read() as conn:
        audited = conn.execute(
            select(AuditEntry.client_ids).where(AuditEntry.target == "schedule.appointment_rows")
        ).scalars()
        noted = " ".join(str(ids) for ids in audited)
    assert noted and "K2" not in noted


def test_a_filter_change_reloads_the_grid(frank: FlaskClient, app: dash.Dash) -> None:
    # The token beside the grid names what the result depends on: a new one makes the browser
    # purge the grid's rows (careboard.purgeGrid) and ask again with the new filters.
    day = outputs(post(frank, app, "sch-heading", [*DAY, None, None]))
    week = outputs(post(frank, app, "sch-heading", [DAY[0], "week", *DAY[2:], None, None]))
    back = outputs(post(frank, app, "sch-heading", [*DAY, None, None]))
    tokens = [body["sch-grid-reload"]["data"] for body in (day, week, back)]
    assert all(isinstance(token, str) and token for token in tokens)
    assert tokens[0] != tokens[1]  # other filters: the grid reloads
    # Back to the first filters: the stored result, token and all (no counter the browser
    # sends back keeps it from the cache).
    assert tokens[2] == tokens[0]
    assert back == day


def test_the_print_sheet_is_the_day_as_escaped_text(frank: FlaskClient, app: dash.Dash) -> None:
    # Made when the print button is pressed, which then opens the print dialog (the sink).
    body = outputs(post(frank, app, "sch-print-sheet", [1, *DAY]))
    text = json.dumps(body["sch-print-sheet"]["children"], ensure_ascii=False)
    assert "Schedule for Wednesday, March 4, 2026" in text
    assert "| 09:00–10:00 | Client K1 |" in text
    assert body["sch-print-sink"]["data"] == 1
    week = outputs(post(frank, app, "sch-print-sheet", [2, "2026-03-04", "week", *DAY[2:]]))
    assert "Switch to the day view" in json.dumps(week["sch-print-sheet"]["children"])
    # Not pressed: nothing is made (the page's views never carry the sheet).
    assert post(frank, app, "sch-print-sheet", [None, *DAY]).status_code == 204
    pressed = [c for c in app.callback_map.values() if "sch-print-sheet.children" in str(c)]
    assert [i["id"] for i in pressed[0]["inputs"]] == ["sch-print"]
    # A name is text in the table, never markup.
    assert _cell("O'Neil | <b>*Jo*</b>") == "O'Neil \\| \\<b\\>\\*Jo\\*\\</b\\>"
