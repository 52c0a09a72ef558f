"""Login, logout, the request guard, CSRF and security headers (HIPAA 164.312, OWASP ASVS).

Every request except ``/login``, ``/health`` and ``/assets/`` needs a live server-side session:
page routes redirect to ``/login``, everything else (Dash's ``/_dash-*`` endpoints included)
answers 401. Sessions live in the database, so disabling a user or changing their role ends
their sessions at once, on every worker and host.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import secrets
from html import escape
from urllib.parse import urlsplit

from flask import Flask, Response, g, redirect, request, session
from flask_login import LoginManager, current_user

from dashboard.auth.callbacks import ALERT_ID, UNAVAILABLE, is_unavailable
from dashboard.auth.dispatch import dispatch_problem
from dashboard.auth.passwords import verify_password
from dashboard.context import AppState, state
from db import accounts
from db.audit import Actor, audit_values, record

log = logging.getLogger("careboard.auth")

DEMO_PASSWORD = "careboard-demo"
DEMO_USERS = {"director": "director", "frontdesk": "front_desk", "clinician": "clinician"}
PUBLIC_PATHS = {"/login", "/health"}
PUBLIC_PREFIXES = ("/assets/",)
DASH_DISPATCH = "/_dash-update-component"
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
FAILED_LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
SAFE_FETCH_SITES = {"same-origin", "none"}


def init_auth(server: Flask, app_state: AppState) -> None:
    """Install sessions, the guard, login/logout routes and the response headers."""
    settings = app_state.settings
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="careboard_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_max_hours),
    )
    manager = LoginManager()
    manager.init_app(server)
    manager.request_loader(_load_user)
    server.before_request(_guard)
    server.after_request(_finish_response)
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])


# --- who is asking -----------------------------------------------------------------------------


def _is_activity() -> bool:
    """Whether this request is the user's own doing: timers and polling do not count."""
    if request.method == "GET":
        return not request.path.startswith("/_")
    if request.path == DASH_DISPATCH:
        body = request.get_json(silent=True) or {}
        changed = body.get("changedPropIds") if isinstance(body, dict) else None
        if not isinstance(changed, list) or not changed:
            return True  # the initial callbacks of a page the user opened
        return any(not str(prop).endswith(".n_intervals") for prop in changed)
    return False


def _load_user(_request: object) -> accounts.SessionUser | None:
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    app_state = state()
    settings = app_state.settings
    try:
        resolved = accounts.resolve_session(
            app_state.db,
            token,
            app_state.now(),
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
            lifetime=dt.timedelta(hours=settings.session_max_hours),
            activity=_is_activity(),
        )
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        # No session can be checked while the database is down: nobody is let in, and the
        # guard answers with a polite "unavailable" instead of a login page.
        g.careboard_unavailable = True
        return None
    if resolved.user is None:
        g.session_end_reason = resolved.ended_reason
        session.pop("sid", None)
    return resolved.user


def _is_page_route() -> bool:
    return request.method == "GET" and not request.path.startswith("/_")


def _guard() -> Response | None:
    if request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
        if request.method == "POST" and not _same_origin():
            return Response("Cross-origin request refused.", 403, mimetype="text/plain")
        return None
    if not current_user.is_authenticated:
        if g.get("careboard_unavailable"):
            return _unavailable_response()
        if _is_page_route():
            reason = getattr(g, "session_end_reason", None)
            suffix = f"&ended={reason}" if reason in {"idle", "lifetime", "revoked"} else ""
            return redirect(f"/login?next={_safe_next(request.full_path)}{suffix}")
        return Response("Login required.", 401, mimetype="text/plain")
    if request.method != "GET" and not (_same_origin() and _csrf_ok()):
        return Response("Cross-site request refused.", 403, mimetype="text/plain")
    if request.path == DASH_DISPATCH:
        problem = dispatch_problem(request.get_json(silent=True), state().callback_map)
        if problem:
            return Response(f"Malformed callback request: {problem}.", 400, mimetype="text/plain")
    return None


UNAVAILABLE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Temporarily unavailable · careboard</title>
<link rel="stylesheet" href="/assets/00-bootstrap.min.css"></head>
<body class="p-5"><div class="alert alert-danger" role="alert">
<h1 class="h5">Data is temporarily unavailable.</h1>
<p class="mb-0">careboard cannot reach its database right now. Nothing you entered was lost;
please <a href="">try again</a> in a moment.</p></div></body></html>"""


def _unavailable_response() -> Response:
    """The database is down: a banner in the page, never a 500 or a traceback."""
    if request.path == DASH_DISPATCH:
        # A Dash response with no outputs and one side update: the page keeps what it shows
        # and what the user typed, and its alert says why nothing happened.
        alert = {"children": UNAVAILABLE, "color": "danger", "is_open": True}
        body = {"multi": True, "response": {}, "sideUpdate": {ALERT_ID: alert}}
        return Response(json.dumps(body), 200, mimetype="application/json")
    if _is_page_route():
        return Response(UNAVAILABLE_PAGE, 503, mimetype="text/html")
    return Response(UNAVAILABLE, 503, mimetype="text/plain")


def _same_origin() -> bool:
    """Refuse requests a browser marks as coming from another site (Origin, Sec-Fetch-Site)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in SAFE_FETCH_SITES:
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return origin != "null"


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token")
    return (
        isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)
    )


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target.rstrip("?") or "/"


# --- login and logout --------------------------------------------------------------------------


def _login() -> Response | str:
    if request.method == "GET":
        return _login_page()
    if not _csrf_ok():
        return _login_page("Your login form expired. Please try again.", status=400)
    username = (request.form.get("username") or "").strip()[:100]
    password = request.form.get("password") or ""
    app_state = state()
    now = app_state.now()
    address = request.remote_addr
    by_user, by_address = accounts.recent_failures(
        app_state.db, username, address, now - FAILED_LOGIN_WINDOW
    )
    if by_user >= MAX_FAILURES_PER_USER or by_address >= MAX_FAILURES_PER_ADDRESS:
        _log_login(app_state, username, address, "rate_limited", now)
        return _login_page("Too many failed attempts. Wait 15 minutes and try again.", 429)
    user = _check_credentials(app_state, username, password)
    if user is None:
        _log_login(app_state, username, address, "denied", now)
        return _login_page("Wrong username or password.", status=401)
    token = accounts.start_session(app_state.db, user, now)
    session.clear()  # a new session id at every login (no fixation)
    session.permanent = True
    session["sid"] = token
    session["csrf"] = secrets.token_urlsafe(32)
    accounts.record_login_attempt(app_state.db, username, address, True, now)
    record(
        app_state.db,
        audit_values(Actor(user.id, user.username, user.role), "login", "/login", "ok", now),
    )
    return redirect(_safe_next(request.args.get("next")))


def _check_credentials(app_state: AppState, username: str, password: str):  # type: ignore[no-untyped-def]
    with app_state.db.session() as db_session:
        user = accounts.get_user(db_session, username)
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.active:
        return None
    if password == DEMO_PASSWORD and not app_state.settings.demo:
        return None  # the published demo credentials only open a demo
    return user


def _log_login(
    app_state: AppState, username: str, address: str | None, outcome: str, now: dt.datetime
) -> None:
    accounts.record_login_attempt(app_state.db, username, address, False, now)
    record(
        app_state.db,
        audit_values(Actor(None, username, None), "login", "/login", outcome, now, detail=address),
    )
    log.warning("failed login (%s) for user %r from %s", outcome, username, address)


def _logout() -> Response:
    token = session.get("sid")
    if isinstance(token, str):
        accounts.end_session(state().db, token, state().now())
    session.clear()
    return redirect("/login")


LOGIN_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · careboard</title>
<link rel="stylesheet" href="/assets/00-bootstrap.min.css">
<link rel="stylesheet" href="/assets/careboard.css"></head>
<body class="login-body"><main class="login-card card shadow-sm">
<div class="card-body p-4">
<h1 class="h4 mb-1">careboard</h1>
<p class="text-body-secondary mb-4">CARE practice operations</p>
{message}
<form method="post" action="/login{next_query}">
<input type="hidden" name="csrf_token" value="{csrf}">
<div class="mb-3"><label class="form-label" for="username">Username</label>
<input class="form-control" id="username" name="username" autocomplete="username"
 required autofocus></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" type="submit">Log in</button>
</form>{demo}</div></main></body></html>"""

ENDED_MESSAGES = {
    "idle": "You were logged out after 15 minutes without activity.",
    "lifetime": "Your session reached its 12-hour limit. Please log in again.",
    "revoked": "Your access changed. Please log in again.",
}


def _login_page(error: str | None = None, status: int = 200) -> Response:
    if not isinstance(session.get("csrf"), str):
        session["csrf"] = secrets.token_urlsafe(32)
    notice = error or ENDED_MESSAGES.get(request.args.get("ended", ""))
    kind = "danger" if error else "info"
    message = (
        f'<div class="alert alert-{kind}" role="alert">{escape(notice)}</div>' if notice else ""
    )
    nxt = request.args.get("next")
    demo = ""
    if state().settings.demo:
        demo = (
            '<p class="small text-body-secondary mt-3 mb-0">Demo practice: log in as '
            "<code>director</code>, <code>frontdesk</code> or <code>clinician</code> with "
            f"the password <code>{DEMO_PASSWORD}</code>.</p>"
        )
    html = LOGIN_TEMPLATE.format(
        message=message,
        next_query=f"?next={escape(_safe_next(nxt))}" if nxt else "",
        csrf=escape(session["csrf"]),
        demo=demo,
    )
    return Response(html, status, mimetype="text/html")


# --- every response ----------------------------------------------------------------------------


def _finish_response(response: Response) -> Response:
    app_state = state()
    for name, value in _security_headers(app_state).items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(PUBLIC_PREFIXES + ("/_dash-component-suites/",)):
        response.headers["Cache-Control"] = "no-store"
    csrf = session.get("csrf")
    if isinstance(csrf, str) and current_user.is_authenticated:
        # Dash's renderer copies this cookie into the X-CSRFToken header of its requests.
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=False,
            samesite="Strict",
            secure=app_state.settings.secure_cookies,
        )
    return response


def _security_headers(app_state: AppState) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": app_state.content_security_policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def content_security_policy(script_hashes: list[str]) -> str:
    """A CSP Dash runs under: its inline renderer bootstrap is allowed by hash only."""
    # Dash's csp_hashes() are already quoted ('sha256-…').
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
