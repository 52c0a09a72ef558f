"""The roster: who works at the practice, what they offer, when they can next see someone new,
and (for directors) their caseload against capacity.

Next available is ``availability.third_next_available``'s first open slot, for active
clinicians accepting new clients; caseload is ``caseload.compute`` by clinician (metrics.md).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, select

from dashboard.metrics import caseload
from dashboard.metrics.availability import third_next_available
from dashboard.metrics.common import Filters, Period, Rules
from dashboard.metrics.matching import languages_of
from db.models import Clinician

ROSTER_COLUMNS = [
    "clinician_id",
    "name",
    "discipline",
    "program",
    "location",
    "languages",
    "accepting_new",
    "next_available",
    "third_next_days",
]
CASELOAD_COLUMNS = ["active_caseload", "max_caseload", "caseload_fill"]


def roster_rows(
    conn: Connection, now: dt.datetime, rules: Rules, *, with_caseload: bool = False
) -> pd.DataFrame:
    """One row per active clinician, by name; ``with_caseload`` adds their active caseload,
    maximum caseload and the fill (caseload over maximum) as of now."""
    rows = conn.execute(
        select(
            Clinician.clinician_id,
            Clinician.name,
            Clinician.discipline,
            Clinician.program,
            Clinician.location,
            Clinician.languages,
            Clinician.accepting_new,
            Clinician.max_caseload,
        )
        .where(Clinician.active.is_(True))
        .order_by(Clinician.name, Clinician.clinician_id)
    ).all()
    frame = pd.DataFrame(
        [row._asdict() for row in rows],
        columns=[*ROSTER_COLUMNS[:7], "max_caseload"],
    )
    frame["languages"] = [", ".join(languages_of(text)) for text in frame["languages"]]
    frame["accepting_new"] = frame["accepting_new"].astype(bool)
    nexts = third_next_available(conn, now, Filters(), rules).rename(
        columns={"third_next_available_days": "third_next_days"}
    )
    frame = frame.merge(nexts, on="clinician_id", how="left")
    if not with_caseload:
        return frame[ROSTER_COLUMNS]
    period = Period.make(now.date(), now.date(), now=now)
    loads = caseload.compute(conn, period, Filters(), rules, by="clinician")
    active = loads["active_caseload"].rename("active_caseload")
    frame = frame.merge(active, left_on="clinician_id", right_index=True, how="left")
    frame["active_caseload"] = frame["active_caseload"].fillna(0).astype(int)
    fill = frame["active_caseload"] / frame["max_caseload"].where(frame["max_caseload"] > 0)
    frame["caseload_fill"] = fill.round(4)
    return frame[ROSTER_COLUMNS + CASELOAD_COLUMNS]


__all__ = ["CASELOAD_COLUMNS", "ROSTER_COLUMNS", "roster_rows"]
