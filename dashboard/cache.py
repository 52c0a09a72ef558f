"""A cache for computed figures, keyed so that nothing stale or out of scope is ever served.

Every key holds the data version (bumped by each import and write, so a change invalidates
everything at once, on every worker and host sharing Redis), the caller's role and clinician
scope (a clinician's figures are never served to anyone else), and the arguments.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from plotly.io.json import to_json_plotly

from db.meta import data_version

if TYPE_CHECKING:
    from dashboard.auth.callbacks import CallbackContext

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


def plain(output: Any) -> Any:
    """A callback output as the JSON-ready values Dash would send (figures and components
    serialised once), so a cache hit costs no figure validation or component rebuilding."""
    if output is None or isinstance(output, str | int | float | bool):
        return output
    return json.loads(to_json_plotly(output))
