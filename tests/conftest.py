"""Test fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server's ``test`` database); each
run works in its own schema, dropped at the end. With CAREBOARD_STRICT_TESTS=1 (as in CI) a
skipped test is a failure, so CI cannot go green without PostgreSQL and the browser.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from db.engine import Database
from db.migrate import upgrade
from db.models import Base
from tests.factory import Practice
from tests.retry import retried

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STRICT = os.environ.get("CAREBOARD_STRICT_TESTS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """In strict mode a skip (no PostgreSQL, no browser) fails the run."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but CAREBOARD_STRICT_TESTS=1 requires it: {report.longrepr}"


def _pg_base_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)


def pg_url_with_schema(schema: str) -> str:
    """The test server's URL with a search_path option selecting ``schema``."""
    url = make_url(_pg_base_url())
    options = quote(f"-csearch_path={schema}")
    sep = "&" if "?" in url.render_as_string(hide_password=False) else "?"
    return f"{url.render_as_string(hide_password=False)}{sep}options={options}"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A migrated schema of its own on the PostgreSQL test server, for this test run."""
    try:
        admin = Database(_pg_base_url())
        with admin.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL is not reachable at TEST_DATABASE_URL: {exc}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"cb_test_{worker}_{uuid.uuid4().hex[:8]}"
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_url_with_schema(schema)
    database = Database(url)
    upgrade(database)
    database.dispose()
    yield url
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def _clean_postgres(url: str) -> Database:
    database = Database(url)
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))

    def reset() -> None:
        with database.engine.begin() as conn:
            # Replica role disables the audit log's append-only triggers for this reset only.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            conn.execute(
                text("INSERT INTO careboard_meta (key, value) VALUES ('data_version', '1')")
            )

    # An ANALYZE an earlier test's import left running can deadlock with the reset's locks;
    # PostgreSQL aborts one of the two.
    retried(reset, on=OperationalError)
    return database


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "careboard.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def pg_db(pg_schema_url: str) -> Iterator[Database]:
    database = _clean_postgres(pg_schema_url)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh, migrated, empty database; each test using it runs on both backends."""
    name = "sqlite_db" if request.param == "sqlite" else "pg_db"
    yield request.getfixturevalue(name)


@pytest.fixture
def practice(db: Database) -> Practice:
    """A builder of small hand-built practices in ``db``."""
    return Practice(db)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (
            callspec
            and callspec.params.get("db") == "postgresql"
            or "pg_db" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.postgres)
