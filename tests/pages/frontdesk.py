"""Shared pieces of the front desk's page tests: a small practice, the app over it and the front
desk logged in (fixtures: import them into a test module), callback posting with a chosen
trigger, and a KPI card's value."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from tests.factory import Practice
from tests.webclient import (
    PASSWORD,
    Clock,
    callback_body,
    callback_key,
    find,
    logged_in,
    make_app,
    session_csrf,
    texts,
)

NOW = dt.datetime(2026, 3, 4, 10, 0)  # a Wednesday
CLINICAL = ("srs", "ors", "phq9", "gad7", "care_event", "upc", "coc")


def front_desk_practice(p: Practice) -> Practice:
    """Two clinicians, a day of appointments around 10:00 on 2026-03-04, a waitlist."""
    p.clinician("C1", languages="English", max_caseload=20)
    p.clinician("C2", program="DBT", location="Lakeview", languages="English;Spanish")
    p.availability("C1", "Wed", "09:00", "17:00")
    p.availability("C2", "Wed", "13:00", "17:00")
    p.client("K1", primary="C1")
    p.client("K2", primary="C2", program="DBT")
    for client_id in ("K3", "K4", "K5", "K6"):
        p.client(client_id, intake="2026-01-02")
    p.appointment("A0", "K1", "C1", "2026-03-02T09:00", status="completed")
    p.feedback("A0", srs=27.5, ors=13.5, phq9=14, gad7=11)
    p.appointment("A1", "K1", "C1", "2026-03-04T09:00", status="scheduled")
    p.appointment(
        "A2",
        "K2",
        "C2",
        "2026-03-04T14:00",
        status="confirmed",
        modality="telehealth",
        location="Lakeview",
    )
    p.appointment(
        "A3",
        "K1",
        "C1",
        "2026-03-04T11:00",
        status="cancelled_client",
        cancelled_at="2026-03-01T09:00",
    )
    p.appointment("A4", "K1", "C1", "2026-03-05T09:00", status="scheduled")
    p.waitlist("W1", "K3", referred="2026-02-01", language="English")  # 31 days
    p.waitlist(
        "W2",
        "K4",
        referred="2026-03-01",
        priority="urgent",
        language="Spanish",
        modality="telehealth",
    )  # 3 days
    p.waitlist("W3", "K5", program="DBT", referred="2026-02-25")  # 7 days
    p.waitlist("W4", "K6", referred="2026-01-10", language="English", modality="telehealth")
    p.user("dana", "director", password=PASSWORD)
    p.user("frank", "front_desk", password=PASSWORD)
    p.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    return p


# --- fixtures for the page tests (import them into a test module) ---------------------------


@pytest.fixture
def app(practice: Practice) -> dash.Dash:
    front_desk_practice(practice)
    return make_app(practice.db, Clock(NOW))


@pytest.fixture
def frank(app: dash.Dash) -> FlaskClient:
    """A test client logged in as the front desk (frank)."""
    return logged_in(app, "frank")


def post(
    client: FlaskClient,
    app: dash.Dash,
    output_id: str,
    values: list[Any],
    trigger: str | None = None,
) -> Any:
    """Post the callback writing ``output_id``; ``trigger`` names the input that fired
    ("id.property"), by default the first."""
    body = callback_body(app, callback_key(app, output_id), values)
    if trigger:
        body["changedPropIds"] = [trigger]
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    return client.post("/_dash-update-component", data=json.dumps(body), headers=headers)


def kpi_value(document: Any, card_id: str) -> str:
    """The big number of a KPI card (label, value, note...)."""
    card = find(document, card_id)
    assert card is not None, card_id
    return texts(card)[1]
