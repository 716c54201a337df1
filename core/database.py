"""Engine and sessions: a SQLite file by default, PostgreSQL when the URL says so.

SQLite gets WAL (readers run beside one writer), foreign keys, a busy timeout, and write
transactions that start with ``BEGIN IMMEDIATE``: a read transaction that later upgrades to a write
gets ``SQLITE_BUSY`` at once whatever the timeout, so writers take the lock up front. A SQLite file
removed or replaced under a running process is noticed rather than silently recreated empty.

``database_failure`` tells bugs apart from the two failures a client can only wait out: the
database busy (a lock held longer than we wait) and the database unavailable (no connection).
"""

from __future__ import annotations

import select
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000
# Connections each process may open (SQLAlchemy's defaults, made explicit): the app admits at most
# this many GraphQL requests at once (core/app.py), each holding at most one connection.
POOL_SIZE = 5
MAX_OVERFLOW = 10
_WRITE_OPTION = "jtai_write"
_READ_ONCE_OPTION = "jtai_read_once"
_FLUSHED_OPTION = "jtai_flushed"  # session.info: ORM changes were flushed since the last write
_PG_IN_TRANSACTION = 2  # libpq's PQTRANS_INTRANS: in a transaction block, idle, not failed


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, the driver this project installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    url = normalise_url(url)
    # Errors and logs must never carry the values of a statement: they may be a child's data.
    kwargs.setdefault("hide_parameters", True)
    database = make_url(url).database
    if not is_sqlite(url) or (database and database != ":memory:"):  # a pool of connections
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if not is_sqlite(url):
        # No pre-ping (a round trip on every checkout): a connection the server closed is
        # noticed on checkout without one (_closed_by_server).
        kwargs["connect_args"] = _in_utc(make_url(url).query, kwargs.get("connect_args"))
        engine = create_engine(url, **kwargs)
        event.listen(engine, "checkout", _closed_by_server)
        return engine
    timeout = sqlite_busy_timeout_ms / 1000
    engine = create_engine(url, connect_args={"timeout": timeout}, **kwargs)
    event.listen(engine, "connect", _sqlite_configurer(sqlite_busy_timeout_ms))
    event.listen(engine, "begin", _begin_sqlite_transaction)
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        _SqliteFileWatch(Path(database)).listen(engine)
    return engine


def _sqlite_configurer(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that "begin" decides how each one starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return configure


def _in_utc(query: Mapping[str, Any], connect_args: dict[str, Any] | None) -> dict[str, Any]:
    """PostgreSQL sessions in UTC, set in the startup packet (no round trip): psycopg then
    gives ``timestamptz`` values as ``datetime.UTC`` datetimes, which ``models.UtcDateTime``
    and the executor take as they are, instead of converting 2,000 a page from the server's
    zone. Every column is ``timestamptz`` and no statement reads the session's zone
    (``now()``, ``::date``, ``date_trunc``), so only the values' tzinfo changes, not the
    instants. The URL's own ``options`` (``?options=-csearch_path=...``) are kept: connect_args
    would replace them."""
    args = dict(connect_args or {})
    given = args.get("options", query.get("options", ""))
    options = " ".join(given) if isinstance(given, tuple) else given
    args["options"] = f"{options} -c TimeZone=UTC".strip()
    return args


def _begin_sqlite_transaction(connection: Any) -> None:
    options = connection.get_execution_options()
    if options.get(_READ_ONCE_OPTION, False):
        return  # one statement in autocommit: no BEGIN, no ROLLBACK
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE_OPTION, False) else "BEGIN")


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Drop a pooled PostgreSQL connection the server has closed (restarted, terminated the
    backend): an idle connection has nothing to read unless the server said goodbye, so a
    readable socket means it is gone, and the pool connects anew. A zero-timeout poll, not a
    round trip. A connection lost silently (the network) still fails on its first statement,
    which is answered DATABASE_UNAVAILABLE like any outage."""
    try:
        descriptor = dbapi_connection.fileno()
    except Exception:  # psycopg: the connection is closed already
        raise DisconnectionError("the connection is closed") from None
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the database server closed the connection")


class Database:
    """One engine and its session factory."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
        **engine_kwargs: Any,
    ) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, sqlite_busy_timeout_ms, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        pool = self.engine.pool
        self.max_connections = (
            pool.size() + engine_kwargs.get("max_overflow", MAX_OVERFLOW)
            if isinstance(pool, QueuePool)
            else 1
        )

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def session(self) -> Session:
        return self.sessions()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, begin_write(session):
            yield session

    @contextmanager
    def read_once(self) -> Iterator[Session]:
        """A session for a short read outside any transaction (each statement on its own, as
        in autocommit): no BEGIN and no ROLLBACK, so one statement is one round trip. For
        reads whose statements need not see one snapshot, such as signing in. Its connection
        goes back to the pool at the end of the block."""
        options: dict[str, Any] = (
            {_READ_ONCE_OPTION: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
        )
        with (
            self.engine.connect().execution_options(**options) as connection,
            Session(bind=connection) as session,
        ):
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def begin_write(session: Session) -> Iterator[Session]:
    """Run the block in one write transaction of ``session``: all of it commits, or none of it.

    Any read transaction the session had open is ended first, so that SQLite starts the write
    transaction with ``BEGIN IMMEDIATE``. On PostgreSQL a read transaction that wrote nothing and
    did not fail becomes the write transaction instead (see ``_continues_as_write``).
    """
    if not (session.in_transaction() and _continues_as_write(session)):
        if session.in_transaction():
            session.rollback()
        session.connection(execution_options={_WRITE_OPTION: True})
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    else:
        session.commit()
    finally:
        session.info.pop(_FLUSHED_OPTION, None)


def end_read(session: Session) -> None:
    """End the session's read transaction, if one is open: on PostgreSQL with COMMIT when it is
    healthy and wrote nothing (for a read the same as ROLLBACK, and psycopg keeps its prepared
    statements; see ``_continues_as_write``), otherwise with ROLLBACK."""
    if not session.in_transaction():
        return
    if _continues_as_write(session):
        session.commit()
    else:
        session.rollback()
    session.info.pop(_FLUSHED_OPTION, None)


def _continues_as_write(session: Session) -> bool:
    """Whether the session's open read transaction can carry on as the write transaction: on
    PostgreSQL only, when it is healthy and has written nothing.

    At READ COMMITTED every statement sees the data committed before it began, inside a
    transaction or not, so the write sees exactly what it would in a transaction of its own. Not
    ending the read saves two round trips (ROLLBACK, BEGIN), and above all it keeps psycopg's
    prepared statements: psycopg forgets them all on every ROLLBACK (a rolled-back transaction may
    have dropped what they name), so a read that ended with one never had its statements
    prepared, and PostgreSQL parsed and planned each one afresh (BENCHMARKS.md, "4 December 2026:
    the dashboard's database side"). SQLite must end the read to take the write lock up front."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    if session.new or session.dirty or session.deleted or session.info.get(_FLUSHED_OPTION):
        return False  # ORM changes made outside a write: never commit them by the way
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return False
    try:
        connection = session.connection()
    except SQLAlchemyError:  # e.g. its connection was lost: only a rollback clears that
        return False
    if connection.invalidated:
        return False
    dbapi_connection: Any = connection.connection.dbapi_connection
    return bool(dbapi_connection.info.transaction_status == _PG_IN_TRANSACTION)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_FLUSHED_OPTION] = True


class _SqliteFileWatch:
    """Notice the database file going away under a running process.

    SQLite would quietly create a new, empty file for the next connection (every query then fails
    with "no such table"), and a pooled connection would go on using the removed file, whose
    writes nobody will ever read. So each connection remembers which file it opened; one whose
    file is gone or replaced is dropped when it is next checked out, and no connection opens a
    file that is missing once the first one has opened it: that is "unable to open" instead.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened = False

    def listen(self, engine: Engine) -> None:
        event.listen(engine, "do_connect", self._before_connect)
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._checked_out)

    def _identity(self) -> tuple[int, int] | None:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_dev, status.st_ino

    def _before_connect(self, *_args: Any) -> None:
        if self.opened and not self.path.exists():
            error = sqlite3.OperationalError("unable to open database file: it was removed")
            error.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN
            raise error

    def _connected(self, _dbapi_connection: Any, record: Any) -> None:
        self.opened = True
        record.info["jtai_file"] = self._identity()

    def _checked_out(self, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if self._identity() != record.info.get("jtai_file"):
            raise DisconnectionError("the database file was removed or replaced")


class DatabaseFailure(Enum):
    """A failure of the database, not of the request: the client can only try again later."""

    BUSY = "DATABASE_BUSY"
    UNAVAILABLE = "DATABASE_UNAVAILABLE"

    @property
    def message(self) -> str:
        if self is DatabaseFailure.BUSY:
            return (
                "The database is busy: another change held it longer than the server waits. "
                "Nothing was changed; try again in a moment."
            )
        return "The database is unavailable. Nothing was changed; try again in a few seconds."

    @property
    def retry_after(self) -> int:
        """Seconds a client should wait before trying again (HTTP Retry-After)."""
        return 1 if self is DatabaseFailure.BUSY else 5


# PostgreSQL SQLSTATEs: a lock not granted in time (lock_timeout), a serialization failure, a
# deadlock; and, whole classes, a lost connection (08), the server shutting down or refusing
# connections (57P), insufficient resources such as too many connections (53), and a connection
# refused for its credentials (28) or its database (3D: dropped, or not created yet).
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53", "28", "3D")
_SQLITE_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_PERM,
    }
)


def database_failure(error: BaseException) -> DatabaseFailure | None:
    """BUSY or UNAVAILABLE when ``error`` is the database's and not the request's; else None."""
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return DatabaseFailure.UNAVAILABLE
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        primary = sqlite_code & 0xFF  # extended result codes keep the primary in the low byte
        if primary in _SQLITE_BUSY:
            return DatabaseFailure.BUSY
        return DatabaseFailure.UNAVAILABLE if primary in _SQLITE_UNAVAILABLE else None
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate in _BUSY_SQLSTATES:
            return DatabaseFailure.BUSY
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
            return DatabaseFailure.UNAVAILABLE
        return None
    # No SQLSTATE: psycopg could not connect, or the connection broke mid-statement.
    if isinstance(error, (OperationalError, InterfaceError)):
        return DatabaseFailure.UNAVAILABLE
    return None
