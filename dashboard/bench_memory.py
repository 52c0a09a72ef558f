"""Memory: a worker's resident set after serving every page, and a pandas frame of the data.

A worker that aggregates in the database holds no rows, so its memory should not grow with the
practice: one gunicorn worker is started on the practice, every filter callback of every page
is posted to it (each role, each combination), and its RSS is read with psutil. For scale, the
size of one pandas DataFrame holding every appointment (what a dashboard that loads the table
into memory would carry).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from dashboard.bench_practice import BENCH_USERS, Practice
from dashboard.bench_requests import BenchRequest
from dashboard.bench_server import BenchServer, replay


@dataclass(frozen=True)
class WorkerMemory:
    appointments: int
    idle_mb: float  # after start (the imports and the app)
    served_mb: float  # after every page's callbacks
    problems: list[str]


def served_rss(practice: Practice, requests: list[BenchRequest]) -> WorkerMemory:
    """One gunicorn worker on ``practice``: its RSS before and after replaying ``requests``."""
    with BenchServer(practice.url, workers=1) as server:
        idle = server.worker_rss_mb()
        problems = replay(server.url, BENCH_USERS, requests)
        served = server.worker_rss_mb()
    return WorkerMemory(practice.appointments, idle, served, problems)


def appointments_frame_mb(url: str) -> float:
    """MiB of one pandas DataFrame holding every appointment, every column (deep)."""
    import pandas as pd
    from sqlalchemy import select

    from db.engine import Database
    from db.models import Appointment

    database = Database(url)
    try:
        with database.read() as conn:
            frame = pd.read_sql(select(Appointment.__table__), conn)
        size = float(frame.memory_usage(deep=True).sum()) / 2**20
    finally:
        database.dispose()
    del frame
    gc.collect()
    return size
