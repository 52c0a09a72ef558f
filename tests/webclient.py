"""Drive careboard over HTTP in tests: log in, post Dash callback requests like a browser would.

Callback bodies are built from ``app.callback_map`` exactly as dash-renderer builds them, so a
test can also forge any value a hostile client could post.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

import dash
import numpy as np
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.settings import Settings
from db.engine import Database

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


class Clock:
    """A settable wall clock for the app (naive practice time)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def test_settings(db: Database, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db.url,
        "secret_key": "test-secret-key",
        "testing": True,
    }
    values.update(changes)
    return Settings(**values)


def make_app(db: Database, clock: Clock | None = None, **changes: Any) -> dash.Dash:
    return create_app(test_settings(db, **changes), clock=clock)


def csrf_of(client: FlaskClient) -> str:
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, "the login page carries a CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def session_csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return session.get("csrf", "")


def callback_key(app: dash.Dash, output_id: str) -> str:
    """The callback_map key of the callback that writes ``output_id`` (first match)."""
    for key in app.callback_map:
        if f"{output_id}." in key:
            return key
    raise KeyError(output_id)


def callback_body(app: dash.Dash, key: str, values: list[Any] | None = None) -> dict[str, Any]:
    """A /_dash-update-component body for the callback ``key`` with ``values`` for its inputs
    and states in order (None for each when omitted)."""
    spec = app.callback_map[key]
    inputs, states = spec["inputs"], spec["state"]
    values = list(values) if values is not None else [None] * (len(inputs) + len(states))
    args = [{**dep, "value": value} for dep, value in zip(inputs + states, values, strict=False)]
    outputs = _outputs(key)
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": args[: len(inputs)],
        "state": args[len(inputs) :],
        "changedPropIds": [f"{dep['id']}.{dep['property']}" for dep in inputs[:1]],
    }


def _outputs(key: str) -> list[dict[str, str]]:
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component, _, prop = part.rpartition(".")
        try:
            parsed: Any = json.loads(component)
        except ValueError:
            parsed = component
        outputs.append({"id": parsed, "property": prop})
    return outputs


def post_callback(
    client: FlaskClient, app: dash.Dash, key: str, values: list[Any] | None = None, **kw: Any
) -> Any:
    body = callback_body(app, key, values)
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    headers.update(kw.pop("headers", {}))
    return client.post("/_dash-update-component", data=json.dumps(body), headers=headers, **kw)


def logged_in(app: dash.Dash, username: str) -> FlaskClient:
    """A test client logged in as ``username`` (password ``PASSWORD``)."""
    client = app.server.test_client()
    assert login(client, username).status_code == 302
    client.get("/")  # registers Dash's pages router
    return client


def outputs(response: Any) -> dict[str, Any]:
    """A callback response's outputs by component id (the response must be 200)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def find(document: Any, component_id: str) -> dict[str, Any] | None:
    """The component with ``component_id`` in a layout as Dash serialises it."""
    if isinstance(document, dict):
        if document.get("props", {}).get("id") == component_id:
            return document
        for value in document.values():
            found = find(value, component_id)
            if found is not None:
                return found
    elif isinstance(document, list):
        for item in document:
            found = find(item, component_id)
            if found is not None:
                return found
    return None


def texts(document: Any) -> list[str]:
    """Every text child in a serialised layout, in order."""
    if isinstance(document, str):
        return [document]
    if isinstance(document, list):
        return [text for item in document for text in texts(item)]
    if isinstance(document, dict):
        return texts(document.get("props", {}).get("children"))
    return []


def figure_values(data: Any) -> list[Any]:
    """A figure's array as a list: plotly sends numpy arrays as base64 typed arrays."""
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return array.reshape(data["shape"]).tolist() if "shape" in data else array.tolist()
    return list(data)
