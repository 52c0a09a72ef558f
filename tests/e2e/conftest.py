"""A real gunicorn serving careboard on the demo practice, and a real headless Chromium.

Without Debian's chromium and chromium-driver these tests skip — and under
CAREBOARD_STRICT_TESTS=1 (CI) a skip fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DEMO_PASSWORD = "careboard-demo"

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen, instance: Path) -> None:
        self.url = url
        self.process = process
        self.instance = instance


def start_gunicorn(instance: Path, env_extra: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    env = {
        **os.environ,
        "CAREBOARD_DEMO": "1",
        "CAREBOARD_INSTANCE": str(instance),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    env.pop("DATABASE_URL", None)
    env.update(env_extra or {})
    log = open(instance / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "dashboard.wsgi:server"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError((instance / "gunicorn.log").read_text()[-3000:])
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return LiveServer(url, process, instance)
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start in time")


def stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn (2 workers) in demo mode on a fresh SQLite demo practice."""
    server = start_gunicorn(tmp_path_factory.mktemp("live"))
    yield server
    stop(server)


@pytest.fixture(scope="session")
def chrome_available() -> None:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Debian chromium and chromium-driver are not installed")


@pytest.fixture
def browser(chrome_available: None):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from dashboard.bench_browser import chrome_options

    options = chrome_options()
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def log_in(driver, server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver.get(f"{server.url}/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    field = driver.find_element(By.NAME, "password")
    field.send_keys(password)
    field.submit()


def wait_for(driver, css: str, timeout: float = 20, text: bool = False):  # type: ignore[no-untyped-def]
    """The first element matching ``css`` once present (and, with text=True, non-empty)."""
    from selenium.webdriver.common.by import By

    def found(d):  # type: ignore[no-untyped-def]
        elements = d.find_elements(By.CSS_SELECTOR, css)
        if not elements:
            return False
        return elements[0] if not text or elements[0].text.strip() else False

    return rereading_wait(driver, timeout).until(found)


def read_text(driver, css: str, timeout: float = 20) -> str:  # type: ignore[no-untyped-def]
    """The first element's text once it has some, read in the same look: Dash may redraw or
    empty the element between a wait and a later read of ``.text``."""
    from selenium.webdriver.common.by import By

    return rereading_wait(driver, timeout).until(
        lambda d: d.find_element(By.CSS_SELECTOR, css).text.strip() or False
    )


def rereading_wait(driver, timeout: float):  # type: ignore[no-untyped-def]
    """A wait that looks again when Dash re-renders the element it was reading."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(
        driver,
        timeout,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    )


def console_errors(driver) -> list[str]:  # type: ignore[no-untyped-def]
    """Severe console messages, ignoring the favicon."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
    ]
