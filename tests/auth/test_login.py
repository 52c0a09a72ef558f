"""Login, logout, timeouts, revocation and rate limiting, through real HTTP requests."""

from __future__ import annotations

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from db import accounts
from db.engine import Database
from db.models import AuditEntry, LoginAttempt
from tests.webclient import Clock, login, make_app


def _home_status(client: FlaskClient) -> int:
    return client.get("/_dash-layout").status_code


def test_login_sets_a_new_session_and_opens_the_app(client: FlaskClient) -> None:
    client.get("/login")
    with client.session_transaction() as before:
        pre_login_csrf = before["csrf"]
    response = login(client, "dana")
    assert response.status_code == 302
    with client.session_transaction() as after:
        assert "sid" in after
        assert after["csrf"] != pre_login_csrf  # rotated at login
    assert _home_status(client) == 200


def test_wrong_password_is_refused_logged_and_audited(client: FlaskClient, db: Database) -> None:
    response = login(client, "dana", "not the password")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    assert _home_status(client) == 401
    with db.read() as conn:
        attempts = conn.execute(select(LoginAttempt.success)).scalars().all()
        outcomes = conn.execute(select(AuditEntry.outcome).where(AuditEntry.action == "login"))
        assert attempts == [False]
        assert list(outcomes.scalars()) == ["denied"]


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "dana", "password": "x"})
    assert response.status_code == 400


def test_failed_logins_are_rate_limited(client: FlaskClient) -> None:
    for _ in range(5):
        assert login(client, "dana", "wrong").status_code == 401
    # The sixth try is refused even with the right password, for 15 minutes.
    assert login(client, "dana").status_code == 429


def test_logout_ends_the_session_on_the_server(client: FlaskClient) -> None:
    login(client, "dana")
    with client.session_transaction() as session:
        stolen = dict(session)
    client.get("/logout")
    assert _home_status(client) == 401
    with client.session_transaction() as session:
        session.update(stolen)  # replaying the old cookie does not bring the session back
    assert _home_status(client) == 401


def test_idle_timeout_is_fifteen_minutes_of_user_activity(
    client: FlaskClient, clock: Clock
) -> None:
    login(client, "dana")
    clock.advance(minutes=14)
    assert client.get("/").status_code == 200  # a page view is activity
    clock.advance(minutes=14)
    assert _home_status(client) == 200  # 14 min after the last activity
    clock.advance(minutes=2)
    # 16 min after the last page view; the layout fetch above was not activity.
    response = client.get("/schedule")
    assert response.status_code == 302 and "ended=idle" in response.headers["Location"]
    assert _home_status(client) == 401


def test_polling_does_not_count_as_activity(
    client: FlaskClient, app: dash.Dash, clock: Clock
) -> None:
    login(client, "dana")
    for _ in range(4):
        clock.advance(minutes=5)
        client.post(
            "/_dash-update-component",
            json={"output": "x.children", "changedPropIds": ["timer.n_intervals"], "inputs": []},
            headers={"X-CSRFToken": _csrf(client)},
        )
    assert _home_status(client) == 401


def _csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return session.get("csrf", "")


def test_absolute_lifetime_is_twelve_hours(client: FlaskClient, clock: Clock) -> None:
    login(client, "dana")
    for _ in range(11 * 6):  # busy all day, a page view every 10 minutes
        clock.advance(minutes=10)
        assert client.get("/").status_code == 200
    clock.advance(minutes=61)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        lambda db, now: accounts.set_active(db, "cleo", False, now),
        lambda db, now: accounts.set_role(db, "cleo", "front_desk", None, now),
        lambda db, now: accounts.set_password(db, "cleo", "x" * 60, now),
    ],
    ids=["disable", "role-change", "password-change"],
)
def test_account_changes_end_sessions_at_once(
    client: FlaskClient, db: Database, clock: Clock, change
) -> None:  # type: ignore[no-untyped-def]
    login(client, "cleo")
    assert _home_status(client) == 200
    change(db, clock.now)
    assert _home_status(client) == 401


def test_a_session_is_recognised_by_another_app_on_the_same_database(
    client: FlaskClient, db: Database, clock: Clock
) -> None:
    login(client, "dana")
    with client.session_transaction() as session:
        cookie = dict(session)
    other = make_app(db, clock).server.test_client()
    with other.session_transaction() as session:
        session.update(cookie)
    assert other.get("/_dash-layout").status_code == 200


def test_demo_password_is_refused_outside_demo_mode(db: Database, staffed, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    staffed.user("demo-dir", "director", password="careboard-demo")
    plain = make_app(db, clock).server.test_client()
    assert login(plain, "demo-dir", "careboard-demo").status_code == 401
    demo = make_app(db, clock, demo=True).server.test_client()
    assert login(demo, "demo-dir", "careboard-demo").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client: FlaskClient) -> None:
    token = client.get("/login?next=//evil.example/x")
    assert token.status_code == 200
    from tests.webclient import csrf_of

    response = client.post(
        "/login?next=//evil.example/x",
        data={
            "username": "dana",
            "password": "correct horse battery",
            "csrf_token": csrf_of(client),
        },
    )
    assert response.headers["Location"] == "/"
