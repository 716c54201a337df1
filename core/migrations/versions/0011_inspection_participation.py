"""inspection participation and form versions

Who takes part in an inspection is the inspection's own record (``inspection_inspectorates``),
fixed when it is created, so that installing or removing a plugin never changes an inspection that
exists. Existing inspections are given the inspectorates whose installed plugins take part in their
framework now, which is what they were judged by until this revision.

Every evidence record keeps the version of the form it was recorded against
(``evidence_records.form_version``); records made before this revision were made against version 1.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "inspection_inspectorates",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("inspectorate", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_inspectorates_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "inspection_id", "inspectorate", name=op.f("pk_inspection_inspectorates")
        ),
    )
    with op.batch_alter_table("evidence_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("form_version", sa.Integer(), nullable=False, server_default="1")
        )
    _backfill_participation(table)


def _backfill_participation(table: sa.Table) -> None:
    connection = op.get_bind()
    inspections = connection.execute(sa.text("SELECT id, framework FROM inspections")).all()
    if not inspections:
        return
    # Imported here: only a database with inspections needs the installed plugins.
    from core.plugins import make_plugin_manager
    from core.registry import build_registry

    registry = build_registry(make_plugin_manager())
    rows = [
        {"inspection_id": inspection_id, "inspectorate": inspectorate.code}
        for inspection_id, framework in inspections
        for inspectorate in registry.participants(framework)
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("evidence_records", schema=None) as batch_op:
        batch_op.drop_column("form_version")
    op.drop_table("inspection_inspectorates")
