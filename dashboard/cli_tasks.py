"""`careboard tasks`: the follow-up task rules, run from the command line or on a schedule.

``careboard tasks generate [--as-of ISO]`` closes the generated tasks whose condition is met
and creates the tasks the rules call for (db/task_rules.py), in one transaction, audited as
``cli tasks generate``. A rerun creates nothing new, and two runs that overlap are harmless (a
rule's task is keyed, so the second run skips it), so the schedule need not guard against
overlap. In production run it every 15 minutes in working hours, or at least hourly, with the
same environment as the web server (DATABASE_URL, PRACTICE_TZ, LATE_CANCEL_HOURS):

cron (``crontab -e`` for the service user; cron does not read a shell profile)::

    DATABASE_URL=postgresql+psycopg://careboard@db.internal/careboard
    PRACTICE_TZ=America/Chicago
    */15 * * * * /srv/careboard/.venv/bin/careboard tasks generate >>/var/log/cb-tasks.log 2>&1

systemd (``/etc/systemd/system/careboard-tasks.service`` and ``.timer``)::

    [Service]
    Type=oneshot
    User=careboard
    WorkingDirectory=/srv/careboard
    EnvironmentFile=/srv/careboard/careboard.env
    ExecStart=/srv/careboard/.venv/bin/careboard tasks generate

    [Timer]
    OnCalendar=*:0/15
    Persistent=true
    [Install]
    WantedBy=timers.target

then ``systemctl enable --now careboard-tasks.timer``.
"""

from __future__ import annotations

import getpass

import click


@click.group("tasks")
def tasks() -> None:
    """Follow-up tasks: run the rules that create and close them."""


@tasks.command("generate")
@click.option("--as-of", "as_of", help="ISO date-time to judge the rules at (default: now).")
def generate(as_of: str | None) -> None:
    """Create the rule-generated tasks due now and close the ones whose condition is met."""
    from dashboard.cli import _parse_as_of, load_settings, open_database
    from dashboard.context import rules_from
    from db.audit import Actor
    from db.task_rules import run
    from db.timeutil import now_local

    settings = load_settings()
    database = open_database(settings)
    moment = _parse_as_of(as_of, settings) or now_local(settings.tz)
    actor = Actor(None, f"cli:{getpass.getuser()}", None)
    result = run(database, moment, rules_from(settings), actor, "cli tasks generate")
    click.echo(f"Tasks {result.summary()}")
    database.dispose()
