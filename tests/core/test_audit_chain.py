"""The audit trail's hash chain: every event chained to the one before, a changed or removed row
found by ``jtai audit verify``, writers in parallel kept in one chain, and the JSON-lines export."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner, Result
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import DatabaseError

from core import audit
from core.audit_chain import GENESIS, chain_hash
from core.cli import main
from core.database import Database
from core.migrate import alembic_config, upgrade
from core.models import AuditEvent
from core.viewer import Role, Viewer
from tests.helpers.graphql import GraphQLClient

APPEND_ONLY = "audit events are append-only"


def jtai(database: Database, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"JTAI_DATABASE_URL": database.url})


@contextmanager
def append_only_triggers_off(database: Database) -> Iterator[Connection]:
    """What a database owner can do: lift the append-only triggers, change history, restore them."""
    with database.engine.begin() as connection:
        if database.is_sqlite:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            connection.execute(
                text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
            )
        yield connection
        if database.is_sqlite:
            for action in ("UPDATE", "DELETE"):
                connection.execute(
                    text(
                        f"CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON "
                        f"audit_events BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
                    )
                )
        else:
            connection.execute(
                text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
            )


def write_events(gql: GraphQLClient, token: str, how_many: int) -> None:
    for _ in range(how_many):
        gql(
            "query Read { inspections { edges { node { children(first: 2) { nodes { id } } } } } }",
            token=token,
        ).ok()


def last_ids(database: Database, how_many: int) -> list[int]:
    with database.session() as session:
        ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(how_many))
        return sorted(ids)


def test_each_event_names_the_hash_of_the_one_before(
    gql: GraphQLClient, database: Database, lead_token: str
) -> None:
    write_events(gql, lead_token, 3)
    with database.session() as session:
        rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)))
    newest, middle, oldest = rows
    assert newest.previous_hash == middle.hash and middle.previous_hash == oldest.hash
    assert len({row.hash for row in rows}) == 3
    verified = jtai(database, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"last hash {newest.hash}" in verified.output


def test_verify_finds_a_row_changed_directly_in_the_database(
    gql: GraphQLClient, database: Database, lead_token: str
) -> None:
    write_events(gql, lead_token, 3)
    changed = last_ids(database, 2)[0]
    with append_only_triggers_off(database) as connection:
        connection.execute(
            text("UPDATE audit_events SET outcome = 'rejected' WHERE id = :id"), {"id": changed}
        )
    try:
        result = jtai(database, "audit", "verify")
        assert result.exit_code == 1
        assert f"broken at event {changed}: its fields were changed" in result.output
    finally:
        with append_only_triggers_off(database) as connection:
            connection.execute(
                text("UPDATE audit_events SET outcome = 'ok' WHERE id = :id"), {"id": changed}
            )
    assert jtai(database, "audit", "verify").exit_code == 0


def test_verify_finds_a_row_deleted_directly_in_the_database(
    gql: GraphQLClient, database: Database, lead_token: str
) -> None:
    write_events(gql, lead_token, 3)
    removed, following = last_ids(database, 2)
    with database.engine.connect() as connection:
        table = AuditEvent.__table__
        kept = dict(connection.execute(select(table).where(table.c.id == removed)).mappings().one())
    with append_only_triggers_off(database) as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": removed})
    try:
        result = jtai(database, "audit", "verify")
        assert result.exit_code == 1
        assert f"broken at event {following}: it does not follow" in result.output
    finally:
        with append_only_triggers_off(database) as connection:
            connection.execute(insert(AuditEvent).values(**kept))
    assert jtai(database, "audit", "verify").exit_code == 0


def test_writers_in_parallel_keep_one_chain(database: Database) -> None:
    viewer = Viewer(role=Role.ADMIN, token_id=1)
    operation = audit.Operation(type="query", name="Parallel", document="{ x }")
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with database.session() as session:
                for index in range(10):
                    audit.record(
                        session,
                        viewer=viewer,
                        request_id=f"w{number}-{index}",
                        operation=operation,
                        touched={"Child": {index + 1}},
                        outcome=audit.OK,
                    )
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.session() as session:
        checked = audit.verify_trail(session)
        previous = session.scalars(
            select(AuditEvent.previous_hash).where(AuditEvent.operation_name == "Parallel")
        ).all()
    assert checked.broken is None, checked.broken
    assert len(previous) == 30 and len(set(previous)) == 30  # no two share a predecessor


def test_export_writes_json_lines_that_verify_on_their_own(
    gql: GraphQLClient, database: Database, lead_token: str
) -> None:
    write_events(gql, lead_token, 2)
    result = jtai(database, "audit", "export", "--since", "2000-01-01")
    assert result.exit_code == 0, result.output
    lines: list[dict[str, Any]] = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) >= 2
    previous = GENESIS
    for line in lines:
        assert line["previous_hash"] == previous
        assert (
            chain_hash(previous, {**line, "occurred_at": _parse(line["occurred_at"])})
            == (line["hash"])
        )
        previous = line["hash"]
    assert lines[-1]["operation_name"] == "Read" and "Child" in lines[-1]["touched"]
    future = jtai(database, "audit", "export", "--since", "2999-01-01T00:00")
    assert future.exit_code == 0 and future.output == ""
    bad = jtai(database, "audit", "export", "--since", "yesterday")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def _parse(value: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(value)


def test_migration_0012_chains_the_events_written_before_it_and_downgrades(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(database, "0011")
        with database.engine.begin() as connection:
            for number in range(3):
                connection.execute(
                    text(
                        "INSERT INTO audit_events (occurred_at, request_id, role, "
                        "operation_type, document_hash, touched, outcome) VALUES "
                        f"('2026-11-0{number + 1} 10:00:00.000000', 'r{number}', 'admin', "
                        "'query', :hash, '{\"Child\": [1]}', 'ok')"
                    ),
                    {"hash": "a" * 64},
                )
        upgrade(database)
        with database.session() as session:
            checked = audit.verify_trail(session)
        assert checked.broken is None and checked.count == 3
        with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as c:
            c.execute(text("UPDATE audit_events SET outcome = 'error'"))
        command.downgrade(alembic_config(database), "0011")
        with database.engine.connect() as connection:
            columns = {
                row[1] for row in connection.execute(text("PRAGMA table_info(audit_events)"))
            }
        assert "hash" not in columns and "touched" in columns
    finally:
        database.dispose()
