"""The small practice the directors' page tests share, with every figure worked out by hand.

Clock: Saturday 2026-03-14 12:00. Period: Mon 2026-03-02 – Sun 2026-03-15 (14 days), so as-of
is the clock (2026-03-14 12:00) and the as-of date 2026-03-14. Previous period: 2026-02-16 –
2026-03-01, as of 2026-03-02 00:00.

Clinicians (no effective dates, so every week looks alike):
  C1 Ana, Adult, Main, capacity 2, target 3/wk; available Mon 09:00-13:00 (4 h)
  C2 Ben, DBT, Lakeview, capacity 5, target 2/wk; available Tue 09:00-11:00 (2 h)
  -> available in the period: C1 2 x 4 = 8 h, C2 2 x 2 = 4 h; practice 12 h (previous: 12 h).

Clients: K1, K2, K3 on C1's caseload; K4, K5 on C2's (intake 2026-01-05; K5 2025-12-01);
K6-K9 are waiting (no primary clinician).

Appointments (60 min unless said):
  A1 K1 C1 Mon 03-02 09:00 completed        A2 K1 C1 Mon 03-09 09:00 completed
  A3 K2 C1 Mon 03-02 10:00 no_show          A4 K2 C1 Mon 03-09 10:00 completed
  A5 K3 C1 Mon 03-09 11:00 client cancel at 08:00 (3 h before: late cancel)
  A8 K4 C1 Mon 03-02 12:00 completed, 120 min
  A6 K4 C2 Tue 03-03 09:00 completed        A7 K4 C2 Tue 03-10 09:00 completed
  A9 K5 C2 Tue 01-20 10:00 completed (before the period)

Worked figures:
  C1 held: A1 A2 A3 A4 A5 (1 h each) + A8 (2 h) = 7 h -> booked 7/8 = 0.875;
     kept A1 A2 A4 A8 = 5 h -> kept 5/8 = 0.625; week of 03-02: A1 A3 A8 = 4 h / 4 h = 1.0,
     week of 03-09: A2 A4 A5 = 3 h / 4 h = 0.75.
     attendance base 4 completed + 1 no-show + 1 late cancel = 6 -> no-show 1/6, late 1/6.
     active caseload 3 (K1 K2 K3) > capacity 2: over by 1.
  C2 held A6 A7 = 2 h -> booked 2/4 = 0.5 (each week 1/2); kept 0.5; caseload 2 (K4 K5).
  Practice: booked 9/12 = 0.75 (previous period: no appointment, 0/12 = 0.0); no-show 1/8 =
     0.125; active 5 of capacity 7.
  Continuity (visits in the period): K1 A1 A2 with C1 -> UPC 1, COC 1, SECON 1.
     K4 A8 (C1, 03-02) A6 (C2) A7 (C2) -> N 3, UPC 2/3, COC (1+4-3)/(3*2) = 1/3, SECON 1/2.
     K2 has one visit (A3 was a no-show): not counted. Means: COC (1 + 1/3)/2 = 0.6667.
  Lost to follow-up (cutoff date 2026-02-12, nothing booked): K3, no visit, intake 01-05 ->
     68 days; K5, last visit 01-20 -> 53 days.
  Waitlist (as of 03-14): W1 Adult routine referred 03-01 (13 days), W2 Adult routine 02-20
     (22 days, over 14), W3 DBT urgent 03-12 (2 days, over 1), W4 Adult routine 02-01 resolved
     03-05. Open 3, median 13 days, over target 2.
  Hospital discharges: E2 K2 03-03 (next visit A4 03-09, 6 days: followed within 7); E3 K3
     03-04 (no visit: lacks follow-up). FUH 7 = 1/2.
  Third next available (open 60-min slots from 03-14 12:00): C1 Mon 03-16 09, 10, 11 -> 2 days;
     C2 Tue 03-17 09, 10, then Tue 03-24 09 -> 10 days; practice median 6.0 days.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry
from tests.factory import Practice
from tests.webclient import (
    PASSWORD,
    Clock,
    callback_body,
    callback_key,
    logged_in,
    make_app,
    post_callback,
    session_csrf,
)

NOW = dt.datetime(2026, 3, 14, 12, 0)
FILTERS = ["2026-03-02", "2026-03-15", None, None, None, None]


def clock() -> Clock:
    return Clock(NOW)


def build(p: Practice) -> Practice:
    p.clinician(
        "C1", name="Ana", program="Adult", location="Main", max_caseload=2, weekly_session_target=3
    )
    p.clinician(
        "C2",
        name="Ben",
        program="DBT",
        location="Lakeview",
        max_caseload=5,
        weekly_session_target=2,
    )
    p.availability("C1", "Mon", "09:00", "13:00")
    p.availability("C2", "Tue", "09:00", "11:00")
    for client in ("K1", "K2", "K3"):
        p.client(client, primary="C1")
    p.client("K4", primary="C2", program="DBT")
    p.client("K5", primary="C2", program="DBT", intake="2025-12-01")
    for client in ("K6", "K7", "K9"):
        p.client(client, intake="2026-02-01")
    p.client("K8", intake="2026-03-12", program="DBT")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C1", "2026-03-09T09:00")
    p.appointment("A3", "K2", "C1", "2026-03-02T10:00", status="no_show")
    p.appointment("A4", "K2", "C1", "2026-03-09T10:00")
    p.appointment(
        "A5",
        "K3",
        "C1",
        "2026-03-09T11:00",
        status="cancelled_client",
        cancelled_at="2026-03-09T08:00",
    )
    p.appointment("A8", "K4", "C1", "2026-03-02T12:00", minutes=120)
    p.appointment("A6", "K4", "C2", "2026-03-03T09:00", location="Lakeview")
    p.appointment("A7", "K4", "C2", "2026-03-10T09:00", location="Lakeview")
    p.appointment("A9", "K5", "C2", "2026-01-20T10:00", location="Lakeview")
    p.waitlist("W1", "K6", referred="2026-03-01")
    p.waitlist("W2", "K7", referred="2026-02-20")
    p.waitlist("W3", "K8", program="DBT", referred="2026-03-12", priority="urgent")
    p.waitlist("W4", "K9", referred="2026-02-01", resolved="2026-03-05", resolution="scheduled")
    p.care_event("E2", "K2", "2026-03-03")
    p.care_event("E3", "K3", "2026-03-04")
    p.user("dana", "director", password=PASSWORD)
    p.user("frank", "front_desk", password=PASSWORD)
    p.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    return p


# --- fixtures for the page tests (import them into a test module) ---------------------------


@pytest.fixture
def director_app(db: Database, practice: Practice) -> dash.Dash:
    build(practice)
    return make_app(db, clock())


@pytest.fixture
def director(director_app: dash.Dash) -> FlaskClient:
    """A test client logged in as the director (dana)."""
    return logged_in(director_app, "dana")


def key_of(app: dash.Dash, output: str, reading: str | None = None) -> str:
    """The callback that writes ``output`` (and, when several do, reads the input ``reading``)."""
    if reading is None:
        return callback_key(app, output)
    for key, spec in app.callback_map.items():
        if f"{output}." in key and any(dep["id"] == reading for dep in spec["inputs"]):
            return key
    raise KeyError((output, reading))


def post(
    client: FlaskClient,
    app: dash.Dash,
    output: str,
    values: list[Any],
    reading: str | None = None,
) -> dict[str, Any]:
    """The response of the callback that writes ``output``, as JSON (must be 200)."""
    response = post_callback(client, app, key_of(app, output, reading), values)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def audit_rows(db: Database, target: str) -> list[Any]:
    with db.read() as conn:
        return conn.execute(
            select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id)
        ).all()


def post_as(
    client: FlaskClient, app: dash.Dash, output: str, values: list[Any], trigger: str
) -> dict[str, Any]:
    """``post``, as if the input ``trigger`` ("id.property") had changed (an export button)."""
    body = callback_body(app, key_of(app, output, trigger.split(".")[0]), values)
    body["changedPropIds"] = [trigger]
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    response = client.post("/_dash-update-component", data=json.dumps(body), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()
