"""request tracker index: issued_requests (inspection_id, due_at, id)

Inspection.requests pages an inspection's requests soonest due first (ORDER BY due_at, id, per
inspection): with this index the page is read in index order instead of sorted. The index leads
with inspection_id, so the single-column ix_issued_requests_inspection_id it replaces is dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 00:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issued_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issued_requests_inspection_due", ["inspection_id", "due_at", "id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_issued_requests_inspection_id"))


def downgrade() -> None:
    with op.batch_alter_table("issued_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_requests_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.drop_index("ix_issued_requests_inspection_due")
