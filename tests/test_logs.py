"""No protected health information in server logs."""

from __future__ import annotations

import logging

import pytest

from dashboard.logs import NoQueryStrings
from db.engine import Database
from tests.webclient import make_app


def test_request_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 - - [26/Nov/2026] "GET /tasks?client=K00042&kind=outreach HTTP/1.1" 200 -',
        None,
        None,
    )
    NoQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1 - - [26/Nov/2026] "GET /tasks HTTP/1.1" 200 -'


def test_gunicorn_access_log_format_has_no_query_strings() -> None:
    from pathlib import Path

    config: dict[str, object] = {}
    exec((Path(__file__).parents[1] / "gunicorn.conf.py").read_text(), config)
    fmt = str(config["access_log_format"])
    assert "%(U)s" in fmt and "%(r)s" not in fmt and "%(q)s" not in fmt


def test_debug_mode_cannot_be_switched_on_from_the_environment(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app(sqlite_db)
    assert app.server.debug is False
    response = app.server.test_client().get("/_dash-dependencies")
    assert response.status_code == 401  # and no debugger page
