"""A served process puts the objects of its start-up out of the garbage collector's reach, so
that a full collection does not walk the whole app in the middle of some request."""

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


def test_the_wsgi_entry_point_freezes_what_start_up_built(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CAREBOARD_INSTANCE": str(tmp_path),
        "CAREBOARD_DEMO": "1",
        "SECRET_KEY": secrets.token_hex(32),
    }
    for name in ("DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    frozen, walked = (int(n) for n in done.stdout.split()[-2:])
    # The app, its modules and layouts are well over 100,000 objects; frozen, a full
    # collection walks only what was made after (none yet).
    assert frozen > 100_000
    assert walked < frozen // 10
