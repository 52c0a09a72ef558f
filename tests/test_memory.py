"""Freed memory goes back to the operating system after each response (dashboard.memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from dashboard import memory
from db.engine import Database
from tests.webclient import make_app

# A fresh interpreter frees 200 MB of 4 KB blocks (each from malloc, not Python's small-object
# arenas) under a block allocated after them, so glibc cannot shrink its heap by itself; the
# resident set is read before and after release_freed_memory().
FREE_UNDER_A_PIN = textwrap.dedent(
    """
    import psutil
    from dashboard.memory import release_freed_memory

    rss = lambda: psutil.Process().memory_info().rss / 2**20
    blocks = [bytearray(4000) for _ in range(50_000)]
    pin = bytearray(4000)
    del blocks
    before = rss()
    release_freed_memory()
    print(before, rss())
    """
)


def test_release_hands_freed_heap_pages_back() -> None:
    assert sys.platform != "linux" or memory._TRIM is not None, "glibc's malloc_trim is found"
    out = subprocess.run(
        [sys.executable, "-c", FREE_UNDER_A_PIN], capture_output=True, text=True, check=True
    ).stdout
    before, after = (float(x) for x in out.split())
    # 200 MB were freed; without the release nearly all of it stays resident.
    assert before - after >= 150, (before, after)


def test_memory_is_released_after_each_response_is_sent(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    released: list[str] = []
    monkeypatch.setattr(memory, "release_freed_memory", lambda: released.append("after"))
    client = make_app(db).server.test_client()
    for n, path in enumerate(["/health", "/login"], start=1):
        response = client.get(path)
        assert response.status_code == 200 and len(released) == n - 1  # not before it is sent
        response.close()  # what the WSGI server does once the body is sent
        assert released == ["after"] * n


# A served process (``freeze_startup_objects``) makes no full collection by itself however much
# cyclic garbage it makes; ``collect_if_due`` (after a response) makes one once due.
DEFERRED_FULL_PASSES = textwrap.dedent(
    """
    import gc
    from dashboard import memory

    memory.freeze_startup_objects()
    full = lambda: gc.get_stats()[2]["collections"]
    before = full()
    for _ in range(200_000):
        pair = [[], []]
        pair[0].append(pair)  # a cycle: only the collector frees it
    made_alone = full() - before
    due = memory.collect_if_due()
    print(made_alone, due, full() - before, memory.collect_if_due())
    """
)


def test_a_served_process_makes_full_collections_between_requests() -> None:
    out = subprocess.run(
        [sys.executable, "-c", DEFERRED_FULL_PASSES], capture_output=True, text=True, check=True
    ).stdout.split()
    # None while the garbage was made (hundreds of younger passes ran); one when asked, and
    # then not due again at once.
    assert out == ["0", "True", "1", "False"], out
