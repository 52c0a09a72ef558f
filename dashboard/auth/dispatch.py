"""Shape checks of Dash callback requests, before Dash's dispatcher sees them.

Dash trusts the body of ``/_dash-update-component``: a malformed one makes it raise and answer
500. These checks turn every body that does not match a registered callback into a 400.
"""

from __future__ import annotations

from typing import Any

MAX_ITEMS = 500


def _dependency_ok(item: Any, spec: dict[str, Any]) -> bool:
    if isinstance(item, list):  # a pattern-matching (ALL / ALLSMALLER) input
        return (
            isinstance(spec.get("id"), dict)
            and all(isinstance(entry, dict) and isinstance(entry.get("id"), dict) for entry in item)
            and len(item) <= MAX_ITEMS
        )
    if not isinstance(item, dict) or item.get("property") != spec.get("property"):
        return False
    expected = spec.get("id")
    if isinstance(expected, dict):
        return isinstance(item.get("id"), dict)
    return item.get("id") == expected


def _dependencies_ok(items: Any, specs: list[dict[str, Any]]) -> bool:
    if items is None:
        items = []
    if not isinstance(items, list) or len(items) != len(specs):
        return False
    return all(_dependency_ok(item, spec) for item, spec in zip(items, specs, strict=True))


def dispatch_problem(body: Any, callback_map: dict[str, Any]) -> str | None:
    """Why ``body`` is not a well-formed request for a registered callback, or None."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "no such callback"
    spec = callback_map[output]
    outputs = body.get("outputs")
    if not isinstance(outputs, dict | list):
        return "outputs missing"
    if isinstance(outputs, list) and not all(isinstance(o, dict | list) for o in outputs):
        return "outputs malformed"
    if not _dependencies_ok(body.get("inputs"), spec.get("inputs", [])):
        return "inputs do not match the callback"
    if not _dependencies_ok(body.get("state"), spec.get("state", [])):
        return "state does not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds malformed"
    return None
