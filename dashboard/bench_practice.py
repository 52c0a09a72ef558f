"""The benchmark's practice: the seeded demo practice at N appointments, built once and reused.

SQLite files live in ``<instance>/bench/metrics-<N>.db`` (the convention of
``benchmarks/metrics.py``) and PostgreSQL practices in a schema ``careboard_bench_<N>``; both are
generated with a fixed ``today`` so a later run finds the same rows. The app under test gets a
clock shifted to that day, so "today" on every page is the practice's today whatever the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from db.engine import Database

BENCH_TODAY = dt.date(2026, 11, 26)
DEFAULT_CLINICIANS = 200
BENCH_PASSWORD = "careboard-bench-password"
# One user per role; the clinician user is linked to the clinician whose id sorts first.
BENCH_USERS = {
    "director": "bench-director",
    "front_desk": "bench-frontdesk",
    "clinician": "bench-clinician",
}


@dataclass(frozen=True)
class Practice:
    """A generated benchmark practice and how to reach it."""

    backend: str  # "sqlite" or "postgresql"
    url: str
    requested: int  # the N it was generated for
    appointments: int  # the rows it holds
    clinician_id: str  # the bench clinician user's clinician


def sqlite_path(instance: Path, appointments: int, clinicians: int) -> Path:
    suffix = "" if clinicians == DEFAULT_CLINICIANS else f"-c{clinicians}"
    return instance / "bench" / f"metrics-{appointments}{suffix}.db"


def pg_schema(appointments: int, clinicians: int) -> str:
    suffix = "" if clinicians == DEFAULT_CLINICIANS else f"_c{clinicians}"
    return f"careboard_bench_{appointments}{suffix}"


def with_search_path(base_url: str, schema: str) -> str:
    """``base_url`` with a libpq option selecting ``schema``."""
    rendered = make_url(base_url).render_as_string(hide_password=False)
    sep = "&" if "?" in rendered else "?"
    return f"{rendered}{sep}options={quote(f'-csearch_path={schema}')}"


def pg_url(base_url: str, appointments: int, clinicians: int) -> str:
    """The URL of the PostgreSQL practice for N, its schema created if missing."""
    schema = pg_schema(appointments, clinicians)
    admin = Database(base_url)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        admin.dispose()
    return with_search_path(base_url, schema)


def prepare(
    backend: str, url: str, appointments: int, clinicians: int, say: Callable[[str], None]
) -> Practice:
    """Migrate the database at ``url``, generate the practice if it is empty, add the users."""
    from db.demo import database_is_empty, generate_demo
    from db.migrate import upgrade

    database = Database(url)
    try:
        upgrade(database)  # a no-op at head; a reused practice follows new migrations
        if database_is_empty(database):
            say(f"generating {appointments:,} appointments ({backend}) …")
            summary = generate_demo(
                database, clinicians=clinicians, appointments=appointments, today=BENCH_TODAY
            )
            say(str(summary))
        else:
            database.analyze()  # a reused practice may predate a migration's indexes
        clinician_id = ensure_bench_users(database)
        with database.read() as conn:
            from db.models import Appointment

            count = conn.execute(select(func.count()).select_from(Appointment)).scalar_one()
    finally:
        database.dispose()
    return Practice(backend, url, appointments, int(count), clinician_id)


def ensure_bench_users(database: Database) -> str:
    """A director, a front-desk and a clinician user with the bench password; the clinician's
    id."""
    from dashboard.auth.passwords import hash_password
    from db.accounts import ensure_user, first_clinician_id

    clinician_id = first_clinician_id(database)
    if clinician_id is None:
        raise RuntimeError("the benchmark practice has no clinician")
    hashed = hash_password(BENCH_PASSWORD)
    now = practice_clock()()
    for role, username in BENCH_USERS.items():
        linked = clinician_id if role == "clinician" else None
        ensure_user(database, username, hashed, role, linked, now)
    return clinician_id


def practice_clock(
    today: dt.date = BENCH_TODAY, tz_name: str = "America/Chicago"
) -> Callable[[], dt.datetime]:
    """The practice's wall clock moved to ``today`` (time of day and its passing kept)."""
    from zoneinfo import ZoneInfo

    from db.timeutil import now_local

    tz = ZoneInfo(tz_name)
    shift = today - now_local(tz).date()

    def now() -> dt.datetime:
        return now_local(tz) + shift

    return now
