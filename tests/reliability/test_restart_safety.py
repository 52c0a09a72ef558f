"""Killing gunicorn workers in the middle of writes leaves no half-written row and no orphan
audit row: each task's version moves exactly once per audited, applied note."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
import requests
from sqlalchemy import select, text

from db.engine import Database
from db.migrate import upgrade
from db.models import AuditEntry, Task
from tests.e2e.conftest import start_gunicorn, stop
from tests.factory import Practice
from tests.retry import retried
from tests.webclient import PASSWORD, callback_body, callback_key, make_app

pytestmark = pytest.mark.slow
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
TASKS = [f"T{n:03d}" for n in range(30)]
KILLS = 6


def _practice(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    p = Practice(database)
    p.clinician("C1")
    p.client("K1", primary="C1")
    for task_id in TASKS:
        p.task(task_id, due="2026-12-01", client_id="K1", assignee="front_desk")
    p.user("dana", "director", password=PASSWORD)
    return database


def _login(url: str) -> requests.Session:
    """A logged-in session; a worker killed under the login is the test's doing: try again."""

    def log_in() -> requests.Session:
        session = requests.Session()
        token = CSRF_FIELD.search(session.get(f"{url}/login", timeout=10).text).group(1)  # type: ignore[union-attr]
        session.post(
            f"{url}/login",
            data={"username": "dana", "password": PASSWORD, "csrf_token": token},
            timeout=10,
        )
        return session

    return retried(log_in, on=requests.RequestException, attempts=5, pause=0.2)


def _note_body(database: Database) -> dict:  # type: ignore[type-arg]
    app = make_app(database)
    app.server.test_client().get("/login")
    body = callback_body(app, callback_key(app, "tasks-message"))
    body["changedPropIds"] = ["tasks-note.n_clicks"]
    for item in body["inputs"]:
        item["value"] = 1 if item["id"] == "tasks-note" else None
    return body


def _writer(url: str, database: Database, body: dict, stop_at: float, codes: Counter) -> None:  # type: ignore[type-arg]
    session = _login(url)
    rng = random.Random(os.getpid() + threading.get_ident())
    while time.time() < stop_at:
        task_id = rng.choice(TASKS)
        with database.read() as conn:
            version = conn.execute(select(Task.version).where(Task.task_id == task_id)).scalar_one()
        states = {
            "tasks-selected": {"task_id": task_id, "version": version},
            "tasks-note-text": f"call {rng.random()}",
        }
        for item in body["state"]:
            item["value"] = states.get(item["id"])
        headers = {
            "X-CSRFToken": session.cookies.get("_csrf_token", ""),
            "Content-Type": "application/json",
        }
        try:
            response = session.post(
                f"{url}/_dash-update-component", data=json.dumps(body), headers=headers, timeout=10
            )
            codes[response.status_code] += 1
        except requests.RequestException:
            codes["dropped"] += (
                1  # the worker serving it was killed: the write may or may not have landed
            )


def test_killing_workers_mid_write_leaves_no_half_writes(tmp_path: Path) -> None:
    database = _practice(tmp_path / "restart.db")
    server = start_gunicorn(
        tmp_path,
        {"CAREBOARD_DEMO": "", "DATABASE_URL": database.url, "SECRET_KEY": "restart-test"},
    )
    codes: Counter = Counter()  # type: ignore[type-arg]
    try:
        body = _note_body(database)
        stop_at = time.time() + 8
        writers = [
            threading.Thread(
                target=_writer,
                args=(server.url, database, json.loads(json.dumps(body)), stop_at, codes),
            )
            for _ in range(4)
        ]
        for writer in writers:
            writer.start()
        master = psutil.Process(server.process.pid)
        for _ in range(KILLS):
            time.sleep(1)
            workers = master.children()
            if workers:
                os.kill(random.choice(workers).pid, signal.SIGKILL)
        for writer in writers:
            writer.join()
    finally:
        stop(server)
    assert codes[200] > 20, codes  # the load went on between kills
    assert not [code for code in codes if isinstance(code, int) and code >= 500], codes
    with database.read() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        versions = dict(conn.execute(select(Task.task_id, Task.version)).all())
        audited = Counter(
            re.match(r"task (\S+) note: ok", detail).group(1)  # type: ignore[union-attr]
            for (detail,) in conn.execute(
                select(AuditEntry.detail).where(
                    AuditEntry.row_count == 1, AuditEntry.action == "write"
                )
            )
        )
        notes = dict(conn.execute(select(Task.task_id, Task.note)).all())
    for task_id in TASKS:
        # Every applied note is one version step, one audit row and one line of the note.
        assert versions[task_id] - 1 == audited[task_id], task_id
        lines = (notes[task_id] or "").count("call ")
        assert lines == audited[task_id], task_id
    assert sum(audited.values()) > 20
