"""The schema as migrated: constraints the rest of careboard relies on."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.engine import Database, SchemaOutOfDate
from db.meta import bump_data_version, data_version
from db.migrate import check_schema, current_revision, head_revision, upgrade
from db.models import Appointment, AuditEntry, WaitlistEntry
from tests.factory import Practice


def test_migrated_schema_is_at_head(db: Database) -> None:
    assert current_revision(db) == head_revision()
    check_schema(db)


# SQLAlchemy does not reflect SQLite's expression indexes (migrations 0007, 0009); checked below.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_expected_indexes_exist(db: Database) -> None:
    indexes = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("appointments")}
    assert ("start_at",) in indexes
    assert ("clinician_id", "start_at") in indexes
    assert ("client_id", "start_at") in indexes
    assert ("location",) in indexes
    tasks = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("tasks")}
    assert {("completed_at",), ("assignee", "completed_at")} <= tasks  # migration 0011
    visits = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("visit_sequence")}
    assert ("start_at", "next_start_at", "client_id") in visits  # first visits, migration 0012
    if db.engine.dialect.name == "sqlite":
        with db.read() as conn:
            found = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_appointments_day_status'")
            ).scalar_one()
        assert "substr(start_at, 1, 10), status" in found
        with db.read() as conn:
            by_clinician = conn.execute(
                text(
                    "SELECT sql FROM sqlite_master"
                    " WHERE name = 'ix_appointments_clinician_status_day'"
                )
            ).scalar_one()
        assert "clinician_id, status, substr(start_at, 1, 10)" in by_clinician
    else:
        with db.read() as conn:
            statistics = conn.execute(
                text(
                    "SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'appointments'::regclass"
                )
            ).scalars()
            assert "appointments_day_status" in set(statistics)


def test_empty_database_is_reported_with_the_command_to_run(tmp_path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutOfDate, match="careboard init-db"):
        check_schema(fresh)
    upgrade(fresh)
    check_schema(fresh)


@pytest.mark.parametrize(
    "field, value",
    [("status", "maybe"), ("service", "massage"), ("modality", "carrier_pigeon")],
)
def test_appointment_sets_are_enforced(practice: Practice, field: str, value: str) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    kwargs = {field: value}
    with pytest.raises(IntegrityError):
        practice.appointment("A1", "K1", "C1", "2026-03-02T09:00", **kwargs)


def test_scores_outside_their_range_are_refused(practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    with pytest.raises(IntegrityError):
        practice.feedback("A1", srs=41)
    practice.feedback("A1", srs=40, ors=0, phq9=27, gad7=21)


def test_foreign_keys_are_enforced(practice: Practice) -> None:
    practice.clinician("C1")
    with pytest.raises(IntegrityError):
        practice.client("K1", primary="NOBODY")


def test_audit_log_is_append_only(db: Database) -> None:
    with db.write() as session:
        session.add(AuditEntry(at=dt.datetime(2026, 1, 1), action="read", target="t", outcome="ok"))
    for statement in ("UPDATE audit_log SET outcome = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.read() as conn:
        assert conn.execute(select(AuditEntry.outcome)).scalars().all() == ["ok"]


def test_an_upgrade_bumps_the_data_version_and_a_new_database_starts_at_one(tmp_path) -> None:
    def version(database: Database) -> int:
        with database.read() as conn:
            return data_version(conn)

    fresh = Database(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(fresh)
    assert version(fresh) == 1  # a new database: nothing was cached from it
    upgrade(fresh)
    assert version(fresh) == 1  # at head already: nothing changed
    older = Database(f"sqlite:///{tmp_path / 'older.db'}")
    upgrade(older, "0009")
    assert version(older) == 1
    upgrade(older)  # 0010 fills every waitlist entry's first visit: cached figures are stale
    assert version(older) == 2
    fresh.dispose()
    older.dispose()


def test_data_version_bumps(db: Database) -> None:
    with db.read() as conn:
        before = data_version(conn)
    with db.write() as session:
        bump_data_version(session)
    with db.read() as conn:
        assert data_version(conn) == before + 1


def test_appointment_version_starts_at_one(practice: Practice, db: Database) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    with db.read() as conn:
        assert conn.execute(select(Appointment.version)).scalar() == 1


def _feedback_states(db: Database) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(select(Appointment.appointment_id, Appointment.feedback)).all()
    return {appointment_id: state for appointment_id, state in rows}


def test_each_appointment_carries_its_feedback_state_whatever_the_writer(
    practice: Practice, db: Database
) -> None:
    # 0: no feedback row or no SRS/ORS score; 1: scored; 2: scored with SRS below 36.
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    for n in range(1, 6):
        practice.appointment(f"A{n}", "K1", "C1", f"2026-03-0{n}T09:00")
    practice.feedback("A1", srs=35)  # low alliance
    practice.feedback("A2", srs=36, ors=20)  # 36 is not below 36
    practice.feedback("A3", ors=12)  # ORS alone is a score
    practice.feedback("A4", phq9=9)  # no SRS or ORS: not scored
    assert _feedback_states(db) == {"A1": 2, "A2": 1, "A3": 1, "A4": 0, "A5": 0}
    with db.write() as session:  # raw statements, as an import or a console would write
        conn = session.connection()
        conn.execute(text("UPDATE session_feedback SET srs = 20 WHERE appointment_id = 'A2'"))
        conn.execute(text("UPDATE session_feedback SET ors = NULL WHERE appointment_id = 'A3'"))
        conn.execute(text("UPDATE session_feedback SET appointment_id = 'A5' WHERE srs = 35"))
        conn.execute(text("DELETE FROM session_feedback WHERE appointment_id = 'A4'"))
    assert _feedback_states(db) == {"A1": 0, "A2": 2, "A3": 0, "A4": 0, "A5": 2}
    with db.write() as session:  # many rows in one statement (PostgreSQL: one trigger call)
        conn = session.connection()
        conn.execute(text("DELETE FROM session_feedback"))
        conn.execute(
            text(
                "INSERT INTO session_feedback (appointment_id, srs, ors) "
                "SELECT appointment_id, 30, NULL FROM appointments WHERE appointment_id <> 'A3'"
            )
        )
    assert _feedback_states(db) == {"A1": 2, "A2": 2, "A3": 0, "A4": 2, "A5": 2}
    if db.engine.dialect.name == "postgresql":  # SQLite has no TRUNCATE
        with db.write() as session:
            session.connection().execute(text("TRUNCATE session_feedback"))
        assert set(_feedback_states(db).values()) == {0}


def _first_visits(db: Database) -> dict[str, str | None]:
    with db.read() as conn:
        rows = conn.execute(select(WaitlistEntry.entry_id, WaitlistEntry.first_visit_at)).all()
    return {entry: None if at is None else at.isoformat(" ")[:16] for entry, at in rows}


def _appointment_sql(appointment_id: str, client_id: str, start: str, **kw: str) -> str:
    """One row of a raw INSERT INTO appointments, as SQLAlchemy would store the times."""
    end = (dt.datetime.fromisoformat(start) + dt.timedelta(hours=1)).isoformat(" ")
    service, status = kw.get("service", "individual"), kw.get("status", "completed")
    return (
        f"('{appointment_id}', '{client_id}', 'C1', '{start}:00.000000', '{end}.000000', 60, "
        f"'{service}', 'in_person', '{status}', 1)"
    )


def test_each_waitlist_entry_carries_its_first_visit_whatever_the_writer(
    practice: Practice, db: Database
) -> None:
    # An entry's first visit: the client's earliest kept, non-group appointment starting on
    # or after the referral date (metrics.md, time to intake), kept by migration 0010.
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.client("K2", primary="C1")
    practice.waitlist("W1", "K1", referred="2026-03-01")
    practice.waitlist("W2", "K1", referred="2026-03-10")
    practice.appointment("A1", "K1", "C1", "2026-02-20T09:00")  # before both referrals
    practice.appointment("A2", "K1", "C1", "2026-03-04T09:00", service="group")  # no visit
    practice.appointment("A3", "K1", "C1", "2026-03-06T09:00", status="no_show")  # not kept
    practice.appointment("A4", "K1", "C1", "2026-03-12T09:00")
    practice.appointment("A5", "K2", "C1", "2026-03-05T08:00")
    practice.waitlist("W3", "K2", referred="2026-03-05")  # after its visit; the same day counts
    assert _first_visits(db) == {
        "W1": "2026-03-12 09:00",
        "W2": "2026-03-12 09:00",
        "W3": "2026-03-05 08:00",
    }
    columns = (
        "INSERT INTO appointments (appointment_id, client_id, clinician_id, start_at, end_at, "
        "duration_min, service, modality, status, version) VALUES "
    )
    with db.write() as session:  # raw statements, as an import or a console would write
        conn = session.connection()
        conn.execute(text(columns + _appointment_sql("A6", "K1", "2026-03-08 09:00")))
    assert _first_visits(db)["W1"] == "2026-03-08 09:00"  # earlier; W2 was referred after
    assert _first_visits(db)["W2"] == "2026-03-12 09:00"
    with db.write() as session:
        conn = session.connection()
        conn.execute(
            text("UPDATE appointments SET status = 'completed' WHERE appointment_id = 'A3'")
        )
        conn.execute(text("UPDATE appointments SET client_id = 'K2' WHERE appointment_id = 'A4'"))
        conn.execute(text("DELETE FROM appointments WHERE appointment_id = 'A5'"))
    # W1: A3 now kept (03-06); W2: K1 has no visit on or after 03-10 once A4 moved to K2;
    # W3: A5 deleted, A4 (03-12) is K2's first visit on or after 03-05.
    assert _first_visits(db) == {
        "W1": "2026-03-06 09:00",
        "W2": None,
        "W3": "2026-03-12 09:00",
    }
    with db.write() as session:
        conn = session.connection()
        conn.execute(
            text("UPDATE waitlist_entries SET referred_at = '2026-03-07' WHERE entry_id = 'W1'")
        )
        conn.execute(text("UPDATE appointments SET service = 'group' WHERE appointment_id = 'A6'"))
    assert _first_visits(db)["W1"] is None  # from 03-07: A6 (03-08) became a group session
    with db.write() as session:  # many rows in one statement (PostgreSQL: one trigger call)
        session.connection().execute(
            text(
                columns
                + _appointment_sql("A7", "K1", "2026-03-11 09:00")
                + ", "
                + _appointment_sql("A8", "K1", "2026-03-09 09:00")
            )
        )
    assert _first_visits(db) == {
        "W1": "2026-03-09 09:00",
        "W2": "2026-03-11 09:00",
        "W3": "2026-03-12 09:00",
    }
    if db.engine.dialect.name == "postgresql":  # SQLite has no TRUNCATE
        with db.write() as session:
            session.connection().execute(text("TRUNCATE appointments CASCADE"))
        assert set(_first_visits(db).values()) == {None}


def test_two_writers_changing_one_clients_visits_at_once_leave_the_first_visit_exact(
    pg_db: Database,
) -> None:
    """PostgreSQL: T1 deletes the client's only visit (03-06) and stays open; T2 adds one on
    03-10 and commits after T1. T2's trigger could not see T1's delete: without the clients'
    lock it kept a first visit computed before the delete committed (none, once T1's own
    write landed). With it, T2's trigger waits for T1 and then sees both writes."""
    import threading

    practice = Practice(pg_db)
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.waitlist("W1", "K1", referred="2026-03-01")
    practice.appointment("A0", "K1", "C1", "2026-03-06T09:00")
    insert = (
        "INSERT INTO appointments (appointment_id, client_id, clinician_id, start_at, end_at, "
        "duration_min, service, modality, status, version) VALUES "
    )
    done = threading.Event()

    def second_writer() -> None:
        with pg_db.engine.begin() as conn:
            conn.execute(text(insert + _appointment_sql("A1", "K1", "2026-03-10 09:00")))
        done.set()

    thread = threading.Thread(target=second_writer)
    with pg_db.engine.connect() as first:
        transaction = first.begin()
        try:
            first.execute(text("DELETE FROM appointments WHERE appointment_id = 'A0'"))
            thread.start()
            waited = not done.wait(0.5)  # T2 waits for T1 (when both lock the client)
        finally:
            transaction.commit()
    thread.join(10)
    assert done.is_set() and waited
    assert _first_visits(pg_db) == {"W1": "2026-03-10 09:00"}


def test_a_replace_on_sqlite_updates_the_first_visit_as_a_delete_would(
    sqlite_db: Database,
) -> None:
    # INSERT OR REPLACE deletes the row it replaces: with recursive triggers (db.engine) that
    # delete fires the appointments' delete trigger, so W1 forgets the replaced visit.
    practice = Practice(sqlite_db)
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.waitlist("W1", "K1", referred="2026-03-01")
    practice.appointment("A1", "K1", "C1", "2026-03-05T09:00")
    practice.appointment("A2", "K1", "C1", "2026-03-08T09:00")
    assert _first_visits(sqlite_db) == {"W1": "2026-03-05 09:00"}
    replace = (
        "INSERT OR REPLACE INTO appointments (appointment_id, client_id, clinician_id, "
        "start_at, end_at, duration_min, service, modality, status, version) VALUES "
    )
    with sqlite_db.write() as session:
        row = _appointment_sql("A1", "K1", "2026-03-05 09:00", status="cancelled_client")
        session.connection().execute(text(replace + row))
    assert _first_visits(sqlite_db) == {"W1": "2026-03-08 09:00"}


def test_an_upgraded_postgresql_database_is_backfilled_and_vacuumed(pg_schema_url: str) -> None:
    """0008 on a database with feedback: each appointment gets its state from the existing
    rows, and the versions of rows it rewrote are vacuumed away at once (autovacuum may be off,
    as on this machine, and dead rows slow every index-only scan)."""
    import uuid

    from db.migrate import upgrade as migrate
    from tests.conftest import pg_url_with_schema

    schema = f"cb_upgrade_{uuid.uuid4().hex[:8]}"
    admin = Database(pg_url_with_schema("public"))
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(pg_url_with_schema(schema))
    try:
        migrate(database, "0007")
        with database.engine.begin() as conn:
            for sql in (
                "INSERT INTO clinicians (clinician_id, name, accepting_new, active) "
                "VALUES ('C1', 'Ana', true, true)",
                "INSERT INTO clients (client_id, display_name, primary_clinician_id, "
                "intake_date) VALUES ('K1', 'K. One', 'C1', '2026-03-01')",
                "INSERT INTO appointments (appointment_id, client_id, clinician_id, start_at, "
                "end_at, duration_min, service, modality, status, version) VALUES "
                "('A1', 'K1', 'C1', '2026-03-02 09:00', '2026-03-02 10:00', 60, 'individual', "
                "'in_person', 'completed', 1), "
                "('A2', 'K1', 'C1', '2026-03-03 09:00', '2026-03-03 10:00', 60, 'individual', "
                "'in_person', 'completed', 1)",
                "INSERT INTO session_feedback (appointment_id, srs, ors) VALUES ('A1', 30, 20)",
            ):
                conn.execute(text(sql))
        migrate(database)
        with database.read() as conn:
            conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            vacuumed = conn.execute(
                text(
                    "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                    "WHERE schemaname = :schema AND relname = 'appointments'"
                ),
                {"schema": schema},
            ).scalar_one()
        assert vacuumed
        with database.engine.begin() as conn:  # as a restore would: no schema on the path
            conn.execute(text("SET LOCAL search_path = ''"))
            insert = f'INSERT INTO "{schema}".session_feedback (appointment_id, ors) '
            conn.execute(text(insert + "VALUES ('A2', 12)"))
        with database.read() as conn:
            rows = conn.execute(text("SELECT appointment_id, feedback FROM appointments")).all()
        # SRS 30 is below 36: low alliance; A2's ORS alone, written after: scored.
        assert {appointment_id: state for appointment_id, state in rows} == {"A1": 2, "A2": 1}
    finally:
        database.dispose()
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_analyze_vacuums_this_schemas_tables_only(pg_db: Database) -> None:
    """On PostgreSQL the refresh after a bulk change is VACUUM (ANALYZE) of careboard's own
    tables: this schema's, not another schema's on the same server."""
    import uuid

    from tests.conftest import pg_url_with_schema

    other = f"cb_other_{uuid.uuid4().hex[:8]}"
    admin = Database(pg_url_with_schema("public"))
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{other}"'))
        conn.execute(text(f'CREATE TABLE "{other}".bystander (n integer)'))
    try:
        pg_db.analyze()
        with pg_db.read() as conn:
            conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            vacuumed = dict(
                conn.execute(
                    text(
                        "SELECT schemaname = current_schema(), bool_and(last_vacuum IS NOT NULL) "
                        "FROM pg_stat_user_tables WHERE schemaname IN (current_schema(), :other) "
                        "GROUP BY 1"
                    ),
                    {"other": other},
                ).all()
            )
        assert vacuumed == {True: True, False: False}
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()
