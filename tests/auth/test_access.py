"""Everything needs a login; roles are checked on the server; headers protect the browser."""

from __future__ import annotations

import json

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.auth.callbacks import is_secured
from tests.webclient import callback_key, login, post_callback

DASH_ENDPOINTS = [
    ("GET", "/_dash-layout"),
    ("GET", "/_dash-dependencies"),
    ("POST", "/_dash-update-component"),
    ("GET", "/_reload-hash"),
    ("GET", "/_dash-component-suites/dash/deps/react@18.3.1.min.js"),
    ("GET", "/_favicon.ico"),
]
# Dash's own router and title callbacks carry no data; everything else must be wrapped.
DASH_INTERNAL_OUTPUTS = ("_pages_content.children", "_pages_dummy.children", "url-sync.data")


def page_paths() -> list[str]:
    return sorted(p["path"] for p in dash.page_registry.values())


def test_every_page_route_redirects_anonymous_users_to_login(
    app: dash.Dash, client: FlaskClient
) -> None:
    for path in page_paths() + ["/no-such-page"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("method, path", DASH_ENDPOINTS)
def test_dash_endpoints_answer_401_to_anonymous_requests(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(path, method=method, json={})
    assert response.status_code == 401


def test_login_health_and_assets_are_public(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/assets/careboard.css").status_code == 200


def test_health_says_nothing_about_the_practice(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}


def test_every_callback_goes_through_secure_callback(app: dash.Dash, client: FlaskClient) -> None:
    login(client, "dana")
    client.get("/")  # the pages router registers itself on the first request
    unwrapped = []
    for key, spec in app.callback_map.items():
        if any(key.endswith(internal) or internal in key for internal in DASH_INTERNAL_OUTPUTS):
            continue
        if "callback" not in spec:  # clientside: runs in the browser, no data
            continue
        if not is_secured(spec["callback"]):
            unwrapped.append(key)
    assert unwrapped == []
    assert len(app.callback_map) > 1


def test_callbacks_refuse_requests_without_the_csrf_header(
    app: dash.Dash, client: FlaskClient
) -> None:
    login(client, "dana")
    key = callback_key(app, "home-cards")
    assert (
        post_callback(client, app, key, [0], headers={"X-CSRFToken": "forged"}).status_code == 403
    )
    assert post_callback(client, app, key, [0]).status_code == 200


def test_cross_origin_posts_are_refused(app: dash.Dash, client: FlaskClient) -> None:
    login(client, "dana")
    key = callback_key(app, "home-cards")
    cross = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    headers = {"X-CSRFToken": _csrf(client), **cross}
    assert post_callback(client, app, key, [0], headers=headers).status_code == 403


def _csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return session["csrf"]


def test_security_headers(client: FlaskClient) -> None:
    login(client, "dana")
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/_dash-layout").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client: FlaskClient) -> None:
    response = login(client, "dana")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("careboard_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_hsts_and_secure_cookie_under_https(db, staffed, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.webclient import make_app

    app = make_app(db, clock, secure_cookies=True)
    client = app.server.test_client()
    response = client.get("/login", base_url="https://careboard.example")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]


def test_navbar_shows_only_the_pages_of_the_role(app: dash.Dash, client: FlaskClient) -> None:
    login(client, "frank")
    layout = json.dumps(client.get("/_dash-layout").get_json())
    for page in dash.page_registry.values():
        if page.get("nav") is None:
            continue
        shown = f'"href": "{page["path"]}"' in layout
        assert shown == ("front_desk" in page["roles"]), page["path"]
