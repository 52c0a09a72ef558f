"""The application factory: ``create_app()`` returns a ready Dash app on its own Flask server."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Flask, Response, jsonify, redirect, request
from flask_caching import Cache
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from dashboard.auth.callbacks import ALERT_ID, is_unavailable
from dashboard.auth.web import init_auth
from dashboard.cache import source_digest
from dashboard.components.filters import FILTER_SYNC
from dashboard.components.navbar import LANDING, navbar
from dashboard.components.states import forbidden, unavailable
from dashboard.context import AppState, Clock
from dashboard.figures.theme import register_theme
from dashboard.memory import release_after_responses
from dashboard.settings import Settings
from db.engine import Database
from db.migrate import check_schema

log = logging.getLogger("careboard")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS = PROJECT_ROOT / "assets"


def _pages_folder() -> str:
    spec = importlib.util.find_spec("pages")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pages package is not installed (pip install -e .)")
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


def _make_cache(server: Flask, settings: Settings) -> Cache:
    if settings.redis_url:
        config: dict[str, Any] = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    config["CACHE_DEFAULT_TIMEOUT"] = 600
    config["CACHE_KEY_PREFIX"] = f"careboard:{source_digest()}:"
    return Cache(server, config=config)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, check: bool = True
) -> dash.Dash:
    """Build careboard for ``settings`` (default: from the environment).

    With ``check`` the database schema must be at the newest migration; otherwise startup
    stops with SchemaOutOfDate naming `careboard init-db`.
    """
    settings = settings or Settings.from_env()
    database = Database(
        settings.database_url,
        read_url=settings.database_read_url,
        statement_timeout_ms=settings.statement_timeout_ms,
    )
    if check:
        check_schema(database)
    server = Flask("careboard", instance_path=str(settings.instance_path))
    server.config["DEBUG"] = False  # never in production; `careboard serve` has no debug switch
    app_state = AppState(settings=settings, db=database, cache=_make_cache(server, settings))
    app_state.clock = clock
    server.extensions["careboard"] = app_state
    init_auth(server, app_state)
    _add_routes(server, app_state)
    release_after_responses(server)
    register_theme()

    app = dash.Dash(
        "careboard",
        server=server,
        use_pages=True,
        pages_folder=_pages_folder(),
        assets_folder=str(ASSETS),
        title="careboard",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=False,
        on_error=_on_callback_error,
    )
    app.layout = _shell
    FILTER_SYNC.register(app)
    _guard_pages()
    app_state.script_hashes = lambda: list(app.csp_hashes())
    app_state.callback_map = app.callback_map
    _finish_dash_setup(app)
    return app


def _finish_dash_setup(app: dash.Dash) -> None:
    """Run Dash's first-request setup now, before any request.

    Dash registers its scripts and the pages router lazily at a worker's first request, with a
    flag set before the work is done: under threads, a second request arriving meanwhile finds
    the scripts unregistered (500) or the router missing. Doing it here makes workers whole.
    """
    with app.server.test_request_context("/"):
        for setup in app.server.before_request_funcs[None]:
            if getattr(setup, "__module__", "").startswith("dash"):
                setup()


def _shell() -> html.Div:
    """The frame around every page; called per page load, for the logged-in user."""
    # Dash also calls this once at its first request, which may be an anonymous one.
    top = navbar(current_user._get_current_object()) if current_user.is_authenticated else None
    return html.Div(
        [
            top,
            dbc.Container(
                [
                    dbc.Alert(
                        id=ALERT_ID,
                        is_open=False,
                        dismissable=True,
                        className="mt-2",
                    ),
                    dash.page_container,
                ],
                fluid=True,
                className="pb-5",
            ),
            FILTER_SYNC.store(),
        ]
    )


def _guard_pages() -> None:
    """Wrap every registered page's layout with its role check (fail closed: no roles, no page)."""
    for page in dash.page_registry.values():
        page["layout"] = _guarded(page["layout"], frozenset(page.get("roles", ())))


def _guarded(layout: Any, roles: frozenset[str]) -> Any:
    def guarded(**kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return dcc.Location(id="to-login", href="/login", refresh=True)
        if current_user.role not in roles:
            return forbidden()
        try:
            return layout(**kwargs) if callable(layout) else layout
        except Exception as exc:  # noqa: BLE001 - a page that cannot load says so politely
            if is_unavailable(exc):
                return unavailable()
            log.error("page layout failed: %s", type(exc).__name__)
            log.debug("layout failure detail", exc_info=True)
            return dbc.Alert("This page could not be loaded. Please try again.", color="danger")

    return guarded


def _on_callback_error(exc: Exception) -> Any:
    """Safety net for callbacks outside secure_callback (Dash's own): no tracebacks out."""
    if isinstance(exc, HTTPException):
        raise exc
    log.error("unhandled callback error: %s", type(exc).__name__)
    log.debug("callback error detail", exc_info=exc)
    dash.set_props(ALERT_ID, {"children": "Something went wrong.", "is_open": True})
    return dash.no_update


def _add_routes(server: Flask, app_state: AppState) -> None:
    @server.get("/health")
    def health() -> tuple[Response, int]:
        ok = app_state.db.ping()
        return jsonify(status="ok" if ok else "unavailable"), 200 if ok else 503

    @server.before_request
    def land_by_role() -> Response | None:
        # "/" is the directors' overview; the others start where their work is.
        if request.path == "/" and request.method == "GET" and current_user.is_authenticated:
            target = LANDING.get(current_user.role, "/")
            if target != "/" and target in {p["path"] for p in dash.page_registry.values()}:
                return redirect(target)
        return None

    @server.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response | tuple[str, int]:
        if isinstance(exc, HTTPException):
            return exc.get_response()
        log.error("request to %s failed: %s", request.path, type(exc).__name__)
        log.debug("request failure detail", exc_info=True)
        if request.path == "/_dash-update-component" and isinstance(
            exc, KeyError | TypeError | ValueError | IndexError | AttributeError
        ):
            # Callbacks catch their own errors, so this is Dash failing to read the request.
            return "Malformed callback request.", 400
        if is_unavailable(exc):
            return "Data is temporarily unavailable.", 503
        return "Something went wrong on our side.", 500
