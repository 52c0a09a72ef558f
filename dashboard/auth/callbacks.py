"""``secure_callback``: the one wrapper every data callback goes through.

It learns the user and their clinician scope from the server session (never from the
callback's inputs, which a client can forge), checks the role, validates every input, audits
reads of client data, and turns bad input or an unreachable database into a polite message in
the page instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dash import no_update, set_props
from dash.exceptions import PreventUpdate
from flask import abort, g
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from dashboard.auth.validate import InvalidInput, Validator
from dashboard.context import AppState, state
from dashboard.metrics.common import Filters, Rules
from db.accounts import SessionUser
from db.audit import Actor, audit_values, record
from db.engine import Database

log = logging.getLogger("careboard.callbacks")

ALERT_ID = "app-alert"
UNAVAILABLE = "Data is temporarily unavailable. Please try again in a moment."
FAILED = "Something went wrong on our side (reference {ref}). Nothing you entered was lost."
SECURE_MARK = "careboard_secure"
NoUpdate = type(no_update)


@dataclass
class CallbackContext:
    """What a secured callback knows about its caller, taken from the server session."""

    user: SessionUser
    app: AppState
    target: str
    client_ids: set[str] = field(default_factory=set)
    # A cached callback computes "as of the minute", so that its result is a function of the
    # data version, the caller's scope, its inputs and the minute (see ``cached_call``).
    frozen_now: dt.datetime | None = None
    # A cached callback's key: what its result is a function of (``result_token``).
    result_key: str | None = None

    @property
    def db(self) -> Database:
        return self.app.db

    @property
    def rules(self) -> Rules:
        return self.app.rules

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def scope(self) -> str | None:
        """The clinician a clinician user is limited to; None for the other roles."""
        return self.user.clinician_id if self.user.role == "clinician" else None

    def now(self) -> dt.datetime:
        return self.frozen_now or self.app.now()

    def result_token(self) -> str:
        """A short name for what this result depends on: the same for the same cached key (data
        version, scope, inputs, minute), new on every call of an uncached callback."""
        if self.result_key is None:
            return secrets.token_hex(8)
        return hashlib.sha256(self.result_key.encode()).hexdigest()[:16]

    def actor(self) -> Actor:
        return Actor(self.user.user_id, self.user.username, self.user.role)

    def vocabulary(self, kind: str) -> frozenset[str]:
        from dashboard.components.filters import practice_options  # uses this module

        cache = g.setdefault("careboard_vocabulary", {})
        if kind not in cache:
            options = practice_options(self.app)
            names = {
                "clinician": [clinician_id for clinician_id, _ in options.clinicians],
                "program": options.programs,
                "location": options.locations,
            }
            if kind not in names:
                raise ValueError(f"unknown vocabulary {kind!r}")
            cache[kind] = frozenset(names[kind])
        return cache[kind]

    def scoped(self, filters: Filters) -> Filters:
        """The filters with a clinician user's own scope forced on, whatever was posted."""
        return filters.with_clinician(self.scope) if self.scope else filters

    def note_clients(self, client_ids: Iterable[str]) -> None:
        """Record which clients' rows this response carries, for the audit trail."""
        self.client_ids.update(str(c) for c in client_ids if c is not None)

    def audit(self, action: str, outcome: str, *, detail: str | None = None, **kw: Any) -> None:
        # The moment of the request, not the minute a cached result is "as of".
        record(
            self.db,
            audit_values(
                self.actor(), action, self.target, outcome, self.app.now(), detail=detail, **kw
            ),
        )


def polite(message: str, color: str = "warning") -> Any:
    """Show ``message`` in the page's alert and change nothing else."""
    set_props(ALERT_ID, {"children": message, "color": color, "is_open": True})
    g.careboard_polite = True  # a message for this request only: never cached
    return no_update


def is_unavailable(exc: BaseException) -> bool:
    """A database that does not answer (down, restarting, timed out), not a bug."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def secure_callback(
    *,
    roles: Collection[str],
    args: Sequence[Validator],
    phi: bool = False,
    target: str | None = None,
    cache: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a Dash callback ``fn(ctx, *validated_args)``; see the module docstring.

    ``args`` validate the callback's Inputs and States in order. ``phi=True`` marks a callback
    that returns client-level rows: each call is audited with the clients it noted. ``target``
    names it in the audit log (default ``module.function``: a page's part module or a shared
    component says which page it serves). ``cache=True`` (read-only callbacks whose outputs
    depend on nothing but the data, the caller's role and scope, the inputs and the time) serves
    a stored result for the same data version, scope, inputs and minute.
    """
    allowed = frozenset(roles)
    named = target

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        target = named or f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"

        @functools.wraps(fn)
        def wrapper(*raw: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            ctx = CallbackContext(
                user=current_user._get_current_object(), app=state(), target=target
            )
            if ctx.role not in allowed:
                ctx.audit("read", "denied", detail="role not allowed")
                abort(403)
            try:
                values = _validate(args, raw, ctx)
            except InvalidInput as exc:
                ctx.audit("read", "invalid", detail=str(exc))
                return polite(f"That request was not understood: {exc}.")
            if cache:
                return _run_cached(fn, ctx, values, phi)
            return _run(fn, ctx, values, phi)

        marks = {"roles": allowed, "phi": phi, "target": target, "cache": cache}
        setattr(wrapper, SECURE_MARK, marks)
        return wrapper

    return decorate


def _validate(args: Sequence[Validator], raw: Sequence[Any], ctx: CallbackContext) -> list[Any]:
    if len(raw) != len(args):
        raise InvalidInput("wrong number of inputs")
    return [validator(value, ctx) for validator, value in zip(args, raw, strict=True)]


def _run(fn: Callable[..., Any], ctx: CallbackContext, values: list[Any], phi: bool) -> Any:
    try:
        result = fn(ctx, *values)
    except (PreventUpdate, HTTPException):
        raise
    except InvalidInput as exc:
        ctx.audit("read", "invalid", detail=str(exc))
        return polite(f"That request was not understood: {exc}.")
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message, never a traceback
        if is_unavailable(exc):
            log.warning("database unavailable in %s: %s", ctx.target, type(exc).__name__)
            return polite(UNAVAILABLE, color="danger")
        ref = secrets.token_hex(4)
        # The exception type and reference only: messages can carry client data.
        log.error("callback %s failed (ref %s): %s", ctx.target, ref, type(exc).__name__)
        log.debug("callback failure detail", exc_info=True)
        return polite(FAILED.format(ref=ref), color="danger")
    if phi:
        ctx.audit("read", "ok", client_ids=sorted(ctx.client_ids))
    return result


def _run_cached(fn: Callable[..., Any], ctx: CallbackContext, values: list[Any], phi: bool) -> Any:
    """``_run`` through the cache. A hit still notes and audits the clients it carries, so the
    audit trail is the same either way; a polite message or a partial update is never stored."""
    from dashboard.cache import MISS, cache_key, plain

    ctx.frozen_now = ctx.app.now().replace(second=0, microsecond=0)
    try:
        key = cache_key(ctx, ctx.target, (values, ctx.frozen_now))
    except Exception as exc:  # noqa: BLE001 - the database is down: say so as _run would
        if is_unavailable(exc):
            return polite(UNAVAILABLE, color="danger")
        raise
    ctx.result_key = key
    stored = ctx.app.cache.get(key)
    if stored is not None and stored is not MISS:
        result, client_ids = stored
        ctx.note_clients(client_ids)
        if phi:
            ctx.audit("read", "ok", client_ids=sorted(ctx.client_ids))
        return result
    result = _run(fn, ctx, values, phi)
    if not g.get("careboard_polite") and not _partial(result):
        ctx.app.cache.set(key, (plain(result), sorted(ctx.client_ids)))
    return result


def _partial(result: Any) -> bool:
    """Whether a callback result leaves some output unchanged (``no_update``)."""
    if isinstance(result, NoUpdate):
        return True
    return isinstance(result, list | tuple) and any(isinstance(r, NoUpdate) for r in result)


def is_secured(callback_fn: Callable[..., Any]) -> bool:
    """Whether a registered Dash callback function went through secure_callback."""
    return getattr(callback_fn, SECURE_MARK, None) is not None
