"""gunicorn.conf.py: what the Procfile's gunicorn runs with."""

from __future__ import annotations

from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def _settings() -> dict[str, object]:
    settings: dict[str, object] = {}
    exec(CONF.read_text(), settings)
    return settings


def test_idle_connections_outlive_browsers_and_balancers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chromium keeps idle connections open for about 60 s and load balancers 60 s by default:
    # a server closing first could close one under a callback (the load test's HTTP 0).
    monkeypatch.delenv("GUNICORN_KEEPALIVE", raising=False)
    assert _settings()["keepalive"] == 75
    monkeypatch.setenv("GUNICORN_KEEPALIVE", "120")
    assert _settings()["keepalive"] == 120
