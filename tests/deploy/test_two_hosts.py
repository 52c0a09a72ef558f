"""Several gunicorn hosts sharing PostgreSQL and Redis (docs/deployment.md).

Hosts A and B are two gunicorn processes (two workers each) on different ports against the
same PostgreSQL schema and the same Redis database: a session started on one is honoured by
the other, a user disabled once is refused by both at once, and a write through A is read
through B at once — the cached overview included, since cache keys carry the data version.
Host R reads through DATABASE_READ_URL: a "replica" schema of views onto the primary (no lag)
in a read-only connection, whose clinicians table alone is a copy holding a marker name the
primary lacks; R shows the marker, so its dashboard reads go to the replica, and writes through
R still land on the primary.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dash
import pytest
import requests
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from dashboard.cache import source_digest
from db.engine import Database
from db.migrate import upgrade
from db.timeutil import now_local
from tests.conftest import DEFAULT_PG
from tests.e2e.conftest import LiveServer, start_gunicorn, stop
from tests.factory import TZ, Practice
from tests.webclient import PASSWORD, callback_body, callback_key, find, make_app, texts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-hosts-shared-secret-key-0123456789"
REDIS_DB, REPLICA_REDIS_DB = 14, 15
MARKER = "Replica Marker"
DANA_NAME = "Dana Primary"


def _redis(db_number: int) -> Any:
    import redis

    return redis.Redis.from_url(f"redis://127.0.0.1:6379/{db_number}")


def _clear_careboard_keys(db_number: int) -> None:
    client = _redis(db_number)
    for key in client.scan_iter("careboard:*"):
        client.delete(key)


def _url(base: str, schema: str, *, read_only: bool = False) -> str:
    options = f"-csearch_path={schema}"
    if read_only:
        options += " -cdefault_transaction_read_only=on"
    rendered = make_url(base).render_as_string(hide_password=False)
    return f"{rendered}{'&' if '?' in rendered else '?'}options={quote(options)}"


@pytest.fixture(scope="module")
def shared() -> Iterator[dict[str, str]]:
    """A migrated primary schema with a small practice, and its view "replica"."""
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    try:
        admin = Database(base)
        with admin.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        _redis(REDIS_DB).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL or Redis is not reachable: {exc}")
    primary = f"cb_hosts_{uuid.uuid4().hex[:8]}"
    replica = f"{primary}_replica"
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{primary}"'))
        conn.execute(text(f'CREATE SCHEMA "{replica}"'))
    database = Database(_url(base, primary))
    upgrade(database)
    _seed(database)
    _make_replica(admin, database, primary, replica)
    database.dispose()
    for number in (REDIS_DB, REPLICA_REDIS_DB):
        _clear_careboard_keys(number)
    yield {
        "base": base,
        "primary": _url(base, primary),
        "replica": _url(base, replica, read_only=True),
    }
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{replica}" CASCADE'))
        conn.execute(text(f'DROP SCHEMA "{primary}" CASCADE'))
    admin.dispose()
    for number in (REDIS_DB, REPLICA_REDIS_DB):
        _clear_careboard_keys(number)


def _seed(database: Database) -> None:
    """One clinician, one client, an overdue task and a task due next week; four directors
    (one per test, so that the tests do not depend on each other's order)."""
    today = now_local(TZ).date()
    p = Practice(database)
    p.clinician("C1", name=DANA_NAME)
    p.client("K1", primary="C1")
    p.task("T-OVERDUE", due=(today - dt.timedelta(days=3)).isoformat())
    p.task("T-NOTE", due=(today + dt.timedelta(days=7)).isoformat())
    for username in ("dana", "dora", "dirk", "rhea"):
        p.user(username, "director", password=PASSWORD)


def _make_replica(admin: Database, primary_db: Database, primary: str, replica: str) -> None:
    """Views onto every primary table (a replica without lag), except the clinicians table:
    a copy whose clinician has another name."""
    with primary_db.engine.connect() as conn:
        tables = inspect(conn).get_table_names(schema=primary)
    with admin.engine.begin() as conn:
        for table in tables:
            if table == "clinicians":
                copy = f'SELECT * FROM "{primary}".clinicians'
                conn.execute(text(f'CREATE TABLE "{replica}".clinicians AS {copy}'))
                conn.execute(
                    text(f'UPDATE "{replica}".clinicians SET name = :name'), {"name": MARKER}
                )
            else:
                conn.execute(
                    text(
                        f'CREATE VIEW "{replica}"."{table}" AS SELECT * FROM "{primary}"."{table}"'
                    )
                )


def _host(tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str]) -> LiveServer:
    defaults = {"CAREBOARD_DEMO": "0", "SECRET_KEY": SECRET, "DATABASE_READ_URL": ""}
    return start_gunicorn(tmp_path_factory.mktemp(name), {**defaults, **env})


@pytest.fixture(scope="module")
def hosts(
    shared: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, LiveServer]]:
    env = {"DATABASE_URL": shared["primary"], "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}"}
    started: dict[str, LiveServer] = {}
    try:
        started["A"] = _host(tmp_path_factory, "host-a", env)
        started["B"] = _host(tmp_path_factory, "host-b", env)
        replica_env = {
            **env,
            "DATABASE_READ_URL": shared["replica"],
            "REDIS_URL": f"redis://127.0.0.1:6379/{REPLICA_REDIS_DB}",
        }
        started["R"] = _host(tmp_path_factory, "host-r", replica_env)
        yield started
    finally:
        for server in started.values():
            stop(server)


@pytest.fixture(scope="module")
def bodies(shared: dict[str, str]) -> Iterator[dash.Dash]:
    """An app in this process, only to build callback bodies from its callback map."""
    database = Database(shared["primary"])
    yield make_app(database)
    database.dispose()


class Browser:
    """One user's cookies, sent to whichever host is asked (cookies do not name a port)."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def log_in(self, host: LiveServer, username: str) -> None:
        import re

        page = self.http.get(f"{host.url}/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        answer = self.http.post(f"{host.url}/login", data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, answer.text
        self.http.get(f"{host.url}/health", timeout=30)  # sets the CSRF cookie

    def post(self, host: LiveServer, app: dash.Dash, output: str, values: list, changed=None):  # type: ignore[no-untyped-def]
        body = callback_body(app, callback_key(app, output), values)
        if changed:
            body["changedPropIds"] = [changed]
        headers = {"X-CSRFToken": self.http.cookies.get("_csrf_token", "")}
        return self.http.post(
            f"{host.url}/_dash-update-component", json=body, headers=headers, timeout=60
        )


def _period() -> dict[str, Any]:
    today = now_local(TZ).date()
    start = today - dt.timedelta(days=27)
    keys = ("program", "location", "clinician", "modality")
    return {"start": start.isoformat(), "end": today.isoformat(), **dict.fromkeys(keys)}


def overdue_on_overview(browser: Browser, host: LiveServer, app: dash.Dash) -> str:
    answer = browser.post(host, app, "home-tasks-cards", [_period()])
    assert answer.status_code == 200, answer.text
    card = find(answer.json()["response"]["home-tasks-cards"]["children"], "kpi-overdue")
    assert card is not None
    return texts(card)[1]  # label, then the big number


def open_tasks(browser: Browser, host: LiveServer, app: dash.Dash) -> dict[str, dict]:
    answer = browser.post(host, app, "tasks-grid", [None, None, None, None, "open", 0])
    assert answer.status_code == 200, answer.text
    return {row["task_id"]: row for row in answer.json()["response"]["tasks-grid"]["rowData"]}


def act_on_task(browser: Browser, host: LiveServer, app: dash.Dash, row: dict, action: str, **kw):  # type: ignore[no-untyped-def]
    clicks = {
        "done": [1, None, None, None],
        "snooze": [None, 1, None, None],
        "note": [None, None, 1, None],
    }[action]
    selected = {"task_id": row["task_id"], "version": row["version"]}
    values = [*clicks, selected, kw.get("due"), kw.get("note"), None, 0]
    answer = browser.post(host, app, "tasks-refresh", values, changed=f"tasks-{action}.n_clicks")
    assert answer.status_code == 200, answer.text
    assert "Something went wrong" not in answer.text
    return answer


def _overview_keys() -> set[bytes]:
    return set(_redis(REDIS_DB).scan_iter(f"careboard:{source_digest()}:home.show_tasks_cards:*"))


def test_a_session_started_on_one_host_is_honoured_by_the_other(
    hosts: dict[str, LiveServer], bodies: dash.Dash
) -> None:
    browser = Browser()
    browser.log_in(hosts["A"], "dana")
    # Host B has never seen this user: the cookie alone, checked against the shared
    # database, lets the page and its callbacks through.
    page = browser.http.get(f"{hosts['B'].url}/tasks", allow_redirects=False, timeout=30)
    assert page.status_code == 200
    assert "T-OVERDUE" in open_tasks(browser, hosts["B"], bodies)
    anonymous = requests.post(f"{hosts['B'].url}/_dash-update-component", json={}, timeout=30)
    assert anonymous.status_code == 401


def test_disabling_a_user_ends_their_session_on_every_host_at_once(
    hosts: dict[str, LiveServer], bodies: dash.Dash, shared: dict[str, str]
) -> None:
    browser = Browser()
    browser.log_in(hosts["A"], "dora")
    for host in (hosts["A"], hosts["B"]):
        assert open_tasks(browser, host, bodies)
    env = {**os.environ, "DATABASE_URL": shared["primary"]}
    subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "users", "disable", "dora"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    for host in (hosts["B"], hosts["A"]):
        answer = browser.post(host, bodies, "tasks-grid", [None, None, None, None, "open", 0])
        assert answer.status_code == 401
        page = browser.http.get(f"{host.url}/tasks", allow_redirects=False, timeout=30)
        assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_write_through_one_host_is_read_through_the_other_at_once(
    hosts: dict[str, LiveServer], bodies: dash.Dash
) -> None:
    a, b = hosts["A"], hosts["B"]
    browser = Browser()
    browser.log_in(a, "dirk")
    # B computes the overview and caches it in Redis (keyed by the data version): 1 overdue.
    assert overdue_on_overview(browser, b, bodies) == "1"
    assert overdue_on_overview(browser, b, bodies) == "1"
    cached_before = _overview_keys()
    assert cached_before, "the overview is cached in the shared Redis"
    tasks = open_tasks(browser, a, bodies)
    next_week = (now_local(TZ).date() + dt.timedelta(days=10)).isoformat()
    act_on_task(browser, a, bodies, tasks["T-OVERDUE"], "snooze", due=next_week)
    act_on_task(browser, a, bodies, tasks["T-NOTE"], "note", note="called, left a message")
    # At once through B: a stale cache would still say 1.
    assert overdue_on_overview(browser, b, bodies) == "0"
    assert _overview_keys() - cached_before, "a new entry, under the new data version"
    assert open_tasks(browser, b, bodies)["T-NOTE"]["last_note"].endswith("called, left a message")


def test_reads_go_to_the_replica_and_writes_to_the_primary(
    hosts: dict[str, LiveServer], bodies: dash.Dash, shared: dict[str, str]
) -> None:
    r, a = hosts["R"], hosts["A"]
    browser = Browser()
    browser.log_in(r, "rhea")  # the session is written to the primary, read back via the replica
    names = {
        "R": _layout_text(browser, r, bodies, "/caseloads"),
        "A": _layout_text(browser, a, bodies, "/caseloads"),
    }
    assert MARKER in names["R"] and DANA_NAME not in names["R"]
    assert DANA_NAME in names["A"] and MARKER not in names["A"]
    # A write through R (a read-only replica connection would refuse it) lands on the primary.
    tasks = open_tasks(browser, r, bodies)
    act_on_task(browser, r, bodies, tasks["T-NOTE"], "note", note="written through R")
    primary = Database(shared["primary"])
    with primary.read() as conn:
        notes = conn.execute(text("SELECT note FROM tasks WHERE task_id = 'T-NOTE'")).scalar()
    primary.dispose()
    assert "written through R" in notes


def _layout_text(browser: Browser, host: LiveServer, app: dash.Dash, path: str) -> str:
    key = next(k for k in app.callback_map if "_pages_content" in k)
    body = callback_body(app, key, [path, ""])
    headers = {"X-CSRFToken": browser.http.cookies.get("_csrf_token", "")}
    answer = browser.http.post(
        f"{host.url}/_dash-update-component", json=body, headers=headers, timeout=60
    )
    assert answer.status_code == 200, answer.text
    return answer.text
