"""The roster's callback: everyone sees who works where and when they are next available;
only directors receive caseload against capacity."""

# The fixtures come from frontdesk; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import dash
import pytest

from tests.pages.frontdesk import (  # noqa: F401 - fixtures
    app,
    post,
)
from tests.webclient import logged_in, outputs

CASELOAD_FIELDS = {"caseload", "max_caseload", "caseload_fill"}


@pytest.mark.parametrize("username", ["frank", "cleo"])
def test_everyone_sees_the_roster_without_caseloads(app: dash.Dash, username: str) -> None:
    body = outputs(post(logged_in(app, username), app, "roster-grid", [None]))
    rows = body["roster-grid"]["rowData"]
    c1 = rows[0]
    # C1 works Wednesdays 09:00-17:00; at 10:00 the 09:00 hour is past, so 10:00 is next, and
    # 10:00, 11:00 (freed by A3's early cancellation) and 12:00 make the third today.
    assert (c1["name"], c1["languages"], c1["accepting"]) == (
        "Clinician C1",
        "English",
        "Accepting",
    )
    assert (c1["next_available"], c1["third_next"]) == ("Wed Mar 4, 10:00", "today")
    assert rows[1]["languages"] == "English, Spanish"
    assert not CASELOAD_FIELDS & {key for row in rows for key in row}
    assert not CASELOAD_FIELDS & {c["field"] for c in body["roster-grid"]["columnDefs"]}


def test_directors_see_caseload_against_capacity(app: dash.Dash) -> None:
    body = outputs(post(logged_in(app, "dana"), app, "roster-grid", [None]))
    c1 = body["roster-grid"]["rowData"][0]
    # K1 is C1's one active client; C1's maximum is 20: 1 / 20 = 5%.
    assert (c1["caseload"], c1["max_caseload"], c1["caseload_fill"]) == (1, 20, "5%")
    assert {c["field"] for c in body["roster-grid"]["columnDefs"]} >= CASELOAD_FIELDS
