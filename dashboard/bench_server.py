"""Real servers for the benchmark: gunicorn on a benchmark practice, logged-in HTTP sessions
that replay callback requests, and the memory of a worker after serving every page."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests

from dashboard.bench_callbacks import CSRF_FIELD, problem_in
from dashboard.bench_practice import BENCH_PASSWORD, BENCH_TODAY
from dashboard.bench_requests import BenchRequest

START_TIMEOUT_S = 120
CSRF_COOKIE = "_csrf_token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchServer:
    """gunicorn serving careboard (``dashboard.bench_wsgi``) on one benchmark database."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int,
        threads: int = 4,
        redis_url: str | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="careboard-bench-", suffix=".log")[1])
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "CAREBOARD_BENCH_TODAY": BENCH_TODAY.isoformat(),
        }
        for name in ("CAREBOARD_DEMO", "REDIS_URL", "DATABASE_READ_URL"):
            env.pop(name, None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
            # As gunicorn.conf.py: idle connections outlive the users' think time.
            "--keep-alive",
            "75",
            "dashboard.bench_wsgi:server",
        ]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start in time")

    def worker_rss_mb(self) -> float:
        """The resident memory of the largest worker, in MiB."""
        import psutil

        workers = psutil.Process(self.process.pid).children(recursive=True)
        if not workers:
            raise RuntimeError("gunicorn has no worker")
        return max(worker.memory_info().rss for worker in workers) / 2**20

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.unlink(missing_ok=True)

    def __enter__(self) -> BenchServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class HttpSession:
    """A user logged in over HTTP, posting callbacks like the browser does."""

    def __init__(self, url: str, username: str, password: str = BENCH_PASSWORD) -> None:
        self.url = url
        self.http = requests.Session()
        page = self.http.get(f"{url}/login", timeout=30).text
        match = CSRF_FIELD.search(page)
        if not match:
            raise RuntimeError("the login page carries no CSRF token")
        form = {"username": username, "password": password, "csrf_token": match.group(1)}
        response = self.http.post(f"{url}/login", data=form, allow_redirects=False, timeout=30)
        if response.status_code != 302:
            raise RuntimeError(f"{username} could not log in ({response.status_code})")
        self.http.get(f"{url}/health", timeout=30)  # an authenticated response sets the cookie
        self.csrf = self.http.cookies.get(CSRF_COOKIE, "")

    def post(self, body: dict[str, Any]) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf, "Content-Type": "application/json"}
        return self.http.post(
            f"{self.url}/_dash-update-component", json=body, headers=headers, timeout=120
        )


class _Answer:
    """A requests response seen through the test-client interface ``problem_in`` reads."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        self._text = response.text

    def get_data(self, as_text: bool = False) -> str:
        return self._text


def replay(url: str, users: dict[str, str], bench_requests: Iterable[BenchRequest]) -> list[str]:
    """Post every request as its role's user; the problems seen."""
    sessions = {role: HttpSession(url, username) for role, username in users.items()}
    problems = []
    for request in bench_requests:
        response = sessions[request.role].post(request.body)
        problem = problem_in(_Answer(response))
        if problem:
            problems.append(f"{request.page}.{request.callback} ({request.role}): {problem}")
    return problems
