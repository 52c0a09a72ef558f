"""The seeded demo practice: deterministic, refuses to overwrite, believable, consistent.

The realism ranges are published outpatient figures (see the brief of db/demo.py); each is
computed here with plain pandas on the generated rows, never with dashboard.metrics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from db.demo import DemoRefused, DemoSummary, database_is_empty, generate_demo
from db.engine import Database
from db.meta import data_version
from db.migrate import upgrade
from db.models import Base
from db.timeutil import cancel_lead_minutes
from tests.factory import Practice

TZ = ZoneInfo("America/Chicago")
TODAY = dt.date(2026, 3, 4)  # a Wednesday
NOW = pd.Timestamp("2026-03-04 12:00")
HISTORY_START = pd.Timestamp("2025-09-03")  # 26 weeks before TODAY
PRACTICE_TABLES = (
    "clinicians",
    "availability",
    "time_off",
    "clients",
    "appointments",
    "waitlist_entries",
    "care_events",
    "session_feedback",
    "tasks",
)
DATETIMES = {
    "time_off": ("start_at", "end_at"),
    "appointments": ("start_at", "end_at", "cancelled_at", "created_at"),
    "tasks": ("due_at", "created_at", "completed_at"),
    "care_events": ("occurred_at",),
    "clients": ("intake_date", "discharge_date"),
    "waitlist_entries": ("referred_at", "resolved_at"),
    "availability": ("effective_from", "effective_to"),
}


def _migrated(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    return database


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    """The default practice (25 clinicians, 26 weeks), generated once for the module."""
    database = _migrated(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = generate_demo(database, today=TODAY)
    yield database, summary
    database.dispose()


@pytest.fixture(scope="module")
def t(demo: tuple[Database, DemoSummary]) -> dict[str, pd.DataFrame]:
    """Every practice table as a DataFrame, date-times parsed."""
    database, _ = demo
    frames = {}
    with database.read() as conn, warnings.catch_warnings():
        # pandas reflects each table; SQLAlchemy cannot reflect SQLite's expression index
        # (migration 0007) and says so, harmlessly.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        for name in PRACTICE_TABLES:
            frame = pd.read_sql_table(name, conn)
            for column in DATETIMES.get(name, ()):
                frame[column] = pd.to_datetime(frame[column])
            frames[name] = frame
    return frames


@pytest.fixture(scope="module")
def past(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Past appointments, with late client cancellations counted as late cancels."""
    appointments = t["appointments"]
    rows = appointments[appointments.start_at < NOW].copy()
    late = (rows.status == "cancelled_client") & (rows.cancel_lead_min < 24 * 60)
    rows["effective"] = rows.status.where(~late, "late_cancel")
    rows["base"] = rows.effective.isin(["completed", "no_show", "late_cancel"])
    return rows


@pytest.fixture(scope="module")
def visits(past: pd.DataFrame) -> pd.DataFrame:
    """Kept, finished appointments of any service but group."""
    return past[(past.status == "completed") & (past.service != "group") & (past.end_at <= NOW)]


def table_digest(database: Database) -> dict[str, str]:
    """A hash of every practice table's rows, read through SQLAlchemy in primary-key order."""
    digests = {}
    with database.read() as conn:
        for name in PRACTICE_TABLES:
            table = Base.metadata.tables[name]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return digests


# --- generation and refusal ------------------------------------------------------------------


def test_default_practice_is_quick_and_counted(demo: tuple[Database, DemoSummary], t) -> None:
    _, summary = demo
    assert summary.elapsed_seconds < 10
    assert summary.counts == {name: len(t[name]) for name in PRACTICE_TABLES}
    assert summary.counts["clinicians"] == 25
    # 26 weeks back from 2026-03-04 is 2025-09-03; four booked weeks reach 2026-04-01.
    assert (summary.start, summary.end, summary.weeks) == (
        dt.date(2025, 9, 3),
        dt.date(2026, 4, 1),
        26,
    )
    assert "appointments" in str(summary)


def test_same_seed_same_practice_other_seed_other_practice(tmp_path: Path) -> None:
    digests = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        database = _migrated(tmp_path / f"{name}.db")
        generate_demo(database, clinicians=6, weeks=6, seed=seed, today=TODAY)
        digests.append(table_digest(database))
        database.dispose()
    assert digests[0] == digests[1]
    assert all(digests[0][name] != digests[2][name] for name in ("clients", "appointments"))


def test_refuses_a_database_holding_practice_data(db: Database) -> None:
    assert database_is_empty(db)
    Practice(db).clinician("C9")
    assert not database_is_empty(db)
    with pytest.raises(DemoRefused):
        generate_demo(db, clinicians=2, weeks=2, today=TODAY)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM clients").scalar() == 0


def test_postgresql_holds_the_same_practice_as_sqlite(pg_db: Database, tmp_path: Path) -> None:
    lite = _migrated(tmp_path / "small.db")
    version = _version(pg_db)
    args = {"clinicians": 5, "weeks": 4, "seed": 3, "today": TODAY}
    pg_summary = generate_demo(pg_db, **args)
    lite_summary = generate_demo(lite, **args)
    assert pg_summary.counts == lite_summary.counts
    assert pg_summary.counts["appointments"] > 0
    assert table_digest(pg_db) == table_digest(lite)
    assert _version(pg_db) == version + 1
    lite.dispose()


def _version(database: Database) -> int:
    with database.read() as conn:
        return data_version(conn)


def test_appointments_target_chooses_the_history_length(tmp_path: Path) -> None:
    database = _migrated(tmp_path / "sized.db")
    summary = generate_demo(database, clinicians=4, appointments=4000, seed=5, today=TODAY)
    # 4 clinicians book about 4 * 24 = 96 rows a week; 4,000 rows are about 42 weeks of
    # rows, 4 of them booked ahead, so about 38 weeks of history.
    assert 3800 <= summary.appointments <= 4200  # within 5%
    assert 32 <= summary.weeks <= 44
    with database.read() as conn:
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM appointments").scalar()
            == summary.appointments
        )
    database.dispose()


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = _migrated(tmp_path / "bar.db")
    generate_demo(database, clinicians=2, weeks=2, today=TODAY, progress=True)
    captured = capsys.readouterr()
    assert "demo: writing" in captured.err and captured.out == ""
    database.dispose()


# --- staff -----------------------------------------------------------------------------------


def test_clinicians_mix_fte_disciplines_programs_locations_and_languages(t) -> None:
    c = t["clinicians"]
    assert set(c.fte) == {1.0, 0.8, 0.5}
    assert len(set(c.discipline) & {"LCSW", "LPC", "LMFT", "PsyD", "PhD", "PMHNP"}) >= 5
    assert "PMHNP" in set(c.discipline)
    assert set(c.program) == {"Adult", "Child & Adolescent", "Couples & Family", "DBT"}
    assert 2 <= c.location.nunique() <= 3
    languages = c.languages.str.split(";")
    assert languages.map(lambda ls: "English" in ls).all()
    assert languages.map(lambda ls: "Spanish" in ls).sum() >= 2
    assert languages.map(lambda ls: bool(set(ls) - {"English", "Spanish"})).sum() >= 1


def test_clinicians_status_supervision_and_ids(t) -> None:
    c = t["clinicians"].sort_values("clinician_id")
    assert list(c.clinician_id) == [f"C{i:03d}" for i in range(1, 26)]
    assert c.iloc[0].active and c.iloc[0].fte == 1.0  # the demo login's clinician
    assert 1 <= (~c.active).sum() <= 2
    assert (c.active & ~c.accepting_new).sum() >= 1
    assert not (~c.active & c.accepting_new).any()
    supervisors = set(c.supervisor_id.dropna())
    assert supervisors and supervisors <= set(c[c.active].clinician_id)
    assert c.supervisor_id.notna().sum() >= 10
    assert c.name.is_unique


def test_caseload_ceiling_and_session_target_scale_with_fte(t) -> None:
    therapists = t["clinicians"][t["clinicians"].discipline != "PMHNP"]
    per_fte = therapists.weekly_session_target / therapists.fte
    # round(fte * U(21.5, 24)): 0.5 FTE gives 11 or 12, i.e. 22 or 24 per FTE.
    assert per_fte.between(20, 25).all()
    assert (therapists.max_caseload / therapists.fte).between(36, 50).all()


def test_templates_have_evenings_a_change_and_time_off(t) -> None:
    a = t["availability"]
    assert set(a.weekday) >= {0, 1, 2, 3, 4}
    assert (a.end_time > dt.time(18)).any()
    changed = set(a[a.effective_to.notna()].clinician_id) & set(
        a[a.effective_from.notna()].clinician_id
    )
    inactive = set(t["clinicians"][~t["clinicians"].active].clinician_id)
    assert changed - inactive, "an active clinician changed template mid-history"
    mid = a[a.effective_from.notna()].effective_from
    assert ((mid > HISTORY_START) & (mid < pd.Timestamp(TODAY))).all()
    reasons = set(t["time_off"].reason)
    assert {"Vacation", "Half day", "Sick"} <= reasons
    half = t["time_off"][t["time_off"].reason == "Half day"]
    assert (half.end_at - half.start_at < pd.Timedelta(hours=12)).all()
    spans = t["time_off"].sort_values(["clinician_id", "start_at"])
    assert not (spans.start_at < spans.groupby("clinician_id").end_at.shift()).any()


# --- volume and attendance -------------------------------------------------------------------


def test_full_time_therapists_keep_20_to_25_sessions_a_week(t, past) -> None:
    c = t["clinicians"].set_index("clinician_id")
    therapists = c[c.active & (c.discipline != "PMHNP")]
    kept = past[(past.status == "completed") & (past.start_at >= HISTORY_START)]
    weeks = (NOW - HISTORY_START).days / 7  # 182.5 days / 7 = 26.07
    per_week = kept.groupby("clinician_id").size().reindex(therapists.index, fill_value=0) / weeks
    full_time = per_week[therapists.fte == 1.0]
    assert len(full_time) >= 5
    assert full_time.between(20, 25).all(), full_time.sort_values().head()
    # Part-timers scale: the therapists' sessions per FTE-week, all together.
    assert 20 <= per_week.sum() / therapists.fte.sum() <= 25


def test_active_caseloads_of_full_time_clinicians(t) -> None:
    clients = t["clients"]
    active = clients[
        clients.primary_clinician_id.notna()
        & (clients.intake_date <= pd.Timestamp(TODAY))
        & (clients.discharge_date.isna() | (clients.discharge_date > pd.Timestamp(TODAY)))
    ]
    caseload = active.groupby("primary_clinician_id").size()
    c = t["clinicians"].set_index("clinician_id")
    full_time = c[c.active & (c.fte == 1.0)].index
    assert caseload.reindex(full_time, fill_value=0).between(25, 50).all()
    assert caseload.reindex(c[~c.active].index, fill_value=0).eq(0).all()


def test_about_a_third_of_sessions_are_telehealth(t) -> None:
    share = (t["appointments"].modality == "telehealth").mean()
    assert 0.25 <= share <= 0.42


def test_services_durations_and_codes(t) -> None:
    a = t["appointments"]
    share = a.service.value_counts(normalize=True)
    assert share["individual"] > 0.5
    assert {"family", "group", "med_management", "intake"} <= set(share.index)
    assert 0 < share.get("crisis", 0) < 0.01
    assert (a[a.service == "intake"].duration_min == 60).all()
    assert set(a[a.service == "individual"].duration_min) == {45, 53}
    assert set(a[a.service == "med_management"].duration_min) == {30}
    intake_codes = a[a.service == "intake"].service_code
    assert intake_codes.eq("90791").any() and intake_codes.isna().any()
    assert (a.end_at - a.start_at == pd.to_timedelta(a.duration_min, unit="min")).all()
    groups = a[a.service == "group"].groupby(["clinician_id", "start_at"]).size()
    assert groups.max() <= 8 and groups.median() >= 3  # DBT skills groups of several clients
    assert set(
        t["clinicians"].set_index("clinician_id").loc[groups.index.get_level_values(0)].program
    ) == {"DBT"}


def test_no_shows_late_cancels_and_cancellations(past) -> None:
    base = past[past.base]
    no_show = (base.effective == "no_show").mean()
    late = (base.effective == "late_cancel").mean()
    assert 0.05 <= no_show <= 0.12
    assert 0.03 <= late <= 0.06
    intake = base[base.service == "intake"]
    other = base[base.service != "intake"]
    ratio = (intake.effective == "no_show").mean() / (other.effective == "no_show").mean()
    assert 1.5 <= ratio <= 3.0  # about twice as high at intake
    assert {"cancelled_client", "cancelled_clinician", "rescheduled"} <= set(past.status)
    cancelled = past[
        past.status.isin(["cancelled_client", "cancelled_clinician", "late_cancel", "rescheduled"])
    ]
    assert cancelled.cancelled_at.notna().all() and (cancelled.cancelled_at <= NOW).all()
    assert (past.cancelled_at.isna() == past.cancel_lead_min.isna()).all()


def test_cancel_leads_count_real_minutes_across_clock_changes(t) -> None:
    a = t["appointments"].dropna(subset=["cancelled_at"])
    expected = [
        cancel_lead_minutes(s.to_pydatetime(), c.to_pydatetime(), TZ)
        for s, c in zip(a.start_at, a.cancelled_at, strict=True)
    ]
    assert a.cancel_lead_min.tolist() == expected
    # The history spans both 2025-11-02 and 2026-03-08, so some leads differ by the hour.
    naive = ((a.start_at - a.cancelled_at).dt.total_seconds() // 60).astype(int)
    assert (a.cancel_lead_min != naive).any()


def test_most_clients_see_one_clinician(visits) -> None:
    per_client = visits.groupby("client_id").agg(
        n=("appointment_id", "size"), m=("clinician_id", "nunique")
    )
    continuing = per_client[per_client.n >= 2]
    assert 0.10 <= (continuing.m > 1).mean() <= 0.20


def test_some_clients_stop_after_one_or_two_visits(visits) -> None:
    first = visits.groupby("client_id").start_at.min()
    count = visits.groupby("client_id").size()
    # New clients whose first visit is at least 90 days old had time for a third visit.
    new = first[(first >= HISTORY_START) & (first <= NOW - pd.Timedelta(days=90))].index
    assert len(new) >= 200
    assert 0.10 <= (count[new] <= 2).mean() <= 0.30


def test_sessions_recur_weekly_or_every_other_week(t) -> None:
    a = t["appointments"]
    series = a[a.service.isin(["individual", "family"])].sort_values(
        ["client_id", "clinician_id", "start_at"]
    )
    gap = series.groupby(["client_id", "clinician_id"]).start_at.diff().dropna()
    assert gap.isin([pd.Timedelta(days=7), pd.Timedelta(days=14)]).mean() >= 0.6


def test_bookings_sit_inside_availability_with_a_few_outside(t) -> None:
    a = t["appointments"]
    a = a[a.service != "group"].assign(
        weekday=a.start_at.dt.day_of_week, day=a.start_at.dt.normalize()
    )
    blocks = t["availability"]
    joined = a.merge(blocks, on=["clinician_id", "weekday"], suffixes=("", "_block"))
    inside = (
        (joined.start_at.dt.time >= joined.start_time)
        & (joined.end_at.dt.time <= joined.end_time)
        & (joined.effective_from.isna() | (joined.day >= joined.effective_from))
        & (joined.effective_to.isna() | (joined.day <= joined.effective_to))
    )
    covered = set(joined[inside].appointment_id)
    share = a.appointment_id.isin(covered).mean()
    assert 0.95 <= share < 1.0
    assert a.start_at.dt.time.min() >= dt.time(8) and a.end_at.dt.time.max() <= dt.time(21)


def test_no_clinician_is_double_booked(t) -> None:
    a = t["appointments"]
    held = a[
        (a.service != "group")
        & ~a.status.isin(["cancelled_client", "cancelled_clinician", "rescheduled"])
    ]
    held = held.sort_values(["clinician_id", "start_at"])
    previous_end = held.groupby("clinician_id").end_at.shift()
    assert not (held.start_at < previous_end).any()


# --- waitlist, events, feedback, tasks --------------------------------------------------------


def test_waitlist_routine_and_urgent_some_past_target(t) -> None:
    w = t["waitlist_entries"]
    assert set(w.priority) == {"routine", "urgent"}
    assert set(w.resolution.dropna()) == {"scheduled", "removed"}
    waiting = w[w.resolved_at.isna()]
    days = (pd.Timestamp(TODAY) - waiting.referred_at).dt.days
    assert ((waiting.priority == "routine") & (days > 14)).any()
    assert ((waiting.priority == "urgent") & (days > 1)).any()
    assert ((waiting.priority == "routine") & (days <= 14)).any()
    assert list(w.entry_id) == sorted(w.entry_id) and w.entry_id.iloc[0] == "W0001"


def test_removals_from_the_waitlist_spread_over_the_history(t) -> None:
    # Each removal 7-59 days after its referral and not after today; none piled onto today
    # (capping future removals at today once made the open waitlist fall by a tenth on it).
    w = t["waitlist_entries"]
    removed = w[w.resolution == "removed"]
    assert len(removed) >= 10
    lag = (removed.resolved_at - removed.referred_at).dt.days
    assert lag.between(7, 59).all()
    assert (removed.resolved_at <= pd.Timestamp(TODAY)).all()
    assert removed.resolved_at.value_counts().max() <= 3


def test_the_waitlist_goes_on_from_its_history(t) -> None:
    # As many wait today as on a usual day of the last two months: the people whose intake is
    # not booked yet are on the list, and no pile of removals or bookings empties it today.
    w = t["waitlist_entries"]

    def open_on(day: pd.Timestamp) -> int:
        return int(((w.referred_at <= day) & ~(w.resolved_at <= day)).sum())

    today = pd.Timestamp(TODAY)
    usual = np.mean([open_on(today - pd.Timedelta(days=n)) for n in range(7, 57)])
    assert 0.75 * usual <= open_on(today) <= 1.25 * usual, (open_on(today), usual)
    yesterday = open_on(today - pd.Timedelta(days=1))
    assert abs(open_on(today) - yesterday) <= 0.15 * usual


def test_waitlist_resolutions_match_clients(t) -> None:
    w = t["waitlist_entries"].merge(t["clients"], on="client_id")
    waiting = w[w.resolved_at.isna()]
    assert waiting.primary_clinician_id.isna().all()
    assert (waiting.intake_date == waiting.referred_at).all()
    removed = w[w.resolution == "removed"]
    assert removed.primary_clinician_id.isna().all()
    scheduled = w[w.resolution == "scheduled"]
    assert scheduled.primary_clinician_id.notna().all()
    intakes = t["appointments"][t["appointments"].service == "intake"]
    first_intake = intakes.groupby("client_id").start_at.min()
    when = first_intake.reindex(scheduled.client_id).to_numpy()
    assert pd.notna(when).all()
    assert (when >= scheduled.resolved_at.to_numpy()).all()
    assert (scheduled.resolved_at >= scheduled.referred_at).all()
    no_primary = t["clients"][t["clients"].primary_clinician_id.isna()]
    assert set(no_primary.client_id) <= set(
        w[w.resolution.isna() | (w.resolution == "removed")].client_id
    )
    assert not t["appointments"].client_id.isin(no_primary.client_id).any()


def test_hospital_discharges_with_and_without_timely_follow_up(t, visits) -> None:
    events = t["care_events"]
    assert set(events.kind) == {"hospital_discharge", "ed_visit", "crisis_contact"}
    discharges = events[events.kind == "hospital_discharge"]
    day = visits.assign(day=visits.start_at.dt.normalize())[["client_id", "day"]]
    joined = discharges.merge(day, on="client_id", how="left")
    gap = (joined.day - joined.occurred_at.dt.normalize()).dt.days
    joined["timely"] = gap.between(1, 7)
    followed = joined.groupby("event_id").timely.any()
    assert followed.any() and (~followed).any()
    assert discharges.occurred_date_only.any() and (~events.occurred_date_only).any()


def test_feedback_on_most_kept_sessions(t, past) -> None:
    kept = past[(past.status == "completed") & (past.end_at <= NOW)]
    f = t["session_feedback"]
    rated = f[f.srs.notna() | f.ors.notna()]
    assert 0.70 <= kept.appointment_id.isin(rated.appointment_id).mean() <= 0.90
    srs = f.srs.dropna()
    assert 0.03 <= (srs < 36).mean() <= 0.25
    assert f.phq9.notna().any() and f.gad7.notna().any()
    assert f.phq9.notna().mean() < 0.6  # "on some"
    assert srs.between(0, 40).all() and f.phq9.dropna().between(0, 27).all()


RULE_KEYS = {
    "outreach": r"outreach:A\d{7}",
    "alliance_check": r"alliance_check:A\d{7}",
    "post_discharge": r"post_discharge:E\d{5}",
    "re_engagement": r"re_engagement:K\d{5}:\d{4}-\d{2}-\d{2}",
    "plan_review": r"plan_review:K\d{5}:\d{4}-\d{2}-\d{2}",
}


def test_tasks_kinds_statuses_and_rule_keys(t) -> None:
    tasks = t["tasks"]
    assert set(tasks.kind) == set(RULE_KEYS)
    for kind, pattern in RULE_KEYS.items():
        assert (
            tasks[tasks.kind == kind]
            .rule_key.map(lambda k, p=pattern: bool(re.fullmatch(p, k)))
            .all()
        )
    assert set(tasks.status) == {"open", "done", "cancelled"}
    still_open = tasks[tasks.status == "open"]
    assert (still_open.due_at < NOW).any() and (still_open.due_at >= NOW).any()
    assert still_open.completed_at.isna().all()
    closed = tasks[tasks.status != "open"]
    assert closed.completed_at.notna().all()
    assert (closed.completed_at >= closed.created_at).all() and (closed.completed_at <= NOW).all()
    assert (tasks.created_at <= NOW).all()
    assert (tasks[tasks.kind == "outreach"].assignee == "front_desk").all()
    # Date-only due moments are the next day's midnight.
    assert tasks.due_date_only.all() and (tasks.due_at.dt.time == dt.time(0)).all()


def test_tasks_point_at_what_they_are_about(t) -> None:
    tasks, a = t["tasks"], t["appointments"].set_index("appointment_id")
    assert set(tasks.assignee) <= set(t["clinicians"].clinician_id) | {"front_desk"}
    outreach = tasks[tasks.kind == "outreach"]
    assert (outreach.rule_key.str.split(":").str[1] == outreach.appointment_id).all()
    missed = a.loc[outreach.appointment_id]
    late = (missed.status == "cancelled_client") & (missed.cancel_lead_min < 24 * 60)
    assert (missed.status.isin(["no_show", "late_cancel"]) | late).all()
    alliance = tasks[tasks.kind == "alliance_check"]
    scores = t["session_feedback"].set_index("appointment_id").srs
    assert (scores.loc[alliance.appointment_id] < 36).all()
    events = set(t["care_events"][t["care_events"].kind == "hospital_discharge"].event_id)
    assert set(tasks[tasks.kind == "post_discharge"].rule_key.str.split(":").str[1]) <= events
    reviews = tasks[tasks.kind == "plan_review"]
    assert reviews.client_id.notna().all() and reviews.rule_key.is_unique


# --- the clock ---------------------------------------------------------------------------------


def test_next_four_weeks_are_booked_and_today_is_under_way(t) -> None:
    a = t["appointments"]
    future = a[a.start_at > NOW]
    assert set(future.status) == {"scheduled", "confirmed"}
    assert future.start_at.max().date() <= TODAY + dt.timedelta(days=28)
    assert future.start_at.max().date() >= TODAY + dt.timedelta(days=24)
    assert a.start_at.min() >= HISTORY_START
    today = a[a.start_at.dt.date == TODAY]
    assert {"completed", "checked_in", "confirmed", "scheduled"} <= set(today.status)
    assert (today[today.status == "completed"].end_at <= NOW).all()
    checked_in = today[today.status == "checked_in"]
    assert ((checked_in.start_at <= NOW) & (checked_in.end_at > NOW)).all()


def test_nothing_kept_in_the_future_and_feedback_only_on_kept(t) -> None:
    a = t["appointments"]
    assert not ((a.status == "completed") & (a.end_at > NOW)).any()
    assert not ((a.status == "no_show") & (a.start_at > NOW)).any()
    assert (a.created_at <= NOW).all() and (a.created_at <= a.start_at).all()
    rated = a.set_index("appointment_id").loc[t["session_feedback"].appointment_id]
    assert (rated.status == "completed").all()


def test_inactive_clinicians_only_have_past_appointments(t) -> None:
    inactive = t["clinicians"][~t["clinicians"].active].clinician_id
    theirs = t["appointments"][t["appointments"].clinician_id.isin(inactive)]
    assert len(theirs) > 0
    assert (theirs.start_at < NOW - pd.Timedelta(weeks=4)).all()


def test_clients_are_seen_between_intake_and_discharge(t) -> None:
    clients = t["clients"].set_index("client_id")
    a = t["appointments"].join(clients[["intake_date", "discharge_date"]], on="client_id")
    day = a.start_at.dt.normalize()
    assert not (day > a.discharge_date).any()
    # Only missed intakes come before the intake date (the first intake that was kept).
    early = a[day < a.intake_date]
    assert (early.service == "intake").all() and (early.status != "completed").all()
    discharged = clients[clients.discharge_date.notna()]
    assert len(discharged) >= 0.1 * len(clients)
    assert (discharged.discharge_date <= pd.Timestamp(TODAY)).all()
    assert (discharged.discharge_date >= discharged.intake_date).all()


def test_names_and_ids_read_well(t) -> None:
    clients = t["clients"]
    assert clients.display_name.str.fullmatch(r"\S+( \S+)* \S\.").all()  # "Maria G."
    assert list(clients.client_id) == sorted(clients.client_id)
    assert clients.sort_values("client_id").intake_date.is_monotonic_increasing
    ids = t["appointments"].sort_values("appointment_id")
    assert ids.appointment_id.iloc[0] == "A0000001" and ids.start_at.is_monotonic_increasing
    assert t["tasks"].task_id.str.fullmatch(r"T\d{6}").all()
    assert t["care_events"].event_id.str.fullmatch(r"E\d{5}").all()
    assert np.isin(
        clients.preferred_language,
        ["English", "Spanish", "Polish", "Vietnamese", "Arabic", "Mandarin"],
    ).all()
