"""children without a second inspection index

A child is unique by (inspection_id, local_id), and that constraint's index already serves every
lookup by inspection_id, so the single-column ix_children_inspection_id only cost each imported
list a third B-tree to write (about 8 ms of a 10,000-row import; BENCHMARKS.md, ingest).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 02:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_inspection_id"))


def downgrade() -> None:
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_children_inspection_id"), ["inspection_id"], unique=False
        )
