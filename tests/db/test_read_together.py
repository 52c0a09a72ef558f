"""Database.read_together: reads side by side on their own connections, all on one state of
the data, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Connection, func, select

from db import engine as engine_module
from db.engine import Database
from db.meta import bump_data_version
from db.models import Base, Client, Meta
from tests.factory import Practice

WAIT_S = 20


def _clients(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(Client)).scalar_one()


def _add_client(db: Database, practice: Practice, name: str) -> None:
    """A new client, and a bump of the data version, as every careboard write makes."""
    practice.client(name)
    with db.write() as session:
        bump_data_version(session)


class _Counted:
    """A read of the clients that records the thread it ran on and says when it began."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.began = threading.Event()

    def __call__(self, conn: Connection) -> int:
        self.where.append(threading.current_thread().name)
        self.began.set()
        return _clients(conn)


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "READ_THREADS", 2)


@pytest.fixture
def busy_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """A one-thread read pool whose thread runs another request's read until the event is set."""
    pool = ThreadPoolExecutor(1)
    monkeypatch.setattr(engine_module, "_read_pool", lambda: pool)
    release = threading.Event()
    pool.submit(release.wait, WAIT_S)
    try:
        yield release
    finally:
        release.set()
        pool.shutdown()


@pytest.mark.usefixtures("two_threads")
def test_reads_run_on_their_own_threads_and_come_back_in_order(
    db: Database, practice: Practice
) -> None:
    practice.client("A")
    threads: list[str] = []
    began = {tag: threading.Event() for tag in ("second", "third")}

    def read(tag: str):  # type: ignore[no-untyped-def]
        def run(conn: Connection) -> tuple[str, int]:
            threads.append(threading.current_thread().name)
            if tag == "first":  # the others have started beside (else the caller makes them)
                assert all(event.wait(WAIT_S) for event in began.values())
            else:
                began[tag].set()
            return tag, _clients(conn)

        return run

    assert db.read_together(read("first"), read("second"), read("third")) == [
        ("first", 1),
        ("second", 1),
        ("third", 1),
    ]
    # The caller runs the first read itself; the others go to the pool's threads.
    assert threads.count(threading.current_thread().name) == 1
    assert sum(name.startswith("careboard-read") for name in threads) == 2


def test_with_one_thread_the_reads_share_one_connection(
    db: Database, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "READ_THREADS", 1)
    seen: list[Connection] = []
    db.read_together(seen.append, seen.append)
    assert len(seen) == 2 and seen[0] is seen[1]


@pytest.mark.usefixtures("two_threads")
def test_a_write_between_the_snapshots_makes_the_later_read_again_on_the_first_state(
    db: Database, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first read commits a new client after its own snapshot and before the second read's
    (held back behind a blocker in a one-thread pool): the second saw other data, so it is read
    again on the first read's connection, and both give the first state."""
    practice.client("A")
    pool = ThreadPoolExecutor(1)
    monkeypatch.setattr(engine_module, "_read_pool", lambda: pool)
    written = threading.Event()
    pool.submit(written.wait, WAIT_S)
    calls = {"first": 0, "second": 0}

    began = threading.Event()

    def first(conn: Connection) -> int:
        calls["first"] += 1
        seen = _clients(conn)
        _add_client(db, practice, "B")
        written.set()
        began.wait(WAIT_S)  # the second has started beside (else it would be made here)
        return seen

    def second(conn: Connection) -> int:
        calls["second"] += 1
        began.set()
        return _clients(conn)

    try:
        assert db.read_together(first, second) == [1, 1]
        assert calls == {"first": 1, "second": 2}
    finally:
        written.set()
        pool.shutdown()


@pytest.mark.usefixtures("two_threads")
def test_equal_versions_keep_the_first_results(db: Database, practice: Practice) -> None:
    """A write that does not finish before both snapshots are taken changes nothing read."""
    practice.client("A")
    calls: list[str] = []

    def read(tag: str):  # type: ignore[no-untyped-def]
        def run(conn: Connection) -> int:
            calls.append(tag)
            return _clients(conn)

        return run

    assert db.read_together(read("a"), read("b")) == [1, 1]
    assert sorted(calls) == ["a", "b"]


@pytest.mark.usefixtures("two_threads")
def test_a_read_together_inside_a_pooled_read_runs_in_turn(
    db: Database, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every pool thread busy, a nested call that waited on the pool would never end."""
    pool = ThreadPoolExecutor(1)
    monkeypatch.setattr(engine_module, "_read_pool", lambda: pool)

    def nested(conn: Connection) -> list[int]:
        return db.read_together(_clients, _clients)

    outcome: list[object] = []
    caller = threading.Thread(
        target=lambda: outcome.append(db.read_together(_clients, nested)), daemon=True
    )
    caller.start()
    caller.join(WAIT_S)
    pool.shutdown(wait=False)
    assert outcome == [[0, [0, 0]]]


@pytest.mark.usefixtures("two_threads")
def test_a_read_beside_may_start_reads_beside_itself(db: Database, practice: Practice) -> None:
    """A pooled read (the overview's third next available search) starts its own reads on
    the other thread, at its state of the data."""
    practice.client("A")
    counted = _Counted()
    outer: list[str] = []
    searching = threading.Event()

    def first(conn: Connection) -> int:
        assert searching.wait(WAIT_S)  # the search has started beside (else the caller makes it)
        return _clients(conn)

    def search(conn: Connection) -> int:
        outer.append(threading.current_thread().name)
        searching.set()
        held = engine_module.read_beside(conn, counted)
        assert counted.began.wait(WAIT_S)  # started beside (else this thread would make it)
        return held()

    assert db.read_together(first, search) == [1, 1]
    assert outer[0].startswith("careboard-read")
    assert counted.where[0].startswith("careboard-read") and counted.where != outer


@pytest.mark.usefixtures("two_threads")
def test_an_error_in_a_pooled_read_reaches_the_caller(db: Database) -> None:
    def broken(conn: Connection) -> None:
        raise LookupError("no such figure")

    with pytest.raises(LookupError, match="no such figure"):
        db.read_together(_clients, broken)


@pytest.mark.usefixtures("two_threads")
def test_a_read_beside_runs_on_another_connection_at_the_same_data(
    db: Database, practice: Practice
) -> None:
    practice.client("A")
    counted = _Counted()

    with db.read() as conn:
        result = engine_module.read_beside(conn, counted)
        counted.began.wait(WAIT_S)  # started beside (one not started yet is made here)
        assert result() == 1
    assert len(counted.where) == 1 and counted.where[0].startswith("careboard-read")


@pytest.mark.usefixtures("two_threads")
def test_a_write_before_the_read_beside_makes_it_again_on_the_callers_connection(
    db: Database, practice: Practice, busy_pool: threading.Event
) -> None:
    """The caller's snapshot is fixed before a write commits; the read beside starts after it
    (held back behind another read in a one-thread pool), sees another version, and is made
    again on the caller's connection: the caller's state of the data, one client."""
    practice.client("A")
    counted = _Counted()
    with db.read() as conn:
        result = engine_module.read_beside(conn, counted)
        _add_client(db, practice, "B")
        busy_pool.set()  # the write is committed: the read beside may start
        counted.began.wait(WAIT_S)
        assert result() == 1
    assert len(counted.where) == 2
    assert counted.where[1] == threading.current_thread().name


@pytest.mark.usefixtures("two_threads")
def test_beside_a_connection_that_may_hold_writes_the_read_is_made_on_it(
    db: Database, practice: Practice
) -> None:
    """A session's connection may hold uncommitted writes no other connection sees."""
    with db.write() as session:
        session.add(Client(client_id="K9", display_name="K9", intake_date=dt.date(2026, 1, 5)))
        session.flush()
        result = engine_module.read_beside(session.connection(), _clients)
        assert result() == 1  # the new client, not yet committed


@pytest.mark.usefixtures("two_threads", "busy_pool")
def test_a_read_not_started_when_asked_for_is_made_on_the_callers_connection(
    db: Database, practice: Practice
) -> None:
    """The read threads busy with other requests' reads: the caller does not queue behind
    them, it makes the read itself."""
    practice.client("A")
    counted = _Counted()
    with db.read() as conn:
        assert engine_module.read_beside(conn, counted)() == 1
    assert counted.where == [threading.current_thread().name]


@pytest.mark.usefixtures("two_threads")
def test_an_in_memory_database_reads_in_turn() -> None:
    """Another thread's connection to an in-memory SQLite database is another, empty database."""
    memory = Database("sqlite://")
    Base.metadata.create_all(memory.engine)
    with memory.write() as session:
        session.add(Meta(key="data_version", value="1"))
    assert memory.read_together(_clients, _clients) == [0, 0]
