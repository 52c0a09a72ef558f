"""Every registered callback × every role × forged inputs.

A client can post any value to any callback. Whatever it posts: no 5xx, no traceback, no row
about a client outside the caller's scope, and no clinical field sent to the front desk.
"""

from __future__ import annotations

import json
from typing import Any

import dash
import pytest

from dashboard.auth.callbacks import is_secured
from db.engine import Database
from tests.factory import Practice
from tests.webclient import PASSWORD, Clock, logged_in, make_app, post_callback

# Ids that must never reach a user who may not see them.
OUTSIDE_CLIENT = "K-OUTSIDE-C1"  # on C2's caseload, never booked with C1
CLINICAL_FIELDS = {"srs", "ors", "phq9", "gad7", "upc", "coc", "secon", "care_event", "occurred_at"}
FORGED_VALUES: list[Any] = [
    "C2",
    "NOT-A-CLINICIAN",
    12345,
    -1,
    "x" * 100_000,
    "9999-99-99",
    "2026-02-30",
    ["C1", "C2"],
    {"clinician_id": "C2"},
    True,
    None,
]
ROLES = {"dana": "director", "frank": "front_desk", "cleo": "clinician"}


@pytest.fixture
def matrix_app(sqlite_db: Database, clock_at: Clock) -> dash.Dash:
    p = Practice(sqlite_db)
    p.clinician("C1")
    p.clinician("C2", program="DBT", location="Lakeview")
    p.client("K1", primary="C1")
    p.client(OUTSIDE_CLIENT, primary="C2", program="DBT")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", OUTSIDE_CLIENT, "C2", "2026-03-02T10:00")
    p.appointment("A3", OUTSIDE_CLIENT, "C2", "2026-03-05T10:00", status="scheduled")
    p.feedback("A2", srs=30, ors=20, phq9=12, gad7=9)
    p.care_event("E1", OUTSIDE_CLIENT, "2026-02-20")
    p.waitlist("W1", OUTSIDE_CLIENT, program="DBT", referred="2026-02-01")
    p.task("T1", due="2026-03-03", client_id=OUTSIDE_CLIENT, assignee="C2")
    p.user("dana", "director", password=PASSWORD)
    p.user("frank", "front_desk", password=PASSWORD)
    p.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    return make_app(sqlite_db, clock_at)


@pytest.fixture
def clock_at() -> Clock:
    import datetime as dt

    return Clock(dt.datetime(2026, 3, 4, 10, 0))


def secured_callbacks(app: dash.Dash) -> list[str]:
    return sorted(key for key, spec in app.callback_map.items() if is_secured(spec.get("callback")))


def payloads(app: dash.Dash, key: str) -> list[list[Any]]:
    spec = app.callback_map[key]
    width = len(spec["inputs"]) + len(spec["state"])
    cases = [[None] * width]
    for position in range(width):
        for value in FORGED_VALUES:
            values: list[Any] = [None] * width
            values[position] = value
            cases.append(values)
    cases.append(["C2"] * width)
    return cases


def keys_in(document: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            found.add(str(key).lower())
            if key == "field" and isinstance(value, str):
                found.add(value.lower())
            found |= keys_in(value)
    elif isinstance(document, list):
        for item in document:
            found |= keys_in(item)
    return found


@pytest.mark.parametrize("username", sorted(ROLES))
def test_forged_callback_inputs_never_fail_or_leak(matrix_app: dash.Dash, username: str) -> None:
    client = logged_in(matrix_app, username)
    role = ROLES[username]
    checked = 0
    for key in secured_callbacks(matrix_app):
        for values in payloads(matrix_app, key):
            response = post_callback(client, matrix_app, key, values)
            assert response.status_code < 500, (key, values)
            checked += 1
            if response.status_code != 200:
                assert response.status_code in (204, 400, 403), (key, response.status_code)
                continue
            body = response.get_data(as_text=True)
            assert "Traceback" not in body
            # A polite refusal is fine; a caught crash is a bug the wrapper only hid.
            assert "Something went wrong" not in body, (key, values)
            if role == "clinician":
                assert OUTSIDE_CLIENT not in body, (key, values)
            if role == "front_desk":
                leaked = keys_in(json.loads(body)) & CLINICAL_FIELDS
                assert not leaked, (key, values, leaked)
    assert checked > 0


def test_anonymous_callback_requests_get_401(matrix_app: dash.Dash) -> None:
    client = matrix_app.server.test_client()
    for key in secured_callbacks(logged_in(matrix_app, "dana") and matrix_app):
        assert post_callback(client, matrix_app, key).status_code == 401


def test_callbacks_outside_a_role_answer_403(matrix_app: dash.Dash) -> None:
    clients = {name: logged_in(matrix_app, name) for name in ROLES}
    for key, spec in matrix_app.callback_map.items():
        mark = getattr(spec.get("callback"), "careboard_secure", None)
        if not mark:
            continue
        for name, role in ROLES.items():
            if role not in mark["roles"]:
                assert post_callback(clients[name], matrix_app, key).status_code == 403, key


MALFORMED_BODIES = [
    "",
    "null",
    "[]",
    "{}",
    "{bad json",
    '{"output": 5}',
    '{"output": "home-cards.children"}',
    '{"output": "home-cards.children", "outputs": {"id": "home-cards", "property": "children"},'
    ' "inputs": 5}',
    '{"output": "nope.children", "outputs": {"id": "nope", "property": "children"},'
    ' "inputs": [], "changedPropIds": []}',
    '{"output": "home-cards.children", "outputs": {"id": "home-cards", "property": "children"},'
    ' "inputs": [{"id": "x"}], "changedPropIds": []}',
    '{"output": "home-cards.children", "outputs": [], "inputs": [], "changedPropIds": []}',
    '{"output": "home-cards.children", "outputs": {"id": "home-cards", "property": "children"},'
    ' "inputs": [{"id": "home-trigger", "property": "data", "value": 1}], "changedPropIds": 7}',
]


@pytest.mark.parametrize("body", MALFORMED_BODIES)
def test_malformed_callback_requests_get_400(matrix_app: dash.Dash, body: str) -> None:
    from tests.webclient import session_csrf

    client = logged_in(matrix_app, "dana")
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    response = client.post("/_dash-update-component", data=body, headers=headers)
    assert response.status_code == 400


def test_callbacks_are_audited_under_their_page(matrix_app: dash.Dash) -> None:
    """Callbacks built by shared components or a page's part module keep the page's name."""
    targets = {
        spec["callback"].careboard_secure["target"]
        for spec in matrix_app.callback_map.values()
        if is_secured(spec.get("callback"))
    }
    for page in ("access", "caseloads", "continuity"):
        assert f"{page}.narrow_to_clinician" in targets
    assert {"continuity.show_continuity", "tasks.show_throughput", "tasks.act"} <= targets
