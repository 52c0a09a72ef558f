"""Database outages under a light load: polite banners, 503 health, recovery without restart.

careboard runs on gunicorn against a private PostgreSQL cluster, which the test stops and
starts again; a statement timeout is forced with a table lock on the same cluster.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from db.engine import Database
from db.meta import bump_data_version
from db.migrate import upgrade
from tests.e2e.conftest import LiveServer, start_gunicorn, stop
from tests.factory import Practice
from tests.reliability import private_pg
from tests.webclient import PASSWORD, callback_body, callback_key, make_app

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
BANNER = "temporarily unavailable"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def cluster() -> Iterator[private_pg.PrivatePostgres]:
    if not private_pg.available():
        pytest.skip("PostgreSQL server binaries are not installed")
    # Outside pytest's private temp folder: the postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="careboard-pg-"))
    server = private_pg.PrivatePostgres(root / "cluster").init()
    server.start()
    yield server
    with contextlib.suppress(Exception):  # already stopped by a failed test
        server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def practice_db(cluster: private_pg.PrivatePostgres) -> Database:
    database = Database(cluster.url)
    upgrade(database)
    p = Practice(database)
    p.clinician("C1")
    p.client("K1", primary="C1")
    p.appointment("A1", "K1", "C1", "2026-11-26T09:00", status="scheduled")
    p.user("dana", "director", password=PASSWORD)
    return database


@pytest.fixture(scope="module")
def app_server(
    cluster: private_pg.PrivatePostgres, practice_db: Database, tmp_path_factory
) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    env = {
        "CAREBOARD_DEMO": "",
        "DATABASE_URL": cluster.url,
        "SECRET_KEY": "outage-test-secret",
        "STATEMENT_TIMEOUT_MS": "1500",
    }
    server = start_gunicorn(tmp_path_factory.mktemp("outage-app"), env)
    yield server
    stop(server)


def logged_in(server: LiveServer) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{server.url}/login", timeout=10).text
    token = CSRF_FIELD.search(page).group(1)  # type: ignore[union-attr]
    response = session.post(
        f"{server.url}/login",
        data={"username": "dana", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    session.get(f"{server.url}/", timeout=10)
    return session


def post(session: requests.Session, server: LiveServer, body: dict) -> requests.Response:  # type: ignore[type-arg]
    headers = {
        "X-CSRFToken": session.cookies.get("_csrf_token", ""),
        "Content-Type": "application/json",
    }
    return session.post(
        f"{server.url}/_dash-update-component", data=json.dumps(body), headers=headers, timeout=30
    )


@pytest.fixture(scope="module")
def bodies(practice_db: Database) -> dict[str, dict]:  # type: ignore[type-arg]
    """Callback bodies built from the app's own callback map: a read and a write."""
    app = make_app(practice_db)
    app.server.test_client().get("/login")
    return {
        "read": callback_body(app, callback_key(app, "sch-timeline")),
        "write": callback_body(app, callback_key(app, "sch-action-message")),
    }


class Load:
    """A light load: one user refreshing the schedule every 200 ms, counting status codes."""

    def __init__(self, session: requests.Session, server: LiveServer, body: dict) -> None:  # type: ignore[type-arg]
        self.codes: Counter[int] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(session, server, body))

    def _run(self, session: requests.Session, server: LiveServer, body: dict) -> None:  # type: ignore[type-arg]
        while not self._stop.is_set():
            try:
                self.codes[post(session, server, body).status_code] += 1
            except requests.RequestException:
                self.codes[0] += 1
            time.sleep(0.2)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_outage_shows_banners_and_recovers_without_restart(
    cluster: private_pg.PrivatePostgres, app_server: LiveServer, bodies: dict
) -> None:  # type: ignore[type-arg]
    user = logged_in(app_server)
    assert BANNER not in post(user, app_server, bodies["read"]).text
    with Load(logged_in(app_server), app_server, bodies["read"]) as load:
        time.sleep(1)
        cluster.stop()
        try:
            time.sleep(1)
            assert requests.get(f"{app_server.url}/health", timeout=10).status_code == 503
            read = post(user, app_server, bodies["read"])
            assert read.status_code == 200 and BANNER in read.text
            write = post(user, app_server, bodies["write"])
            assert write.status_code == 200 and BANNER in write.text
            assert '"sch-grid"' not in write.text  # the page keeps what it shows and what was typed
            page = user.get(f"{app_server.url}/schedule", timeout=10)
            assert page.status_code == 503 and BANNER in page.text
            assert "Traceback" not in read.text + write.text + page.text
        finally:
            cluster.start()
        time.sleep(0.5)
        assert requests.get(f"{app_server.url}/health", timeout=10).status_code == 200
        recovered = post(user, app_server, bodies["read"])
        assert recovered.status_code == 200 and BANNER not in recovered.text
        time.sleep(1)
    assert not [code for code in load.codes if code >= 500 or code == 0], load.codes
    assert load.codes[200] > 5


def test_a_statement_timeout_shows_the_banner(
    practice_db: Database, app_server: LiveServer, bodies: dict
) -> None:  # type: ignore[type-arg]
    user = logged_in(app_server)
    with practice_db.write() as session:
        bump_data_version(session)  # nothing cached: the read must query the locked table
    with practice_db.engine.connect() as locker:
        locker.execute(text("BEGIN"))
        locker.execute(text("LOCK TABLE appointments IN ACCESS EXCLUSIVE MODE"))
        started = time.perf_counter()
        response = post(user, app_server, bodies["read"])
        waited = time.perf_counter() - started
        locker.execute(text("ROLLBACK"))
    assert response.status_code == 200 and BANNER in response.text
    assert waited < 10  # cut off by the 1.5 s statement timeout, not left hanging
    assert BANNER not in post(user, app_server, bodies["read"]).text
