"""The one owner of database connections: engines, sessions, pragmas, time limits, schema state."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.meta import data_version

SQLITE_BUSY_TIMEOUT_MS = 15000


# Threads that run a request's reads side by side (``Database.read_together``). The drivers
# release the GIL while a query runs, so on two cores two reads take little longer than one.
# CAREBOARD_READ_THREADS sets how many (1: every read on the request's own connection).
T = TypeVar("T")
READ_THREADS = int(os.environ.get("CAREBOARD_READ_THREADS") or min(4, os.cpu_count() or 1))
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _read_pool() -> ThreadPoolExecutor:
    """This process's pool (made afresh in a forked worker: threads do not survive a fork)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            pool = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="careboard-read")
            _pool = (os.getpid(), pool)
        return _pool[1]


# The execution option that marks a connection of ``Database.read``: read-only, so a read beside
# it on another connection sees the same data once both are at the same data version.
READ_OPTION = "careboard_read"


def read_beside(conn: Connection, read: Callable[[Connection], T]) -> Callable[[], T]:
    """Start ``read`` on a connection of its own, beside ``conn``, and return a function that
    gives its result, as read at ``conn``'s state of the data.

    The other connection reads the data version first (fixing its snapshot) and ``conn``'s is
    read now; a write committed between the two snapshots makes the read again on ``conn``
    when the result is asked for. Only beside a connection of ``Database.read`` or of another
    read beside (one with uncommitted writes would see data no other connection sees) and with
    two threads or more; otherwise the read is made on ``conn`` when its result is asked for.

    A read beside may start reads beside itself (third next available's held appointments,
    inside a search that runs beside the overview's other reads). That cannot hang: a caller
    only ever waits for a read that a thread is running; one not started yet it makes itself."""
    if (
        READ_THREADS < 2
        or not conn.get_execution_options().get(READ_OPTION)
        or _in_memory(conn.engine)
    ):
        return in_turn(conn, read)
    version = data_version(conn)
    engine = conn.engine

    def beside() -> tuple[int, T]:
        with engine.connect() as other:
            # Read-only, at the snapshot its data version names: reads may go beside it too.
            other.execution_options(**{READ_OPTION: True})
            return data_version(other), read(other)

    future = _read_pool().submit(beside)

    def result() -> T:
        # Not started yet (the threads busy with other requests' reads): made here, at once.
        if future.cancel():
            return read(conn)
        found, value = future.result()
        return value if found == version else read(conn)

    return result


def in_turn(conn: Connection, read: Callable[[Connection], T]) -> Callable[[], T]:
    """``read`` on ``conn`` when its result is asked for: ``read_beside``'s shape, in turn."""
    return lambda: read(conn)


def _in_memory(engine: Engine) -> bool:
    """An in-memory SQLite database: each thread's connection is a database of its own."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return (
        database in ("", ":memory:") or "mode=memory" in database or "mode=memory" in str(url.query)
    )


class SchemaOutOfDate(RuntimeError):
    """The database schema is not at the migrations' head."""


def _prepare_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys and recursive triggers on every connection; explicit
    BEGIN.

    pysqlite's own transaction handling defers BEGIN in ways that break SAVEPOINT and lets two
    writers deadlock on lock upgrade; emitting BEGIN ourselves (IMMEDIATE for writes) makes a
    second writer wait for the busy timeout instead of failing at once.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The row a REPLACE deletes fires its delete triggers too, so the states triggers
        # keep (migrations 0008, 0010) follow a REPLACE as they follow a DELETE.
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, statement_timeout_ms: int | None = None) -> Engine:
    """Create an engine with careboard's connection settings for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _prepare_sqlite(engine)
        return engine
    connect_args: dict[str, object] = {"connect_timeout": 5}
    # JIT compilation costs more than it saves on the dashboard's short aggregate queries.
    options = "-c jit=off"
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    existing = parsed.query.get("options")
    if existing:
        options = f"{existing} {options}"
        parsed = parsed.difference_update_query(["options"])
    connect_args["options"] = options
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        hide_parameters=True,  # error messages must not carry client data into logs
        connect_args=connect_args,
    )


class Database:
    """Engines for reads and writes, and sessions bound to them.

    Writes on SQLite begin IMMEDIATE so that concurrent writers queue on the busy timeout.
    Reads may go to a replica (``read_url``); writes never do.
    """

    def __init__(
        self, url: str, *, read_url: str | None = None, statement_timeout_ms: int | None = None
    ) -> None:
        self.url = url
        self.engine = make_engine(url, statement_timeout_ms=statement_timeout_ms)
        self.read_engine = (
            make_engine(read_url, statement_timeout_ms=statement_timeout_ms)
            if read_url
            else self.engine
        )
        if self.read_engine.dialect.name == "postgresql":
            # One snapshot per read: a page's several queries never straddle an import's commit
            # (SQLite's WAL read transactions are snapshots already).
            self.read_engine = self.read_engine.execution_options(isolation_level="REPEATABLE READ")
        self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries; the transaction is rolled back at the end."""
        with self.read_engine.connect() as conn:
            conn.execution_options(**{READ_OPTION: True})
            yield conn

    def read_together(self, *reads: Callable[[Connection], Any]) -> list[Any]:
        """The results of ``reads``, run side by side, all at one state of the data: the first
        on a read connection here, the others beside it (``read_beside``), each on a
        connection of its own when it can."""
        with self.read() as conn:
            pending = [read_beside(conn, read) for read in reads[1:]]
            first = [read(conn) for read in reads[:1]]
            return first + [result() for result in pending]

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end, rolled back on error."""
        with self._write_sessions() as session, session.begin():
            yield session

    def session(self) -> Session:
        """A plain session on the primary, for callers that manage the transaction."""
        return self._write_sessions()

    def ping(self) -> bool:
        """True when the primary answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False

    def analyze(self) -> None:
        """Refresh the query planner's statistics after a bulk change (an import, the demo, a
        migration).

        SQLite keeps none until ANALYZE runs, and without them it can pick an index that walks
        a whole table (e.g. every done task for each client). PostgreSQL's autovacuum would get
        there eventually (if it is on), but the first pages after an import should not wait
        for it: there it is VACUUM (ANALYZE), as a bulk change leaves dead row versions (an
        import's updates; the feedback triggers of migration 0008 updating appointments) that
        slow every index-only scan until a vacuum. Only the tables of the connection's schema:
        a bare VACUUM or ANALYZE works through every schema on the server."""
        if self.engine.dialect.name != "postgresql":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            names = inspect(conn).get_table_names()
            if names:
                conn.exec_driver_sql("VACUUM (ANALYZE) " + ", ".join(f'"{n}"' for n in names))

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
