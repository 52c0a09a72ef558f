"""A clinician's week and the task queue in a real browser, on gunicorn and the demo practice.

Both tests write (a task marked done, a note) on the shared live server: each takes the open
task due last in its own queue, a row no other test counts on.
"""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from tests.e2e.conftest import console_errors, log_in, read_text, rereading_wait, wait_for

GRID_ROWS = "#tasks-grid .ag-center-cols-container .ag-row"
HOURS = re.compile(r"^\d[\d,]*\.\d h$")


def open_count(browser) -> int:  # type: ignore[no-untyped-def]
    return int(read_text(browser, "#tasks-kpi-open .kpi-value").replace(",", ""))


def select_last_task(browser) -> str:  # type: ignore[no-untyped-def]
    """Sort the queue by due date, latest first, and select its first row; its client."""
    wait_for(browser, GRID_ROWS)
    header = browser.find_element(By.CSS_SELECTOR, "#tasks-grid .ag-header-cell[col-id='due']")
    header.click()  # ascending
    header.click()  # descending
    row = wait_for(browser, f"{GRID_ROWS}[row-index='0']")
    client = row.find_element(By.CSS_SELECTOR, "[col-id='client']").text
    row.find_element(By.CSS_SELECTOR, "[col-id='kind_label']").click()
    wait_for(browser, "#tasks-detail dl")
    assert client in browser.find_element(By.ID, "tasks-detail").text
    return client


def wait_for_message(browser, text: str) -> None:  # type: ignore[no-untyped-def]
    rereading_wait(browser, 20).until(lambda d: text in d.find_element(By.ID, "tasks-message").text)


def test_clinician_sees_her_week_and_completes_a_task(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, "clinician")
    # A clinician lands on her week.
    wait_for(browser, "#week-kpi-booked .kpi-value", text=True)
    assert browser.current_url.endswith("/my-week")
    for card in ("week-kpi-booked", "week-kpi-kept", "week-kpi-next"):
        value = browser.find_element(By.CSS_SELECTOR, f"#{card} .kpi-value").text
        assert HOURS.match(value), f"{card} shows {value!r}"
    assert re.match(
        r"^\d+ of \d+$", browser.find_element(By.CSS_SELECTOR, "#week-kpi-sessions .kpi-value").text
    )
    wait_for(browser, "#week-caseload .ag-center-cols-container .ag-row")
    wait_for(browser, "#week-schedule .ag-center-cols-container .ag-row")
    assert browser.find_elements(By.CSS_SELECTOR, "#week-load .js-plotly-plot")
    # No clinician chooser for a clinician.
    assert not browser.find_element(By.ID, "week-clinician").is_displayed()

    browser.get(f"{live_server.url}/tasks")
    before = open_count(browser)
    select_last_task(browser)
    browser.find_element(By.ID, "tasks-done").click()
    wait_for_message(browser, "Saved.")
    rereading_wait(browser, 20).until(lambda d: open_count(d) == before - 1)
    assert "marked done by clinician" in browser.find_element(By.ID, "tasks-detail").text
    # A second click changes nothing.
    browser.find_element(By.ID, "tasks-done").click()
    wait_for_message(browser, "Already saved.")
    assert console_errors(browser) == []


def test_front_desk_works_the_outreach_queue(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, "frontdesk")
    browser.get(f"{live_server.url}/tasks?kind=outreach")
    before = open_count(browser)
    assert before > 0
    kinds = {
        cell.text
        for cell in browser.find_elements(By.CSS_SELECTOR, f"{GRID_ROWS} [col-id='kind_label']")
    }
    assert kinds == {"Outreach"}
    select_last_task(browser)
    note = browser.find_element(By.ID, "tasks-note-text")
    note.send_keys("Left a voicemail; will try again tomorrow")
    browser.find_element(By.ID, "tasks-note").click()
    wait_for_message(browser, "Saved.")
    rereading_wait(browser, 20).until(
        lambda d: "frontdesk: Left a voicemail" in d.find_element(By.ID, "tasks-detail").text
    )
    assert note.get_attribute("value") == ""
    browser.find_element(By.ID, "tasks-done").click()
    wait_for_message(browser, "Saved.")
    rereading_wait(browser, 20).until(lambda d: open_count(d) == before - 1)
    # The front desk never sees the clinical kinds, nor a reassign control.
    page = browser.find_element(By.TAG_NAME, "body").text
    for clinical in ("Alliance check", "Post-discharge", "Plan review"):
        assert clinical not in page
    assert not browser.find_element(By.ID, "tasks-reassign").is_displayed()
    assert console_errors(browser) == []


def choose(browser, dropdown_id: str, skip: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Open a dropdown and pick its first option other than ``skip``; the option's value."""
    browser.find_element(By.ID, dropdown_id).click()
    options = rereading_wait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[role=option]")
    )
    for option in options:
        value = option.find_element(By.TAG_NAME, "input").get_attribute("value")
        if value != skip:
            option.click()
            return value
    raise AssertionError(f"no other option in {dropdown_id}")


def test_week_and_task_filters_are_kept_in_the_url(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, "director")
    wait_for(browser, ".navbar", timeout=30)
    # My week reads the director's choice of clinician from the URL and writes a new one back.
    browser.get(f"{live_server.url}/my-week?clinician=C002")
    rereading_wait(browser, 20).until(
        lambda d: d.find_element(By.ID, "week-title").text.startswith("Week of ")
    )
    title = browser.find_element(By.ID, "week-title").text
    chosen = choose(browser, "week-clinician", skip="C002")
    rereading_wait(browser, 20).until(lambda d: f"clinician={chosen}" in d.current_url)
    rereading_wait(browser, 20).until(lambda d: d.find_element(By.ID, "week-title").text != title)

    # The task queue writes its bar back: the default status at once, a new due filter on change.
    browser.get(f"{live_server.url}/tasks?kind=outreach")
    wait_for(browser, "#tasks-kpi-open .kpi-value", text=True)
    rereading_wait(browser, 20).until(
        lambda d: "kind=outreach" in d.current_url and "status=open" in d.current_url
    )
    assert choose(browser, "tasks-due") == "overdue"
    rereading_wait(browser, 20).until(lambda d: "due=overdue" in d.current_url)
    assert "kind=outreach" in browser.current_url
    assert console_errors(browser) == []
