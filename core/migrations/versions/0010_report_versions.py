"""report versions

A published letter is frozen as a version (its HTML and the data it was built from); publishing
it again after findings change writes the next version. Reports published before this revision
have no version row: they are served as assembled until their next publication (core/workflow/
report_versions.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("letter", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_report_versions_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
        sa.UniqueConstraint(
            "inspection_id", "number", name=op.f("uq_report_versions_inspection_id")
        ),
    )
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_versions_inspection_id"), ["inspection_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("report_versions")
