"""A write after a read: on PostgreSQL a healthy read transaction that wrote nothing carries on as
the write transaction (core.database.begin_write), and a read ends with COMMIT
(core.database.end_read); anything else is rolled back first, on both backends, as before: ORM
changes made outside a write are never committed by the way, and a failed read does not stop the
write."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.database import Database, begin_write, end_read
from core.models import LocalArea


def _areas(database: Database, prefix: str) -> list[str]:
    with database.session() as session:
        found = session.scalars(select(LocalArea.code).where(LocalArea.code.like(f"{prefix}%")))
        return sorted(found)


def test_a_healthy_read_carries_on_as_the_write_on_postgresql_only(database: Database) -> None:
    with database.session() as session:
        session.scalar(select(func.count()).select_from(LocalArea))  # the read opens a transaction
        read = session.connection()
        with begin_write(session):
            session.add(LocalArea(code="ZZ-RW1", name="Written after a read"))
            carried_on = session.connection() is read
    assert carried_on is not database.is_sqlite
    assert _areas(database, "ZZ-RW") == ["ZZ-RW1"]


def test_a_pending_change_made_outside_a_write_is_not_committed_by_it(database: Database) -> None:
    with database.session() as session:
        session.scalar(select(func.count()).select_from(LocalArea))
        session.add(LocalArea(code="ZZ-RW-PENDING", name="Added outside a write"))
        with begin_write(session):
            session.add(LocalArea(code="ZZ-RW2", name="Written"))
    assert _areas(database, "ZZ-RW") == ["ZZ-RW2"]


def test_a_change_flushed_outside_a_write_is_not_committed_by_it(database: Database) -> None:
    with database.session() as session:
        session.add(LocalArea(code="ZZ-RW-FLUSHED", name="Flushed outside a write"))
        session.flush()
        with begin_write(session):
            session.add(LocalArea(code="ZZ-RW3", name="Written"))
    assert _areas(database, "ZZ-RW") == ["ZZ-RW3"]


def test_a_failed_read_does_not_stop_the_write(database: Database) -> None:
    with database.session() as session:
        with pytest.raises(DBAPIError):
            session.execute(text("SELECT * FROM no_such_table"))
        with begin_write(session):
            session.add(LocalArea(code="ZZ-RW4", name="Written after a failed read"))
    assert _areas(database, "ZZ-RW") == ["ZZ-RW4"]


def test_end_read_never_commits_a_change_made_outside_a_write(database: Database) -> None:
    with database.session() as session:
        session.add(LocalArea(code="ZZ-RW-READ", name="Flushed in a read"))
        session.flush()
        end_read(session)
        assert not session.in_transaction()
    with database.session() as session:
        session.scalar(select(func.count()).select_from(LocalArea))
        end_read(session)  # a read that wrote nothing: ended (COMMIT on PostgreSQL)
        assert not session.in_transaction()
    assert _areas(database, "ZZ-RW") == []
