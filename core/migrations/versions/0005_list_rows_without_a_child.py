"""list rows without a child: lists with no child ID column (the fieldwork week's meetings)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("list_rows", schema=None) as batch_op:
        batch_op.alter_column("child_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM list_rows WHERE child_id IS NULL")
    with op.batch_alter_table("list_rows", schema=None) as batch_op:
        batch_op.alter_column("child_id", existing_type=sa.Integer(), nullable=False)
