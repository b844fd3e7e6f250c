"""Engines and transactions on SQLite or PostgreSQL, with errors turned into domain errors.

A write transaction serializes on the study: on PostgreSQL the caller locks the study
row (SELECT ... FOR UPDATE); on SQLite the whole file has one writer, so we queue
writers on an OS file lock before BEGIN IMMEDIATE. Waiting on flock wakes a writer as
soon as the previous one commits, where SQLite's own busy handler sleeps and polls
(up to 100 ms a time), which is what makes naive SQLite endpoints slow at the tail.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..errors import StoreUnavailable
from . import migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# What a client is told on a 503 (the driver's message goes to the log, not to clients).
UNAVAILABLE = ("the store is busy or out of reach: retry after the Retry-After delay; "
               "if it persists, the service's log says why")
# PostgreSQL error codes worth retrying: serialization failure, deadlock.
_RETRYABLE_PG = {"40001", "40P01"}
_SCHEMA_LOCK = 74023519  # the PostgreSQL advisory lock of schema changes


class Store:
    """Owns the engine of one process (made lazily, and again after a fork)."""

    def __init__(
        self, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, sqlite_synchronous="FULL",
        migrate_at_start: bool = True, threads: int = 1,
    ):
        self.url = make_url(url)
        self.threads = threads  # of the process: on SQLite, each may hold a connection
        self.busy_timeout_ms = busy_timeout_ms
        if sqlite_synchronous not in ("FULL", "NORMAL"):
            raise ValueError("sqlite_synchronous must be FULL or NORMAL")
        # FULL: an fsync per commit, so a stored result survives power loss. NORMAL (with
        # WAL): fsync at checkpoints only; never corrupts the file, but the last commits
        # may be lost on power loss or an OS crash. Faster when fsync is slow.
        self.sqlite_synchronous = sqlite_synchronous
        # True: the first use runs the missing migrations; False: it only checks for them.
        self.migrate_at_start = migrate_at_start
        self._schema_ready = False
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()  # the threads of a worker make the engine once
        if self.is_sqlite and self.url.database in (None, "", ":memory:"):
            raise ValueError("SQLite needs a file path: sqlite:////abs/path/to/file.db")

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                self._engine = self._make_engine()
                self._pid = os.getpid()
            return self._engine

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _make_engine(self) -> Engine:
        if not self.is_sqlite:
            # No ping before each use (a round trip per transaction, 7% of a request's
            # CPU): a connection the server dropped fails its first statement, which is a
            # 503 to retry, and SQLAlchemy then renews every pooled connection older.
            engine = create_engine(self.url, pool_size=5, max_overflow=5)
            busy = int(self.busy_timeout_ms)

            @event.listens_for(engine, "connect")
            def _on_pg_connect(dbapi_conn, _record):
                # A write waits at most this long for a row another transaction holds
                # (a study's lock, behind many suggests): then a 503 with Retry-After
                # that clients retry, as SQLite's busy timeout gives, rather than a
                # request queued past the load balancer's read timeout (a 504).
                with dbapi_conn.cursor() as cur:
                    cur.execute(f"SET lock_timeout = {busy}")
                dbapi_conn.commit()

            return engine
        busy, synchronous = self.busy_timeout_ms, self.sqlite_synchronous
        engine = create_engine(self.url, connect_args={"timeout": busy / 1000},
                               pool_size=max(5, self.threads), max_overflow=5)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

        return engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- transactions ----------------------------------------------------------------
    @contextlib.contextmanager
    def read(self, ensure_schema: bool = True) -> Iterator[Connection]:
        """A connection for reads. On SQLite, one transaction: the reads see one snapshot.
        On PostgreSQL, each statement commits by itself: under READ COMMITTED a
        transaction gives each statement its own snapshot anyway, and BEGIN and COMMIT
        would be two more round trips per request."""
        if ensure_schema:
            self._ensure_schema()
        with self._translate(), self.engine.connect() as conn:
            if not self.is_sqlite:
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction whose every statement sees the same snapshot (an export of
        a study being written to); on PostgreSQL REPEATABLE READ, on SQLite any read."""
        self._ensure_schema()
        with self._translate(), self.engine.connect() as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def write(self, durable: bool = True) -> Iterator[Connection]:
        """One write transaction; on SQLite, the only writer of the file until it ends.

        Args:
            durable: False commits without waiting for the disk: after a power loss the
                transaction may be gone, but nothing is ever corrupted. For bookkeeping
                whose loss is harmless.
        """
        self._ensure_schema()
        with self._translate(), self.engine.connect() as conn:  # checked out before queuing
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
            with self._writer_lock(), self._synchronous(conn, durable), conn.begin():
                if not durable and not self.is_sqlite:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn

    @contextlib.contextmanager
    def _synchronous(self, conn: Connection, durable: bool) -> Iterator[None]:
        """On SQLite, switch off the fsync of one commit (a PRAGMA outside transactions)."""
        if durable or not self.is_sqlite:
            yield
            return
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA synchronous=OFF")
        try:
            yield
        finally:
            raw.execute(f"PRAGMA synchronous={self.sqlite_synchronous}")

    def run_write(self, fn, *args, attempts: int = 3, durable: bool = True, **kwargs):
        """fn(conn, ...) in a write transaction, retried on PostgreSQL serialization errors."""
        for attempt in range(attempts):
            try:
                with self.write(durable) as conn:
                    return fn(conn, *args, **kwargs)
            except _Retryable:
                if attempt == attempts - 1:
                    raise StoreUnavailable(UNAVAILABLE) from None
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        if not self.is_sqlite:
            yield
            return
        path = self.url.database + ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            if _pg_code(exc) in _RETRYABLE_PG:
                raise _Retryable() from exc
            log.warning("store unavailable: %s", exc.orig)  # the cause, for operators
            raise StoreUnavailable(UNAVAILABLE) from exc
        except DBAPIError as exc:
            if _pg_code(exc) in _RETRYABLE_PG:
                raise _Retryable() from exc
            if exc.connection_invalidated:
                log.warning("store connection lost: %s", exc.orig)
                raise StoreUnavailable(UNAVAILABLE) from exc
            raise
        except PoolTimeout as exc:  # every connection of this process is in use
            log.warning("no store connection free: %s", exc)
            raise StoreUnavailable(UNAVAILABLE) from exc

    # -- schema ------------------------------------------------------------------------
    @contextlib.contextmanager
    def schema_write(self) -> Iterator[Connection]:
        """A write transaction for schema changes, one at a time across replicas.

        PostgreSQL: an advisory lock held to the commit. SQLite: the writer file lock and
        BEGIN IMMEDIATE, with foreign keys off (a migration may rebuild a table that others
        reference; the keys are checked before the commit).
        """
        with self._translate(), self.engine.connect() as conn:
            if not self.is_sqlite:
                with conn.begin():
                    # a migration elsewhere may take longer than a write's lock wait
                    conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
                    yield conn
                return
            raw = conn.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
            try:
                conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
                with self._writer_lock(), conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"a migration broke foreign keys: {broken[:5]}")
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            self.prepare()

    def try_prepare(self) -> bool:
        """prepare() now if the store answers; otherwise on first use. True if done."""
        try:
            self.prepare()
        except StoreUnavailable as exc:
            log.warning("store not reachable at start (%s); will retry on first request", exc)
        return self._schema_ready

    def prepare(self) -> None:
        """Bring the schema to this release's (migrate_at_start) or check that it is.

        Raises:
            migrate.SchemaError: the schema is behind and may not be migrated here, or
                it is newer than this release.
        """
        if self.migrate_at_start:
            migrate.upgrade(self)
        else:
            migrate.check(self)
        self._schema_ready = True

    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers a query."""
        with self.read() as conn:
            conn.exec_driver_sql("SELECT 1")


class _Retryable(Exception):
    """A PostgreSQL serialization failure or deadlock: the transaction may be retried."""


def _pg_code(exc: DBAPIError) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)
