"""The caseloads page and the clinician page, on the hand-built practice
(tests/pages/director_practice.py works out every figure)."""

# The fixtures come from director_practice; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import base64
import datetime as dt
import json

import dash
import numpy as np
import pandas as pd
import pytest
from flask.testing import FlaskClient

from dashboard.figures.caseloads import caseload_bars, utilization_bars, utilization_heatmap
from dashboard.figures.theme import register_theme
from db.engine import Database
from tests.pages.director_practice import (  # noqa: F401 - fixtures
    FILTERS,
    audit_rows,
    director,
    director_app,
    post,
    post_as,
)
from tests.webclient import figure_values, post_callback, texts


def show(client: FlaskClient, app: dash.Dash, filters: list) -> dict:
    return post(client, app, "caseloads-heatmap", list(filters))["response"]


def grid_rows(client: FlaskClient, app: dash.Dash, filters: list, **request: object) -> dict:
    """The grid's rows as the paged grid asks for them (first block unless told)."""
    asked = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, **request}
    response = post_callback(client, app, "caseloads-grid.getRowsResponse", [asked, *filters])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]["caseloads-grid"]["getRowsResponse"]


def test_grid_and_charts_per_clinician(director: FlaskClient, director_app: dash.Dash) -> None:
    response = show(director, director_app, FILTERS)
    # The grid is paged on the server: the filter callback only makes it ask again.
    assert isinstance(response["caseloads-grid-reload"]["data"], str)  # the grid reloads
    listed = grid_rows(director, director_app, FILTERS)
    assert listed["rowCount"] == 2
    rows = {row["clinician_id"]: row for row in listed["rowData"]}
    assert set(rows) == {"C1", "C2"}
    c1, c2 = rows["C1"], rows["C2"]
    assert (c1["booked_utilization"], c1["kept_utilization"]) == (0.875, 0.625)
    assert (c2["booked_utilization"], c2["kept_utilization"]) == (0.5, 0.5)
    assert round(c1["no_show_rate"], 4) == round(1 / 6, 4)
    assert (c1["active_caseload"], c1["over_capacity"]) == (3, True)
    assert c1["capacity_status"] == "over capacity by 1"
    assert c2["capacity_status"] == "within capacity"
    assert c1["clinician"].startswith("[Ana](/clinicians/C1?start=2026-03-02&end=2026-03-15")
    # The caseload bars say "over" in words as well as in colour.
    caseload = response["caseloads-caseload"]["figure"]["data"][0]
    assert caseload["text"][0] == "3 · over by 1"
    # Heatmap: Ana's weeks 4 h / 4 h and 3 h / 4 h; Ben's 1 h / 2 h twice.
    heatmap = response["caseloads-heatmap"]["figure"]["data"][0]
    assert heatmap["y"] == ["C1", "C2"]  # what a click reports; labelled with names
    assert response["caseloads-heatmap"]["figure"]["layout"]["yaxis"]["ticktext"] == ["Ana", "Ben"]
    # A 2-d typed array: its shape comes as text ("2, 2").
    z = heatmap["z"]
    shape = [int(n) for n in z["shape"].split(",")]
    assert np.frombuffer(base64.b64decode(z["bdata"]), z["dtype"]).reshape(shape).tolist() == [
        [1.0, 0.75],
        [0.5, 0.5],
    ]
    assert heatmap["texttemplate"] == "%{z:.0%}"  # labelled 100%, 75%, 50%, 50%
    assert heatmap["x"] == ["Mar 2", "Mar 9"]


def test_grid_pages_sorts_and_filters_on_the_server(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    by_booked = grid_rows(
        director, director_app, FILTERS, sortModel=[{"colId": "booked_utilization", "sort": "asc"}]
    )
    assert [row["clinician_id"] for row in by_booked["rowData"]] == ["C2", "C1"]
    second = grid_rows(director, director_app, FILTERS, startRow=1, endRow=2)
    assert [row["clinician_id"] for row in second["rowData"]] == ["C2"]
    assert second["rowCount"] == 2
    over = {"capacity_status": {"filterType": "text", "type": "startsWith", "filter": "over"}}
    narrowed = grid_rows(director, director_app, FILTERS, filterModel=over)
    assert [row["clinician_id"] for row in narrowed["rowData"]] == ["C1"]
    assert narrowed["rowCount"] == 1


def test_filters_change_the_figures(director: FlaskClient, director_app: dash.Dash) -> None:
    dbt = ["2026-03-02", "2026-03-15", "DBT", None, None, None]
    assert [row["clinician_id"] for row in grid_rows(director, director_app, dbt)["rowData"]] == [
        "C2"
    ]
    assert show(director, director_app, dbt)["caseloads-heatmap"]["figure"]["data"][0]["y"] == [
        "C2"
    ]
    # Week of 03-09 only: Ana 3 h held of 4 h.
    week = ["2026-03-09", "2026-03-15", None, None, None, None]
    rows = {row["clinician_id"]: row for row in grid_rows(director, director_app, week)["rowData"]}
    assert rows["C1"]["booked_utilization"] == 0.75


def test_a_click_on_a_bar_narrows_to_that_clinician(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    click = {"points": [{"customdata": "C2", "y": "Ben"}]}
    values = [click, None, None, None, None]
    response = post(director, director_app, "f-clinician", values, "caseloads-utilization")
    assert list(response["response"].values()) == [{"value": "C2"}]
    heatmap_row = {"points": [{"x": "Mar 9", "y": "C1", "z": 0.75}]}
    response = post_as(
        director,
        director_app,
        "f-clinician",
        [None, None, None, None, heatmap_row],
        "caseloads-heatmap.clickData",
    )
    assert list(response["response"].values()) == [{"value": "C1"}]
    forged = {"points": [{"customdata": "C9"}]}
    values = [forged, None, None, None, None]
    response = post(director, director_app, "f-clinician", values, "caseloads-utilization")
    assert response["response"] == {} and "sideUpdate" in response


def test_export_is_audited(director: FlaskClient, director_app: dash.Dash, db: Database) -> None:
    values = [None, 1, *FILTERS]
    response = post_as(
        director,
        director_app,
        "caseloads-export-download",
        values,
        "caseloads-export-xlsx.n_clicks",
    )
    data = response["response"]["caseloads-export-download"]["data"]
    assert data["filename"] == "caseloads.xlsx" and data["base64"]
    response = post(director, director_app, "caseloads-export-download", [1, None, *FILTERS])
    content = response["response"]["caseloads-export-download"]["data"]["content"]
    assert content.splitlines()[1].startswith("C1,Ana,Adult,Main,2,3,over capacity by 1,8.0,7.0,")
    details = [r.detail for r in audit_rows(db, "caseloads.export_caseloads")]
    assert details == ["caseloads.xlsx", "caseloads.csv"]


def test_clinician_page(director: FlaskClient, director_app: dash.Dash, db: Database) -> None:
    assert director.get("/clinicians/C1").status_code == 200
    ana = [*FILTERS[:4], "C1", None]
    summary = post(director, director_app, "clinician-summary", ana)["response"]
    words = texts(summary["clinician-summary"]["children"])
    # Ana books 7 h of 8 h (practice 9 of 12); 3 active clients against a capacity of 2.
    assert words[:3] == ["Booked utilization", "88%", "practice: 75%"]
    assert "capacity: 2" in words
    attendance = summary["clinician-attendance"]["figure"]["data"][0]
    assert figure_values(attendance["y"]) == [
        4,
        1,
        1,
        0,
        0,
    ]  # completed, no-show, late cancel, cancellations
    caseload = post(director, director_app, "clinician-caseload", ana)["response"]
    rows = caseload["clinician-caseload"]["rowData"]
    assert [row["client_id"] for row in rows] == ["K1", "K2", "K3"]
    assert rows[0]["last_visit"] == "2026-03-09 09:00"
    # The caseload list is client data: the read is audited with the clients it carried.
    audited = audit_rows(db, "clinician.show_caseload")
    assert audited[-1].client_ids == "K1,K2,K3"


def test_clinician_page_with_a_program_not_theirs(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    # Ana works in Adult: with the DBT program chosen there is nothing of hers to show.
    ana_in_dbt = [FILTERS[0], FILTERS[1], "DBT", None, "C1", None]
    body = post(director, director_app, "clinician-summary", ana_in_dbt)
    assert body["response"] == {}  # the page keeps what it showed
    assert "not in the program or location chosen" in json.dumps(body)


@pytest.fixture
def theme() -> None:
    register_theme()  # what the app does at start; the figures name its template


def test_a_large_heatmap_shows_values_by_colour_and_hover_only(theme: None) -> None:
    # 50 clinicians x 13 weeks = 650 cells: more than a label each is worth in the browser.
    mondays = [dt.date(2026, 1, 5) + dt.timedelta(weeks=w) for w in range(13)]
    matrix = pd.DataFrame(
        [(f"C{c:02d}", monday, 0.5) for c in range(50) for monday in mondays],
        columns=["clinician_id", "week", "booked_utilization"],
    )
    names = {f"C{c:02d}": f"Clinician {c}" for c in range(50)}
    large = utilization_heatmap(matrix, names).data[0]
    assert large.texttemplate is None
    assert "%{z:.0%}" in large.hovertemplate
    small = utilization_heatmap(matrix[matrix["clinician_id"] < "C10"], names).data[0]
    assert small.texttemplate == "%{z:.0%}"  # 10 x 13 = 130 cells keep their labels


def _clinicians(n: int) -> pd.DataFrame:
    """n clinicians' table rows; every seventh is over capacity (10 on 8)."""
    over = [c % 7 == 0 for c in range(n)]
    return pd.DataFrame(
        {
            "clinician_id": [f"C{c:03d}" for c in range(n)],
            "name": [f"Clinician {c}" for c in range(n)],
            "booked_utilization": [0.5] * n,
            "kept_utilization": [0.4] * n,
            "active_caseload": [10 if o else 6 for o in over],
            "max_caseload": [8.0] * n,
        }
    )


def test_many_clinicians_bars_carry_their_values_on_hover_and_over_capacity_in_words(
    theme: None,
) -> None:
    # 61 clinicians: past the 60 bars whose labels are worth measuring in the browser.
    large, small = _clinicians(61), _clinicians(60)
    booked = utilization_bars(large).data[0]
    assert booked.textposition == "none" and booked.text[0] == "50%"  # the hover's %{text}
    assert utilization_bars(small).data[0].textposition == "outside"
    caseload = caseload_bars(large).data[0]
    # Over capacity still says so on the chart (never colour alone); the others on hover.
    assert caseload.text[0] == "10 · over by 2" and caseload.text[1] == ""
    assert caseload.hovertext[1] == "6" and "%{hovertext}" in caseload.hovertemplate
    assert list(caseload_bars(small).data[0].text[:2]) == ["10 · over by 2", "6"]
