"""inspection events

What happened in an inspection, one row per event, written in the transaction of the change, for
GraphQL subscriptions (issue 18). Ids only; deleted with the inspection.

Revision ID: 0014_subs_events
Revises: 0013
Create Date: 2026-12-03 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_subs_events"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("list_upload_id", sa.Integer(), nullable=True),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("report_version", sa.Integer(), nullable=True),
        sa.Column("overdue_request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_events_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_events")),
        sa.UniqueConstraint(
            "overdue_request_id", name=op.f("uq_inspection_events_overdue_request_id")
        ),
    )
    op.create_index("ix_inspection_events_inspection", "inspection_events", ["inspection_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_events_inspection", table_name="inspection_events")
    op.drop_table("inspection_events")
