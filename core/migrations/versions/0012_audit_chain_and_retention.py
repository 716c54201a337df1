"""audit hash chain, identity-provider actors, retention

Audit events gain who signed in with an identity provider (issuer, subject, email claim), the
counts a retention purge removed, and the hash chain (core/audit_chain.py); events written before
this revision are chained here, in id order. Inspections gain the time their child-level data
was purged.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.audit_chain import GENESIS, chain_hash
from core.models import UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit events are append-only"
NEW_COLUMNS = (
    sa.Column("actor_issuer", sa.String(length=300), nullable=True),
    sa.Column("actor_subject", sa.String(length=300), nullable=True),
    sa.Column("actor_email", sa.String(length=320), nullable=True),
    sa.Column("counts", sa.JSON(), nullable=True),
    sa.Column("previous_hash", sa.String(length=64), nullable=True),
    sa.Column("hash", sa.String(length=64), nullable=True),
)


def _events() -> sa.TableClause:
    return sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("occurred_at", UtcDateTime()),
        *(sa.column(name, sa.Integer()) for name in ("token_id", "inspector_id", "agency_id")),
        *(
            sa.column(name, sa.String())
            for name in (
                "request_id",
                "role",
                "actor_issuer",
                "actor_subject",
                "actor_email",
                "operation_type",
                "operation_name",
                "document_hash",
                "outcome",
                "previous_hash",
                "hash",
            )
        ),
        sa.column("touched", sa.JSON()),
        sa.column("counts", sa.JSON()),
    )


def _without_append_only_triggers(action: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if action == "drop":
        if sqlite:
            op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        else:
            op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        return
    if sqlite:
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
    else:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")


def upgrade() -> None:
    for column in NEW_COLUMNS:
        op.add_column("audit_events", column)
    op.add_column("inspections", sa.Column("child_data_purged_at", UtcDateTime(), nullable=True))
    bind = op.get_bind()
    events = _events()
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    if rows:
        _without_append_only_triggers("drop")
        previous = GENESIS
        for row in rows:
            fields = dict(row)
            digest = chain_hash(previous, fields)
            bind.execute(
                events.update()
                .where(events.c.id == row["id"])
                .values(previous_hash=previous, hash=digest)
            )
            previous = digest
        _without_append_only_triggers("create")


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy would lose the triggers.
    op.execute("ALTER TABLE inspections DROP COLUMN child_data_purged_at")
    for column in reversed(NEW_COLUMNS):
        op.execute(f"ALTER TABLE audit_events DROP COLUMN {column.name}")
