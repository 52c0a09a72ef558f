"""What a browser puts in the URL never reaches gunicorn's log."""

from __future__ import annotations

import time

from tests.e2e.conftest import log_in, wait_for


def test_client_ids_in_urls_stay_out_of_the_access_log(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, "director")
    wait_for(browser, ".navbar .nav-link")
    browser.get(f"{live_server.url}/tasks?client=K00042&kind=outreach")
    wait_for(browser, ".navbar .nav-link")
    time.sleep(1)  # let gunicorn flush the access line
    log = (live_server.instance / "gunicorn.log").read_text()
    assert "GET /tasks" in log
    assert "K00042" not in log and "client=" not in log
