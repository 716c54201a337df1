"""Engine and sessions: a SQLite file by default, PostgreSQL when the URL says so.

SQLite gets WAL (readers run beside one writer), foreign keys, a busy timeout, and write
transactions that start with ``BEGIN IMMEDIATE``: a read transaction that later upgrades to a write
gets ``SQLITE_BUSY`` at once whatever the timeout, so writers take the lock up front.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000
# Connections each process may open (SQLAlchemy's defaults, made explicit): the app admits at most
# this many GraphQL requests at once (core/app.py), each holding at most one connection.
POOL_SIZE = 5
MAX_OVERFLOW = 10
_WRITE_OPTION = "jtai_write"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, the driver this project installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    # Errors and logs must never carry the values of a statement: they may be a child's data.
    kwargs.setdefault("hide_parameters", True)
    database = make_url(url).database
    if not is_sqlite(url) or (database and database != ":memory:"):  # a pool of connections
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver so that "begin" below decides how each one starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    writing = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
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

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def begin_write(session: Session) -> Iterator[Session]:
    """Run the block in one write transaction of ``session``: all of it commits, or none of it.

    Any read transaction the session had open is ended first, so that SQLite starts the write
    transaction with ``BEGIN IMMEDIATE``.
    """
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
