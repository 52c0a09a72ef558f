"""The directors' pages in a real browser as a director, on gunicorn and the demo practice:
filters change the figures, a click on a chart filters the page, exports download, and no page
logs a console error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.e2e.conftest import console_errors, log_in, read_text, rereading_wait, wait_for


@pytest.fixture
def director(browser, live_server, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The browser, logged in as the demo director, saving downloads to ``tmp_path``."""
    browser.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    log_in(browser, live_server, "director")
    wait_for(browser, ".navbar", timeout=30)
    return browser


def _open(driver, live_server, path: str, ready: str):  # type: ignore[no-untyped-def]
    driver.get(live_server.url + path)
    return wait_for(driver, ready, timeout=30)


def _click(driver, element) -> None:  # type: ignore[no-untyped-def]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    ActionChains(driver).move_to_element(element).click().perform()


def _press(driver, element_id: str) -> None:  # type: ignore[no-untyped-def]
    """Press a button even while a loading overlay is drawn over part of the page."""
    button = driver.find_element(By.ID, element_id)
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", button
    )


def _downloaded(folder: Path, suffix: str, timeout: float = 40) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and done[0].stat().st_size > 0:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded")


def _bar_count(driver, graph: str) -> int:  # type: ignore[no-untyped-def]
    return len(driver.find_elements(By.CSS_SELECTOR, f"#{graph} .bars .point"))


def _until(driver, condition, timeout: float = 30):  # type: ignore[no-untyped-def]
    """Wait for ``condition``, retrying while the page re-renders under it."""
    return rereading_wait(driver, timeout).until(condition)


def test_overview_cards_open_their_page_with_the_filters(director, live_server) -> None:  # type: ignore[no-untyped-def]
    card = wait_for(director, "#kpi-booked .kpi-value", text=True, timeout=60)
    assert card.text.endswith("%")
    _until(
        director,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".kpi-spark .js-plotly-plot")) >= 10,
    )
    everyone = director.find_element(By.CSS_SELECTOR, "#kpi-active .kpi-value").text
    _open(director, live_server, "/?program=DBT", "#kpi-active .kpi-value")
    _until(
        director,
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#kpi-active .kpi-value").text not in ("", everyone)
        ),
    )
    _click(director, director.find_element(By.ID, "kpi-booked"))
    _until(director, lambda d: "/caseloads" in d.current_url)
    assert "program=DBT" in director.current_url
    wait_for(director, "#caseloads-utilization .bars .point", timeout=30)
    assert console_errors(director) == []


def test_caseloads_click_narrows_and_exports(director, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _open(director, live_server, "/caseloads", "#caseloads-utilization .bars .point path")
    _until(director, lambda d: _bar_count(d, "caseloads-utilization") > 10)
    bars = director.find_elements(By.CSS_SELECTOR, "#caseloads-utilization .bars .point path")
    _click(director, bars[2])
    _until(director, lambda d: "clinician=" in d.current_url)
    # The page narrows to the clicked clinician: one booked and one kept bar.
    _until(director, lambda d: _bar_count(d, "caseloads-utilization") == 2)
    _press(director, "caseloads-export-csv")
    exported = _downloaded(tmp_path, "caseloads.csv")
    lines = exported.read_text().splitlines()
    assert lines[0].startswith("clinician_id,name,") and len(lines) == 2
    assert console_errors(director) == []


def test_clinician_page_shows_their_caseload(director, live_server) -> None:  # type: ignore[no-untyped-def]
    _open(director, live_server, "/clinicians/C001", "#clinician-kpi-booked_utilization")
    wait_for(director, "#clinician-caseload .ag-row", timeout=30)
    assert director.find_elements(By.CSS_SELECTOR, "#clinician-trends .js-plotly-plot")
    assert console_errors(director) == []


def test_access_heatmap_cell_narrows_the_time_of_week_panel(director, live_server) -> None:  # type: ignore[no-untyped-def]
    _open(director, live_server, "/access", "#access-volume .nsewdrag")
    _until(
        director,
        lambda d: d.find_element(By.ID, "access-cell-label").text.startswith("Showing all hours"),
    )
    _click(director, director.find_element(By.CSS_SELECTOR, "#access-volume .nsewdrag"))
    _until(
        director,
        lambda d: (
            d.find_element(By.ID, "access-cell-label").text.startswith("Showing ")
            and "all hours" not in d.find_element(By.ID, "access-cell-label").text
        ),
    )
    wait_for(director, "#access-over-target .ag-row", timeout=30)
    assert console_errors(director) == []


def test_continuity_lists_export_to_excel(director, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _open(director, live_server, "/continuity", "#continuity-lost .ag-row")
    wait_for(director, "#continuity-dist .bars .point", timeout=30)
    _press(director, "continuity-lost-export-xlsx")
    exported = _downloaded(tmp_path, ".xlsx")
    assert exported.name == "continuity-lost.xlsx" and exported.read_bytes()[:2] == b"PK"
    assert console_errors(director) == []


def test_continuity_changes_grid_fetches_its_rows_page_by_page(director, live_server) -> None:  # type: ignore[no-untyped-def]
    # The clinician-change list is an infinite-row-model grid: its rows come from the server.
    _open(director, live_server, "/continuity", "#continuity-changes .ag-row")
    first = read_text(director, "#continuity-changes .ag-row [col-id='client_id']")
    assert first.startswith("K")  # a client id from the server, not a placeholder
    assert console_errors(director) == []
