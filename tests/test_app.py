"""The app factory and its configuration."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.settings import ConfigError, Settings
from db.engine import Database, SchemaOutOfDate
from tests.webclient import make_app


def test_secret_key_is_required_outside_demo_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.db"})
    demo = Settings.from_env({"CAREBOARD_DEMO": "1", "CAREBOARD_INSTANCE": str(tmp_path)})
    assert demo.demo and demo.secret_key_generated and len(demo.secret_key) >= 32
    # Every worker of a demo server (and the next start) signs cookies with the same key.
    again = Settings.from_env({"CAREBOARD_DEMO": "1", "CAREBOARD_INSTANCE": str(tmp_path)})
    assert again.secret_key == demo.secret_key


def test_defaults_need_no_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"CAREBOARD_DEMO": "1", "CAREBOARD_INSTANCE": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'careboard.db'}"
    assert settings.practice_tz == "America/Chicago"
    assert settings.redis_url is None


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PRACTICE_TZ": "Mars/Olympus"}, "PRACTICE_TZ"),
        ({"LATE_CANCEL_HOURS": "a day"}, "LATE_CANCEL_HOURS"),
    ],
)
def test_bad_configuration_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"SECRET_KEY": "k", **env})


def test_app_refuses_an_out_of_date_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", secret_key="k")
    with pytest.raises(SchemaOutOfDate, match="careboard init-db"):
        create_app(settings)


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_postgres_engine_pings_before_use(pg_db: Database) -> None:
    assert pg_db.engine.pool._pre_ping  # type: ignore[attr-defined]


def test_factory_builds_a_working_app(db: Database) -> None:
    app = make_app(db)
    client = app.server.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/").status_code == 302  # to /login


def test_health_answers_503_when_the_database_does_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.migrate import upgrade

    path = tmp_path / "gone.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key="k"))
    client = app.server.test_client()
    assert client.get("/health").status_code == 200
    state = app.server.extensions["careboard"]
    state.db.dispose()
    path.unlink()
    path.mkdir()  # a directory where the database file was: SQLite cannot open it
    assert client.get("/health").status_code == 503
