"""The task queue page through Dash's callback endpoint, as each role, with forged inputs.

The clock stands at Wednesday 2026-03-04 10:00. Due moments (date-only tasks are due at the next
day's 00:00): T1 03-04 00:00 (overdue), T2 03-04 15:00 (today), T6 03-06 00:00, T5 03-06 12:00,
T4 03-07 00:00 (this week), T3 03-10 00:00 (later).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, Task
from tests.factory import Practice
from tests.webclient import (
    PASSWORD,
    Clock,
    callback_body,
    callback_key,
    figure_values,
    logged_in,
    make_app,
    outputs,
    post_callback,
    session_csrf,
)

NOW = dt.datetime(2026, 3, 4, 10, 0)


class page:  # noqa: N801 - the page's component ids (its module imports only inside an app)
    GRID, COUNTS, DETAIL, SELECTED = "tasks-grid", "tasks-counts", "tasks-detail", "tasks-selected"
    REFRESH, MESSAGE, NOTE_TEXT = "tasks-refresh", "tasks-message", "tasks-note-text"
    DONE, SNOOZE, NOTE, REASSIGN = "tasks-done", "tasks-snooze", "tasks-note", "tasks-reassign"
    ACTION_OF = (DONE, SNOOZE, NOTE, REASSIGN)  # the action callback's inputs, in order
    THROUGHPUT, ON_TIME_KIND = "tasks-throughput", "tasks-on-time-kind"
    ON_TIME_ASSIGNEE = "tasks-on-time-assignee"


@pytest.fixture
def app(db: Database, practice: Practice) -> dash.Dash:
    p = practice
    p.clinician("C1", name="Cleo Park")
    p.clinician("C2", name="Dev Rao")
    p.client("K1", primary="C1")
    p.client("K2", primary="C2")
    p.client("K3", primary="C1")
    p.task(
        "T1", due="2026-03-03", client_id="K1", note="Left voicemail", created="2026-03-02T09:00"
    )
    p.task(
        "T2",
        kind="alliance_check",
        due="2026-03-04T15:00",
        client_id="K1",
        assignee="C1",
        note="SRS 33 on 03-02",
        created="2026-03-03T09:00",
    )
    p.task("T3", kind="plan_review", due="2026-03-09", client_id="K2", assignee="C2")
    p.task("T4", kind="re_engagement", due="2026-03-06", client_id="K3", assignee="C1")
    p.task("T5", kind="post_discharge", due="2026-03-06T12:00", client_id="K2")
    p.task("T6", due="2026-03-05", client_id="K2")
    p.task(
        "T7",
        due="2026-03-03",
        client_id="K1",
        status="done",
        created="2026-02-24T09:00",
        completed="2026-03-03T16:00",
    )
    p.user("dana", "director", password=PASSWORD)
    p.user("frank", "front_desk", password=PASSWORD)
    p.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    return make_app(db, Clock(NOW))


def listed(app: dash.Dash, http: FlaskClient, **filters: Any) -> list[str]:
    values = [filters.get(k) for k in ("assignee", "kind", "due", "client", "status")] + [0]
    body = outputs(post_callback(http, app, callback_key(app, page.GRID), values))
    return [row["task_id"] for row in body[page.GRID]["rowData"]]


def click(app: dash.Dash, client: FlaskClient, button: str, **state: Any) -> dict[str, Any]:
    """Post the action callback as if ``button`` was clicked."""
    key = callback_key(app, page.MESSAGE)
    values = [1 if b == button else None for b in page.ACTION_OF] + [
        state.get("selected"),
        state.get("date"),
        state.get("text"),
        state.get("assignee"),
        state.get("refresh", 0),
    ]
    body = callback_body(app, key, values)
    body["changedPropIds"] = [f"{button}.n_clicks"]
    headers = {"X-CSRFToken": session_csrf(client), "Content-Type": "application/json"}
    response = client.post("/_dash-update-component", data=json.dumps(body), headers=headers)
    return outputs(response)


def task(db: Database, task_id: str) -> Task:
    with db.write() as session:
        row = session.get(Task, task_id)
        session.expunge(row)
    return row  # type: ignore[return-value]


SCOPES = {
    "dana": ["T1", "T2", "T6", "T5", "T4", "T3"],
    # Her own tasks, and the front desk's about her own clients (K1, K3).
    "cleo": ["T1", "T2", "T4"],
    # The front-desk queue without its clinical kinds (T5 is post-discharge).
    "frank": ["T1", "T6"],
}


def test_each_role_sees_its_scope(app: dash.Dash) -> None:
    for username, expected in SCOPES.items():
        assert listed(app, logged_in(app, username)) == expected, username


def test_counts_cards(app: dash.Dash) -> None:
    client = logged_in(app, "frank")
    body = outputs(post_callback(client, app, callback_key(app, page.GRID), [None] * 5 + [0]))
    text = json.dumps(body[page.COUNTS])
    # Frank's open tasks: T1 (overdue) and T6 (due 03-06 00:00: neither overdue nor today).
    assert '"Open"' in text and '"2"' in text
    assert '"Overdue"' in text and '"1"' in text
    assert '"Due today"' in text and '"0"' in text


FILTER_CASES = [
    ({"due": "overdue"}, ["T1"]),
    ({"due": "today"}, ["T2"]),
    ({"due": "week"}, ["T2", "T6", "T5", "T4"]),
    ({"kind": "outreach"}, ["T1", "T6"]),
    ({"assignee": "C1"}, ["T2", "T4"]),
    ({"assignee": "front_desk"}, ["T1", "T6", "T5"]),
    ({"client": "K2"}, ["T6", "T5", "T3"]),
    ({"client": "client k3"}, ["T4"]),
    ({"status": "closed"}, ["T7"]),
    ({"assignee": "unassigned"}, []),
]


def test_filters(app: dash.Dash) -> None:
    dana = logged_in(app, "dana")
    for filters, expected in FILTER_CASES:
        assert listed(app, dana, **filters) == expected, filters


def test_a_clinician_cannot_list_another_clinicians_tasks(app: dash.Dash) -> None:
    client = logged_in(app, "cleo")
    assert listed(app, client, assignee="C2") == []
    assert listed(app, client, client="K2") == []
    response = post_callback(client, app, callback_key(app, page.GRID), ["C2"] * 5 + [0])
    assert "K2" not in response.get_data(as_text=True)


def test_the_front_desk_never_gets_a_clinical_note(app: dash.Dash) -> None:
    client = logged_in(app, "frank")
    for kind in (None, "alliance_check", "post_discharge"):
        response = post_callback(
            client, app, callback_key(app, page.GRID), [None, kind] + [None] * 3 + [0]
        )
        assert "SRS 33" not in response.get_data(as_text=True)
    detail = post_callback(client, app, callback_key(app, page.DETAIL), [[{"task_id": "T2"}], 0])
    assert "SRS 33" not in detail.get_data(as_text=True)


def test_detail_of_a_task_in_scope_and_of_a_forged_one(app: dash.Dash) -> None:
    client = logged_in(app, "cleo")
    key = callback_key(app, page.DETAIL)
    mine = outputs(post_callback(client, app, key, [[{"task_id": "T2"}], 0]))
    assert mine[page.SELECTED]["data"] == {"task_id": "T2", "version": 1}
    assert "SRS 33 on 03-02" in json.dumps(mine[page.DETAIL])
    forged = outputs(post_callback(client, app, key, [[{"task_id": "T3"}], 0]))
    assert forged[page.SELECTED]["data"] is None
    assert forged[page.DETAIL]["children"] == "That task is not in your queue."


def test_clinician_marks_her_task_done_once(db: Database, app: dash.Dash) -> None:
    client = logged_in(app, "cleo")
    selected = {"task_id": "T2", "version": 1}
    first = click(app, client, page.DONE, selected=selected, refresh=3)
    assert first[page.REFRESH]["data"] == 4
    assert "Saved." in json.dumps(first[page.MESSAGE])
    assert (task(db, "T2").status, task(db, "T2").completed_at) == ("done", NOW)
    again = click(app, client, page.DONE, selected=selected, refresh=4)
    assert "Already saved." in json.dumps(again[page.MESSAGE])
    assert task(db, "T2").version == 2
    with db.read() as conn:
        entries = conn.execute(select(AuditEntry).where(AuditEntry.action == "write")).all()
    assert [(e.username, e.target, e.outcome, e.client_ids) for e in entries] == [
        ("cleo", "tasks.act", "ok", "K1"),
        ("cleo", "tasks.act", "ok", "K1"),
    ]


def test_a_clinician_cannot_change_another_clinicians_task(db: Database, app: dash.Dash) -> None:
    client = logged_in(app, "cleo")
    forged = [
        (page.DONE, {}),
        (page.SNOOZE, {"date": "2026-03-20"}),
        (page.NOTE, {"text": "forged"}),
        (page.REASSIGN, {"assignee": "C1"}),
    ]
    for button, state in forged:
        body = click(app, client, button, selected={"task_id": "T3", "version": 1}, **state)
        assert "not in your queue" in json.dumps(body[page.MESSAGE]), button
    unchanged = task(db, "T3")
    assert (unchanged.version, unchanged.assignee, unchanged.note) == (1, "C2", None)


def test_front_desk_works_an_outreach_task(db: Database, app: dash.Dash) -> None:
    client = logged_in(app, "frank")
    noted = click(app, client, page.NOTE, selected={"task_id": "T1", "version": 1}, text="Rebooked")
    assert noted[page.NOTE_TEXT]["value"] == ""  # the note box is cleared after saving
    assert task(db, "T1").note == "Left voicemail\n2026-03-04 10:00 frank: Rebooked"
    snoozed = click(
        app, client, page.SNOOZE, selected={"task_id": "T1", "version": 2}, date="2026-03-06"
    )
    assert "Saved." in json.dumps(snoozed[page.MESSAGE])
    assert task(db, "T1").due_at == dt.datetime(2026, 3, 7)
    # Reassigning is for directors: refused, nothing changes.
    refused = click(
        app, client, page.REASSIGN, selected={"task_id": "T1", "version": 3}, assignee="C1"
    )
    assert "not in your queue" in json.dumps(refused[page.MESSAGE])
    assert task(db, "T1").assignee == "front_desk"


def test_a_stale_edit_gets_the_conflict_message(db: Database, app: dash.Dash) -> None:
    cleo, dana = logged_in(app, "cleo"), logged_in(app, "dana")
    click(app, cleo, page.NOTE, selected={"task_id": "T4", "version": 1}, text="Called twice")
    stale = click(app, dana, page.REASSIGN, selected={"task_id": "T4", "version": 1}, assignee="C2")
    assert "Someone else changed this task" in json.dumps(stale[page.MESSAGE])
    assert stale[page.REFRESH]["data"] == 1  # the page reloads the task
    assert task(db, "T4").assignee == "C1"
    fresh = click(app, dana, page.REASSIGN, selected={"task_id": "T4", "version": 2}, assignee="C2")
    assert "Saved." in json.dumps(fresh[page.MESSAGE])
    assert task(db, "T4").assignee == "C2"


def test_throughput_for_directors(app: dash.Dash) -> None:
    frank, dana = logged_in(app, "frank"), logged_in(app, "dana")
    key = callback_key(app, page.THROUGHPUT)
    period = ["2026-02-23", "2026-03-04"]
    assert post_callback(frank, app, key, period).status_code == 403
    body = outputs(post_callback(dana, app, key, period))
    bars = {
        trace["name"]: figure_values(trace["y"])
        for trace in body[page.THROUGHPUT]["figure"]["data"]
    }
    # Weeks of 02-23 and 03-02. Created: T7 (02-24); T1 (03-02) and T2 (03-03); the others
    # have no created_at. Done: T7 on 03-03. Overdue at the first week's end (03-02 00:00):
    # none (T7, open then, was due 03-04 00:00); as of 03-04 10:00: T1.
    assert bars == {"Created": [1, 2], "Done": [0, 1], "Overdue at week's end": [0, 1]}
    kinds = body[page.ON_TIME_KIND]["figure"]["data"][0]
    # T7 was done 03-03 16:00, before its due moment 03-04 00:00: 1 of 1 on time.
    assert (figure_values(kinds["y"]), figure_values(kinds["x"]), kinds["text"]) == (
        ["Outreach"],
        [1.0],
        ["100% of 1"],
    )
    assignees = body[page.ON_TIME_ASSIGNEE]["figure"]["data"][0]
    assert figure_values(assignees["y"]) == ["Front desk"]


def test_the_layout_renders_for_every_role_and_any_query(app: dash.Dash) -> None:
    junk = "assignee=C2&kind=%3Cscript%3E&due=soon&client=" + "x" * 300 + "&status=all"
    queries = ("", "assignee=front_desk&due=overdue&status=closed", junk)
    for username, query in itertools.product(("dana", "frank", "cleo"), queries):
        client = logged_in(app, username)
        response = client.get(f"/tasks?{query}")
        assert response.status_code == 200
        layout = render_layout(app, "pages.tasks", username, query)
        text = json.dumps(layout.to_plotly_json(), default=str)
        assert "tasks-grid" in text
        assert ("tasks-throughput" in text) == (username == "dana")
        if username == "cleo":
            assert "Dev Rao" not in text  # no other clinician among her assignee choices


def render_layout(app: dash.Dash, module: str, username: str, query: str) -> Any:
    """The page's layout as ``username`` would get it (Dash renders it in a callback)."""
    import sys
    from urllib.parse import parse_qsl

    import flask_login

    from db.accounts import SessionUser

    users = {"dana": ("director", None), "frank": ("front_desk", None), "cleo": ("clinician", "C1")}
    role, clinician_id = users[username]
    with app.server.test_request_context("/"):
        flask_login.login_user(SessionUser(1, username, role, clinician_id, "token"))
        return sys.modules[module].layout(**dict(parse_qsl(query)))
