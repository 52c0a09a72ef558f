"""The seeded demo practice behind ``careboard demo-data`` and ``careboard serve --demo``.

A believable outpatient practice (published figures for caseloads, attendance, telehealth,
feedback and follow-up; tests/db/test_demo.py checks each range), generated from one seed: the
same seed, ``today`` and arguments give the same rows. The steps, one module each:
staff, templates and time off (demo_staff, demo_timeoff), a caseload simulation on standing
weekly slots (demo_caseload, demo_slots), a vectorised expansion to appointments with statuses
(demo_visits), the clients, waitlist and care events that follow (demo_clients), feedback and
tasks (demo_followup), and the rows written in bulk (demo_tables, demo_write).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, exists, select
from tqdm import tqdm

from db import demo_tables as tables
from db.demo_calendar import Calendar
from db.demo_caseload import WARMUP_WEEKS, CaseloadSimulation, Schedule
from db.demo_clients import (
    Clients,
    care_events,
    combine,
    simulated_clients,
    waiting_clients,
    waitlist_entries,
)
from db.demo_followup import TaskBuilder, feedback
from db.demo_staff import Clinician as StaffMember
from db.demo_staff import NamePools, build_staff
from db.demo_timeoff import TimeOffPlan, plan_time_off
from db.demo_visits import VisitBuilder, Visits
from db.demo_write import Clock, Table, row_count, write_tables
from db.engine import Database
from db.meta import bump_data_version
from db.models import (
    Appointment,
    Availability,
    CareEvent,
    Client,
    Clinician,
    SessionFeedback,
    Task,
    TimeOff,
    WaitlistEntry,
)
from db.visit_sequence import rebuild as rebuild_visit_sequence

PRACTICE_TABLES = (
    Clinician,
    Availability,
    TimeOff,
    Client,
    Appointment,
    WaitlistEntry,
    CareEvent,
    SessionFeedback,
    Task,
)
FUTURE_WEEKS = 4
# Appointment rows a clinician-week produces on average (measured on the default practice);
# only a first guess for ``appointments=N``, which then cuts the history to size.
ROWS_PER_CLINICIAN_WEEK = 24.0


class DemoRefused(RuntimeError):
    """The database already holds practice data; the demo never overwrites it."""


@dataclass(frozen=True)
class DemoSummary:
    """What was generated: rows per table, the dates covered, and how long it took."""

    counts: dict[str, int]
    start: dt.date
    end: dt.date
    today: dt.date
    weeks: int
    seed: int
    elapsed_seconds: float

    @property
    def appointments(self) -> int:
        return self.counts.get("appointments", 0)

    def __str__(self) -> str:
        counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in self.counts.items())
        return (
            f"Demo practice (seed {self.seed}): {counts}; "
            f"{self.start} to {self.end} ({self.weeks} weeks of history, {FUTURE_WEEKS} booked); "
            f"{self.elapsed_seconds:.1f} s"
        )


def database_is_empty(db: Database) -> bool:
    """True when no practice table holds a row (users and sessions do not count)."""
    with db.read() as conn:
        return _is_empty(conn)


def _is_empty(conn: Connection) -> bool:
    return not any(
        conn.execute(select(exists().select_from(model.__table__))).scalar()
        for model in PRACTICE_TABLES
    )


def generate_demo(
    db: Database,
    *,
    clinicians: int = 25,
    weeks: int = 26,
    seed: int = 7,
    appointments: int | None = None,
    today: dt.date | None = None,
    tz: ZoneInfo = ZoneInfo("America/Chicago"),
    progress: bool = False,
) -> DemoSummary:
    """Fill an empty database with the demo practice, in one transaction.

    History covers ``weeks`` weeks before ``today`` (default: today in ``tz``) and booked
    appointments the four weeks after it; today's statuses are as of 12:00. With
    ``appointments=N`` the ``weeks`` argument is ignored: the generator chooses the history
    length (more weeks, so more clients) that gives about N appointments in total, within 5%,
    and reports the weeks it chose in the summary (never less than one week of history, so a
    very small N may be exceeded). Raises DemoRefused if the database holds practice data.
    """
    started = time.perf_counter()
    if clinicians < 1 or weeks < 1 or (appointments is not None and appointments < 1):
        raise ValueError("a demo practice needs a clinician, a week and an appointment")
    today = today or dt.datetime.now(tz).date()
    if not database_is_empty(db):
        raise DemoRefused(_REFUSAL)
    practice = build_practice(clinicians, weeks, seed, appointments, today, tz, progress)
    total = sum(row_count(t) for _, t in practice.tables)
    bar = tqdm(total=total, desc="demo: writing", unit="row", file=sys.stderr, disable=not progress)
    with bar, db.write() as session:
        conn = session.connection()
        if not _is_empty(conn):
            raise DemoRefused(_REFUSAL)
        write_tables(conn, practice.tables, bar.update)
        rebuild_visit_sequence(conn)
        bump_data_version(session)
    db.analyze()
    counts = {name: row_count(table) for name, table in practice.tables}
    cal = practice.cal
    return DemoSummary(
        counts=counts,
        start=cal.history_start,
        end=cal.horizon,
        today=today,
        weeks=round((today - cal.history_start).days / 7),
        seed=seed,
        elapsed_seconds=round(time.perf_counter() - started, 2),
    )


_REFUSAL = "The database already holds practice data; the demo practice needs an empty one."


@dataclass
class Practice:
    """Every table's rows, ready to write, and the calendar they cover."""

    cal: Calendar
    tables: list[tuple[str, Table]]


def build_practice(
    clinicians: int,
    weeks: int,
    seed: int,
    appointments: int | None,
    today: dt.date,
    tz: ZoneInfo,
    progress: bool = False,
) -> Practice:
    """Generate every table in memory (nothing touches the database here)."""
    if appointments is None:
        world = _simulate(clinicians, weeks, weeks, seed, today, progress)
        return _tables(world, tz)
    history = max(
        1, math.ceil(appointments / (ROWS_PER_CLINICIAN_WEEK * clinicians)) - FUTURE_WEEKS
    )
    while True:
        world = _simulate(clinicians, history, math.ceil(history * 1.15) + 2, seed, today, progress)
        day = np.sort(world.visits.day)
        if len(day) >= appointments and day[-appointments] >= WARMUP_WEEKS * 7:
            # At least a week of history, even when the booked weeks alone reach N.
            cut = min(int(day[-appointments]), world.cal.today_day - 7)
            world.cal = replace(world.cal, history_start=world.cal.date(cut))
            return _tables(world, tz)
        history = math.ceil(history * 1.3) + 1


@dataclass
class World:
    """The simulated practice before it becomes tables."""

    cal: Calendar
    staff: list[StaffMember]
    plan: TimeOffPlan
    schedule: Schedule
    visits: Visits
    rng: np.random.Generator
    names: NamePools


def _calendar(today: dt.date, history_weeks: int, simulated_weeks: int) -> Calendar:
    history_start = today - dt.timedelta(weeks=history_weeks)
    start = today - dt.timedelta(weeks=simulated_weeks)
    first_monday = start - dt.timedelta(days=start.weekday()) - dt.timedelta(weeks=WARMUP_WEEKS)
    horizon = today + dt.timedelta(weeks=FUTURE_WEEKS)
    n_weeks = (horizon - first_monday).days // 7 + 1
    return Calendar(today, first_monday, n_weeks, history_start, FUTURE_WEEKS * 7)


def _simulate(
    clinicians: int,
    history_weeks: int,
    simulated_weeks: int,
    seed: int,
    today: dt.date,
    progress: bool,
) -> World:
    rng = np.random.default_rng(seed)
    names = NamePools(seed)
    cal = _calendar(today, history_weeks, simulated_weeks)
    staff = build_staff(clinicians, cal, rng, names)
    plan = plan_time_off(staff, cal, rng)
    bar = (
        tqdm(total=clinicians, desc="demo: caseloads", unit="clinician", file=sys.stderr)
        if progress
        else nullcontext()
    )
    with bar:
        tick = bar.update if progress else (lambda: None)  # type: ignore[union-attr]
        schedule = CaseloadSimulation(staff, cal, rng, tick).run()
    visits = VisitBuilder(schedule, staff, cal, plan, rng).build()
    return World(cal, staff, plan, schedule, visits, rng, names)


def _tables(world: World, tz: ZoneInfo) -> Practice:
    """Turn the simulated practice into the rows of every table, ids assigned."""
    cal, staff, rng = world.cal, world.staff, world.rng
    clock = Clock(cal.first_monday)
    clients, entries = _clients_and_waitlist(world)
    order = tables.client_order(clients)
    client_ids = np.full(len(clients.program), None, dtype=object)
    client_ids[order] = tables.make_ids("K", len(order), 5)

    visits = world.visits
    shown = np.flatnonzero(visits.day >= cal.history_day)
    by_start = np.lexsort((visits.client[shown], visits.clinician[shown], visits.start[shown]))
    visits = visits.take(shown[by_start])
    appointment_ids = tables.make_ids("A", len(visits), 7)

    events = care_events(clients, visits, cal, rng)
    by_time = tables.events_order(events, client_ids)
    events = {name: column[by_time] for name, column in events.items()}
    event_ids = tables.make_ids("E", len(by_time), 5)

    scores = feedback(visits, cal, rng)
    srs = np.full(len(visits), np.nan)
    srs[scores["row"]] = scores["srs"]
    tasks = TaskBuilder(visits, appointment_ids, clients, client_ids, staff, cal, rng)
    task_columns = tasks.build(srs, events, event_ids)

    client_rows = tables.clients_table(clients, order, client_ids, staff, world.names, clock, rng)
    return Practice(
        cal,
        [
            ("clinicians", tables.clinicians_table(staff)),
            ("availability", tables.availability_table(staff, clock)),
            ("time_off", tables.time_off_table(staff, world.plan, cal, clock)),
            ("clients", client_rows),
            (
                "appointments",
                tables.appointments_table(visits, appointment_ids, client_ids, staff, clock, tz),
            ),
            ("waitlist_entries", tables.waitlist_table(entries, client_ids, clients, clock, rng)),
            ("care_events", tables.events_table(events, event_ids, client_ids, clock)),
            ("session_feedback", tables.feedback_table(scores, appointment_ids)),
            ("tasks", tables.tasks_table(task_columns, appointment_ids, client_ids, staff, clock)),
        ],
    )


def _clients_and_waitlist(world: World) -> tuple[Clients, dict[str, np.ndarray]]:
    """The simulated clients, then the people waiting or taken off the list; their entries."""
    cal, rng = world.cal, world.rng
    simulated = simulated_clients(world.schedule, world.staff, cal, world.visits, rng)
    scheduled = waitlist_entries(simulated, world.visits, cal, rng)
    accepting = sum(c.active and c.accepting_new for c in world.staff)
    waiting, waiting_entries = waiting_clients(scheduled, accepting, cal, rng)
    # Waiting people are numbered after the simulated clients.
    waiting_entries["client"] = waiting_entries["client"] + len(simulated.program)
    entries = {name: np.concatenate([scheduled[name], waiting_entries[name]]) for name in scheduled}
    return combine(simulated, waiting), entries
