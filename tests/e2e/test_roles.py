"""Each role, logged in through a real browser, sees only its own pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import console_errors, log_in, wait_for

NAV_PAGES = {
    "frontdesk": {"/schedule", "/waitlist", "/tasks", "/roster"},
    "clinician": {"/my-week", "/tasks", "/roster"},
    "director": {
        "/",
        "/schedule",
        "/waitlist",
        "/tasks",
        "/roster",
        "/my-week",
        "/caseloads",
        "/access",
        "/continuity",
        "/audit",
    },
}
FORBIDDEN = {"frontdesk": "/continuity", "clinician": "/audit"}
LANDING = {"frontdesk": "/schedule", "clinician": "/my-week", "director": "/"}


@pytest.mark.parametrize("username", sorted(NAV_PAGES))
def test_navbar_lists_exactly_the_pages_of_the_role(browser, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, username)
    wait_for(browser, ".navbar .nav-link")
    assert urlsplit(browser.current_url).path == LANDING[username]
    links = {
        urlsplit(a.get_attribute("href")).path
        for a in browser.find_elements(By.CSS_SELECTOR, ".navbar .nav-link")
    }
    assert links == NAV_PAGES[username]
    if username in FORBIDDEN:
        browser.get(live_server.url + FORBIDDEN[username])
        message = wait_for(browser, ".alert", text=True)
        assert "not available to your role" in message.text
    assert console_errors(browser) == []
