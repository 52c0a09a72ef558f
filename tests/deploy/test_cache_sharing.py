"""The cache: per process without Redis (SimpleCache), one for every process with Redis."""

from __future__ import annotations

import uuid

import pytest

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
