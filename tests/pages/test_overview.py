"""The overview's callbacks on the hand-built practice (tests/pages/director_practice.py)."""

# The fixtures come from director_practice; their parameters re-use the imported names.
# ruff: noqa: F811

from __future__ import annotations

import json

import dash
import plotly
from flask.testing import FlaskClient

from db.engine import Database
from tests.pages.director_practice import (  # noqa: F401 - fixtures
    FILTERS,
    audit_rows,
    director,
    director_app,
    post,
)
from tests.webclient import callback_key, find, login, post_callback, texts

KEYS = ("start", "end", "program", "location", "clinician", "modality")


GROUPS = {  # each callback's output and its cards, in the overview's order
    "home-cards": ["kpi-booked", "kpi-kept", "kpi-no-show", "kpi-late-cancel", "kpi-active"],
    "home-access-cards": ["kpi-waitlist", "kpi-tna"],
    "home-continuity-cards": ["kpi-coc"],
    "home-engagement-cards": ["kpi-lost", "kpi-early", "kpi-fuh", "kpi-feedback"],
    "home-tasks-cards": ["kpi-overdue"],
}


def cards(client: FlaskClient, app: dash.Dash, filters: list) -> tuple[list, dict]:
    """Every card for the filter bar's values (gathered into one record in the browser), from
    the callbacks that write them, and the responses by output."""
    chosen = dict(zip(KEYS, filters, strict=True))
    children: list = []
    responses: dict = {}
    for output in GROUPS:
        response = post(client, app, output, [chosen])["response"]
        children.extend(response[output]["children"])
        responses.update(response)
    return children, responses


CARDS = [
    # 9 h held of 12 h available; the previous period had none of its 12 h booked.
    ("kpi-booked", "75%", "▲ 75.0 pts vs previous 14 days · better"),
    # 1 no-show of 8 (6 completed, 1 no-show, 1 late cancel); none before, so no rate.
    ("kpi-no-show", "12.5%", "no comparison with the previous 14 days"),
    # K1 K2 K3 + K4 K5 on a caseload as of 03-14; the same five as of 03-02.
    ("kpi-active", "5", "no change from the previous 14 days"),
    ("kpi-waitlist", "3", None),
    ("kpi-tna", "6.0 d", None),  # median of 2 and 10 days
    ("kpi-coc", "0.67", None),  # (1 + 1/3) / 2
    ("kpi-lost", "2", None),  # K3 and K5
    ("kpi-fuh", "50% / —", None),  # E2 followed, E3 not; none old enough for 30 days
]


def test_cards_show_the_period_against_the_previous_one(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    children, response = cards(director, director_app, FILTERS)
    for card, value, change in CARDS:
        found = find(children, card)
        assert found is not None, card
        words = texts(found)
        assert words[1] == value, (card, words)
        if change:
            assert change in words, (card, words)
        assert found["props"]["title"]  # the definition, on hover
    assert "compared with Feb 16 – Mar 1, 2026" in response["home-period"]["children"]


def test_cards_link_to_their_page_with_the_same_filters(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    dbt = ["2026-03-02", "2026-03-15", "DBT", None, None, None]
    children, _ = cards(director, director_app, dbt)
    body = str(children)
    assert "/caseloads?start=2026-03-02&end=2026-03-15&program=DBT" in body
    assert "/continuity?start=2026-03-02&end=2026-03-15&program=DBT" in body
    # Program DBT: appointments of DBT clients (K4: A6 A7 with C2, A8 2 h with C1) = 4 h,
    # against the available time of DBT clinicians (C2, 4 h).
    booked = find(children, "kpi-booked")
    assert texts(booked)[1] == "100%"


def test_the_clinician_filter_narrows_every_card(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    children, _ = cards(director, director_app, [*FILTERS[:4], "C1", None])
    assert texts(find(children, "kpi-booked"))[1] == "88%"  # 7 h of 8 h = 87.5%
    assert texts(find(children, "kpi-active"))[1] == "3"
    assert texts(find(children, "kpi-waitlist"))[1] == "—"  # the waitlist is not by clinician


def test_each_callback_writes_its_own_group_of_cards_in_order(
    director: FlaskClient, director_app: dash.Dash
) -> None:
    _, responses = cards(director, director_app, FILTERS)
    for output, ids in GROUPS.items():
        found = [find(card, kpi) for card in responses[output]["children"] for kpi in ids]
        written = [card["props"]["id"] for card in found if card is not None]
        assert written == ids, output
        assert len(responses[output]["children"]) == len(ids)


def test_the_page_shows_each_card_waiting_for_its_numbers(director_app: dash.Dash) -> None:
    from pages.home import layout  # imported once the app has registered its pages

    with director_app.server.test_request_context("/"):
        shown = json.loads(json.dumps(layout(), cls=plotly.utils.PlotlyJSONEncoder))
    for output, ids in GROUPS.items():
        group = find(shown, output)
        assert group is not None and len(group["props"]["children"]) == len(ids), output
        # Labelled placeholders without the cards' ids (nothing reads them as numbers).
        assert all("…" in texts(card) for card in group["props"]["children"])
        assert not any(find(group, kpi) for kpi in ids)


def test_export_writes_every_key_and_is_audited(
    director: FlaskClient, director_app: dash.Dash, db: Database
) -> None:
    response = post(director, director_app, "home-export-download", [1, None, *FILTERS])
    content = response["response"]["home-export-download"]["data"]["content"]
    assert content.startswith("key,value,previous_period,definition")
    assert "\nbooked_utilization,0.75,0.0," in content
    rows = audit_rows(db, "home.export_overview")
    assert [(r.action, r.outcome, r.detail) for r in rows] == [("export", "ok", "overview.csv")]


def test_the_overview_is_for_directors_only(director_app: dash.Dash) -> None:
    for user in ("frank", "cleo"):
        client = director_app.server.test_client()
        login(client, user)
        for output in GROUPS:
            key = callback_key(director_app, output)
            assert post_callback(client, director_app, key, [None]).status_code == 403
