"""The access page on the hand-built practice (tests/pages/director_practice.py works out every
figure)."""

# The fixtures come from director_practice; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import dash
from flask.testing import FlaskClient

from db.engine import Database
from tests.pages.director_practice import (  # noqa: F401 - fixtures
    FILTERS,
    audit_rows,
    director,
    director_app,
    post,
)
from tests.webclient import figure_values


def test_waitlist_and_third_next_available(director: FlaskClient, director_app: dash.Dash) -> None:
    response = post(director, director_app, "access-waitlist", FILTERS)["response"]
    open_entries, over_target = response["access-waitlist"]["figure"]["data"]
    # 03-02..03-04: W1 W2 W4; 03-05..03-11: W1 W2; 03-12..03-14: W1 W2 W3.
    assert figure_values(open_entries["y"]) == [3, 3, 3] + [2] * 7 + [3, 3, 3]
    assert figure_values(over_target["y"]) == [1, 1, 1, 0, 0] + [1] * 7 + [2]
    # Third next available comes in its own response, so the waitlist need not wait for it.
    assert "access-tna-clinicians" not in response
    response = post(director, director_app, "access-tna-clinicians", FILTERS)["response"]
    assert set(response) == {"access-tna-trend", "access-tna-clinicians"}
    # Current third next available per clinician: Ana 2 days, Ben 10 days.
    bars = response["access-tna-clinicians"]["figure"]["data"][0]
    assert (bars["y"], figure_values(bars["x"]), bars["text"]) == (
        ["Ana", "Ben"],
        [2.0, 10.0],
        ["2.0 d", "10.0 d"],
    )


def test_the_waitlist_is_not_by_clinician(director: FlaskClient, director_app: dash.Dash) -> None:
    response = post(director, director_app, "access-waitlist", [*FILTERS[:4], "C1", None])
    figure = response["response"]["access-waitlist"]["figure"]
    assert figure["data"] == []
    assert "clear the clinician filter" in figure["layout"]["annotations"][0]["text"]


def test_a_heatmap_cell_narrows_the_time_of_week_panel(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    click = {"points": [{"x": 9, "y": 0, "z": 2}]}  # as dcc.Graph reports a heatmap cell
    stored = post(director, director_app, "access-cell", [click, None])["response"]
    assert stored["access-cell"]["data"] == [0, 9]
    everything = post(director, director_app, "access-volume", [*FILTERS, None])["response"]
    heatmap = everything["access-volume"]["figure"]["data"][0]
    # Held appointments: Mon 09 A1 A2, 10 A3 A4, 11 A5, 12 A8; Tue 09 A6 A7.
    assert figure_values(heatmap["y"]) == [0, 1]  # Mon, Tue
    assert figure_values(heatmap["x"]) == [9, 10, 11, 12]
    assert heatmap["text"] == [["2", "2", "1", "1"], ["2", "0", "0", "0"]]
    narrowed = post(director, director_app, "access-volume", [*FILTERS, [0, 9]])["response"]
    assert narrowed["access-cell-label"]["children"] == "Showing Mon 09:00–10:00."
    booked, open_slots = narrowed["access-time-of-week"]["figure"]["data"]
    # Only Ana works Mondays: 2 booked at 09:00; open Mondays 03-16, 03-23, 03-30, 04-06.
    assert (booked["y"], figure_values(booked["x"]), figure_values(open_slots["x"])) == (
        ["Ana"],
        [2],
        [4],
    )


def test_over_target_entries_are_audited_and_exported(
    director: FlaskClient, director_app: dash.Dash, db: Database
) -> None:
    rows = post(director, director_app, "access-over-target", FILTERS)["response"]
    entries = rows["access-over-target"]["rowData"]
    assert [(e["entry_id"], e["days_waiting"]) for e in entries] == [("W2", 22), ("W3", 2)]
    assert audit_rows(db, "access.show_over_target")[-1].client_ids == "K7,K8"
    exported = post(director, director_app, "access-export-download", [1, None, *FILTERS])
    content = exported["response"]["access-export-download"]["data"]["content"]
    assert content.splitlines()[1].startswith("W2,K7,Adult,routine,2026-02-20,22,14")
    audited = audit_rows(db, "access.export_over_target")
    assert [(r.action, r.client_ids) for r in audited] == [("export", "K7,K8")]
