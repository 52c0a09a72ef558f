"""`careboard bench`: reproduce issue 8's performance figures on a generated practice.

    careboard bench [--appointments N] [--clinicians C] [--json FILE]
                    [--skip-postgres] [--skip-browser] [--skip-load]

Builds (or reuses) the seeded demo practice of C clinicians and about N appointments — SQLite
in ``<instance>/bench/``, PostgreSQL in a schema of its own — plus one of N/10 for the memory
comparison, then measures: every filter callback of every page cold and warm (in process, on
SQLite and PostgreSQL, with the response sizes); 12-month continuity against DuckDB and pandas;
a gunicorn worker's memory after serving every page at N/10 and at N; the first chart painted
on each page in headless Chromium (the median of three rounds); 20 users replaying callbacks
against gunicorn with 4 workers on PostgreSQL and Redis. Prints a table of each figure with
its target; ``--json`` writes the figures in the shape of issue 8. Needs the ``test`` extra
(duckdb, locust, psutil, selenium).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from dashboard.bench_report import Results

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
# First paint warms the browser on the overview of a week that no measured page shows (a year
# before the practice's today), so nothing the server caches for it is reused.
WARM_UP_PATH = "/?start=2025-06-02&end=2025-06-08"
# Rounds of first paints: one navigation to a page is one sample of a noisy figure (the same
# page has read 1.1 s and 1.55 s in two runs of the same code), so each page's is the median of
# this many, each on a fresh server.
PAINT_ROUNDS = 3


def median_paint(rounds: list[dict[str, float | None]], page: str) -> float | None:
    """A page's median first paint over the rounds; None if any round saw no paint (a page
    that failed to draw must not pass on its other rounds)."""
    found = [paints.get(page) for paints in rounds]
    if not found or any(ms is None for ms in found):
        return None
    return float(statistics.median(ms for ms in found if ms is not None))


@click.command("bench")
@click.option(
    "--appointments",
    type=click.IntRange(1000),
    default=1_000_000,
    show_default=True,
    help="Size of the generated practice (kept in <instance>/bench/ and reused).",
)
@click.option("--clinicians", type=click.IntRange(1, 1000), default=200, show_default=True)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the figures.",
)
@click.option("--skip-postgres", is_flag=True, help="SQLite only (also skips the load test).")
@click.option("--skip-browser", is_flag=True, help="No first-paint measurement.")
@click.option("--skip-load", is_flag=True, help="No load test.")
@click.option(
    "--combinations",
    type=click.IntRange(1, 12),
    default=12,
    show_default=True,
    help="Filter combinations per callback and role, at most (fewer: a quicker, rougher p95).",
)
@click.option(
    "--users",
    type=click.IntRange(1, 500),
    default=20,
    show_default=True,
    help="Logged-in users in the load test.",
)
@click.option(
    "--load-seconds",
    type=click.IntRange(5, 3600),
    default=60,
    show_default=True,
    help="How long the load test runs.",
)
@click.option(
    "--postgres-url",
    default=lambda: os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG,
    show_default="$BENCH_DATABASE_URL or the local test database",
    help="PostgreSQL server for the bench schemas.",
)
@click.option(
    "--redis-url",
    default=lambda: os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS,
    show_default="$BENCH_REDIS_URL or local db 12",
    help="Redis for the load test (only careboard's keys are cleared).",
)
def bench(
    appointments: int,
    clinicians: int,
    json_path: Path | None,
    skip_postgres: bool,
    skip_browser: bool,
    skip_load: bool,
    combinations: int,
    users: int,
    load_seconds: int,
    postgres_url: str,
    redis_url: str,
) -> None:
    """Measure careboard on a generated practice; print each figure with its target.

    Every filter callback of every page (cold and warm, SQLite and PostgreSQL), 12-month
    continuity against DuckDB and pandas, a worker's memory, first paint in headless Chromium
    and a load test with gunicorn, PostgreSQL and Redis. Exits 1 if a step could not run.
    """
    from dashboard.bench_report import Results, table, to_json

    results = Results(requested=appointments, clinicians=clinicians, load_users=users)
    run = BenchRun(results, postgres_url, redis_url, combinations)
    failed = run.all(
        skip_postgres=skip_postgres,
        skip_browser=skip_browser,
        skip_load=skip_load,
        load_seconds=load_seconds,
    )
    click.echo(table(results))
    if json_path:
        json_path.write_text(json.dumps(to_json(results), indent=2) + "\n")
        click.echo(f"\nwrote {json_path}")
    if failed:
        sys.exit(1)


def say(message: str) -> None:
    click.echo(message, err=True)


class BenchRun:
    """The steps of one run, in order; each records its figures in ``results``."""

    def __init__(
        self, results: Results, postgres_url: str, redis_url: str, combinations: int
    ) -> None:
        self.results = results
        self.combinations = combinations
        self.postgres_url = postgres_url
        self.redis_url = redis_url
        self.practices: dict[str, Any] = {}
        self.surveys: dict[str, Any] = {}
        self.failed = False

    def step(self, name: str, work: Callable[[], None]) -> None:
        """Run one step; a failure is reported and the other steps still run."""
        say(f"[bench] {name} …")
        started = time.perf_counter()
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - one broken step must not hide the others
            self.failed = True
            self.results.notes.append(f"{name} failed: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
        say(f"[bench] {name}: {time.perf_counter() - started:.0f} s")

    def all(
        self, *, skip_postgres: bool, skip_browser: bool, skip_load: bool, load_seconds: int
    ) -> bool:
        self.step("practices", lambda: self.prepare(with_postgres=not skip_postgres))
        if "sqlite" not in self.practices:
            return True
        self.step("callbacks on SQLite", lambda: self.time_callbacks("sqlite"))
        if "postgresql" in self.practices:
            self.step("callbacks on PostgreSQL", lambda: self.time_callbacks("postgresql"))
        self.step("continuity: careboard, DuckDB, pandas", self.continuity)
        self.step("worker memory", self.memory)
        if not skip_browser:
            self.step("first paint in Chromium", self.first_paint)
        if skip_load or "postgresql" not in self.practices:
            self.results.notes.append("load test skipped")
        else:
            self.step("load test", lambda: self.load(load_seconds))
        return self.failed

    # --- steps ---------------------------------------------------------------------------------

    def prepare(self, *, with_postgres: bool) -> None:
        from dashboard.bench_practice import pg_url, prepare, sqlite_path
        from dashboard.memory import release_freed_memory
        from dashboard.settings import default_instance_path

        n, clinicians = self.results.requested, self.results.clinicians
        instance = default_instance_path()
        for key, size in (("sqlite", n), ("small", max(1000, n // 10))):
            url = f"sqlite:///{sqlite_path(instance, size, clinicians)}"
            self.practices[key] = prepare("sqlite", url, size, clinicians, say)
        self.results.appointments = self.practices["sqlite"].appointments
        if with_postgres:
            url = pg_url(self.postgres_url, n, clinicians)
            self.practices["postgresql"] = prepare("postgresql", url, n, clinicians, say)
        # Generating a practice leaves this process hundreds of MB of garbage and free heap; the
        # app timed in it next should start as a fresh worker does (a run straight after a
        # generation had cold requests of 0.5-0.8 s that the next run did not).
        gc.collect()
        release_freed_memory()

    def survey(self, key: str) -> Any:
        """The requests of every page on one practice (and an in-process app on it)."""
        from dashboard.bench_callbacks import bench_app, sessions, survey

        practice = self.practices[key]
        app = bench_app(practice)
        logged_in = sessions(app)
        self.surveys[key] = (
            app,
            logged_in,
            survey(app, logged_in, practice.clinician_id, self.combinations),
        )
        return self.surveys[key]

    def time_callbacks(self, key: str) -> None:
        from dashboard.bench_callbacks import time_requests

        app, logged_in, found = self.survey(key)
        say(f"[bench] {len(found.requests)} requests, each cold then warm twice")
        timings = time_requests(app, logged_in, found.requests, progress=_Progress())
        setattr(self.results, key, timings)
        app.server.extensions["careboard"].db.dispose()

    def continuity(self) -> None:
        from dashboard.bench_continuity import run
        from dashboard.bench_practice import practice_clock

        self.results.continuity = run(self.practices["sqlite"].url, practice_clock()())

    def memory(self) -> None:
        from dashboard.bench_memory import appointments_frame_mb, served_rss

        for label, key in (("100k", "small"), ("1m", "sqlite")):
            survey = self.surveys.get(key) or self.survey(key)
            memory = served_rss(self.practices[key], survey[2].requests)
            self.results.memory[label] = memory
            self.results.notes.extend(f"worker ({label}): {p}" for p in memory.problems[:5])
        self.results.pandas_mb = appointments_frame_mb(self.practices["sqlite"].url)

    def first_paint(self) -> None:
        """Each page's first paint in ``PAINT_ROUNDS`` rounds, each on a fresh server (so
        every navigation is served cold) and a fresh browser: the median of each page's."""
        from dashboard.bench_browser import first_paints
        from dashboard.bench_server import BenchServer

        _, _, found = self.surveys.get("sqlite") or self.survey("sqlite")
        rounds: list[dict[str, float | None]] = []
        for _ in range(PAINT_ROUNDS):
            with BenchServer(self.practices["sqlite"].url, workers=2) as server:
                rounds.append(
                    first_paints(server.url, found.paths, found.charted, warm_up=WARM_UP_PATH)
                )
        self.results.first_paint_rounds = rounds
        self.results.first_paint = {page: median_paint(rounds, page) for page in found.paths}

    def load(self, seconds: int) -> None:
        from dashboard.bench_practice import BENCH_PASSWORD, BENCH_USERS
        from dashboard.bench_server import BenchServer

        _, _, found = self.surveys.get("postgresql") or self.survey("postgresql")
        pages: dict[str, dict[str, dict[str, list[Any]]]] = {}
        for request in found.requests:
            role = pages.setdefault(request.role, {})
            role.setdefault(request.page, {}).setdefault(request.callback, []).append(request.body)
        clear_cache(self.redis_url)
        with BenchServer(
            self.practices["postgresql"].url, workers=4, redis_url=self.redis_url
        ) as server:
            plan = {
                "host": server.url,
                "users": self.results.load_users,
                "seconds": seconds,
                "accounts": {role: [name, BENCH_PASSWORD] for role, name in BENCH_USERS.items()},
                "pages": pages,
            }
            self.results.load = run_locust(plan)
        for sample in self.results.load.get("error_samples", []):
            self.results.notes.append(f"load: {sample}")


class _Progress:
    """Say how far a long step is, about every 30 seconds."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if done == total or time.monotonic() - self.last >= 30:
            self.last = time.monotonic()
            say(f"[bench]   {done}/{total}")


def clear_cache(redis_url: str) -> None:
    """Remove careboard's cache keys (and only those) from the load test's Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("careboard:*", count=1000):
        client.delete(key)
    client.close()


def run_locust(plan: dict[str, Any]) -> dict[str, Any]:
    """Run ``dashboard.bench_locust`` in its own process (gevent patches the whole process)."""
    with tempfile.TemporaryDirectory(prefix="careboard-load-") as folder:
        plan_path, out_path = Path(folder) / "plan.json", Path(folder) / "out.json"
        plan_path.write_text(json.dumps(plan))
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.bench_locust", str(plan_path), str(out_path)],
            capture_output=True,
            text=True,
            timeout=plan["seconds"] + 300,
        )
        if done.returncode != 0 or not out_path.exists():
            raise RuntimeError(f"the load test failed:\n{done.stderr[-3000:]}")
        return json.loads(out_path.read_text())
