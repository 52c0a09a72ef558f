"""An app on the test database, with users of every role and a settable clock."""

from __future__ import annotations

import datetime as dt

import dash
import pytest
from flask.testing import FlaskClient

from db.engine import Database
from tests.factory import Practice
from tests.webclient import PASSWORD, Clock, make_app

START = dt.datetime(2026, 3, 4, 10, 0)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def staffed(practice: Practice) -> Practice:
    """Two clinicians, a client each, and a user of every role."""
    practice.clinician("C1")
    practice.clinician("C2", program="DBT", location="Lakeview")
    practice.client("K1", primary="C1")
    practice.client("K2", primary="C2", program="DBT")
    practice.user("dana", "director", password=PASSWORD)
    practice.user("frank", "front_desk", password=PASSWORD)
    practice.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    return practice


@pytest.fixture
def app(db: Database, staffed: Practice, clock: Clock) -> dash.Dash:
    return make_app(db, clock)


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    return app.server.test_client()
