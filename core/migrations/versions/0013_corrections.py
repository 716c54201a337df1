"""corrections

Every step can be corrected (issue 20): a per-child request cancelled when its child is untracked
(kept, marked ``cancelled_at``), the untracking itself, meetings made from the meetings list and
edited or removed by hand, people to meet edited or removed, and a finding's history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("issued_requests", sa.Column("cancelled_at", sa.DateTime(timezone=True)))
    op.create_table(
        "untrackings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("tracked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("untracked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("untracked_by_id", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cancelled_requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_untrackings_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_untrackings_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["untracked_by_id"],
            ["inspectors.id"],
            name=op.f("fk_untrackings_untracked_by_id_inspectors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_untrackings")),
    )
    op.create_index(op.f("ix_untrackings_child_id"), "untrackings", ["child_id"])
    op.create_index(op.f("ix_untrackings_inspection_id"), "untrackings", ["inspection_id"])
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("list_row_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("list_row_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_meetings_list_row_id_list_rows"),
            "list_rows",
            ["list_row_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_meetings_list_row_id"), ["list_row_id"])
    with op.batch_alter_table("people_to_meet") as batch:
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "finding_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("inspectorate", sa.String(length=40), nullable=True),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["findings.id"],
            name=op.f("fk_finding_events_finding_id_findings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["inspectors.id"],
            name=op.f("fk_finding_events_inspector_id_inspectors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_events")),
    )
    op.create_index(op.f("ix_finding_events_finding_id"), "finding_events", ["finding_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_finding_events_finding_id"), table_name="finding_events")
    op.drop_table("finding_events")
    op.drop_column("people_to_meet", "removed_at")
    op.drop_column("people_to_meet", "edited_at")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_index(op.f("ix_meetings_list_row_id"))
        batch.drop_constraint(op.f("fk_meetings_list_row_id_list_rows"), type_="foreignkey")
        batch.drop_column("removed_at")
        batch.drop_column("edited_at")
        batch.drop_column("list_row_id")
        batch.drop_column("list_row_number")
    op.drop_index(op.f("ix_untrackings_inspection_id"), table_name="untrackings")
    op.drop_index(op.f("ix_untrackings_child_id"), table_name="untrackings")
    op.drop_table("untrackings")
    # Natively (SQLite 3.35+): rebuilding the table would break the keys pointing at it.
    op.drop_column("issued_requests", "cancelled_at")
