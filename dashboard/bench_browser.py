"""First paint in headless Chromium: from navigation to the first chart drawn on each page.

A script installed in every new document (before any of the page's own) checks each animation
frame for the first plotly trace (or, on a page without charts, the first grid row) and notes
``performance.now()``, whose zero is the start of the navigation.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

from dashboard.bench_practice import BENCH_PASSWORD, BENCH_USERS

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 30
WATCH = """
(() => {
  const CHART = ".js-plotly-plot .trace, .js-plotly-plot .hm";
  const ROW = ".ag-center-cols-container .ag-row";
  const paint = (window.__careboardPaint = {});
  const tick = () => {
    const now = performance.now();
    if (paint.chart === undefined && document.querySelector(CHART)) paint.chart = now;
    if (paint.grid === undefined && document.querySelector(ROW)) paint.grid = now;
    if (paint.chart === undefined || paint.grid === undefined) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def chromedriver() -> str | None:
    found = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return found if os.path.exists(found) and os.path.exists(CHROMIUM) else None


def chrome_options() -> Any:
    """Debian's Chromium, headless, quiet and a desktop window (the e2e tests use it too)."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1440,1000",
    ):
        options.add_argument(arg)
    return options


def start_browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = chromedriver()
    if driver_path is None:
        raise RuntimeError("Debian chromium and chromium-driver are needed (or --skip-browser)")
    driver = webdriver.Chrome(service=Service(driver_path), options=chrome_options())
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    return driver


def log_in(driver: Any, url: str, username: str) -> None:
    """Log in without opening a dashboard page (nothing is cached for the first one)."""
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/login?next=/health")
    driver.find_element(By.NAME, "username").send_keys(username)
    password = driver.find_element(By.NAME, "password")
    password.send_keys(BENCH_PASSWORD)
    password.submit()
    deadline = time.monotonic() + TIMEOUT_S
    while "/health" not in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.05)


def first_paint(driver: Any, url: str, *, charted: bool) -> float | None:
    """Milliseconds from navigating to ``url`` to its first chart — on a page without charts
    in its layout, to its first chart or grid row; None when nothing came in time."""
    driver.get(url)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        paint = driver.execute_script("return window.__careboardPaint || {};")
        times = [paint.get("chart")] if charted else [paint.get("chart"), paint.get("grid")]
        drawn = [float(t) for t in times if t is not None]
        if drawn:
            return min(drawn)
        time.sleep(0.05)
    return None


def first_paints(
    server_url: str, paths: dict[str, str], charted: set[str], warm_up: str | None = None
) -> dict[str, float | None]:
    """First paint of each page (name -> path) for a director, one fresh navigation each;
    ``charted`` names the pages whose layout holds a chart.

    ``warm_up`` is a path opened first and not measured: the browser of someone who has used
    the dashboard before holds its scripts (plotly.js alone is 4.8 MB, about 1.5 s to fetch and
    compile the first time), so each page is measured as such a browser sees it, not only the
    first one as a new browser would. The path should name a period no measured page shows, so
    that nothing the server caches for it serves a measured page."""
    driver = start_browser()
    try:
        log_in(driver, server_url, BENCH_USERS["director"])
        if warm_up is not None:
            first_paint(driver, f"{server_url}{warm_up}", charted=True)
        return {
            name: first_paint(driver, f"{server_url}{path}", charted=name in charted)
            for name, path in paths.items()
        }
    finally:
        driver.quit()
