"""The schedule page's callbacks on SQLite and PostgreSQL: the day's rows and counts, status
changes (rules, stale versions, double clicks), open slots and the fill-from-waitlist list."""

# The fixtures come from frontdesk; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import json

import dash
from flask.testing import FlaskClient
from sqlalchemy import select

from db.engine import Database
from db.models import Appointment, AuditEntry
from tests.factory import Practice
from tests.pages.frontdesk import (  # noqa: F401 - fixtures
    CLINICAL,
    app,
    frank,
    kpi_value,
    post,
)
from tests.webclient import logged_in, outputs, post_callback

DAY = ["2026-03-04", "day", None, None, None, None, []]
CHECK_IN = "sch-act-check-in.n_clicks"
NO_SHOW = "sch-act-no-show.n_clicks"


def schedule(client: FlaskClient, app: dash.Dash, bar: list | None = None) -> dict:
    return outputs(post(client, app, "sch-heading", [*(bar or DAY), None, None]))


def listed(client: FlaskClient, app: dash.Dash, bar: list | None = None, **request: object) -> dict:
    """The list's rows as the paged grid asks for them (first block unless told)."""
    asked = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, **request}
    body = outputs(post_callback(client, app, "sch-grid.getRowsResponse", [asked, *(bar or DAY)]))
    return body["sch-grid"]["getRowsResponse"]


def act(client: FlaskClient, app: dash.Dash, trigger: str, picked: list) -> dict:
    return outputs(post(client, app, "sch-refresh", [1] * 6 + [picked], trigger=trigger))


def test_the_day_rows_counts_and_timeline_without_anything_clinical(
    frank: FlaskClient, app: dash.Dash
) -> None:
    response = post(frank, app, "sch-heading", [*DAY, None, None])
    body = outputs(response)
    page = listed(frank, app)
    rows = page["rowData"]
    assert page["rowCount"] == 3
    assert [(r["appointment_id"], r["time"], r["status"]) for r in rows] == [
        ("A1", "09:00–10:00", "Scheduled"),
        ("A3", "11:00–12:00", "Cancelled by client"),
        ("A2", "14:00–15:00", "Confirmed"),
    ]
    assert rows[2]["modality"] == "Telehealth" and rows[2]["client"] == "Client K2"
    assert body["sch-heading"]["children"] == "Wednesday, March 4, 2026"
    # Booked = held: A1 and A2; A3 was cancelled a few days ahead (not late).
    counts = body["sch-counts"]["children"]
    assert kpi_value(counts, "sch-count-booked") == "2"
    assert kpi_value(counts, "sch-count-checked-in") == "0"
    assert kpi_value(counts, "sch-count-cancellations") == "1"
    traces = {trace["name"] for trace in body["sch-timeline"]["figure"]["data"]}
    assert {"Scheduled", "Confirmed", "Cancelled by client", "Unavailable"} <= traces
    text = (response.get_data(as_text=True) + json.dumps(page)).lower()
    assert "client_id" not in json.dumps(page)
    assert not any(f'"{field}"' in text for field in CLINICAL)
    assert "27.5" not in text and "13.5" not in text  # A0's SRS and ORS scores


def test_filters_narrow_the_rows_and_the_week_view_spans_monday_to_sunday(
    frank: FlaskClient, app: dash.Dash
) -> None:
    dbt = listed(frank, app, ["2026-03-04", "day", "DBT", None, None, None, []])
    assert [r["appointment_id"] for r in dbt["rowData"]] == ["A2"]
    cancelled = listed(
        frank, app, ["2026-03-04", "day", None, None, None, None, ["cancelled_client"]]
    )
    assert [r["appointment_id"] for r in cancelled["rowData"]] == ["A3"]
    week_bar = ["2026-03-06", "week", None, None, "C1", None, []]
    week = schedule(frank, app, week_bar)
    # Monday 2 to Sunday 8 March: A0 (Mon), A1, A3 (Wed), A4 (Thu) of C1.
    assert [r["appointment_id"] for r in listed(frank, app, week_bar)["rowData"]] == [
        "A0",
        "A1",
        "A3",
        "A4",
    ]
    assert week["sch-heading"]["children"] == "Week of March 2 – March 8, 2026"


def test_check_in_changes_the_counts_and_a_double_click_changes_nothing(
    frank: FlaskClient, app: dash.Dash, practice: Practice
) -> None:
    first = act(frank, app, CHECK_IN, [{"appointment_id": "A1", "version": 1}])
    assert "checked in" in json.dumps(first["sch-action-message"])
    second = act(frank, app, CHECK_IN, [{"appointment_id": "A1", "version": 1}])
    assert "Already checked in" in json.dumps(second["sch-action-message"])
    body = schedule(frank, app)
    assert kpi_value(body["sch-counts"]["children"], "sch-count-checked-in") == "1"
    a1 = next(r for r in listed(frank, app)["rowData"] if r["appointment_id"] == "A1")
    assert (a1["status"], a1["version"]) == ("Checked in", 2)
    with practice.db.read() as conn:
        outcomes = conn.execute(
            select(AuditEntry.outcome).where(AuditEntry.action == "write")
        ).scalars()
        assert list(outcomes) == ["ok", "ok"]


def test_a_stale_edit_says_so_and_reloads(frank: FlaskClient, app: dash.Dash, db: Database) -> None:
    picked = [*DAY, "x", [{"appointment_id": "A1", "version": 1}]]
    before = outputs(post(frank, app, "sch-heading", picked))["sch-grid-reload"]["data"]
    act(frank, app, CHECK_IN, [{"appointment_id": "A1", "version": 1}])
    stale = act(frank, app, NO_SHOW, [{"appointment_id": "A1", "version": 1}])
    assert "changed by someone else" in json.dumps(stale["sch-action-message"])
    assert stale["sch-refresh"]["data"]  # a new token: the list reloads
    with db.session() as session:
        row = session.get(Appointment, "A1")
        assert (row.status, row.version) == ("checked_in", 2)
    # The reload keeps the pick; the panel reads it again, with the version it brought, and
    # the next change is checked against that version.
    body = outputs(
        post(
            frank,
            app,
            "sch-heading",
            picked,
        )
    )
    assert "selectedRows" not in body.get("sch-grid", {})  # the grid keeps its pick by row id
    assert body["sch-grid-reload"]["data"] != before  # and reloads its rows (data changed)
    panel = outputs(post(frank, app, "sch-picked", [[{"appointment_id": "A1", "version": 1}], "x"]))
    assert panel["sch-picked"]["data"] == [{"appointment_id": "A1", "version": 2}]
    assert "Checked in" in json.dumps(panel["sch-selected"])
    other_day = ["2026-03-05", "day", None, None, None, None, []]
    body = outputs(
        post(
            frank,
            app,
            "sch-heading",
            [*other_day, "x", [{"appointment_id": "A1", "version": 2}]],
        )
    )
    assert body["sch-grid"]["selectedRows"] == []  # a pick the new list lacks is dropped


def test_the_buttons_follow_the_rules(frank: FlaskClient, app: dash.Dash) -> None:
    def enabled(appointment_id: str) -> set[str]:
        body = outputs(
            post(
                frank,
                app,
                "sch-selected",
                [[{"appointment_id": appointment_id, "version": 1}], None],
            )
        )
        return {key for key, value in body.items() if value.get("disabled") is False}

    # A1 started at 09:00: everything. A4 is tomorrow 09:00, 23 h ahead: cancellations only
    # (late cancel included), no check-in. A3 is cancelled: nothing, but it can be filled.
    assert enabled("A1") == {
        "sch-act-check-in",
        "sch-act-complete",
        "sch-act-no-show",
        "sch-act-late-cancel",
        "sch-act-cancel-client",
        "sch-act-cancel-clinician",
    }
    assert enabled("A4") == {
        "sch-act-late-cancel",
        "sch-act-cancel-client",
        "sch-act-cancel-clinician",
    }
    assert enabled("A3") == {"sch-fill-appointment"}


def test_fill_from_the_waitlist_for_a_cancelled_slot(
    frank: FlaskClient, app: dash.Dash, practice: Practice
) -> None:
    response = post(
        frank,
        app,
        "sch-fill-modal",
        [1, None, [{"appointment_id": "A3", "version": 1}], None],
        trigger="sch-fill-appointment.n_clicks",
    )
    body = outputs(response)
    assert body["sch-fill-modal"]["is_open"] is True
    assert body["sch-fill-title"]["children"] == (
        "Fill Wed Mar 4, 11:00–12:00 with Clinician C1 (Adult)"
    )
    rows = body["sch-fill-grid"]["rowData"]
    # A3 was in person with C1 (English, Adult). W1 (English, no modality) fits; W4 (English,
    # prefers telehealth) half fits; W2 (Spanish and telehealth) fits neither; W3 is DBT.
    assert [(r["rank"], r["entry_id"], r["fit"]) for r in rows] == [
        (1, "W1", "Fits"),
        (2, "W4", "Half fits"),
    ]
    assert "prefers telehealth, slot is in person" in rows[1]["why"]
    assert "client_id" not in rows[0]
    with practice.db.read() as conn:
        audited = conn.execute(
            select(AuditEntry.client_ids).where(AuditEntry.target == "schedule_fill.open_fill")
        ).scalar_one()
    assert audited == "K3,K6"


def test_the_fill_list_exports_and_a_vanished_slot_exports_nothing(
    frank: FlaskClient, app: dash.Dash, practice: Practice
) -> None:
    export = "sch-fill-export-download"
    body = outputs(post(frank, app, export, [1, None, {"appointment_id": "A3"}]))
    lines = body[export]["data"]["content"].splitlines()
    # The same list as the modal's (W1 fits, W4 half fits), with the clients it names.
    assert [line.split(",")[:2] for line in lines[1:]] == [["1", "W1"], ["2", "W4"]]
    assert "K3" in lines[1] and "K6" in lines[2]
    # A cancelled appointment that no longer exists has no list: no download, no error.
    assert post(frank, app, export, [1, None, {"appointment_id": "A-gone"}]).status_code == 204
    # A slot of a clinician who does not exist is refused politely before any read.
    gone = {"clinician_id": "C-gone", "start_at": "2026-03-04T13:00", "end_at": "2026-03-04T14:00"}
    refused = post(frank, app, export, [1, None, gone]).get_json()
    assert refused["response"] == {}
    assert "unknown clinician" in refused["sideUpdate"]["app-alert"]["children"]
    # Only the list that was exported is audited.
    with practice.db.read() as conn:
        exported = conn.execute(
            select(AuditEntry.action, AuditEntry.client_ids).where(
                AuditEntry.target == "schedule_fill.export_fill"
            )
        ).all()
    assert [tuple(row) for row in exported if row.action == "export"] == [("export", "K3,K6")]


def test_open_slots_from_now_on(frank: FlaskClient, app: dash.Dash) -> None:
    body = outputs(post(frank, app, "sch-next-grid", [*DAY, None]))
    rows = slot_block(frank, app, 0, 100)["rowData"]
    slots = [(r["clinician"], r["start"], r["freed"]) for r in rows]
    # C1 09:00-17:00: 09:00 has begun and is booked; 10:00 open; 11:00 freed by A3's
    # cancellation; then hourly to 16:00. C2 13:00-17:00: 14:00 is A2's.
    assert slots == [
        ("Clinician C1", "10:00", ""),
        ("Clinician C1", "11:00", "A cancellation"),
        ("Clinician C1", "12:00", ""),
        ("Clinician C1", "13:00", ""),
        ("Clinician C2", "13:00", ""),
        ("Clinician C1", "14:00", ""),
        ("Clinician C1", "15:00", ""),
        ("Clinician C2", "15:00", ""),
        ("Clinician C1", "16:00", ""),
        ("Clinician C2", "16:00", ""),
    ]
    nexts = {r["clinician"]: r["third_next"] for r in body["sch-next-grid"]["rowData"]}
    assert nexts == {"Clinician C1": "today", "Clinician C2": "today"}


def test_only_the_front_desk_and_directors(app: dash.Dash) -> None:
    cleo = logged_in(app, "cleo")
    assert post(cleo, app, "sch-heading", [*DAY, None, None]).status_code == 403
    first_block = {"startRow": 0, "endRow": 100}
    rows = post_callback(cleo, app, "sch-grid.getRowsResponse", [first_block, *DAY])
    assert rows.status_code == 403
    dana = logged_in(app, "dana")
    assert post(dana, app, "sch-heading", [*DAY, None, None]).status_code == 200
    assert listed(dana, app)["rowCount"] == 3


WEEK = ["2026-03-04", "week", None, None, None, None, []]


def _cells(figure: dict) -> dict[tuple[str, str], tuple]:
    """A heatmap's cells by (clinician id, date): (count or None, hover numbers)."""
    (trace,) = figure["data"]
    assert trace["type"] == "heatmap"
    return {
        (clinician, day): (trace["z"][i][j], tuple(trace["customdata"][i][j]))
        for i, clinician in enumerate(trace["y"])
        for j, day in enumerate(trace["x"])
    }


def test_the_week_of_several_clinicians_is_a_clinician_by_day_heatmap(
    frank: FlaskClient, app: dash.Dash
) -> None:
    figure = schedule(frank, app, WEEK)["sch-timeline"]["figure"]
    cells = _cells(figure)
    assert figure["data"][0]["x"][0] == "2026-03-02" and len(figure["data"][0]["x"]) == 7
    assert figure["data"][0]["y"] == ["C1", "C2"]
    assert figure["layout"]["yaxis"]["ticktext"] == ["Clinician C1", "Clinician C2"]
    # (held appointments, [booked h, available h, scheduled or confirmed, checked in,
    # completed, no-show or late cancel, cancelled or rescheduled])
    # C1 Monday: A0 completed, 60 min, no availability on Mondays.
    assert cells[("C1", "2026-03-02")] == (1, (1, 0, 0, 0, 1, 0, 0))
    # C1 Wednesday, 09:00-17:00 available: A1 scheduled (held); A3 cancelled 3 days ahead
    # (not late, not held), so one held appointment of 1 h of 8 h.
    assert cells[("C1", "2026-03-04")] == (1, (1, 8, 1, 0, 0, 0, 1))
    # C1 Thursday: A4 scheduled, no availability.
    assert cells[("C1", "2026-03-05")] == (1, (1, 0, 1, 0, 0, 0, 0))
    # C2 Wednesday 13:00-17:00: A2 confirmed.
    assert cells[("C2", "2026-03-04")] == (1, (1, 4, 1, 0, 0, 0, 0))
    # Days with neither availability nor appointments are blank, not 0.
    assert cells[("C1", "2026-03-03")][0] is None
    assert cells[("C2", "2026-03-02")][0] is None
    assert sum(1 for z, _ in cells.values() if z is not None) == 4
    assert "Held appointments" in json.dumps(figure["data"][0]["colorbar"])


def test_a_status_filter_counts_those_statuses_in_the_heatmap(
    frank: FlaskClient, app: dash.Dash
) -> None:
    bar = ["2026-03-04", "week", None, None, None, None, ["cancelled_client"]]
    cells = _cells(schedule(frank, app, bar)["sch-timeline"]["figure"])
    # Only A3 (C1, Wednesday) is a client cancellation; C2 works Wednesday with none of them.
    assert cells[("C1", "2026-03-04")] == (1, (0, 8, 0, 0, 0, 0, 1))
    assert cells[("C2", "2026-03-04")] == (0, (0, 4, 0, 0, 0, 0, 0))
    assert cells[("C1", "2026-03-02")][0] is None  # A0 is not shown: nothing that day


def test_one_clinicians_week_and_the_day_keep_the_timeline(
    frank: FlaskClient, app: dash.Dash
) -> None:
    week = schedule(frank, app, ["2026-03-06", "week", None, None, "C1", None, []])
    bars = [t for t in week["sch-timeline"]["figure"]["data"] if t["type"] == "bar"]
    by_status = {t["name"]: len(t["x"]) for t in bars if t["name"] in ("Completed", "Scheduled")}
    assert by_status == {"Completed": 1, "Scheduled": 2}  # A0; A1 and A4
    day = schedule(frank, app)["sch-timeline"]["figure"]["data"]
    confirmed = next(t for t in day if t["name"] == "Confirmed")
    assert {t["type"] for t in day} == {"bar"}
    # A2: the client is the bar's text (TH: telehealth), the details its two hover lines.
    assert confirmed["text"] == ["TH · Client K2"]
    assert confirmed["customdata"] == [["14:00–15:00 · individual", "telehealth · Lakeview"]]


def test_a_click_on_a_heatmap_cell_narrows_to_that_clinicians_day(
    frank: FlaskClient, app: dash.Dash
) -> None:
    cell = {"points": [{"x": "2026-03-05", "y": "C1", "z": 1}]}
    body = outputs(post(frank, app, "sch-clinician", [cell]))
    values = {key: next(iter(value.values())) for key, value in body.items()}
    assert values == {"sch-clinician": "C1", "sch-date": "2026-03-05", "sch-view": "day"}
    # A click on a timeline bar (its row number) narrows nothing; a forged clinician is refused.
    bar_click = {"points": [{"x": "2026-03-04 09:00", "y": 0}]}
    assert post(frank, app, "sch-clinician", [bar_click]).status_code == 204
    forged = post(frank, app, "sch-clinician", [{"points": [{"x": "2026-03-05", "y": "C9"}]}])
    assert forged.get_json()["response"] == {}
    assert "unknown clinician" in json.dumps(forged.get_json()["sideUpdate"])


def slot_block(client: FlaskClient, app: dash.Dash, start: int, end: int) -> dict:
    asked = {"startRow": start, "endRow": end, "sortModel": [], "filterModel": {}}
    response = post_callback(client, app, "sch-slots-grid.getRowsResponse", [asked, *DAY])
    return outputs(response)["sch-slots-grid"]["getRowsResponse"]


def test_open_slots_come_in_blocks_and_a_picked_one_fills_from_the_waitlist(
    frank: FlaskClient, app: dash.Dash
) -> None:
    first, later = slot_block(frank, app, 0, 4), slot_block(frank, app, 4, 8)
    # The ten slots of test_open_slots_from_now_on, in that order.
    assert first["rowCount"] == later["rowCount"] == 10
    assert [(r["clinician"], r["start"]) for r in first["rowData"]] == [
        ("Clinician C1", "10:00"),
        ("Clinician C1", "11:00"),
        ("Clinician C1", "12:00"),
        ("Clinician C1", "13:00"),
    ]
    assert [(r["clinician"], r["start"]) for r in later["rowData"]] == [
        ("Clinician C2", "13:00"),
        ("Clinician C1", "14:00"),
        ("Clinician C1", "15:00"),
        ("Clinician C2", "15:00"),
    ]
    # A pick holds what the fill list reads: the clinician, start, end and location.
    picked = later["rowData"][0]
    assert (picked["clinician_id"], picked["start_at"], picked["end_at"]) == (
        "C2",
        "2026-03-04T13:00",
        "2026-03-04T14:00",
    )
    body = outputs(
        post(
            frank,
            app,
            "sch-fill-modal",
            [None, 1, None, [picked]],
            trigger="sch-fill-slot.n_clicks",
        )
    )
    assert (
        body["sch-fill-title"]["children"] == "Fill Wed Mar 4, 13:00–14:00 with Clinician C2 (DBT)"
    )
    # The only open DBT entry is W3.
    assert [r["entry_id"] for r in body["sch-fill-grid"]["rowData"]] == ["W3"]


def test_the_slots_callback_reloads_the_grid_and_drops_a_stale_pick(
    frank: FlaskClient, app: dash.Dash
) -> None:
    body = outputs(post(frank, app, "sch-next-grid", [*DAY, None]))
    assert isinstance(body["sch-slots-grid-reload"]["data"], str)
    assert body["sch-slots-grid"]["selectedRows"] == []
    assert "rowData" not in body["sch-slots-grid"]  # the rows come in blocks, not here


def test_a_clinician_cannot_page_open_slots(app: dash.Dash) -> None:
    cleo = logged_in(app, "cleo")
    asked = {"startRow": 0, "endRow": 100}
    assert (
        post_callback(cleo, app, "sch-slots-grid.getRowsResponse", [asked, *DAY]).status_code == 403
    )
    assert post(cleo, app, "sch-next-grid", [*DAY, None]).status_code == 403
    assert post(cleo, app, "sch-clinician", [None]).status_code == 403


def test_a_day_of_many_appointments_names_clients_only_in_the_hover(app: dash.Dash) -> None:
    # (the app registers the figures' template)
    import datetime as dt

    import pandas as pd

    from dashboard.figures.schedule import NAMED_BARS, timeline

    day = dt.date(2026, 3, 4)
    shading = pd.DataFrame(columns=["kind", "clinician_id", "start_at", "end_at"])

    def day_of(count: int) -> list[str]:
        starts = [dt.datetime(2026, 3, 4, 8) + dt.timedelta(minutes=5 * n) for n in range(count)]
        frame = pd.DataFrame(
            {
                "clinician_id": [f"C{n % 40}" for n in range(count)],
                "client": [f"Client {n}" for n in range(count)],
                "status": "scheduled",
                "modality": "in_person",
                "service": "individual",
                "location": "Main",
                "start_at": starts,
                "end_at": [s + dt.timedelta(minutes=50) for s in starts],
            }
        )
        rows = [(f"C{n}", f"Clinician {n}") for n in range(40)]
        figure = timeline(frame, shading, rows, day, day, (8, 20))
        bars = [t for t in figure.data if t.name == "Scheduled"]
        assert len(bars[0].text) == count  # the names still travel, for the hover
        return [t.textposition for t in bars]

    assert day_of(NAMED_BARS) == ["inside"]
    assert day_of(NAMED_BARS + 1) == ["none"]
