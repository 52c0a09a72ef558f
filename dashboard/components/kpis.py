"""The overview's KPI cards: which keys, how each is formatted, which way is better, and
where each card leads. The numbers come from ``report.practice_metrics`` (period and previous
period) and the weekly trends; this module only arranges them."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from dashboard.components.kpi import kpi_card
from dashboard.components.sparkline import trend_card
from dashboard.figures.overview import sparkline
from dashboard.format import MISSING, count, days, hours, number, pct
from dashboard.metrics.definitions import definition

Formatter = Callable[[Any], str]


def rate1(value: Any) -> str:
    return pct(value, 1)


def score(value: Any) -> str:
    return number(value, 2)


@dataclass(frozen=True)
class Kpi:
    card_id: str
    key: str
    label: str
    page: str
    fmt: Formatter
    better: int  # +1: higher is better, -1: lower is better, 0: neither
    unit: str  # how a change is told: "pts" (rates), "count", "days", "score"


KPIS: tuple[Kpi, ...] = (
    Kpi("kpi-booked", "booked_utilization", "Booked utilization", "/caseloads", pct, 1, "pts"),
    Kpi("kpi-kept", "kept_utilization", "Kept utilization", "/caseloads", pct, 1, "pts"),
    Kpi("kpi-no-show", "no_show_rate", "No-show rate", "/caseloads", rate1, -1, "pts"),
    Kpi("kpi-late-cancel", "late_cancel_rate", "Late-cancel rate", "/caseloads", rate1, -1, "pts"),
    Kpi("kpi-active", "active_caseload", "Active caseload", "/caseloads", count, 0, "count"),
    Kpi("kpi-waitlist", "waitlist_open", "Open waitlist", "/access", count, -1, "count"),
    Kpi(
        "kpi-tna", "third_next_available_days", "Third next available", "/access", days, -1, "days"
    ),
    Kpi("kpi-coc", "coc", "Continuity (COC)", "/continuity", score, 1, "score"),
    Kpi("kpi-lost", "lost_to_follow_up", "Lost to follow-up", "/continuity", count, -1, "count"),
    Kpi("kpi-early", "early_engagement_rate", "Early engagement", "/continuity", pct, 1, "pts"),
    Kpi(
        "kpi-fuh",
        "fuh7_rate",
        "Follow-up after discharge (FUH 7 / 30)",
        "/continuity",
        pct,
        1,
        "pts",
    ),
    Kpi("kpi-feedback", "feedback_rate", "Feedback collected", "/continuity", pct, 1, "pts"),
    Kpi("kpi-overdue", "overdue_tasks", "Overdue tasks", "/tasks", count, -1, "count"),
)
# Keys judged per cohort (first visit or discharge week), not per week's own as-of.
COHORT_TREND_KEYS = ("early_engagement_rate", "fuh7_rate")
TREND_KEYS = tuple(k.key for k in KPIS if k.key not in COHORT_TREND_KEYS)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def change_text(kpi: Kpi, now: Any, before: Any, span: str) -> str:
    """The change against the previous period in words: arrow, amount, and better/worse."""
    if _missing(now) or _missing(before):
        return f"no comparison with the previous {span}"
    delta = float(now) - float(before)
    amount = {
        "pts": f"{number(abs(delta) * 100, 1)} pts",
        "count": count(abs(delta)),
        "days": days(abs(delta)),
        "score": number(abs(delta), 2),
    }[kpi.unit]
    # A change too small to show in the number's own precision is no change to the reader.
    if not any(ch in "123456789" for ch in amount):
        return f"no change from the previous {span}"
    arrow = "▲" if delta > 0 else "▼"
    verdict = "" if kpi.better == 0 else (" · better" if delta * kpi.better > 0 else " · worse")
    return f"{arrow} {amount} vs previous {span}{verdict}"


def _note(kpi: Kpi, m: Mapping[str, Any]) -> str | None:
    """A second line that puts the big number in context."""
    notes: dict[str, Callable[[], str]] = {
        "booked_utilization": lambda: (
            f"{hours(m['booked_hours'])} of {hours(m['available_hours'])}"
        ),
        "kept_utilization": lambda: f"{hours(m['kept_hours'])} kept",
        "no_show_rate": lambda: f"{count(m['no_show'])} no-shows",
        "late_cancel_rate": lambda: f"{count(m['late_cancel'])} late cancels",
        "active_caseload": lambda: (
            f"of {count(m['caseload_capacity'])} capacity ({pct(m['caseload_fill'])} full)"
        ),
        "waitlist_open": lambda: (
            f"median wait {days(m['waitlist_median_days'])} · "
            f"{count(m['waitlist_over_target'])} over target"
        ),
        "third_next_available_days": lambda: "median over clinicians accepting new clients",
        "coc": lambda: f"{count(m['continuity_clients'])} clients with 2+ visits",
        "lost_to_follow_up": lambda: "active clients, nothing booked, 30+ days",
        "early_engagement_rate": lambda: "returned within 30 days of a first visit",
        "fuh7_rate": lambda: f"30-day: {pct(m['fuh30_rate'])}",
        "feedback_rate": lambda: f"{count(m['low_alliance_sessions'])} low-alliance sessions",
        "overdue_tasks": lambda: f"of {count(m['open_tasks'])} open tasks",
    }
    return notes[kpi.key]() if kpi.key in notes else None


def _value(kpi: Kpi, m: Mapping[str, Any]) -> str:
    if kpi.key == "fuh7_rate":
        return f"{pct(m['fuh7_rate'])} / {pct(m['fuh30_rate'])}"
    return kpi.fmt(m[kpi.key])


def _href(kpi: Kpi, query: str) -> str:
    paths = {page["path"] for page in dash.page_registry.values()}
    return (kpi.page if kpi.page in paths else "/") + query


def overview_cards(
    current: Mapping[str, Any],
    previous: Mapping[str, Any],
    weekly: pd.DataFrame,
    query: str,
    span: str,
) -> list[dcc.Link]:
    """One card per KPI whose key ``current`` holds, in the order of ``KPIS``; ``weekly`` has
    one column per key."""
    cards = []
    for kpi in KPIS:
        if kpi.key not in current:
            continue
        trend = None
        if kpi.key in weekly and weekly[kpi.key].notna().any():
            values = [None if _missing(v) else float(v) for v in weekly[kpi.key]]
            trend = sparkline(list(weekly.index), values, kpi.fmt)
        cards.append(
            trend_card(
                kpi.card_id,
                kpi.label,
                _value(kpi, current),
                href=_href(kpi, query),
                definition=definition(kpi.key),
                comparison=change_text(kpi, current[kpi.key], previous[kpi.key], span),
                sparkline=trend,
                note=_note(kpi, current),
            )
        )
    return cards


def placeholder_cards(keys: Collection[str]) -> list[html.Div]:
    """The cards of ``keys`` (in the order of ``KPIS``) before their numbers arrive: label and
    an ellipsis, no id, so nothing can mistake one for a computed card."""
    return [
        kpi_card(kpi.label, "…", note="loading", compact=True) for kpi in KPIS if kpi.key in keys
    ]


def overview_table(current: Mapping[str, Any], previous: Mapping[str, Any]) -> pd.DataFrame:
    """Every key of the period and the previous period, with its definition (the export)."""
    rows = [
        {
            "key": key,
            "value": current[key],
            "previous_period": previous.get(key),
            "definition": definition(key),
        }
        for key in current
    ]
    return pd.DataFrame(rows, columns=["key", "value", "previous_period", "definition"])


__all__ = [
    "KPIS",
    "MISSING",
    "TREND_KEYS",
    "Kpi",
    "change_text",
    "overview_cards",
    "overview_table",
    "placeholder_cards",
]
