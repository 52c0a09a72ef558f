"""Cached figures are keyed by data version and by the caller's scope; read callbacks served
from the cache are still audited, and never stale after a write or outside the minute."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from dashboard.auth.callbacks import CallbackContext
from dashboard.cache import cache_key, cached
from db.accounts import SessionUser
from db.audit import Actor
from db.engine import Database
from db.meta import bump_data_version
from db.models import Appointment
from db.scheduling import change_status
from tests.factory import Practice
from tests.pages.director_practice import audit_rows
from tests.webclient import (
    PASSWORD,
    Clock,
    callback_key,
    logged_in,
    make_app,
    outputs,
    post_callback,
)


def _ctx(db: Database, role: str, clinician_id: str | None = None) -> CallbackContext:
    app_state = make_app(db).server.extensions["careboard"]
    user = SessionUser(1, f"u-{role}-{clinician_id}", role, clinician_id, "token")
    return CallbackContext(user=user, app=app_state, target="test")


def test_keys_differ_by_scope_and_data_version(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    practice.clinician("C2")
    director = _ctx(db, "director")
    c1, c2 = _ctx(db, "clinician", "C1"), _ctx(db, "clinician", "C2")
    keys = {cache_key(ctx, "overview", ("same", "args")) for ctx in (director, c1, c2)}
    assert len(keys) == 3
    before = cache_key(director, "overview", ("same", "args"))
    with db.write() as session:
        bump_data_version(session)
    assert cache_key(director, "overview", ("same", "args")) != before


def test_a_write_is_never_answered_from_the_cache(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    ctx = _ctx(db, "director")
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cached(ctx, "count", (1,), compute) == 1
    assert cached(ctx, "count", (1,), compute) == 1  # served from the cache
    with db.write() as session:
        bump_data_version(session)
    assert cached(ctx, "count", (1,), compute) == 2  # new data version, computed again


# --- read callbacks through the cache (secure_callback(cache=True)) ----------------------------

NOW = dt.datetime(2026, 3, 4, 10, 0)
CASELOAD = "week-caseload"


@pytest.fixture
def week_app(db: Database, practice: Practice) -> tuple[dash.Dash, Clock]:
    """C1 sees K1 (a visit on 03-02) and K2 (booked this morning, not yet marked); C2 sees K3.
    One user per clinician."""
    p = practice
    p.clinician("C1", name="Cleo Park")
    p.clinician("C2", name="Dev Rao")
    p.client("K1", primary="C1", intake="2026-01-05")
    p.client("K2", primary="C1", intake="2026-01-05")
    p.client("K3", primary="C2", intake="2026-01-05")
    p.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    p.appointment("A2", "K1", "C1", "2026-03-05T09:00", status="scheduled")
    p.appointment("A3", "K2", "C1", "2026-03-04T09:00", status="scheduled")  # this morning
    p.user("cleo", "clinician", clinician_id="C1", password=PASSWORD)
    p.user("dev", "clinician", clinician_id="C2", password=PASSWORD)
    clock = Clock(NOW)
    return make_app(db, clock), clock


def _caseload(app: dash.Dash, client: FlaskClient) -> dict[str, Any]:
    response = post_callback(client, app, callback_key(app, CASELOAD), [None, None, None])
    rows = outputs(response)[CASELOAD]["rowData"]
    return {row["client_id"]: row["visits"] for row in rows}


def _mark_no_show_behind_the_apps_back(db: Database) -> None:
    """A change that does not bump the data version (no careboard writer does this)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(Appointment).where(Appointment.appointment_id == "A1").values(status="no_show")
        )


def test_a_read_callback_is_served_from_the_cache_until_the_data_changes(
    db: Database, week_app: tuple[dash.Dash, Clock]
) -> None:
    app, _ = week_app
    cleo = logged_in(app, "cleo")
    assert _caseload(app, cleo) == {"K1": 1, "K2": 0}
    _mark_no_show_behind_the_apps_back(db)
    # Same data version, scope, inputs and minute: the stored result (proof it is cached).
    assert _caseload(app, cleo) == {"K1": 1, "K2": 0}
    with db.write() as session:
        bump_data_version(session)  # what every import and write does
    assert _caseload(app, cleo) == {"K1": 0, "K2": 0}


def test_a_write_through_the_app_is_seen_at_once(
    db: Database, week_app: tuple[dash.Dash, Clock]
) -> None:
    app, _ = week_app
    cleo = logged_in(app, "cleo")
    assert _caseload(app, cleo) == {"K1": 1, "K2": 0}
    with db.read() as conn:
        version = conn.execute(
            select(Appointment.version).where(Appointment.appointment_id == "A3")
        ).scalar_one()
    result = change_status(
        db,
        "A3",
        "complete",
        version,
        actor=Actor(None, "frank", "front_desk"),
        target="test",
        now=NOW,
        tz=ZoneInfo("America/Chicago"),
    )
    assert result.outcome == "ok", result
    assert _caseload(app, cleo) == {"K1": 1, "K2": 1}  # K2's session is now a visit


def test_the_next_minute_is_computed_afresh(
    db: Database, week_app: tuple[dash.Dash, Clock]
) -> None:
    app, clock = week_app
    cleo = logged_in(app, "cleo")
    assert _caseload(app, cleo) == {"K1": 1, "K2": 0}
    _mark_no_show_behind_the_apps_back(db)
    clock.advance(seconds=59)
    assert _caseload(app, cleo) == {"K1": 1, "K2": 0}  # 10:00:59: the same minute
    clock.advance(seconds=1)
    assert _caseload(app, cleo) == {"K1": 0, "K2": 0}  # 10:01


def test_another_clinician_never_gets_a_stored_result(
    db: Database, week_app: tuple[dash.Dash, Clock]
) -> None:
    app, _ = week_app
    assert _caseload(app, logged_in(app, "cleo")) == {"K1": 1, "K2": 0}
    # The same inputs from another clinician: her own clients, not Cleo's stored rows.
    assert _caseload(app, logged_in(app, "dev")) == {"K3": 0}


def test_a_cache_hit_is_audited_like_a_miss(
    db: Database, week_app: tuple[dash.Dash, Clock]
) -> None:
    app, clock = week_app
    cleo = logged_in(app, "cleo")
    _caseload(app, cleo)
    clock.advance(seconds=30)
    _caseload(app, cleo)  # the same minute: served from the cache
    rows = audit_rows(db, "my_week.show_caseload")
    assert [row.client_ids for row in rows] == ["K1,K2"] * 2
    # Each read at its own moment, not the minute the stored result is as of.
    assert [row.at for row in rows] == [NOW, NOW + dt.timedelta(seconds=30)]
