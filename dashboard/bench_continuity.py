"""12-month continuity three ways, in the same run: careboard, bare DuckDB, and pandas.

careboard's ``continuity.compute`` runs cold (a new engine) against the practice database. The
two references get the same rows already in memory — the visits of the window (past kept
non-group appointments: client, clinician, start, appointment id) — and compute the same five
practice figures (clients counted, UPC, COC, SECON, clients with a clinician change): DuckDB in
one SQL statement, pandas with vectorised group-bys, as a good sample app would. The three must
agree on every figure to four decimals.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from db.engine import Database

FIGURES = ("continuity_clients", "upc", "coc", "secon", "clients_with_clinician_change")
COUNTS = frozenset({"continuity_clients", "clients_with_clinician_change"})
REPEATS = 3

DUCKDB_CONTINUITY = """
WITH ordered AS (
    SELECT client_id, clinician_id,
           lag(clinician_id) OVER (
               PARTITION BY client_id ORDER BY start_at, appointment_id) AS previous
    FROM visits
), per_clinician AS (
    SELECT client_id, clinician_id, count(*) AS n,
           count(*) FILTER (WHERE previous = clinician_id) AS same
    FROM ordered GROUP BY client_id, clinician_id
), per_client AS (
    SELECT sum(n) AS visits, sum(n * n) AS sum_sq, max(n) AS max_n,
           count(*) AS clinicians, sum(same) AS same
    FROM per_clinician GROUP BY client_id HAVING sum(n) >= 2
)
SELECT count(*),
       avg(max_n / visits),
       avg((sum_sq - visits) / (visits * (visits - 1))),
       avg(same / (visits - 1)),
       count(*) FILTER (WHERE clinicians >= 2)
FROM per_client
"""


@dataclass(frozen=True)
class ContinuityBench:
    careboard_ms: float
    duckdb_ms: float
    pandas_ms: float
    visits: int
    figures: dict[str, Any]
    agree: bool


def pandas_continuity(visits: pd.DataFrame) -> dict[str, Any]:
    """The practice's continuity figures from a frame of visits, vectorised."""
    ordered = visits.sort_values(["client_id", "start_at", "appointment_id"])
    previous = ordered.groupby("client_id", sort=False)["clinician_id"].shift()
    ordered = ordered.assign(same=previous.eq(ordered["clinician_id"]))
    per_clinician = ordered.groupby(["client_id", "clinician_id"], sort=False).agg(
        n=("same", "size"), same=("same", "sum")
    )
    by_client = per_clinician.groupby(level="client_id", sort=False)
    clients = pd.DataFrame(
        {
            "visits": by_client["n"].sum(),
            "sum_sq": (per_clinician["n"] ** 2).groupby(level="client_id", sort=False).sum(),
            "max_n": by_client["n"].max(),
            "clinicians": by_client.size(),
            "same": by_client["same"].sum(),
        }
    )
    clients = clients[clients["visits"] >= 2]
    n = clients["visits"]
    return {
        "continuity_clients": len(clients),
        "upc": (clients["max_n"] / n).mean(),
        "coc": ((clients["sum_sq"] - n) / (n * (n - 1))).mean(),
        "secon": (clients["same"] / (n - 1)).mean(),
        "clients_with_clinician_change": int((clients["clinicians"] >= 2).sum()),
    }


def duckdb_continuity(connection: Any) -> dict[str, Any]:
    """The same figures in one DuckDB statement over the in-memory ``visits`` table."""
    row = connection.execute(DUCKDB_CONTINUITY).fetchone()
    return dict(zip(FIGURES, row, strict=True))


def twelve_months(database: Database, now: dt.datetime) -> Any:
    """The 12 months ending on the practice's last day with a completed appointment."""
    from dashboard.metrics.common import Period
    from db.models import Appointment

    with database.read() as conn:
        latest = conn.execute(
            select(func.max(Appointment.start_at)).where(Appointment.status == "completed")
        ).scalar_one()
    end = latest.date()
    return Period.make(end - dt.timedelta(days=364), end, now=now)


def load_visits(database: Database, period: Any, rules: Any) -> pd.DataFrame:
    """The window's visits, as careboard defines them, into a frame."""
    from dashboard.metrics.common import in_period, is_visit
    from db.models import Appointment

    columns = (
        Appointment.client_id,
        Appointment.clinician_id,
        Appointment.start_at,
        Appointment.appointment_id,
    )
    query = select(*columns).where(is_visit(period), in_period(period))
    with database.read() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["client_id", "clinician_id", "start_at", "appointment_id"])


def run(url: str, now: dt.datetime) -> ContinuityBench:
    """Time the three on the practice at ``url``; check they agree."""
    import duckdb

    from dashboard.metrics import continuity
    from dashboard.metrics.common import Filters, Rules

    rules, filters = Rules(), Filters()
    database = Database(url)
    try:
        period = twelve_months(database, now)
        visits = load_visits(database, period, rules)
    finally:
        database.dispose()

    def careboard() -> dict[str, Any]:
        fresh = Database(url)  # cold: new connections, nothing cached
        try:
            with fresh.read() as conn:
                return continuity.compute(conn, period, filters, rules).iloc[0].to_dict()
        finally:
            fresh.dispose()

    ours, careboard_ms = _median(careboard)
    memory = duckdb.connect()
    memory.register("visit_frame", visits)
    memory.execute("CREATE TABLE visits AS SELECT * FROM visit_frame")
    memory.unregister("visit_frame")
    duck, duckdb_ms = _best(lambda: duckdb_continuity(memory))
    memory.close()
    plain, pandas_ms = _best(lambda: pandas_continuity(visits))
    return ContinuityBench(
        careboard_ms=careboard_ms,
        duckdb_ms=duckdb_ms,
        pandas_ms=pandas_ms,
        visits=len(visits),
        figures=_rounded(ours),
        agree=_agree(ours, duck) and _agree(ours, plain),
    )


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    rounded: dict[str, Any] = {}
    for key in FIGURES:
        value = figures[key]
        if value is None or key in COUNTS:
            rounded[key] = None if value is None else int(value)
        else:
            rounded[key] = round(float(value), 4)
    return rounded


def _agree(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Same counts, and rates equal to four decimals (careboard rounds exact fractions; a
    float mean may land on the other side of a rounding tie)."""
    for key in FIGURES:
        a, b = ours[key], theirs[key]
        if a is None or b is None:
            if a is not b:
                return False
        elif abs(float(a) - float(b)) > 0.00011:
            return False
    return True


def _timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, (time.perf_counter() - started) * 1000


def _median(run: Callable[[], Any]) -> tuple[Any, float]:
    """The result and the median time of a few runs (careboard's cold runs)."""
    results = [_timed(run) for _ in range(REPEATS)]
    return results[-1][0], statistics.median(ms for _, ms in results)


def _best(run: Callable[[], Any]) -> tuple[Any, float]:
    """The result and the best time of a few runs (the references' best case)."""
    results = [_timed(run) for _ in range(REPEATS)]
    return results[-1][0], min(ms for _, ms in results)
