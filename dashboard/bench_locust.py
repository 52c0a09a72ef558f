"""The load test, run in a process of its own: ``python -m dashboard.bench_locust PLAN OUT``.

Locust (library mode, headless) starts the plan's users; each logs in as its role's bench user,
then opens pages of its role over and over: it posts all of a page's filter callbacks at once,
as the browser does, with one of the page's filter combinations, and thinks 1 to 3 s. Only the
callback requests count in the percentile; a request fails on an HTTP error or when the page
would show an error. The summary is written to OUT as JSON.

PLAN (JSON): {"host", "users", "seconds", "accounts": {role: [username, password]},
"pages": {role: {page: {callback: [body, ...]}}}}.
"""

# gevent must patch the standard library before anything imports ssl or sockets.
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from typing import Any  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)

import urllib3.util  # noqa: E402
import urllib3.util.ssl_  # noqa: E402

# locust >= 2.33 imports this name, which urllib3 1.26 (pinned by selenium 4.2) keeps in ssl_.
if not hasattr(urllib3.util, "create_urllib3_context"):
    urllib3.util.create_urllib3_context = urllib3.util.ssl_.create_urllib3_context

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import numpy as np  # noqa: E402
from locust import FastHttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# Set when the run's time is up; the callback requests still in flight (a list: mutable).
STOPPING = gevent.event.Event()
IN_FLIGHT = [0]
DRAIN_SECONDS = 120.0
ERROR_TEXTS = ("Something went wrong", "was not understood", "temporarily unavailable")


def user_class(plan: dict[str, Any]) -> type[FastHttpUser]:
    roles = sorted(plan["pages"])
    counter = iter(range(10**9))

    class CareboardUser(FastHttpUser):
        host = plan["host"]
        wait_time = between(1, 3)
        concurrency = 8

        def on_start(self) -> None:
            self.role = roles[next(counter) % len(roles)]
            username, password = plan["accounts"][self.role]
            page = self.client.get("/login", name="login").text
            token = CSRF_FIELD.search(page).group(1)
            form = {"username": username, "password": password, "csrf_token": token}
            self.client.post("/login", data=form, name="login", allow_redirects=False)
            self.client.get("/health", name="login")
            self.csrf = next(
                (c.value for c in self.client.cookiejar if c.name == "_csrf_token"), ""
            )

        @task
        def open_page(self) -> None:
            if STOPPING.is_set():  # the run is over: no new page, let the open ones finish
                gevent.sleep(1)
                return
            page, callbacks = random.choice(list(plan["pages"][self.role].items()))
            pick = random.randrange(1 << 30)
            posts = [
                gevent.spawn(self.post, f"cb {page}.{name}", bodies[pick % len(bodies)])
                for name, bodies in callbacks.items()
            ]
            gevent.joinall(posts)

        def post(self, name: str, body: dict[str, Any]) -> None:
            IN_FLIGHT[0] += 1
            try:
                self._post(name, body)
            finally:
                IN_FLIGHT[0] -= 1

        def _post(self, name: str, body: dict[str, Any]) -> None:
            headers = {"X-CSRFToken": self.csrf, "Content-Type": "application/json"}
            with self.client.post(
                "/_dash-update-component",
                data=json.dumps(body),
                headers=headers,
                name=name,
                catch_response=True,
            ) as response:
                if response.status_code not in (200, 204):
                    # No status: the request never got an answer; say why (reset, timeout).
                    reason = f": {type(response.error).__name__}" if response.error else ""
                    response.failure(f"HTTP {response.status_code}{reason}")
                elif any(text in (response.text or "") for text in ERROR_TEXTS):
                    response.failure("error shown in the page")
                else:
                    response.success()

    return CareboardUser


def run(plan: dict[str, Any]) -> dict[str, Any]:
    times: list[float] = []
    failures: list[str] = []

    def on_request(name: str, response_time: float, exception: Any, **_kw: Any) -> None:
        if not name.startswith("cb "):
            if exception:
                failures.append(f"{name}: {exception}")
            return
        times.append(response_time)
        if exception:
            failures.append(f"{name}: {exception}")

    env = Environment(user_classes=[user_class(plan)])
    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    runner.start(plan["users"], spawn_rate=plan["users"])
    gevent.sleep(plan["seconds"])
    # Stop starting pages and wait for the requests in flight: stopping the users at once
    # would cut them off, and each would count as a failed request (HTTP 0).
    STOPPING.set()
    waited = 0.0
    while IN_FLIGHT[0] and waited < DRAIN_SECONDS:
        gevent.sleep(0.1)
        waited += 0.1
    runner.quit()
    return {
        "users": plan["users"],
        "seconds": plan["seconds"],
        "requests": len(times),
        "p95_ms": float(np.percentile(times, 95)) if times else None,
        "median_ms": float(np.percentile(times, 50)) if times else None,
        "errors": len(failures),
        "error_samples": sorted(set(failures))[:10],
    }


def main() -> None:
    plan_path, out_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as handle:
        plan = json.load(handle)
    summary = run(plan)
    with open(out_path, "w") as handle:
        json.dump(summary, handle)


if __name__ == "__main__":
    main()
