"""A cache for computed figures, keyed so that nothing stale or out of scope is ever served.

Every key holds the data version (bumped by each import and write, so a change invalidates
everything at once, on every worker and host sharing Redis), the caller's role and clinician
scope (a clinician's figures are never served to anyone else), and the arguments; the prefix
holds a digest of the code (``source_digest``), so hosts running two versions during a rolling
release never serve each other's figures.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from plotly.io.json import to_json_plotly

from db.meta import data_version

if TYPE_CHECKING:
    from dashboard.auth.callbacks import CallbackContext

T = TypeVar("T")
MISS = object()
# careboard's own packages, beside each other wherever it is installed.
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dashboard", "db", "pages")


@functools.cache
def source_digest(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> str:
    """A digest of the Python source of ``packages`` under ``root``: another version of the
    code (a fixed figure, a changed definition) keys its cached figures apart, whatever the
    data version."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


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
