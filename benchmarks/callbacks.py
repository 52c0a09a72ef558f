"""Time some filter callbacks on the benchmark practice, cold and warm, request by request.

    python benchmarks/callbacks.py [--appointments N] [--page NAME] [--callback NAME]
                                   [--combinations K] [--profile] [--postgres]

A quick loop for work on one page: ``careboard bench`` must first have built the practice
(``<instance>/bench/metrics-<N>.db``). ``--profile`` prints the top of a cProfile of each cold
request (careboard's own functions: the framework's wrappers hide where the time goes).
``--postgres`` uses the PostgreSQL practice (``$BENCH_DATABASE_URL`` or the local test server).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

from dashboard.bench import DEFAULT_PG
from dashboard.bench_callbacks import bench_app, sessions, survey
from dashboard.bench_practice import pg_url, prepare, sqlite_path
from dashboard.settings import default_instance_path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--clinicians", type=int, default=200)
    parser.add_argument("--page")
    parser.add_argument("--callback")
    parser.add_argument("--combinations", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    opts = parser.parse_args()
    if opts.postgres:
        base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
        backend, url = "postgresql", pg_url(base, opts.appointments, opts.clinicians)
    else:
        path = sqlite_path(default_instance_path(), opts.appointments, opts.clinicians)
        backend, url = "sqlite", f"sqlite:///{path}"
    practice = prepare(backend, url, opts.appointments, opts.clinicians, print)
    app = bench_app(practice)
    logged_in = sessions(app)
    found = survey(app, logged_in, practice.clinician_id, opts.combinations)
    state = app.server.extensions["careboard"]
    for request in found.requests:
        if opts.page and request.page != opts.page:
            continue
        if opts.callback and request.callback != opts.callback:
            continue
        session = logged_in[request.role]
        state.cache.clear()
        state.db.dispose()
        profile = cProfile.Profile() if opts.profile else None
        times = []
        for repeat in range(3):
            if profile and repeat == 0:
                profile.enable()
            started = time.perf_counter()
            response = session.post(request.body)
            times.append((time.perf_counter() - started) * 1000)
            if profile and repeat == 0:
                profile.disable()
        size = len(response.get_data()) / 1024
        print(
            f"{request.page:11} {request.callback:16} {request.role:10} "
            f"cold {times[0]:7.0f} ms  warm {min(times[1:]):6.0f} ms  {size:7.1f} KB  "
            f"{request.combination}"
        )
        if profile:
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
            stats.print_stats(r"/(dashboard|db|pages)/(?!auth/callbacks|bench)", 30)
            print(out.getvalue())


if __name__ == "__main__":
    main()
