"""The waitlist page's callbacks on SQLite and PostgreSQL: open entries, the access figures,
and marking an entry scheduled or removed (audited, version-checked)."""

# The fixtures come from frontdesk; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import json

import dash
from flask.testing import FlaskClient

from db.engine import Database
from db.models import WaitlistEntry
from tests.pages.frontdesk import (  # noqa: F401 - fixtures
    CLINICAL,
    app,
    frank,
    kpi_value,
    post,
)
from tests.webclient import logged_in, outputs

BAR = ["2026-02-05", "2026-03-04", None, None, None, None]
REMOVE = "wl-remove.n_clicks"
SCHEDULED = "wl-scheduled.n_clicks"


def show(client: FlaskClient, app: dash.Dash, bar: list | None = None) -> dict:
    return outputs(post(client, app, "wl-cards", [*(bar or BAR), None]))


def test_open_entries_and_the_access_figures(frank: FlaskClient, app: dash.Dash) -> None:
    response = post(frank, app, "wl-cards", [*BAR, None])
    body = outputs(response)
    rows = body["wl-grid"]["rowData"]
    # As of 2026-03-04: W4 waited 53 days, W1 31, W3 7, W2 3 (urgent: target 1 day).
    assert [(r["entry_id"], r["days_waiting"], r["over_target"]) for r in rows] == [
        ("W4", 53, "Over target"),
        ("W1", 31, "Over target"),
        ("W3", 7, ""),
        ("W2", 3, "Over target"),
    ]
    assert rows[3]["preferred_modality"] == "Telehealth" and "client_id" not in rows[0]
    cards = body["wl-cards"]["children"]
    # Median of 3, 7, 31, 53 = (7 + 31) / 2 = 19; 90th percentile: 31 + 0.7 * (53 - 31) = 46.4.
    assert kpi_value(cards, "wl-kpi-0") == "4"
    assert kpi_value(cards, "wl-kpi-1") == "19.0 d"
    assert kpi_value(cards, "wl-kpi-2") == "46.4 d"
    assert kpi_value(cards, "wl-kpi-3") == "3"
    text = response.get_data(as_text=True).lower()
    assert not any(f'"{field}"' in text for field in CLINICAL)
    dbt = show(frank, app, ["2026-02-05", "2026-03-04", "DBT", None, None, None])
    assert [r["entry_id"] for r in dbt["wl-grid"]["rowData"]] == ["W3"]


def test_remove_needs_a_reason_and_a_stale_edit_is_refused(
    frank: FlaskClient, app: dash.Dash, db: Database
) -> None:
    picked = [{"entry_id": "W1", "version": 1}]
    refused = outputs(post(frank, app, "wl-refresh", [None, 1, picked, ""], trigger=REMOVE))
    assert "Give a reason" in json.dumps(refused["wl-message"])
    assert "wl-refresh" not in refused  # nothing to reload
    done = outputs(post(frank, app, "wl-refresh", [None, 1, picked, "moved away"], trigger=REMOVE))
    assert "Marked removed" in json.dumps(done["wl-message"])
    stale = outputs(post(frank, app, "wl-refresh", [1, None, picked, None], trigger=SCHEDULED))
    assert "changed by someone else" in json.dumps(stale["wl-message"])
    with db.session() as session:
        row = session.get(WaitlistEntry, "W1")
        assert (row.resolution, row.resolution_reason, row.version) == ("removed", "moved away", 2)
    assert [r["entry_id"] for r in show(frank, app)["wl-grid"]["rowData"]] == ["W4", "W3", "W2"]


def test_clinicians_have_no_waitlist_page(app: dash.Dash) -> None:
    cleo = logged_in(app, "cleo")
    assert post(cleo, app, "wl-cards", [*BAR, None]).status_code == 403
