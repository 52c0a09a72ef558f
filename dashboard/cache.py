"""A cache for computed figures, keyed so that nothing stale or out of scope is ever served.

Every key holds the data version (bumped by each import and write, so a change invalidates
everything at once, on every worker and host sharing Redis), the caller's role and clinician
scope (a clinician's figures are never served to anyone else), and the arguments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from dashboard.auth.callbacks import CallbackContext
from db.meta import data_version

T = TypeVar("T")
MISS = object()


def cache_key(ctx: CallbackContext, name: str, arguments: object) -> str:
    with ctx.db.read() as conn:
        version = data_version(conn)
    digest = hashlib.sha256(repr(arguments).encode()).hexdigest()[:32]
    return f"{name}:v{version}:{ctx.role}:{ctx.scope or '*'}:{digest}"


def cached(ctx: CallbackContext, name: str, arguments: object, compute: Callable[[], T]) -> T:
    """``compute()``, or its stored result for the same data version, scope and arguments."""
    cache = ctx.app.cache
    key = cache_key(ctx, name, arguments)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
