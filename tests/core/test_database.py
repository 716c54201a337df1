"""The database: migrations match the models; SQLite runs in WAL with foreign keys and takes
the write lock up front; a failed write leaves nothing behind."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from core.database import Database, DatabaseFailure, database_failure
from core.migrate import current_revision, head_revision
from core.models import Base, LocalArea


def test_migrations_create_exactly_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "models changed without a migration: add one under core/migrations"
    assert current_revision(database) == head_revision(database)


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite pragmas")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_writes_begin_immediate_and_reads_begin_deferred(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite transaction modes")
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.write() as session:
            session.add(LocalArea(code="ZZ-W", name="Write test"))
        with database.session() as session:
            session.scalar(select(func.count()).select_from(LocalArea))
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert seen == ["BEGIN IMMEDIATE", "BEGIN"]


def test_a_failed_write_changes_nothing(database: Database) -> None:
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(LocalArea(code="ZZ-DUP", name="First"))
        session.flush()
        session.add(LocalArea(code="ZZ-DUP", name="Second"))
        session.flush()
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(LocalArea)) == 0


def test_relationships_refuse_to_lazy_load(database: Database) -> None:
    from sqlalchemy.exc import InvalidRequestError

    with database.write() as session:
        session.add(LocalArea(code="ZZ-L", name="Lazy"))
    with database.session() as session:
        area = session.scalars(select(LocalArea)).one()
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = area.agencies


class _DriverError(Exception):
    def __init__(self, sqlstate: str | None = None, sqlite_errorcode: int | None = None) -> None:
        super().__init__("a driver's message")
        if sqlstate is not None:
            self.sqlstate = sqlstate
        if sqlite_errorcode is not None:
            self.sqlite_errorcode = sqlite_errorcode


@pytest.mark.parametrize(
    ("driver_error", "failure"),
    [
        (_DriverError(sqlite_errorcode=5), DatabaseFailure.BUSY),  # SQLITE_BUSY
        (_DriverError(sqlite_errorcode=517), DatabaseFailure.BUSY),  # SQLITE_BUSY_SNAPSHOT
        (_DriverError(sqlite_errorcode=14), DatabaseFailure.UNAVAILABLE),  # SQLITE_CANTOPEN
        (_DriverError(sqlite_errorcode=26), DatabaseFailure.UNAVAILABLE),  # SQLITE_NOTADB
        (_DriverError(sqlite_errorcode=1), None),  # SQLITE_ERROR: no such table, a bug
        (_DriverError(sqlstate="55P03"), DatabaseFailure.BUSY),  # lock_timeout
        (_DriverError(sqlstate="40001"), DatabaseFailure.BUSY),  # serialization failure
        (_DriverError(sqlstate="57P01"), DatabaseFailure.UNAVAILABLE),  # terminated by admin
        (_DriverError(sqlstate="08006"), DatabaseFailure.UNAVAILABLE),  # connection failure
        (_DriverError(sqlstate="53300"), DatabaseFailure.UNAVAILABLE),  # too many connections
        (_DriverError(sqlstate="57014"), None),  # statement timeout: the query's own cost
        (_DriverError(sqlstate="23505"), None),  # unique violation: the request's
        (_DriverError(), DatabaseFailure.UNAVAILABLE),  # no SQLSTATE: could not connect
    ],
)
def test_database_failures_are_told_apart_from_bugs(
    driver_error: _DriverError, failure: DatabaseFailure | None
) -> None:
    assert database_failure(OperationalError("SELECT 1", None, driver_error)) is failure


def test_errors_that_are_not_the_database_s_are_not_its_failures() -> None:
    assert database_failure(ValueError("database is locked")) is None
    unique = _DriverError(sqlstate="23505")
    assert database_failure(IntegrityError("INSERT", None, unique)) is None
