"""Time every filter callback in process, through the Flask test client, cold and warm.

Cold: the app's cache cleared and its engines disposed (new connections: an empty SQLite page
cache, a new PostgreSQL backend) just before the request. Warm: the same request repeated at
once. Every response is checked (200 or 204, no polite error in the page) and its bytes kept.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dash
import numpy as np
from flask.testing import FlaskClient

from dashboard.bench_practice import BENCH_PASSWORD, BENCH_USERS, Practice, practice_clock
from dashboard.bench_requests import (
    MAX_COMBINATIONS,
    BenchRequest,
    holds,
    page_layout,
    page_requests,
    pages,
)

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# Texts secure_callback puts in the page's alert when a callback failed or refused its input.
ERROR_TEXTS = ("Something went wrong", "was not understood", "temporarily unavailable")


@dataclass
class CallbackTiming:
    page: str
    callback: str
    cold_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)
    bytes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def cold_p95(self) -> float:
        return p95(self.cold_ms)

    @property
    def warm_p95(self) -> float:
        return p95(self.warm_ms)


def p95(values: list[float]) -> float:
    """The 95th percentile (linear interpolation, numpy's default); 0 for no values."""
    return float(np.percentile(values, 95)) if values else 0.0


def bench_app(practice: Practice) -> dash.Dash:
    """careboard on the benchmark practice, its clock stopped at this moment of the practice's
    today."""
    from dashboard.app import create_app
    from dashboard.memory import freeze_startup_objects, limit_malloc_arenas
    from dashboard.settings import Settings, default_instance_path

    limit_malloc_arenas()  # as a served worker does (dashboard.wsgi)
    settings = Settings(
        database_url=practice.url,
        secret_key=secrets.token_hex(32),
        instance_path=default_instance_path(),
    )
    # One moment for the whole survey: results are cached as of the minute, so a minute that
    # turned between a cold request and its warm repeats made the repeat a cold one.
    moment = practice_clock()()
    app = create_app(settings, clock=lambda: moment)
    freeze_startup_objects()  # as a served worker does (dashboard.wsgi)
    return app


class Session:
    """A logged-in test client and its CSRF token."""

    def __init__(self, app: dash.Dash, username: str) -> None:
        self.app = app
        self.client: FlaskClient = app.server.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        match = CSRF_FIELD.search(page)
        if not match:
            raise RuntimeError("the login page carries no CSRF token")
        form = {"username": username, "password": BENCH_PASSWORD, "csrf_token": match.group(1)}
        response = self.client.post("/login", data=form)
        if response.status_code != 302:
            raise RuntimeError(f"{username} could not log in ({response.status_code})")
        with self.client.session_transaction() as session:
            self.csrf = session["csrf"]

    def post(self, body: dict[str, Any]) -> Any:
        headers = {"X-CSRFToken": self.csrf, "Content-Type": "application/json"}
        return self.client.post("/_dash-update-component", data=json.dumps(body), headers=headers)


def sessions(app: dash.Dash) -> dict[str, Session]:
    return {role: Session(app, username) for role, username in BENCH_USERS.items()}


@dataclass
class Survey:
    """What the pages hold: the requests to replay, each page's path, the pages with charts."""

    requests: list[BenchRequest]
    paths: dict[str, str]
    charted: set[str]


def survey(
    app: dash.Dash,
    logged_in: dict[str, Session],
    clinician_id: str,
    limit: int = MAX_COMBINATIONS,
) -> Survey:
    """Every filter callback of every page, for each role that may open the page, with up to
    ``limit`` filter combinations each."""
    found = Survey([], {}, set())
    for role, session in logged_in.items():
        shell = session.client.get("/_dash-layout").get_json()
        for page in pages(clinician_id):
            if role not in page.roles:
                continue
            layout = page_layout(session.client, app, page.path, session.csrf)
            found.requests.extend(page_requests(app, page, role, layout, shell, limit))
            found.paths[page.name] = page.path
            if holds(layout, "Graph"):
                found.charted.add(page.name)
    return found


def problem_in(response: Any) -> str | None:
    """Why a callback response is not a success, or None."""
    if response.status_code == 204:
        return None
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.get_data(as_text=True)
    return next((text for text in ERROR_TEXTS if text in body), None)


def time_requests(
    app: dash.Dash,
    logged_in: dict[str, Session],
    requests: list[BenchRequest],
    *,
    warm_repeats: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> list[CallbackTiming]:
    """Cold and warm milliseconds of each request, grouped by page and callback."""
    state = app.server.extensions["careboard"]
    timings: dict[tuple[str, str], CallbackTiming] = {}
    for done, request in enumerate(requests):
        timing = timings.setdefault(
            (request.page, request.callback), CallbackTiming(request.page, request.callback)
        )
        session = logged_in[request.role]
        state.cache.clear()
        state.db.dispose()
        for repeat in range(1 + warm_repeats):
            started = time.perf_counter()
            response = session.post(request.body)
            elapsed = (time.perf_counter() - started) * 1000
            (timing.warm_ms if repeat else timing.cold_ms).append(elapsed)
            timing.bytes = max(timing.bytes, len(response.get_data()))
            problem = problem_in(response)
            # Closed once read, as a WSGI server closes it once sent: what careboard does after
            # a response (a full collection when due, freed memory released) runs untimed.
            response.close()
            if problem and repeat == 0:
                timing.problems.append(f"{request.role}, {request.combination}: {problem}")
        if progress:
            progress(done + 1, len(requests))
    return list(timings.values())
