"""The continuity page on the hand-built practice (tests/pages/director_practice.py works out
every figure), and "create an outreach task" from the lost-to-follow-up list."""

# The fixtures come from director_practice; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from flask.testing import FlaskClient
from sqlalchemy import select

from db.engine import Database
from db.meta import data_version
from db.models import Task
from tests.pages.director_practice import (  # noqa: F401 - fixtures
    FILTERS,
    audit_rows,
    director,
    director_app,
    post,
)
from tests.webclient import figure_values, outputs, post_callback


def test_charts(director: FlaskClient, director_app: dash.Dash) -> None:
    response = post(director, director_app, "continuity-dist", FILTERS)["response"]
    upc = response["continuity-dist"]["figure"]["data"][0]
    # K1's UPC 1 (last bin) and K4's 2/3 (the 0.6 bin).
    assert figure_values(upc["y"]) == [0, 0, 0, 0, 0, 0, 1, 0, 0, 1]
    by_clinician = response["continuity-clinician"]["figure"]["data"]
    coc = next(trace for trace in by_clinician if trace["name"] == "COC")
    # Counted under their primary clinician: K1 (COC 1) under Ana, K4 (COC 1/3) under Ben.
    assert coc["y"] == ["Ana", "Ben"] and coc["text"] == ["1.00", "0.33"]
    assert coc["customdata"] == ["C1", "C2"]


def changes_page(client: FlaskClient, app: dash.Dash, bar: list = FILTERS, **asked: Any) -> dict:
    """The clinician-change grid's rows as it asks for them (first block unless told)."""
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, **asked}
    response = post_callback(client, app, "continuity-changes.getRowsResponse", [request, *bar])
    return outputs(response)["continuity-changes"]["getRowsResponse"]


def test_tables(director: FlaskClient, director_app: dash.Dash, db: Database) -> None:
    response = post(director, director_app, "continuity-lost", [*FILTERS, 7, None])
    shown = response["response"]
    # The changes grid is paged on the server: the filter callback makes it ask again.
    assert isinstance(shown["continuity-changes-reload"]["data"], str)  # the grid reloads
    lost = shown["continuity-lost"]["rowData"]
    assert [(r["client_id"], r["days_since"]) for r in lost] == [("K3", 68), ("K5", 53)]
    discharges = shown["continuity-discharges"]["rowData"]
    assert [r["event_id"] for r in discharges] == ["E3"]  # E2 was followed 6 days later
    assert audit_rows(db, "continuity.show_tables")[-1].client_ids == "K3,K5"
    changes = changes_page(director, director_app)
    assert changes["rowCount"] == 1
    assert [(r["client_id"], r["clinicians"]) for r in changes["rowData"]] == [("K4", 2)]
    assert audit_rows(db, "continuity.changes_rows")[-1].client_ids == "K4"
    # Within 30 days: no discharge of the period is 30 days old yet.
    later = post(director, director_app, "continuity-lost", [*FILTERS, 30, None])
    assert later["response"]["continuity-discharges"]["rowData"] == []


def test_changes_grid_pages_sorts_and_filters_on_the_server(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    by_visits = changes_page(
        director, director_app, sortModel=[{"colId": "visits", "sort": "desc"}]
    )
    assert [r["client_id"] for r in by_visits["rowData"]] == ["K4"]
    none = {"clinicians": {"filterType": "number", "type": "greaterThan", "filter": 2}}
    assert changes_page(director, director_app, filterModel=none)["rowCount"] == 0
    past_the_end = changes_page(director, director_app, startRow=100, endRow=200)
    assert (past_the_end["rowCount"], past_the_end["rowData"]) == (1, [])


def _tasks(db: Database) -> list:
    with db.read() as conn:
        return conn.execute(select(Task).where(Task.kind == "re_engagement")).all()


def test_create_outreach_task_is_audited_and_idempotent(
    director: FlaskClient, director_app: dash.Dash, db: Database
) -> None:
    with db.read() as conn:
        version = data_version(conn)
    chosen = [{"client_id": "K3"}, {"client_id": "K1"}]
    first = post(director, director_app, "continuity-created", [1, chosen, *FILTERS])
    message = first["response"]["continuity-created"]["children"]
    assert message == "1 re-engagement task(s) created; 1 no longer lost to follow-up."
    (task,) = _tasks(db)
    # K3 never had a visit: the key carries the intake date; due by the end of 03-21.
    assert (task.client_id, task.assignee, task.status) == ("K3", "C1", "open")
    assert task.rule_key == "re_engagement:K3:2026-01-05"
    assert (task.due_at, task.due_date_only) == (dt.datetime(2026, 3, 22), True)
    with db.read() as conn:
        assert data_version(conn) > version
    audited = audit_rows(db, "continuity.create_outreach")
    assert [(r.action, r.outcome, r.client_ids) for r in audited] == [("write", "ok", "K3")]
    # A second click creates nothing more.
    second = post(director, director_app, "continuity-created", [2, chosen[:1], *FILTERS])
    assert second["response"]["continuity-created"]["children"].startswith("0 re-engagement")
    assert len(_tasks(db)) == 1


def test_nothing_selected_writes_nothing(director: FlaskClient, director_app: dash.Dash) -> None:
    response = post(director, director_app, "continuity-created", [1, [], *FILTERS])
    assert (
        response["response"]["continuity-created"]["children"]
        == "Select one or more clients first."
    )


def test_lost_list_export_is_audited(
    director: FlaskClient, director_app: dash.Dash, db: Database
) -> None:
    values = [None, None, 1, None, None, None, *FILTERS, 7]
    body = post(director, director_app, "continuity-changes-export-download", values)
    # The posted trigger is the first button (changes CSV) in this harness.
    content = body["response"]["continuity-changes-export-download"]["data"]["content"]
    assert content.splitlines()[1].startswith("K4,C2,3,2,")
    assert [r.client_ids for r in audit_rows(db, "continuity.export_tables")] == ["K4"]
