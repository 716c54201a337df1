"""Migration 0011 gives existing inspections the inspectorates that take part in their framework
now (what they were judged by until then), and every existing evidence record form version 1;
downgrading drops both."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from core.database import Database
from core.migrate import alembic_config, upgrade


def test_existing_inspections_keep_the_inspectorates_taking_part_now(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'migrate.db'}")
    try:
        upgrade(database, "0010")
        with database.engine.begin() as connection:
            for statement in (
                "INSERT INTO local_areas (id, code, name) VALUES (1, 'ZZ-M', 'Synthetic')",
                "INSERT INTO inspectors (id, name, email, inspectorate) "
                "VALUES (1, 'Lee Lead', 'lee@example.org', 'ofsted')",
                "INSERT INTO inspections (id, reference, area_id, framework, notification_date, "
                "created_at) VALUES "
                "(1, 'JTAI-M1', 1, 'da-2016', '2016-11-08', '2016-11-08 09:00:00+00:00'), "
                "(2, 'JTAI-M2', 1, 'front-door-2024', '2024-06-03', '2024-06-03 09:00:00+00:00')",
                "INSERT INTO evidence_records (id, inspection_id, inspectorate, form, status, "
                "answers, recorded_by_id, recorded_at, updated_at) VALUES (1, 1, 'ofsted', "
                "'case-tracking', 'draft', '{}', 1, '2016-11-09 09:00:00+00:00', "
                "'2016-11-09 09:00:00+00:00')",
            ):
                connection.execute(text(statement))

        upgrade(database)

        with database.engine.connect() as connection:
            taking_part = connection.execute(
                text(
                    "SELECT inspection_id, inspectorate FROM inspection_inspectorates "
                    "ORDER BY inspection_id, inspectorate"
                )
            ).all()
            version = connection.execute(
                text("SELECT form_version FROM evidence_records")
            ).scalar_one()
        assert [tuple(row) for row in taking_part] == [
            (1, "cqc"), (1, "hmicfrs"), (1, "hmip"), (1, "ofsted"),
            (2, "cqc"), (2, "hmicfrs"), (2, "ofsted"),  # HMI Probation sits front-door-2024 out
        ]  # fmt: skip
        assert version == 1

        command.downgrade(alembic_config(database), "0010")

        tables = inspect(database.engine).get_table_names()
        columns = {c["name"] for c in inspect(database.engine).get_columns("evidence_records")}
        assert "inspection_inspectorates" not in tables
        assert "form_version" not in columns
    finally:
        database.dispose()
