"""The `careboard` command: database, data, users, metrics, tasks and the web server."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from dashboard.settings import ConfigError, Settings
from db.engine import Database, SchemaOutOfDate
from db.migrate import check_schema, upgrade
from db.timeutil import now_local, to_local_naive


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"careboard: {message}", err=True)
    sys.exit(code)


def load_settings(*, demo: bool = False, need_secret: bool = False) -> Settings:
    """Settings from the environment. Only the web server needs a SECRET_KEY."""
    try:
        return Settings.from_env(demo=demo, require_secret=need_secret)
    except ConfigError as exc:
        fail(str(exc), 2)


def open_database(settings: Settings, *, check: bool = True) -> Database:
    database = Database(settings.database_url, statement_timeout_ms=None)
    if check:
        try:
            check_schema(database)
        except SchemaOutOfDate as exc:
            fail(str(exc), 2)
    return database


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """careboard: the CARE practice's operations dashboard."""


# --- database and data -------------------------------------------------------------------------


@main.command("init-db")
def init_db() -> None:
    """Create the schema or upgrade it to the newest migration."""
    settings = load_settings()
    database = open_database(settings, check=False)
    upgrade(database)
    database.analyze()  # new indexes are only chosen well with statistics
    click.echo(f"Database is up to date: {_describe(settings.database_url)}")


@main.command("demo-data")
@click.option("--clinicians", type=click.IntRange(1, 1000), default=25, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 520), default=26, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--appointments",
    type=click.IntRange(100, 20_000_000),
    default=None,
    help="Aim for about this many appointments (history grows to reach it).",
)
def demo_data(clinicians: int, weeks: int, seed: int, appointments: int | None) -> None:
    """Fill an empty database with the seeded demo practice."""
    from db.demo import DemoRefused, generate_demo

    settings = load_settings()
    database = open_database(settings)
    try:
        summary = generate_demo(
            database,
            clinicians=clinicians,
            weeks=weeks,
            seed=seed,
            appointments=appointments,
            tz=settings.tz,
            progress=sys.stderr.isatty(),
        )
    except DemoRefused as exc:
        fail(str(exc))
    click.echo(str(summary))


@main.command("import")
@click.argument("directory", type=click.Path(path_type=Path))
def import_command(directory: Path) -> None:
    """Load the practice's CSV files from DIRECTORY (all or nothing)."""
    from db.importer import ImportFailed, import_dir

    settings = load_settings()
    database = open_database(settings)
    try:
        result = import_dir(database, directory, settings.tz)
    except ImportFailed as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(f"import refused: {len(exc.problems)} problem(s); nothing was written")
    for name, rows in result.counts.items():
        click.echo(f"{name}: {rows} rows")
    _audit_cli("import", str(directory), sum(result.counts.values()), database, settings)


@main.command("export")
@click.argument("directory", type=click.Path(path_type=Path))
def export_command(directory: Path) -> None:
    """Write the practice to CSV files in DIRECTORY, in the import format."""
    from db.exporter import export_dir

    settings = load_settings()
    database = open_database(settings)
    counts = export_dir(database, directory, settings.tz)
    for name, rows in counts.items():
        click.echo(f"{name}: {rows} rows")
    _audit_cli("export", str(directory), sum(counts.values()), database, settings)


def _audit_cli(action: str, target: str, rows: int, database: Database, settings: Settings) -> None:
    from db.audit import Actor, audit_values, record

    actor = Actor(None, f"cli:{getpass.getuser()}", None)
    now = now_local(settings.tz)
    record(database, audit_values(actor, action, f"cli {target}"[:200], "ok", now, row_count=rows))


# --- metrics -----------------------------------------------------------------------------------


def _parse_as_of(value: str | None, settings: Settings) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"--as-of {value!r} is not an ISO date or date-time", 2)
    return to_local_naive(parsed, settings.tz)


@main.command("metrics")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--as-of", "as_of", help="ISO date-time of the snapshot (default: now, or end+1).")
@click.option("--clinician")
@click.option("--program")
@click.option("--location")
@click.option("--modality", type=click.Choice(["in_person", "telehealth"]))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
def metrics_command(
    start: dt.datetime,
    end: dt.datetime,
    as_of: str | None,
    clinician: str | None,
    program: str | None,
    location: str | None,
    modality: str | None,
    fmt: str,
) -> None:
    """Print every indicator of metrics.md for a period, practice-wide and per clinician."""
    from dashboard.context import rules_from
    from dashboard.metrics.common import Filters, Period
    from dashboard.metrics.report import build_report, report_to_csv, report_to_json

    settings = load_settings()
    database = open_database(settings)
    if end < start:
        fail("--end is before --start", 2)
    period = Period.make(
        start.date(),
        end.date(),
        _parse_as_of(as_of, settings),
        now=now_local(settings.tz),
    )
    filters = Filters(clinician, program, location, modality)
    with database.read() as conn:
        report = build_report(conn, period, filters, rules_from(settings))
    click.echo(report_to_json(report) if fmt == "json" else report_to_csv(report), nl=False)
    if fmt == "json":
        click.echo()


# --- users -------------------------------------------------------------------------------------


@main.group("users")
def users() -> None:
    """Add, list, disable users; set passwords and roles."""


def _read_password(password_env: str | None) -> str:
    from dashboard.auth.passwords import password_problem
    from dashboard.auth.web import DEMO_PASSWORD

    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            fail(f"the environment variable {password_env} is empty", 2)
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            fail("the passwords differ", 2)
    else:
        password = sys.stdin.readline().rstrip("\n")
    problem = password_problem(password)
    if problem:
        fail(problem, 2)
    if password == DEMO_PASSWORD:
        fail("that is the published demo password; choose another", 2)
    return password


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["front_desk", "clinician", "director"]), required=True)
@click.option("--clinician", "clinician_id", help="The practice's clinician id (clinician role).")
@click.option("--password-env", help="Read the password from this environment variable.")
def users_add(username: str, role: str, clinician_id: str | None, password_env: str | None) -> None:
    """Add a user; the password is read from the terminal or standard input."""
    from dashboard.auth.passwords import hash_password
    from db.accounts import AccountError, add_user

    settings = load_settings()
    database = open_database(settings)
    password = _read_password(password_env)
    try:
        add_user(
            database, username, hash_password(password), role, clinician_id, now_local(settings.tz)
        )
    except AccountError as exc:
        fail(str(exc), 2)
    _audit_cli("admin", f"users add {username}", 1, database, settings)
    click.echo(f"Added {username} ({role}).")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def users_list(as_json: bool) -> None:
    """List users with their role, linked clinician and state."""
    from db.accounts import list_users

    settings = load_settings()
    rows = [
        {
            "username": u.username,
            "role": u.role,
            "clinician_id": u.clinician_id,
            "active": u.active,
        }
        for u in list_users(open_database(settings))
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "active" if row["active"] else "disabled"
        linked = f" ({row['clinician_id']})" if row["clinician_id"] else ""
        click.echo(f"{row['username']:<20} {row['role']:<11}{linked:<10} {state}")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable a user; their open sessions end at once."""
    _account_change(
        "disable", username, lambda db, now: _accounts().set_active(db, username, False, now)
    )


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    _account_change(
        "enable", username, lambda db, now: _accounts().set_active(db, username, True, now)
    )


@users.command("set-password")
@click.argument("username")
@click.option("--password-env", help="Read the password from this environment variable.")
def users_set_password(username: str, password_env: str | None) -> None:
    """Set a user's password; their open sessions end."""
    from dashboard.auth.passwords import hash_password

    password = _read_password(password_env)
    _account_change(
        "set-password",
        username,
        lambda db, now: _accounts().set_password(db, username, hash_password(password), now),
    )


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["front_desk", "clinician", "director"]))
@click.option("--clinician", "clinician_id", help="The practice's clinician id (clinician role).")
def users_set_role(username: str, role: str, clinician_id: str | None) -> None:
    """Change a user's role; their open sessions end at once."""
    _account_change(
        "set-role",
        username,
        lambda db, now: _accounts().set_role(db, username, role, clinician_id, now),
    )


def _accounts():  # type: ignore[no-untyped-def]
    from db import accounts

    return accounts


def _account_change(verb: str, username: str, change) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings()
    database = open_database(settings)
    try:
        change(database, now_local(settings.tz))
    except _accounts().AccountError as exc:
        fail(str(exc), 2)
    _audit_cli("admin", f"users {verb} {username}", 1, database, settings)
    click.echo(f"{verb}: {username} done.")


# --- the web server ----------------------------------------------------------------------------


def prepare_demo(settings: Settings) -> None:
    """Demo mode: the schema at the newest migration (the demo database is careboard's own:
    a demo made by an earlier version is upgraded, not refused), the demo practice if the
    database is empty, the demo users."""
    from dashboard.auth.demo import ensure_demo_users
    from db.demo import database_is_empty, generate_demo

    database = open_database(settings, check=False)
    upgrade(database)
    check_schema(database)
    if database_is_empty(database):
        click.echo("Empty database: generating the demo practice…", err=True)
        click.echo(str(generate_demo(database, tz=settings.tz)), err=True)
    ensure_demo_users(database, now_local(settings.tz))
    database.dispose()


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True)
@click.option("--demo", is_flag=True, help="Demo mode: demo practice, demo users, random key.")
def serve(host: str, port: int, demo: bool) -> None:
    """Run the dashboard (for production use gunicorn; see the README)."""
    from dashboard.app import create_app
    from dashboard.logs import quiet_request_logs
    from dashboard.memory import freeze_startup_objects, limit_malloc_arenas

    limit_malloc_arenas()
    settings = load_settings(demo=demo, need_secret=True)
    if settings.demo:
        prepare_demo(settings)
    try:
        app = create_app(settings)
    except SchemaOutOfDate as exc:
        fail(str(exc), 2)
    click.echo(f"careboard on http://{host}:{port}/  ({_describe(settings.database_url)})")
    if settings.demo:
        click.echo("Demo logins: director, frontdesk, clinician — password careboard-demo")
    quiet_request_logs()
    freeze_startup_objects()
    app.run(host=host, port=port, debug=False)


def _describe(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


from dashboard.cli_tasks import tasks  # noqa: E402 - after main, which it extends

main.add_command(tasks)

from dashboard.bench import bench  # noqa: E402 - after main, which it extends

main.add_command(bench)

if __name__ == "__main__":  # pragma: no cover
    main()
