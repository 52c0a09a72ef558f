"""Time every indicator group on a large demo practice, on SQLite and PostgreSQL.

    python benchmarks/metrics.py [--appointments 1000000] [--clinicians 200] [--no-postgres]

Builds the demo practice once (reused from instance/bench/ and from the PostgreSQL schema
``careboard_bench`` on later runs), then for a 4-week and a 12-month period ending on the
practice's last history day times each area's ``compute`` cold (a new engine: empty connection
pool, SQLite page cache and PostgreSQL backend) and warm (the best of three repeats on the same
connection), next to one bare SQL scan of the same window of appointments. Ratios are measured
in the same run, so they mean more than the absolute times on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.metrics.common import Filters, Period, Rules  # noqa: E402
from dashboard.metrics.report import AREAS  # noqa: E402
from db.demo import database_is_empty, generate_demo  # noqa: E402
from db.engine import Database  # noqa: E402
from db.migrate import schema_is_empty, upgrade  # noqa: E402
from db.models import Appointment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "careboard_bench"
TODAY = dt.date(2026, 11, 26)  # fixed, so the same practice is reused across runs


def practice(url: str, clinicians: int, appointments: int) -> Database:
    """The benchmark practice at ``url``, generated on first use."""
    database = Database(url)
    if schema_is_empty(database):
        upgrade(database)
    if database_is_empty(database):
        print(f"generating {appointments:,} appointments at {url.split('?')[0]} …", flush=True)
        summary = generate_demo(
            database, clinicians=clinicians, appointments=appointments, today=TODAY, progress=True
        )
        print(summary, flush=True)
    return database


def pg_url() -> str:
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
    admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def bare_scan(database: Database, period: Period) -> float:
    """One indexed scan of the window's appointments: the floor any indicator stands on."""
    query = select(func.count(), func.sum(Appointment.duration_min)).where(
        Appointment.start_at >= period.start_at, Appointment.start_at < period.end_at
    )
    with database.read() as conn:
        conn.execute(query).one()  # warm the page cache like the warm runs
        return min(timed(lambda: conn.execute(query).one()) for _ in range(3))


def measure(url: str, period: Period) -> dict[str, tuple[float, float]]:
    """Cold and warm milliseconds of each area for ``period``."""
    results: dict[str, tuple[float, float]] = {}
    rules, filters = Rules(), Filters()
    for area in AREAS:
        name = area.__name__.rsplit(".", 1)[-1]
        fresh = Database(url)
        with fresh.read() as conn:
            cold = timed(lambda: area.compute(conn, period, filters, rules))  # noqa: B023
            warm = min(timed(lambda: area.compute(conn, period, filters, rules)) for _ in range(3))  # noqa: B023
        fresh.dispose()
        results[name] = (cold, warm)
    return results


def history_end(database: Database) -> dt.date:
    with database.read() as conn:
        latest = conn.execute(
            select(func.max(Appointment.start_at)).where(Appointment.status == "completed")
        ).scalar_one()
    return latest.date()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--clinicians", type=int, default=200)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    backends = {"sqlite": f"sqlite:///{folder / f'metrics-{args.appointments}.db'}"}
    if not args.no_postgres:
        backends["postgresql"] = pg_url()
    databases = {
        name: practice(url, args.clinicians, args.appointments) for name, url in backends.items()
    }

    end = history_end(databases["sqlite"])
    periods = {
        "4 weeks": Period.make(end - dt.timedelta(days=27), end),
        "12 months": Period.make(end - dt.timedelta(days=364), end),
    }
    header = (
        f"{'period':<10} {'area':<12} {'backend':<10} {'cold ms':>9} {'warm ms':>9} "
        f"{'scan ms':>8} {'warm/scan':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, period in periods.items():
        for backend, url in backends.items():
            scan = bare_scan(databases[backend], period)
            for area, (cold, warm) in measure(url, period).items():
                print(
                    f"{label:<10} {area:<12} {backend:<10} {cold:>9.0f} {warm:>9.0f} "
                    f"{scan:>8.0f} {warm / scan:>9.1f}"
                )


if __name__ == "__main__":
    main()
