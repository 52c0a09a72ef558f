"""What one running careboard holds: settings, the database, rules, the cache and the clock.

It lives on the Flask app (``server.extensions["careboard"]``), never in module globals, so any
number of workers or hosts can serve any request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_caching import Cache

from dashboard.metrics.common import Rules
from dashboard.settings import Settings
from db.engine import Database
from db.timeutil import now_local

Clock = Callable[[], dt.datetime]


def rules_from(settings: Settings) -> Rules:
    return Rules(
        late_cancel_hours=settings.late_cancel_hours,
        waitlist_target_days={
            "routine": settings.waitlist_target_routine_days,
            "urgent": settings.waitlist_target_urgent_days,
        },
    )


@dataclass
class AppState:
    settings: Settings
    db: Database
    cache: Cache
    clock: Clock | None = None
    # The Dash app's callback registry (the same dict Dash dispatches from).
    callback_map: dict[str, Any] = field(default_factory=dict)
    # Returns the inline-script hashes of the Dash app, which grow at its first request.
    script_hashes: Callable[[], list[str]] = field(default=lambda: [])
    _csp: tuple[int, str] = (-1, "")
    rules: Rules = field(init=False)

    def __post_init__(self) -> None:
        self.rules = rules_from(self.settings)

    def content_security_policy(self) -> str:
        """The CSP for the app's current inline scripts (Dash adds some at first request)."""
        from dashboard.auth.web import content_security_policy

        hashes = self.script_hashes()
        if self._csp[0] != len(hashes):
            self._csp = (len(hashes), content_security_policy(hashes))
        return self._csp[1]

    def now(self) -> dt.datetime:
        """Wall-clock time in the practice (naive); tests may install their own clock."""
        return self.clock() if self.clock else now_local(self.settings.tz)


def state() -> AppState:
    return current_app.extensions["careboard"]
