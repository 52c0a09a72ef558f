"""A served process puts the objects of its start-up out of the garbage collector's reach, so
that a full collection does not walk the whole app in the middle of some request, and has its
threads share two malloc arenas."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import gc, dashboard.wsgi\n"
    "frozen, walked = gc.get_freeze_count(), len(gc.get_objects())\n"
    "print(frozen, walked)\n"
)
# Eight threads allocate (blocks over pymalloc's 512 bytes go to glibc) and wait for each other,
# so each holds its arena; glibc's malloc_stats then lists the arenas on stderr.
ARENAS = (
    "import ctypes, threading\n"
    "together = threading.Barrier(8)\n"
    "def work():\n"
    "    kept = [bytes(2000) for _ in range(500)]\n"
    "    together.wait()\n"
    "threads = [threading.Thread(target=work) for _ in range(8)]\n"
    "[t.start() for t in threads]; [t.join() for t in threads]\n"
    "ctypes.CDLL(None).malloc_stats()\n"
)


def _served_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CAREBOARD_INSTANCE": str(tmp_path),
        "CAREBOARD_DEMO": "1",
        "SECRET_KEY": secrets.token_hex(32),
    }
    for name in ("DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "MALLOC_ARENA_MAX"):
        env.pop(name, None)
    return env


def _probe(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_wsgi_entry_point_freezes_what_start_up_built(tmp_path: Path) -> None:
    done = _probe(PROBE, _served_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    frozen, walked = (int(n) for n in done.stdout.split()[-2:])
    # The app, its modules and layouts are well over 100,000 objects; frozen, a full
    # collection walks only what was made after (none yet).
    assert frozen > 100_000
    assert walked < frozen // 10


def test_a_served_process_shares_two_malloc_arenas_among_its_threads(tmp_path: Path) -> None:
    env = _served_env(tmp_path)
    plain = _probe(ARENAS, env)  # without careboard: an arena per thread
    served = _probe("import dashboard.wsgi\n" + ARENAS, env)
    assert plain.returncode == 0 and served.returncode == 0, served.stderr[-3000:]
    assert plain.stderr.count("Arena ") > 2
    assert served.stderr.count("Arena ") <= 2
