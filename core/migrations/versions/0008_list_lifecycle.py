"""list lifecycle: queries as rows with a summary, children marked when no list names them

- ``list_queries``: an accepted list's QUERY problems, one row each, paged by id; the upload keeps
  ``query_summary`` (every query counted, grouped by code and column) instead of ``queries``, the
  whole list as one JSON value. Existing uploads' queries move over, summarised here with the
  rules of ``core.workflow.list_problems`` as they were written at this revision.
- ``children.delisted_at``: when a replaced list left a needed child on no list.

No table is rebuilt: SQLite runs migrations with foreign keys on, and rebuilding ``list_uploads``
or ``children`` (alembic's batch mode) drops the old table, which cascades to every list row,
selection and consent. Columns are added and dropped in place (SQLite 3.35+).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_ROWS = 10

_uploads = sa.table(
    "list_uploads",
    sa.column("id", sa.Integer()),
    sa.column("queries", sa.JSON()),
    sa.column("query_summary", sa.JSON()),
)
_queries = sa.table(
    "list_queries",
    sa.column("id", sa.Integer()),
    sa.column("upload_id", sa.Integer()),
    sa.column("code", sa.Text()),
    sa.column("message", sa.Text()),
    sa.column("row_number", sa.Integer()),
    sa.column("column_header", sa.Text()),
    sa.column("value", sa.Text()),
    sa.column("field", sa.Text()),
)


def _summary(queries: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[tuple[str, str | None], dict[str, Any]] = {}
    for query in queries:
        key = (query["code"], query.get("column"))
        group = groups.setdefault(
            key,
            {
                "severity": "query",
                "code": query["code"],
                "column": query.get("column"),
                "field": query.get("field"),
                "count": 0,
                "first_rows": [],
                "example": query["message"],
            },
        )
        group["count"] += 1
        if query.get("row") is not None and len(group["first_rows"]) < FIRST_ROWS:
            group["first_rows"].append(query["row"])
    return {
        "errors": 0,
        "queries": len(queries),
        "group_count": len(groups),
        "groups": list(groups.values()),
    }


def upgrade() -> None:
    op.add_column("children", sa.Column("delisted_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "list_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("column_header", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("field", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["list_uploads.id"],
            name=op.f("fk_list_queries_upload_id_list_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_queries")),
    )
    op.create_index(op.f("ix_list_queries_upload_id"), "list_queries", ["upload_id"], unique=False)

    op.add_column(
        "list_uploads",
        sa.Column("query_summary", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )

    connection = op.get_bind()
    for upload_id, queries in connection.execute(sa.select(_uploads.c.id, _uploads.c.queries)):
        queries = list(queries or [])
        connection.execute(
            _uploads.update()
            .where(_uploads.c.id == upload_id)
            .values(query_summary=_summary(queries))
        )
        if queries:
            connection.execute(
                _queries.insert(),
                [
                    {
                        "upload_id": upload_id,
                        "code": q["code"],
                        "message": q["message"],
                        "row_number": q.get("row"),
                        "column_header": q.get("column"),
                        "value": q.get("value"),
                        "field": q.get("field"),
                    }
                    for q in queries
                ],
            )

    op.execute("ALTER TABLE list_uploads DROP COLUMN queries")


def downgrade() -> None:
    op.add_column(
        "list_uploads",
        sa.Column("queries", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )

    connection = op.get_bind()
    kept: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(sa.select(_queries).order_by(_queries.c.id)):
        kept.setdefault(row.upload_id, []).append(
            {
                "severity": "query",
                "code": row.code,
                "message": row.message,
                "row": row.row_number,
                "column": row.column_header,
                "value": row.value,
                "field": row.field,
            }
        )
    for (upload_id,) in connection.execute(sa.select(_uploads.c.id)):
        connection.execute(
            _uploads.update()
            .where(_uploads.c.id == upload_id)
            .values(queries=kept.get(upload_id, []))
        )

    op.execute("ALTER TABLE list_uploads DROP COLUMN query_summary")
    op.drop_index(op.f("ix_list_queries_upload_id"), table_name="list_queries")
    op.drop_table("list_queries")
    op.execute("ALTER TABLE children DROP COLUMN delisted_at")
