"""Giving memory freed by a request back to the operating system, and keeping the garbage
collector's full passes short.

A cold request at scale (a year of held appointments, say) builds arrays and rows of tens of
MB and frees them. glibc keeps most freed small blocks in its heaps, so a worker's resident
memory settles at the high-water mark of its largest requests: 30-50 MB above its working set
at 1,000,000 appointments, and by a different amount from run to run. ``malloc_trim(0)`` after
each response hands the free pages back; with nothing to give back it takes microseconds.

glibc also gives each thread that allocates an arena of its own (up to eight per core), and
each keeps its own freed blocks: a worker's request threads and read threads held 15-35 MB
more, by a different amount each run, than with two arenas shared (``limit_malloc_arenas``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable

from flask import Flask, Response


def _glibc(name: str, *argtypes: type) -> Callable[..., int] | None:
    """A function of the C library (glibc's ``malloc_trim``, ``mallopt``), or None where it
    has none (musl, macOS)."""
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        function = getattr(ctypes.CDLL(library), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = list(argtypes)
    function.restype = ctypes.c_int
    return function


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none (musl, macOS)."""
    return _glibc("malloc_trim", ctypes.c_size_t)


_TRIM = _malloc_trim()
# mallopt's parameter for the most arenas (glibc's malloc.h), and how many a served process has.
M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def release_freed_memory() -> None:
    """Return the process's free heap pages to the operating system (glibc only)."""
    if _TRIM is not None:
        _TRIM(0)


def release_after_responses(server: Flask) -> None:
    """After each response has been sent (when the server closes it), make the garbage
    collector's full pass if one is due (``collect_if_due``) and release freed memory: the
    client never waits for either, whatever the WSGI server."""

    @server.after_request
    def _release_when_sent(response: Response) -> Response:
        response.call_on_close(_after_response)
        return response


def _after_response() -> None:
    collect_if_due()
    release_freed_memory()


# In a served process the collector's full passes are made between requests: the automatic
# ones are turned off (their threshold set out of reach by ``freeze_startup_objects``), and one
# is made after a response once this many passes of the middle generation have run since the
# last, as Python's default threshold would. Made in a request, a full pass over the objects a
# worker accumulates (130,000 after serving every page) took 30-90 ms of a cold request.
FULL_PASS_AFTER = 10
_DEFERRED = 2**30


def collect_if_due() -> bool:
    """A full collection, if this process defers them and one is due; True when made."""
    if gc.get_threshold()[2] != _DEFERRED or gc.get_count()[2] < FULL_PASS_AFTER:
        return False
    gc.collect(2)
    return True


def freeze_startup_objects() -> None:
    """Put the objects alive once the app is built (modules, layouts, callbacks: about 230,000)
    out of the garbage collector's reach. A full collection otherwise walks them all, a pause
    of 120-190 ms landing on whichever request happens to trigger it (a cold request's p95 at
    1,000,000 appointments was often that pause); after this a full pass takes 15-60 ms. Call
    it once a serving process has built its app (never in tests that build many apps: what is
    frozen is never collected). Full passes are then left to ``collect_if_due``, after
    responses."""
    gc.collect()
    gc.freeze()
    first, middle, _ = gc.get_threshold()
    gc.set_threshold(first, middle, _DEFERRED)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Have glibc share ``arenas`` malloc arenas among all the process's threads, unless
    MALLOC_ARENA_MAX says otherwise (glibc reads it itself). Call it when a serving process
    starts, before its threads allocate. True when set."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    mallopt = _glibc("mallopt", ctypes.c_int, ctypes.c_int)
    return mallopt is not None and bool(mallopt(M_ARENA_MAX, arenas))
