"""The cache: per process without Redis (SimpleCache), one for every process with Redis."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dashboard.cache import source_digest
from db.engine import Database
from tests.webclient import make_app

REDIS_DB = 14


def test_without_redis_each_process_has_its_own_cache(sqlite_db: Database) -> None:
    """The SimpleCache fallback is per process: fine for one worker, but production shares
    Redis (docs/deployment.md)."""
    first, second = make_app(sqlite_db), make_app(sqlite_db)
    first.server.extensions["careboard"].cache.set("probe", "from the first process")
    assert second.server.extensions["careboard"].cache.get("probe") is None
    assert first.server.extensions["careboard"].cache.get("probe") == "from the first process"


def test_with_redis_every_process_shares_one_cache(sqlite_db: Database) -> None:
    import redis

    try:
        redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable: {exc}")
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    first, second = make_app(sqlite_db, redis_url=url), make_app(sqlite_db, redis_url=url)
    probe = f"probe-{uuid.uuid4().hex}"
    first.server.extensions["careboard"].cache.set(probe, "from the first process")
    try:
        assert second.server.extensions["careboard"].cache.get(probe) == "from the first process"
    finally:
        first.server.extensions["careboard"].cache.delete(probe)


def test_keys_carry_a_digest_of_the_code(sqlite_db: Database, tmp_path: Path) -> None:
    """Two versions of careboard sharing Redis in a rolling release never serve each other's
    figures: the key prefix is a digest of the source, the same for the same code wherever it
    lies, another for any change."""
    app = make_app(sqlite_db)
    prefix = app.server.extensions["careboard"].cache.config["CACHE_KEY_PREFIX"]
    assert prefix == f"careboard:{source_digest()}:"

    def tree(name: str, body: str) -> Path:
        root = tmp_path / name
        for package, text in (("dashboard", body), ("db", "SCHEMA = 1\n")):
            (root / package / "metrics").mkdir(parents=True)
            (root / package / "metrics" / "rates.py").write_text(text)
        return root

    first = source_digest(tree("first", "def rate(a, b):\n    return a / b\n"), ("dashboard", "db"))
    same = source_digest(tree("same", "def rate(a, b):\n    return a / b\n"), ("dashboard", "db"))
    fixed = source_digest(
        tree("fixed", "def rate(a, b):\n    return a / b if b else None\n"), ("dashboard", "db")
    )
    assert first == same
    assert fixed != first
