"""Migration 0008 moves each accepted list's queries from one JSON value to rows with a summary,
and back on downgrade, on a real SQLite file; the children, list rows, selections and consents
(which cascade from the tables it changes) stay as they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text

from core.database import Database
from core.migrate import alembic_config, upgrade

QUERIES = (
    '[{"severity": "query", "code": "unknown_column", "message": "Column \'Notes\' is ignored.", '
    '"row": null, "column": "Notes", "value": null, "field": null}, '
    '{"severity": "query", "code": "duplicate_child_id", "message": "Row 3: seen on row 2.", '
    '"row": 3, "column": "Child ID", "value": "SYN-1", "field": "child_id"}, '
    '{"severity": "query", "code": "duplicate_child_id", "message": "Row 4: seen on row 2.", '
    '"row": 4, "column": "Child ID", "value": "SYN-1", "field": "child_id"}]'
)


def as_json(value: Any) -> Any:
    """A JSON column read by plain SQL: text on SQLite, decoded already by psycopg."""
    return json.loads(value) if isinstance(value, str) else value


def kept(database: Database) -> list[int]:
    with database.engine.connect() as connection:
        return [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("children", "list_rows", "child_selections", "consents")
        ]


def test_queries_move_to_rows_with_a_summary_and_back(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'migrate.db'}")
    try:
        upgrade(database, "0007")
        with database.engine.begin() as connection:
            for statement in (
                "INSERT INTO local_areas (id, code, name) VALUES (1, 'ZZ-M', 'Synthetic')",
                "INSERT INTO agencies (id, area_id, kind, name) "
                "VALUES (1, 1, 'local_authority', 'Council')",
                "INSERT INTO inspections (id, reference, area_id, framework, notification_date, "
                "created_at) "
                "VALUES (1, 'JTAI-M', 1, 'da-2016', '2026-11-24', '2026-11-24 09:00:00+00:00')",
                "INSERT INTO issued_requests (id, inspection_id, reference, agency_id, child_key, "
                "due_at, issued_at) VALUES (1, 1, 'list.x', 1, 0, '2026-11-25 17:00:00+00:00', "
                "'2026-11-24 09:00:00+00:00')",
            ):
                connection.execute(text(statement))
            connection.execute(
                text(
                    "INSERT INTO list_uploads (id, inspection_id, request_id, list_code, filename, "
                    "sha256, row_count, queries, uploaded_at) VALUES (1, 1, 1, 'x', 'x.csv', "
                    "'0', 3, :queries, '2026-11-24 10:00:00+00:00')"
                ),
                {"queries": QUERIES},
            )
            for statement in (
                "INSERT INTO children (id, inspection_id, local_id) VALUES (1, 1, 'SYN-1')",
                "INSERT INTO list_rows (id, inspection_id, child_id, upload_id, list_code, "
                "row_number, \"values\") VALUES (1, 1, 1, 1, 'x', 2, '{}')",
                "INSERT INTO child_selections (id, inspection_id, child_id, kind, chosen_at, late) "
                "VALUES (1, 1, 1, 'selected', '2026-11-24 11:00:00+00:00', false)",
                "INSERT INTO consents (id, inspection_id, child_id, person, outcome, recorded_at) "
                "VALUES (1, 1, 1, 'child', 'given', '2026-11-24 11:00:00+00:00')",
            ):
                connection.execute(text(statement))

        upgrade(database)
        with database.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT code, row_number, value FROM list_queries ORDER BY id")
            ).all()
            summary = connection.execute(text("SELECT query_summary FROM list_uploads")).scalar()
        assert [tuple(r) for r in rows] == [
            ("unknown_column", None, None),
            ("duplicate_child_id", 3, "SYN-1"),
            ("duplicate_child_id", 4, "SYN-1"),
        ]
        summary = as_json(summary)
        assert (summary["queries"], summary["group_count"]) == (3, 2)
        assert summary["groups"][1]["first_rows"] == [3, 4]
        assert kept(database) == [1, 1, 1, 1]

        with database.engine.begin() as connection:
            config = alembic_config(database)
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        with database.engine.connect() as connection:
            restored = connection.execute(text("SELECT queries FROM list_uploads")).scalar()
        assert as_json(restored) == json.loads(QUERIES)
        assert kept(database) == [1, 1, 1, 1]
    finally:
        database.dispose()
