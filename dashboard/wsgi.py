"""The WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server`` (see Procfile).

With CAREBOARD_DEMO=1 the demo practice is prepared first, once, under a file lock, so several
workers starting together do not race.
"""

from __future__ import annotations

import fcntl

from dashboard.app import create_app
from dashboard.cli import prepare_demo
from dashboard.memory import freeze_startup_objects, limit_malloc_arenas
from dashboard.settings import Settings


def _build():  # type: ignore[no-untyped-def]
    settings = Settings.from_env()
    if settings.demo:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        with open(settings.instance_path / "demo.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            prepare_demo(settings)
    return create_app(settings)


limit_malloc_arenas()  # before any request or read thread allocates
app = _build()
server = app.server
freeze_startup_objects()
