"""Cached figures are keyed by data version and by the caller's scope."""

from __future__ import annotations

from dashboard.auth.callbacks import CallbackContext
from dashboard.cache import cache_key, cached
from db.accounts import SessionUser
from db.engine import Database
from db.meta import bump_data_version
from tests.factory import Practice
from tests.webclient import make_app


def _ctx(db: Database, role: str, clinician_id: str | None = None) -> CallbackContext:
    app_state = make_app(db).server.extensions["careboard"]
    user = SessionUser(1, f"u-{role}-{clinician_id}", role, clinician_id, "token")
    return CallbackContext(user=user, app=app_state, target="test")


def test_keys_differ_by_scope_and_data_version(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    practice.clinician("C2")
    director = _ctx(db, "director")
    c1, c2 = _ctx(db, "clinician", "C1"), _ctx(db, "clinician", "C2")
    keys = {cache_key(ctx, "overview", ("same", "args")) for ctx in (director, c1, c2)}
    assert len(keys) == 3
    before = cache_key(director, "overview", ("same", "args"))
    with db.write() as session:
        bump_data_version(session)
    assert cache_key(director, "overview", ("same", "args")) != before


def test_a_write_is_never_answered_from_the_cache(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    ctx = _ctx(db, "director")
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cached(ctx, "count", (1,), compute) == 1
    assert cached(ctx, "count", (1,), compute) == 1  # served from the cache
    with db.write() as session:
        bump_data_version(session)
    assert cached(ctx, "count", (1,), compute) == 2  # new data version, computed again
