"""Reads shared within one request: a page that shows the same figures several ways (the
practice, by program, week by week; utilization and attendance of one period) makes each read
once. Outside ``shared_reads`` every read is made afresh."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
# The reads made so far inside ``shared_reads``, by key; None outside one.
_SHARED: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block, a read with the same key is made once. Use it around one read
    transaction only (the keys hold no data version; each names its connection). A block
    inside another shares the outer block's reads."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """``read()``, or inside ``shared_reads`` the result of the same read made earlier (the
    callers only read it)."""
    memo = _SHARED.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


__all__ = ["shared", "shared_reads"]
