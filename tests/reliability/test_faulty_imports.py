"""Faulty imports: a very large bad file, an import killed halfway, readers during an import.

The 47 malformed-file cases (encodings, columns, dates, numbers, sets, duplicates, references,
end before start, empty files) are in tests/db/test_import.py; these are the ones that need a
large practice and a real `careboard import` process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.demo import generate_demo
from db.engine import Database
from db.exporter import export_dir
from db.importer import ImportFailed, import_dir
from db.meta import data_version
from db.migrate import upgrade
from db.models import Appointment, Client
from tests.conftest import pg_url_with_schema

pytestmark = pytest.mark.slow
APPOINTMENTS = 60_000


@pytest.fixture(scope="module")
def practice_csv(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A demo practice of about 60,000 appointments, exported as import files."""
    folder = tmp_path_factory.mktemp("practice-csv")
    path = folder / "source.db"
    shutil.copyfile(sqlite_template, path)
    source = Database(f"sqlite:///{path}")
    generate_demo(source, clinicians=40, appointments=APPOINTMENTS)
    export_dir(source, folder / "csv", source_tz())
    source.dispose()
    return folder / "csv"


def source_tz():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Chicago")


def snapshot(db: Database) -> tuple[int, int, int]:
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(Appointment)).scalar_one(),
            conn.execute(select(func.count()).select_from(Client)).scalar_one(),
            data_version(conn),
        )


def test_a_very_large_file_with_one_bad_row_is_refused_whole(
    db: Database, practice_csv: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(practice_csv, folder)
    appointments = folder / "appointments.csv"
    newline = b"\r\n" if b"\r\n" in appointments.read_bytes()[:4096] else b"\n"
    lines = appointments.read_bytes().split(newline)
    status = lines[0].decode().split(",").index("status")
    bad_line = len(lines) - 5  # near the end of a large file, as a text editor counts
    fields = lines[bad_line - 1].split(b",")
    fields[status] = b"finished"
    lines[bad_line - 1] = b",".join(fields)
    appointments.write_bytes(newline.join(lines))
    before = snapshot(db)
    with pytest.raises(ImportFailed) as failure:
        import_dir(db, folder, source_tz())
    problems = [str(p) for p in failure.value.problems]
    assert problems == [
        f"appointments.csv:{bad_line}: status: " + problems[0].split(": status: ")[1]
    ]
    assert snapshot(db) == before


def _import_process(url: str, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _fresh(backend: str, tmp_path: Path, name: str, pg_schema_url: str | None) -> Database:
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / f'{name}.db'}")
        upgrade(database)
        return database
    from sqlalchemy import text

    assert pg_schema_url is not None
    admin = Database(pg_schema_url.split("?")[0])
    schema = f"cb_import_{name}_{os.getpid()}"
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    database = Database(pg_url_with_schema(schema))
    upgrade(database)
    return database


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_import_killed_halfway_leaves_the_database_unchanged(
    backend: str, practice_csv: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pg = request.getfixturevalue("pg_schema_url") if backend == "postgresql" else None
    # One whole import, watched by a reader that must only ever see before or after.
    whole = _fresh(backend, tmp_path, "whole", pg)
    seen: set[tuple[int, int]] = set()
    committed_at: list[float] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            with whole.read() as conn:
                state = (
                    conn.execute(select(func.count()).select_from(Appointment)).scalar_one(),
                    conn.execute(select(func.count()).select_from(Client)).scalar_one(),
                )
            seen.add(state)
            if state != (0, 0) and not committed_at:
                committed_at.append(time.perf_counter())
            time.sleep(0.01)

    watcher = threading.Thread(target=reader)
    watcher.start()
    started = time.perf_counter()
    assert _import_process(whole.url, practice_csv).wait(timeout=300) == 0
    done.set()
    watcher.join()
    after = snapshot(whole)[:2]
    assert after[0] >= APPOINTMENTS * 0.95
    assert seen <= {(0, 0), after}, "a reader saw part of an import"
    # Kills are timed against the moment the reader first saw the commit, not the end of the
    # process: the statistics refresh after the commit would otherwise push every kill past it.
    assert committed_at, "the reader never saw the import"
    duration = committed_at[0] - started

    # The same import killed at several points of its run: all of it or nothing of it stays
    # (a kill that lands after the commit leaves the whole import).
    outcomes = []
    for fraction in (0.3, 0.6, 0.85):
        target = _fresh(backend, tmp_path, f"killed{int(fraction * 100)}", pg)
        before = snapshot(target)
        process = _import_process(target.url, practice_csv)
        time.sleep(duration * fraction)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        target.dispose()
        reopened = Database(target.url)
        state = snapshot(reopened)
        assert state in (before, (*after, before[2] + 1)), fraction
        outcomes.append(state == before)
        reopened.dispose()
    assert any(outcomes), "no kill landed before the import committed"
