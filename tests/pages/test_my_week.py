"""My week through Dash's callback endpoint: a clinician's load, schedule, caseload flags and
tasks, worked out by hand; a clinician always gets their own week, whatever they post.

Clock: Wednesday 2026-03-04 10:00. This week is Mon 03-02 to Sun 03-08; next week starts 03-09.
C1 is available Monday to Friday 09:00-12:00 (3 h a day, 15 h a week); target 10 sessions.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from db.engine import Database
from tests.factory import Practice
from tests.webclient import (
    PASSWORD,
    Clock,
    callback_key,
    figure_values,
    logged_in,
    make_app,
    outputs,
    post_callback,
)

NOW = dt.datetime(2026, 3, 4, 10, 0)
TITLE, KPIS, LOAD, SCHEDULE = "week-title", "week-kpis", "week-load", "week-schedule"
CASELOAD, TASKS = "week-caseload", "week-tasks"


@pytest.fixture
def app(db: Database, practice: Practice) -> dash.Dash:
    p = practice
    p.clinician("C1", name="Cleo Park", weekly_session_target=10)
    p.clinician("C2", name="Dev Rao")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        p.availability("C1", day, "09:00", "12:00")
    p.client("K1", primary="C1", intake="2026-01-05")
    p.client("K2", primary="C1", intake="2025-12-01")
    p.client("K3", primary="C1", intake="2026-02-20")
    p.client("K4", primary="C2", intake="2026-01-05")
    p.client("K5", primary="C1", intake="2025-10-01", discharge="2026-02-01")
    # History: K1 seen 02-16 (SRS 34) and 03-02 (SRS 38); K2 seen 02-20 (SRS 30).
    p.appointment("A0", "K1", "C1", "2026-02-16T09:00")
    p.feedback("A0", srs=34, ors=20)
    p.appointment("A9", "K2", "C1", "2026-02-20T09:00")
    p.feedback("A9", srs=30, ors=18)
    # This week.
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.feedback("A1", srs=38, ors=25)
    p.appointment("A2", "K2", "C1", "2026-03-03T09:00", status="no_show")
    p.appointment("A3", "K1", "C1", "2026-03-05T10:00", status="scheduled")
    p.appointment("A4", "K3", "C1", "2026-03-06T09:00", minutes=30, status="cancelled_clinician")
    # Next week, and a session of another clinician's.
    p.appointment("A5", "K1", "C1", "2026-03-09T09:00", status="scheduled")
    p.appointment("A6", "K4", "C2", "2026-03-09T10:00", status="scheduled")
    p.task("T1", kind="alliance_check", due="2026-03-05", client_id="K2", assignee="C1")
    p.task("T2", kind="outreach", due="2026-03-05", client_id="K2", note="Left voicemail")
    p.task("T3", kind="plan_review", due="2026-03-09", client_id="K4", assignee="C2")
    p.user("dana", "director", password=PASSWORD)
    p.user("frank", "front_desk", password=PASSWORD)
    p.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    return make_app(db, Clock(NOW))


def week(app: dash.Dash, client: FlaskClient, posted: str | None) -> dict[str, Any]:
    return outputs(post_callback(client, app, callback_key(app, KPIS), [posted]))


def test_the_weeks_load_against_available_time_and_target(app: dash.Dash) -> None:
    body = week(app, logged_in(app, "cleo"), None)
    cards = json.dumps(body[KPIS]["children"])
    # Booked (held): A1, A2 (no-show), A3 = 3.0 h of 15.0 h (20%), of target 10 h (30%).
    assert "3.0 h" in cards and "20% of 15.0 h available" in cards and "30% of target" in cards
    # Kept: A1 = 1.0 h; available before 10:00 Wednesday: 3 + 3 + 1 = 7 h -> 14%; 10% of target.
    assert "1.0 h" in cards and "14% of available time so far" in cards
    assert "10% of target" in cards
    # Sessions: 1 kept of 10; 3 booked.
    assert "1 of 10" in cards and "3 booked" in cards
    # Next week: A5, 1.0 h of 15.0 h -> 7%.
    assert "7% of 15.0 h available" in cards
    bars = {trace["name"]: figure_values(trace["x"]) for trace in body[LOAD]["figure"]["data"]}
    assert bars == {
        "Available": [15.0, 15.0],
        "Booked": [3.0, 1.0],
        "Kept": [1.0, 0.0],
        "Target": [10.0, 10.0],
    }


def test_schedule_of_this_and_next_week(app: dash.Dash) -> None:
    rows = week(app, logged_in(app, "cleo"), None)[SCHEDULE]["rowData"]
    assert [row["appointment_id"] for row in rows] == ["A1", "A2", "A3", "A4", "A5"]
    assert rows[1] == {
        "appointment_id": "A2",
        "week": "This week",
        "day": "Tue Mar 3",
        "time": "09:00–10:00",
        "client": "Client K2",
        "service": "individual",
        "modality": "in person",
        "location": "Main",
        "status": "no show",
    }
    assert rows[4]["week"] == "Next"


def test_a_clinician_always_gets_her_own_week(app: dash.Dash) -> None:
    cleo = logged_in(app, "cleo")
    forged = week(app, cleo, "C2")
    assert forged[TITLE]["children"] == "My week"
    assert [row["appointment_id"] for row in forged[SCHEDULE]["rowData"]] == [
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
    ]
    caseload = post_callback(cleo, app, callback_key(app, CASELOAD), ["C2", None, None])
    tasks = post_callback(cleo, app, callback_key(app, TASKS), ["C2"])
    for response in (caseload, tasks):
        assert "K4" not in response.get_data(as_text=True)


def test_a_director_chooses_the_clinician(app: dash.Dash) -> None:
    dana = logged_in(app, "dana")
    body = week(app, dana, "C2")
    assert body[TITLE]["children"] == "Week of Dev Rao"
    assert [row["appointment_id"] for row in body[SCHEDULE]["rowData"]] == ["A6"]
    refused = post_callback(dana, app, callback_key(app, KPIS), ["NOT-A-CLINICIAN"])
    assert "not understood" in refused.get_data(as_text=True)


def test_the_front_desk_may_not_open_it(app: dash.Dash) -> None:
    frank = logged_in(app, "frank")
    assert post_callback(frank, app, callback_key(app, CASELOAD), [None] * 3).status_code == 403
    page = frank.get("/my-week").get_data(as_text=True)
    assert "SRS" not in page


def test_caseload_with_flags(app: dash.Dash) -> None:
    cleo = logged_in(app, "cleo")
    # Visits in the period 02-05..03-04 (the default 28 days).
    response = post_callback(cleo, app, callback_key(app, CASELOAD), [None, None, None])
    rows = {row["client_id"]: row for row in outputs(response)[CASELOAD]["rowData"]}
    assert sorted(rows) == ["K1", "K2", "K3"]  # K4 is C2's, K5 was discharged
    k1, k2, k3 = rows["K1"], rows["K2"], rows["K3"]
    assert (k1["last_visit"], k1["next_appointment"], k1["visits"]) == (
        "2026-03-02 09:00",
        "2026-03-05 10:00",
        2,
    )
    assert (k1["srs"], k1["ors"], k1["flags"]) == (38.0, 25.0, "")
    # K1's plan review: intake 01-05 + 90 days = 04-05, beyond 14 days: not flagged.
    assert k1["plan_review_due"] == "2026-04-05"
    # K2: last seen 02-20 (SRS 30), no-show since, nothing booked; intake 12-01 + 90 = 03-01.
    assert (k2["last_visit"], k2["next_appointment"], k2["srs"], k2["open_tasks"]) == (
        "2026-02-20 09:00",
        None,
        30.0,
        1,
    )
    assert k2["flags"] == (
        "No next appointment · Low alliance (SRS 30) · Plan review overdue since 2026-03-01"
    )
    # K3 has only a session the clinician cancelled.
    assert (k3["last_visit"], k3["visits"], k3["flags"]) == (None, 0, "No next appointment")


def test_plan_review_due_from_the_last_done_review(
    app: dash.Dash, practice: Practice, db: Database
) -> None:
    """Due 90 days after the last done plan review (its completion, else its due moment),
    else after intake; cancelled reviews and other kinds of task do not count. The same dates
    as the task rules' own ``plan_review_due_dates``."""
    from db.task_rules import plan_review_due_dates

    p = practice
    p.client("R1", primary="C1", intake="2025-09-01")
    p.task(
        "T10",
        kind="plan_review",
        due="2025-12-01",
        client_id="R1",
        assignee="C1",
        status="done",
        completed="2025-12-10T15:00",
    )
    p.task(
        "T11",
        kind="plan_review",
        due="2025-09-15",
        client_id="R1",
        assignee="C1",
        status="done",
        completed="2025-09-20T09:00",
    )
    # R2: a done review without a completion: its due moment, the end of 12-20.
    p.client("R2", primary="C1", intake="2025-10-01")
    p.task(
        "T12", kind="plan_review", due="2025-12-20", client_id="R2", assignee="C1", status="done"
    )
    # R3: only a cancelled review, an open one (an open task of hers) and a done outreach.
    p.client("R3", primary="C1", intake="2025-11-01")
    p.task(
        "T13",
        kind="plan_review",
        due="2026-01-15",
        client_id="R3",
        assignee="C1",
        status="cancelled",
        completed="2026-02-01T09:00",
    )
    p.task("T14", kind="plan_review", due="2026-01-30", client_id="R3", assignee="C1")
    p.task(
        "T15",
        kind="outreach",
        due="2026-02-19",
        client_id="R3",
        status="done",
        completed="2026-02-20T09:00",
    )
    p.task("T16", kind="alliance_check", due="2026-03-01", client_id="R3", assignee="C2")
    response = post_callback(logged_in(app, "cleo"), app, callback_key(app, CASELOAD), [None] * 3)
    rows = {row["client_id"]: row for row in outputs(response)[CASELOAD]["rowData"]}
    got = {
        k: (rows[k]["plan_review_due"], rows[k]["open_tasks"], rows[k]["flags"])
        for k in ("R1", "R2", "R3")
    }
    assert got == {
        # 2025-12-10 + 90 days, within 14 days of 03-04.
        "R1": ("2026-03-10", 0, "No next appointment · Plan review due 2026-03-10"),
        # 2025-12-21 (the due moment of a date-only task is the next midnight) + 90 days.
        "R2": ("2026-03-21", 0, "No next appointment"),
        # Intake 2025-11-01 + 90 days; T14 is her open task, T16 is Dev's.
        "R3": ("2026-01-30", 1, "No next appointment · Plan review overdue since 2026-01-30"),
    }
    with db.read() as conn:
        rules = plan_review_due_dates(conn, "C1", NOW.date())
    assert {k: rules[k].isoformat() for k in rows} == {
        k: row["plan_review_due"] for k, row in rows.items()
    }


def test_period_sets_the_visit_counts(app: dash.Dash) -> None:
    cleo = logged_in(app, "cleo")
    response = post_callback(
        cleo, app, callback_key(app, CASELOAD), [None, "2026-03-01", "2026-03-04"]
    )
    rows = {row["client_id"]: row["visits"] for row in outputs(response)[CASELOAD]["rowData"]}
    assert rows == {"K1": 1, "K2": 0, "K3": 0}  # only A1 (03-02)


def test_my_open_tasks(app: dash.Dash) -> None:
    response = post_callback(logged_in(app, "cleo"), app, callback_key(app, TASKS), [None])
    rows = outputs(response)[TASKS]["rowData"]
    # Her own task only; the front desk's outreach about K2 stays in the task queue.
    assert [(row["task_id"], row["due"], row["when"]) for row in rows] == [
        ("T1", "2026-03-05", "This week")
    ]


@pytest.mark.parametrize("username", ["dana", "cleo"])
def test_the_layout_renders_with_any_query(app: dash.Dash, username: str) -> None:
    import sys

    import flask_login

    from db.accounts import SessionUser

    logged_in(app, username)  # the first request imports the pages
    role, linked = {"dana": ("director", None), "cleo": ("clinician", "C1")}[username]
    for query in (
        {},
        {"clinician": "C2", "start": "2026-02-01", "end": "2026-02-28"},
        {"start": "x"},
    ):
        with app.server.test_request_context("/my-week"):
            flask_login.login_user(SessionUser(1, username, role, linked, "token"))
            layout = sys.modules["pages.my_week"].layout(**query)
        text = json.dumps(layout.to_plotly_json(), default=str)
        assert "week-caseload" in text
        if username == "cleo":
            assert "Dev Rao" not in text  # her chooser holds only herself
