"""The callback requests the benchmark replays: every filter callback of every page, per role,
with several filter combinations, built from the pages' own layouts.

A page's layout (as the browser receives it) gives each control's initial value and its
options; each combination changes the period or one choice at a time, like a user would. A
"filter callback" is a secured callback that follows filter controls (a value, a date or a
period) or only stores the layout fills (the page's first load); callbacks driven by clicks,
selections and buttons are actions and are not timed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dash
from flask.testing import FlaskClient

from dashboard.auth.callbacks import SECURE_MARK

FILTER_PROPS = frozenset({"value", "date", "start_date", "end_date"})
# A grid paged on the server asks for its first block of rows as the page loads (and again
# after each filter change): that request is timed with the filter callbacks.
ROWS_REQUEST = "getRowsRequest"
PAGES_CONTENT = "_pages_content"
MAX_COMBINATIONS = 12
# Shifts of a period picker (days back of the end for the start; days to move both) and of a
# single date, for the three period combinations.
PERIOD_SHIFTS = (
    ("12 weeks", 83, 0, -7),
    ("12 months", 364, 0, 7),
    ("4 weeks earlier", 27, -28, -28),
)


@dataclass(frozen=True)
class BenchRequest:
    """One callback request as a browser would post it."""

    page: str
    callback: str
    role: str
    combination: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Page:
    name: str  # the page module's short name
    path: str
    roles: frozenset[str]


def pages(clinician_id: str) -> list[Page]:
    """Every registered page, with a concrete path (a clinician's page: ``clinician_id``)."""
    found = []
    for page in dash.page_registry.values():
        path = page.get("path_template") or page["path"]
        path = path.replace("<clinician_id>", clinician_id)
        name = page["module"].rsplit(".", 1)[-1]
        found.append(Page(name, path, frozenset(page.get("roles", ()))))
    return sorted(found, key=lambda p: p.name)


# --- what a browser would post ------------------------------------------------------------------


def callback_body(app: dash.Dash, key: str, values: list[Any]) -> dict[str, Any]:
    """A /_dash-update-component body for the callback ``key`` (as dash-renderer builds it)."""
    spec = app.callback_map[key]
    deps = spec["inputs"] + spec["state"]
    args = [{**dep, "value": value} for dep, value in zip(deps, values, strict=True)]
    outputs = [_output(part) for part in _output_parts(key)]
    n_inputs = len(spec["inputs"])
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": args[:n_inputs],
        "state": args[n_inputs:],
        "changedPropIds": [f"{dep['id']}.{dep['property']}" for dep in spec["inputs"][:1]],
    }


def _output_parts(key: str) -> list[str]:
    return key.strip(".").split("...") if key.startswith("..") else [key]


def _output(part: str) -> dict[str, Any]:
    component, _, prop = part.rpartition(".")
    try:
        parsed: Any = json.loads(component)
    except ValueError:
        parsed = component
    return {"id": parsed, "property": prop}


def find(document: Any, component_id: str) -> dict[str, Any] | None:
    """The component with ``component_id`` in a serialised layout."""
    if isinstance(document, dict):
        if document.get("props", {}).get("id") == component_id:
            return document
        values: Any = document.values()
    elif isinstance(document, list):
        values = document
    else:
        return None
    for value in values:
        found = find(value, component_id)
        if found is not None:
            return found
    return None


def holds(document: Any, component_type: str) -> bool:
    """Whether a serialised layout holds a component of ``component_type`` (e.g. "Graph")."""
    if isinstance(document, dict):
        return document.get("type") == component_type or any(
            holds(value, component_type) for value in document.values()
        )
    if isinstance(document, list):
        return any(holds(item, component_type) for item in document)
    return False


def page_layout(client: FlaskClient, app: dash.Dash, path: str, csrf: str) -> Any:
    """The page's layout for the logged-in user, through Dash's pages callback."""
    key = next(k for k in app.callback_map if PAGES_CONTENT in k)
    body = callback_body(app, key, [path, ""] + [None] * (_width(app, key) - 2))
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        headers={"X-CSRFToken": csrf, "Content-Type": "application/json"},
    )
    if response.status_code != 200:
        raise RuntimeError(f"{path}: the layout request answered {response.status_code}")
    return response.get_json()["response"][PAGES_CONTENT]["children"]


def _width(app: dash.Dash, key: str) -> int:
    spec = app.callback_map[key]
    return len(spec["inputs"]) + len(spec["state"])


# --- the page's controls and their combinations -------------------------------------------------


class Controls:
    """The controls of one page as the user sees them: component ids, props and values."""

    def __init__(self, app: dash.Dash, layout: Any, shell: Any) -> None:
        self.app = app
        self.documents = (layout, shell)
        self.records = _record_stores(app)

    def component(self, component_id: str) -> dict[str, Any] | None:
        for document in self.documents:
            found = find(document, component_id)
            if found is not None:
                return found
        return None

    def has(self, dep: dict[str, Any]) -> bool:
        key = f"{dep['id']}.{dep['property']}"
        return key in self.records or self.component(dep["id"]) is not None

    def expand(self, deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``deps`` with each browser-filled record store replaced by the controls it holds."""
        found: list[dict[str, Any]] = []
        for dep in deps:
            record = self.records.get(f"{dep['id']}.{dep['property']}")
            found.extend(self.expand(record[0]) if record else [dep])
        return found

    def value(self, dep: dict[str, Any], changes: dict[tuple[str, str], Any]) -> Any:
        """The control's value with ``changes``; a store filled in the browser from filter
        controls (clientside "record") is rebuilt from them."""
        key = f"{dep['id']}.{dep['property']}"
        if key in self.records:
            inputs, keys_dep = self.records[key]
            keys = self.value(keys_dep, changes) or []
            return dict(zip(keys, (self.value(i, changes) for i in inputs), strict=False))
        where = (dep["id"], dep["property"])
        if where in changes:
            return changes[where]
        component = self.component(dep["id"])
        if component is not None and dep["property"] == ROWS_REQUEST:
            return first_block(component)
        return None if component is None else component["props"].get(dep["property"])


def first_block(grid: dict[str, Any]) -> dict[str, Any]:
    """The request an infinite-row-model grid makes for its first block of rows."""
    options = grid["props"].get("dashGridOptions") or {}
    size = int(options.get("cacheBlockSize") or 100)
    return {"startRow": 0, "endRow": size, "sortModel": [], "filterModel": {}}


def _record_stores(app: dash.Dash) -> dict[str, tuple[list[dict], dict]]:
    """Stores a clientside ``record`` callback fills: their inputs and the keys' store."""
    found = {}
    for spec in getattr(app, "_callback_list", []):
        function = (spec.get("clientside_function") or {}).get("function_name")
        if function == "record" and spec.get("state"):
            found[spec["output"]] = (spec["inputs"], spec["state"][-1])
    return found


def is_filter_callback(key: str, spec: dict[str, Any], controls: Controls) -> bool:
    """Secured, reachable from this page, and following filters (or only the page's stores)."""
    if getattr(spec.get("callback"), SECURE_MARK, None) is None:
        return False
    deps = spec["inputs"] + spec["state"]
    if not deps or not all(controls.has(dep) for dep in deps):
        return False
    if not all(controls.component(str(_output(part)["id"])) for part in _output_parts(key)):
        return False  # another page's callback on the same shared filter bar
    inputs = spec["inputs"]
    follows_filters = any(
        dep["property"] in FILTER_PROPS
        or dep["property"] == ROWS_REQUEST
        or f"{dep['id']}.{dep['property']}" in controls.records
        for dep in inputs
    )
    page_load = all(dep["property"] == "data" for dep in inputs)
    return follows_filters or page_load


def combinations(controls: Controls, deps: list[dict[str, Any]]) -> Iterator[tuple[str, dict]]:
    """(name, changes) of the layout's values: as loaded, three periods, each choice alone,
    and the longest period with the first choice."""
    yield "as loaded", {}
    ranges = [d for d in deps if d["property"] == "start_date"]
    singles = [d for d in deps if d["property"] == "date"]
    choices = [d for d in deps if d["property"] == "value" and _options(controls, d)]
    for name, days, move, single_move in PERIOD_SHIFTS if ranges or singles else ():
        changes: dict[tuple[str, str], Any] = {}
        for dep in ranges:
            end = _date(controls.value({**dep, "property": "end_date"}, {}))
            if end is not None:
                end += dt.timedelta(days=move)
                changes[(dep["id"], "start_date")] = (end - dt.timedelta(days=days)).isoformat()
                changes[(dep["id"], "end_date")] = end.isoformat()
        for dep in singles:
            day = _date(controls.value(dep, {}))
            if day is not None:
                changes[(dep["id"], "date")] = (day + dt.timedelta(days=single_move)).isoformat()
        yield name, changes
    for position, dep in enumerate(choices):
        yield f"{dep['id']} set", {(dep["id"], "value"): _pick(controls, dep, position)}
    if choices and (ranges or singles):
        _, longest = next(c for c in combinations(controls, deps) if c[0] == "12 months")
        first = choices[0]
        yield (
            f"12 months, {first['id']} set",
            {**longest, **{(first["id"], "value"): _pick(controls, first, 0)}},
        )


def _options(controls: Controls, dep: dict[str, Any]) -> list[Any]:
    component = controls.component(dep["id"])
    if component is None or component["props"].get("disabled"):
        return []
    options = component["props"].get("options") or []
    return [o.get("value") if isinstance(o, dict) else o for o in options]


def _pick(controls: Controls, dep: dict[str, Any], position: int) -> Any:
    """An option other than the current one, spread over the list; a list for multi-selects."""
    options = _options(controls, dep)
    current = controls.value(dep, {})
    candidates = [o for o in options if o != current] or options
    chosen = candidates[(position * 7 + 1) % len(candidates)]
    component = controls.component(dep["id"]) or {"props": {}}
    return [chosen] if component["props"].get("multi") else chosen


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def page_requests(
    app: dash.Dash,
    page: Page,
    role: str,
    layout: Any,
    shell: Any,
    limit: int = MAX_COMBINATIONS,
) -> list[BenchRequest]:
    """The page's filter callbacks for ``role``, each with its distinct combinations."""
    controls = Controls(app, layout, shell)
    found = []
    for key, spec in app.callback_map.items():
        mark = getattr(spec.get("callback"), SECURE_MARK, None)
        if mark is None or role not in mark["roles"] or not is_filter_callback(key, spec, controls):
            continue
        deps = spec["inputs"] + spec["state"]
        name = mark["target"].rsplit(".", 1)[-1]
        seen: set[str] = set()
        for label, changes in combinations(controls, controls.expand(deps)):
            values = [controls.value(dep, changes) for dep in deps]
            body = callback_body(app, key, values)
            signature = json.dumps(body, sort_keys=True, default=str)
            if signature in seen:
                continue
            seen.add(signature)
            found.append(BenchRequest(page.name, name, role, label, body))
            if len(seen) >= limit:
                break
    return found
