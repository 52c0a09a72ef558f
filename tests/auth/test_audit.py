"""Reads of client data, exports and logins leave audit rows; directors can search them."""

from __future__ import annotations

import dash
from flask.testing import FlaskClient
from sqlalchemy import select

from db.audit import count
from db.engine import Database
from db.models import AuditEntry
from tests.webclient import callback_key, login, post_callback


def _phi_callbacks(app: dash.Dash) -> list[str]:
    return sorted(
        key
        for key, spec in app.callback_map.items()
        if getattr(spec.get("callback"), "careboard_secure", {}).get("phi")
    )


def test_every_client_data_read_is_audited_once(
    app: dash.Dash, client: FlaskClient, db: Database
) -> None:
    login(client, "dana")
    client.get("/")
    keys = _phi_callbacks(app)
    assert keys, "the app has callbacks that return client rows"
    for key in keys:
        with db.read() as conn:
            before = count(conn)
        response = post_callback(client, app, key)
        assert response.status_code in (200, 204), key
        with db.read() as conn:
            rows = conn.execute(
                select(AuditEntry.username, AuditEntry.action, AuditEntry.target)
                .order_by(AuditEntry.id.desc())
                .limit(count(conn) - before)
            ).all()
        if response.status_code == 204:  # nothing sent, nothing read
            assert rows == [], key
            continue
        assert len(rows) == 1, key
        assert rows[0].username == "dana" and rows[0].action == "read"


def test_audit_page_lists_logins_for_directors(app: dash.Dash, client: FlaskClient) -> None:
    login(client, "frank", "wrong password")
    login(client, "dana")
    first_block = {"startRow": 0, "endRow": 200, "sortModel": [], "filterModel": {}}
    key = "audit-grid.getRowsResponse"
    response = post_callback(client, app, key, [first_block, *[None] * 6])
    rows = response.get_json()["response"]["audit-grid"]["getRowsResponse"]["rowData"]
    logins = [(r["username"], r["outcome"]) for r in rows if r["action"] == "login"]
    assert ("frank", "denied") in logins and ("dana", "ok") in logins


def test_audit_page_is_refused_to_other_roles(app: dash.Dash, client: FlaskClient) -> None:
    login(client, "frank")
    assert post_callback(client, app, "audit-grid.getRowsResponse").status_code == 403
    page = post_callback(client, app, callback_key(app, "_pages_content"), ["/audit", ""])
    assert "not available to your role" in page.get_data(as_text=True)


def test_exports_are_audited(app: dash.Dash, client: FlaskClient, db: Database) -> None:
    login(client, "dana")
    key = callback_key(app, "audit-export-download")
    response = post_callback(client, app, key, [1, None] + [None] * 6)
    assert response.status_code == 200
    download = response.get_json()["response"]["audit-export-download"]["data"]
    assert download["filename"] == "audit-log.csv"
    with db.read() as conn:
        actions = conn.execute(select(AuditEntry.action, AuditEntry.detail)).all()
    assert ("export", "audit-log.csv") in actions


def test_a_long_client_list_is_shortened_in_the_grid_and_whole_in_the_export(
    app: dash.Dash, client: FlaskClient, db: Database
) -> None:
    from db.audit import record

    long = ",".join(f"K{n}" for n in range(1, 26))
    login(client, "dana")
    with db.read() as conn:  # the app's own clock stamped the login
        now = conn.execute(select(AuditEntry.at).order_by(AuditEntry.id.desc())).scalars().first()
    ten = ",".join(f"K{n}" for n in range(1, 11))
    for detail, ids in (("long", long), ("short", "K1,K2"), ("none", None), ("ten", ten)):
        row = {"at": now, "username": "dana", "role": "director", "action": "read"}
        record(db, {**row, "target": "t", "outcome": "ok", "client_ids": ids, "detail": detail})
    first_block = {"startRow": 0, "endRow": 200, "sortModel": [], "filterModel": {}}
    response = post_callback(client, app, "audit-grid.getRowsResponse", [first_block, *[None] * 6])
    rows = response.get_json()["response"]["audit-grid"]["getRowsResponse"]["rowData"]
    shown = {row["detail"]: row["client_ids"] for row in rows if row["target"] == "t"}
    assert shown == {
        "long": "K1,K2,K3,K4,K5,K6,K7,K8,K9,K10 … (25 in all; export for the list)",
        "short": "K1,K2",
        "none": None,
        "ten": "K1,K2,K3,K4,K5,K6,K7,K8,K9,K10",  # ten ids: all of them, nothing to say
    }
    key = callback_key(app, "audit-export-download")
    export = post_callback(client, app, key, [1, None] + [None] * 6).get_json()
    assert long in export["response"]["audit-export-download"]["data"]["content"]
