"""The home page (the directors' overview) in a real browser, on gunicorn and the demo
practice."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from tests.e2e.conftest import console_errors, log_in, wait_for

NUMBER = re.compile(r"^\d[\d,]*$")
PERCENT = re.compile(r"^\d[\d,]*%$")


def test_home_page_shows_real_numbers_without_console_errors(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, "director")
    # The cards come from a callback per group; wait for one card of each.
    for card in ("kpi-booked", "kpi-waitlist", "kpi-coc", "kpi-lost", "kpi-overdue"):
        wait_for(browser, f"#{card} .kpi-value", text=True)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".home-cards .kpi-card")) == 13
    values = {
        card: browser.find_element(By.CSS_SELECTOR, f"#{card} .kpi-value").text
        for card in ("kpi-booked", "kpi-active", "kpi-waitlist")
    }
    # Booked utilization is a percentage; active caseload and open waitlist are counts.
    assert PERCENT.match(values["kpi-booked"]), values["kpi-booked"]
    assert 0 < int(values["kpi-booked"].rstrip("%")) < 200
    for card in ("kpi-active", "kpi-waitlist"):
        assert NUMBER.match(values[card]), f"{card} shows {values[card]!r}"
    # A practice of 25 clinicians has hundreds of clients on its caseloads.
    assert int(values["kpi-active"].replace(",", "")) > 300
    assert console_errors(browser) == []


def test_anonymous_browser_lands_on_the_login_form(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    browser.get(live_server.url + "/")
    assert "/login" in browser.current_url
    assert browser.find_element(By.NAME, "username")
