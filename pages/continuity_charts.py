"""The continuity page's charts: the score distribution, scores by clinician and by program,
early engagement and FUH by cohort, feedback by clinician; a click on a clinician's bar narrows
the page to them."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Output

from dashboard.auth.callbacks import CallbackContext, secure_callback
from dashboard.components.crossfilter import narrow_to_clinician
from dashboard.components.filters import (
    FILTER_INPUTS,
    FILTER_VALIDATORS,
    scoped_period_and_filters,
)
from dashboard.figures import continuity as fig
from dashboard.metrics import continuity, director, engagement
from dashboard.roles import DIRECTOR

DIST, BY_CLINICIAN, BY_PROGRAM = "continuity-dist", "continuity-clinician", "continuity-program"
EARLY, FUH, FEEDBACK = "continuity-early", "continuity-fuh", "continuity-feedback"
CLICKABLE = (BY_CLINICIAN, FEEDBACK)


def _named(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    shown = frame.reset_index().rename(columns={"clinician": "clinician_id"})
    return shown.assign(name=shown["clinician_id"].map(names)).sort_values("name")


@secure_callback(
    roles=DIRECTOR, args=FILTER_VALIDATORS, target="continuity.show_continuity", cache=True
)
def show_continuity(ctx: CallbackContext, *values: Any) -> tuple:
    period, filters = scoped_period_and_filters(ctx, values)
    rules = ctx.rules
    groups, dist, feedback, cohorts, names = ctx.db.read_together(
        lambda conn: continuity.compute_many(
            conn, period, filters, rules, ("clinician", "program")
        ),
        lambda conn: director.score_distribution(conn, period, filters, rules),
        lambda conn: engagement.compute(conn, period, filters, rules, by="clinician"),
        lambda conn: director.cohort_rates(
            conn, director.trend_period(period, 183), filters, rules
        ),
        director.clinician_names,
    )
    by_clinician, by_program = groups["clinician"], groups["program"]
    programs = by_program.reset_index().rename(columns={"program": "name"})
    used = feedback[feedback["feedback_rate"].notna()]
    return (
        fig.score_histograms(dist),
        fig.group_scores(_named(by_clinician, names), "clinician", clickable=True),
        fig.group_scores(programs.assign(clinician_id=None), "program"),
        fig.cohort_lines(cohorts, ["early_engagement_rate"], "Month of first visit"),
        fig.cohort_lines(cohorts, ["fuh7_rate", "fuh30_rate"], "Month of discharge"),
        fig.feedback_by_clinician(_named(used, names)),
    )


def register() -> None:
    """Register the charts' callbacks with the app being built."""
    dash.callback(
        *[Output(g, "figure") for g in (DIST, BY_CLINICIAN, BY_PROGRAM, EARLY, FUH, FEEDBACK)],
        *FILTER_INPUTS,
    )(show_continuity)
    narrow_to_clinician(CLICKABLE, roles=DIRECTOR, page="continuity")
