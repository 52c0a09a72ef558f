"""Validators for callback inputs: every value a browser posts is untrusted.

A validator is a callable ``(value, ctx) -> cleaned value`` that raises InvalidInput with a
message fit to show a user. Dash lets a client post any value to any callback, so each
argument of a secured callback names one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboard.auth.callbacks import CallbackContext

Validator = Callable[[Any, "CallbackContext"], Any]

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
MAX_TEXT = 2000


class InvalidInput(ValueError):
    """An input outside its allowed set or range; the message is shown to the user."""


def _optional(value: Any, optional: bool, what: str) -> bool:
    """True when the value is absent and that is allowed; raise when it is not allowed."""
    if value is None or value == "" or value == []:
        if optional:
            return True
        raise InvalidInput(f"{what} is required")
    return False


def choice(values: Iterable[str], *, optional: bool = True, what: str = "value") -> Validator:
    allowed = frozenset(values)

    def check(value: Any, _ctx: CallbackContext) -> str | None:
        if _optional(value, optional, what):
            return None
        if not isinstance(value, str) or value not in allowed:
            raise InvalidInput(f"{what} is not one of the allowed values")
        return value

    return check


def known(kind: str, *, optional: bool = True) -> Validator:
    """A clinician id, program or location that exists in the practice."""

    def check(value: Any, ctx: CallbackContext) -> str | None:
        if _optional(value, optional, kind):
            return None
        if not isinstance(value, str) or value not in ctx.vocabulary(kind):
            raise InvalidInput(f"unknown {kind}")
        return value

    return check


def date(*, optional: bool = True, what: str = "date") -> Validator:
    def check(value: Any, _ctx: CallbackContext) -> dt.date | None:
        if _optional(value, optional, what):
            return None
        if not isinstance(value, str) or len(value) > 32:
            raise InvalidInput(f"{what} is not a date")
        try:
            parsed = dt.date.fromisoformat(value[:10])
        except ValueError as exc:
            raise InvalidInput(f"{what} is not a date (YYYY-MM-DD)") from exc
        if not EARLIEST <= parsed <= LATEST:
            raise InvalidInput(f"{what} is out of range")
        return parsed

    return check


def integer(lo: int, hi: int, *, optional: bool = True, what: str = "number") -> Validator:
    def check(value: Any, _ctx: CallbackContext) -> int | None:
        if _optional(value, optional, what):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{what} is not a number")
        if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
            raise InvalidInput(f"{what} is not a whole number")
        if not lo <= value <= hi:
            raise InvalidInput(f"{what} is out of range")
        return int(value)

    return check


def clicks() -> Validator:
    """A button's n_clicks: absent or a non-negative count."""
    return integer(0, 10**9, what="click count")


def text(*, max_length: int = 500, optional: bool = True, what: str = "text") -> Validator:
    def check(value: Any, _ctx: CallbackContext) -> str | None:
        if _optional(value, optional, what):
            return None
        if not isinstance(value, str):
            raise InvalidInput(f"{what} is not text")
        if len(value) > min(max_length, MAX_TEXT):
            raise InvalidInput(f"{what} is longer than {max_length} characters")
        return value.strip()

    return check


def boolean() -> Validator:
    def check(value: Any, _ctx: CallbackContext) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InvalidInput("expected true or false")
        return value

    return check


def list_of(item: Validator, *, max_items: int = 200) -> Validator:
    def check(value: Any, ctx: CallbackContext) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > max_items:
            raise InvalidInput("expected a list")
        return [item(v, ctx) for v in value]

    return check


def record(fields: Mapping[str, Validator], *, optional: bool = True) -> Validator:
    """A dict with the named fields (others are dropped), each validated."""

    def check(value: Any, ctx: CallbackContext) -> dict[str, Any] | None:
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise InvalidInput("expected a record")
        return {name: validator(value.get(name), ctx) for name, validator in fields.items()}

    return check


def ignored() -> Validator:
    """An input whose value is never used (a trigger such as a timer or a URL change)."""

    def check(_value: Any, _ctx: CallbackContext) -> None:
        return None

    return check
