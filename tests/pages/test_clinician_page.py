"""The clinician page computes only the areas it shows: the same values as the whole
``practice_metrics`` and ``trends.weekly``, on the hand-built practice of
tests/pages/director_practice.py."""

# The fixtures come from director_practice.
# ruff: noqa: F811

from __future__ import annotations

import sys
from types import ModuleType

import pytest
from flask.testing import FlaskClient

from dashboard.metrics import director as director_metrics
from dashboard.metrics import trends
from dashboard.metrics.common import Filters, Period, Rules
from dashboard.metrics.report import practice_metrics
from db.engine import Database
from tests.pages.director_practice import NOW, director, director_app  # noqa: F401


@pytest.fixture
def page(director: FlaskClient) -> ModuleType:
    return sys.modules["pages.clinician"]  # the director's login imported the pages


PERIOD = Period.make(NOW.date().replace(day=2), NOW.date(), as_of=NOW)


@pytest.mark.parametrize("filters", [Filters(clinician="C1"), Filters(clinician="C2")])
def test_area_values_are_practice_metrics(page: ModuleType, db: Database, filters: Filters) -> None:
    rules = Rules()
    practice = Filters(None, filters.program, filters.location, filters.modality)
    with db.read() as conn:
        mine = page.area_values(conn, PERIOD, filters, rules, page.OWN_AREAS)
        everyone = page.area_values(conn, PERIOD, practice, rules, page.PRACTICE_AREAS)
        whole_mine = practice_metrics(conn, PERIOD, filters, rules)
        whole_everyone = practice_metrics(conn, PERIOD, practice, rules)
        trend_period = director_metrics.trend_period(PERIOD)
        trend = trends.weekly(conn, trend_period, filters, rules, page.TREND_KEYS)
        whole_trend = trends.weekly(conn, trend_period, filters, rules)
    assert mine == {key: whole_mine[key] for key in mine}
    assert everyone == {key: whole_everyone[key] for key in everyone}
    # Every card and the attendance chart, and every rate compared with the practice.
    shown = [key for key, _label, _fmt in page.SUMMARY_KEYS]
    assert set(shown) | {"completed", "no_show", "late_cancel"} <= set(mine)
    compared = set(shown) - {"sessions_per_week", "active_caseload"}
    assert compared <= set(everyone)
    assert trend.equals(whole_trend[page.TREND_KEYS])
