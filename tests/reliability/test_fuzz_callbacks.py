"""Property-based fuzzing of every registered callback, as every role and as nobody.

Hypothesis draws a callback, a caller and a value for each of its inputs (any JSON: nulls,
booleans, huge and negative numbers, long and odd strings, nested lists and objects), and also
whole malformed request bodies. Whatever arrives: no 5xx, no traceback, no client outside the
caller's scope, no clinical field to the front desk.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.auth.callbacks import is_secured
from db.engine import Database
from tests.auth.test_callback_matrix import CLINICAL_FIELDS, OUTSIDE_CLIENT, keys_in
from tests.factory import Practice
from tests.webclient import PASSWORD, Clock, callback_body, login, make_app, session_csrf

pytestmark = pytest.mark.slow
ROLES = {"dana": "director", "frank": "front_desk", "cleo": "clinician", None: None}
EXAMPLES = 1000

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=300)
    | st.sampled_from(["C1", "C2", OUTSIDE_CLIENT, "K1", "2026-03-04", "front_desk", "done", ""]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["task_id", "version", "id", "x"]) | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    p = Practice(database)
    p.clinician("C1")
    p.clinician("C2", program="DBT", location="Lakeview")
    p.client("K1", primary="C1")
    p.client(OUTSIDE_CLIENT, primary="C2", program="DBT")
    p.appointment("A1", "K1", "C1", "2026-03-04T09:00", status="scheduled")
    p.appointment("A2", OUTSIDE_CLIENT, "C2", "2026-03-02T10:00")
    p.appointment("A3", OUTSIDE_CLIENT, "C2", "2026-03-05T10:00", status="scheduled")
    p.feedback("A2", srs=30, ors=20, phq9=12, gad7=9)
    p.care_event("E1", OUTSIDE_CLIENT, "2026-02-20")
    p.waitlist("W1", OUTSIDE_CLIENT, program="DBT", referred="2026-02-01")
    p.task("T1", due="2026-03-03", client_id=OUTSIDE_CLIENT, assignee="C2", kind="alliance_check")
    p.task("T2", due="2026-03-03", client_id="K1", assignee="front_desk")
    for username, role in ROLES.items():
        if username:
            p.user(
                username,
                role,
                clinician_id="C1" if role == "clinician" else None,
                password=PASSWORD,
            )
    return make_app(database, Clock(dt.datetime(2026, 3, 4, 10, 0)))


@pytest.fixture(scope="module")
def clients(fuzz_app: dash.Dash) -> dict[str | None, FlaskClient]:
    result: dict[str | None, FlaskClient] = {}
    for username in ROLES:
        client = fuzz_app.server.test_client()
        if username:
            assert login(client, username).status_code == 302
        client.get("/login")
        result[username] = client
    return result


def _keys(app: dash.Dash) -> list[str]:
    return sorted(k for k, spec in app.callback_map.items() if is_secured(spec.get("callback")))


def _check(response: Any, role: str | None) -> None:
    assert response.status_code < 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "Something went wrong" not in body
    if response.status_code != 200 or role is None:
        assert role is not None or response.status_code == 401
        return
    if role == "clinician":
        assert OUTSIDE_CLIENT not in body
    if role == "front_desk":
        assert not keys_in(json.loads(body)) & CLINICAL_FIELDS


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_callback_inputs(fuzz_app: dash.Dash, clients: dict, data: st.DataObject) -> None:  # type: ignore[type-arg]
    key = data.draw(st.sampled_from(_keys(fuzz_app)), label="callback")
    username = data.draw(st.sampled_from(list(ROLES)), label="caller")
    spec = fuzz_app.callback_map[key]
    width = len(spec["inputs"]) + len(spec["state"])
    values = data.draw(st.lists(json_values, min_size=width, max_size=width), label="values")
    body = callback_body(fuzz_app, key, values)
    client = clients[username]
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    response = client.post("/_dash-update-component", data=json.dumps(body), headers=headers)
    _check(response, ROLES[username])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=json_values | st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    username=st.sampled_from(list(ROLES)),
)
def test_malformed_request_bodies(
    fuzz_app: dash.Dash, clients: dict, body: Any, username: str | None
) -> None:  # type: ignore[type-arg]
    client = clients[username]
    payload = body if isinstance(body, str) else json.dumps(body)
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    response = client.post("/_dash-update-component", data=payload, headers=headers)
    assert response.status_code in (400, 401), response.status_code
