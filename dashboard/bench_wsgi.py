"""The WSGI entry point of the benchmark's servers: careboard as ``dashboard.wsgi`` builds it,
with the clock moved to the benchmark practice's today (``CAREBOARD_BENCH_TODAY``, ISO date),
so its pages show the practice's weeks whatever the date. Not for production.
"""

from __future__ import annotations

import datetime as dt
import os

from dashboard.app import create_app
from dashboard.bench_practice import BENCH_TODAY, practice_clock
from dashboard.memory import freeze_startup_objects, limit_malloc_arenas
from dashboard.settings import Settings

limit_malloc_arenas()  # as dashboard.wsgi
_settings = Settings.from_env()
_today = dt.date.fromisoformat(os.environ.get("CAREBOARD_BENCH_TODAY") or BENCH_TODAY.isoformat())
app = create_app(_settings, clock=practice_clock(_today, _settings.practice_tz))
server = app.server
freeze_startup_objects()
