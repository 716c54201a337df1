"""What the correction tests share: uploads over multipart HTTP, and reading the audit trail,
the change feed and the webhook outbox from the database after each step."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from core.database import Database
from core.models import AuditEvent, FindingChange, WebhookDelivery
from tests.helpers.graphql import GraphQLClient, Response


def send_file(
    gql: GraphQLClient,
    token: str,
    query: str,
    variables: dict[str, Any],
    file: tuple[str, bytes, str],
) -> Response:
    """A multipart GraphQL request carrying one file as ``variables.file``."""
    operations = {"query": query, "variables": {**variables, "file": None}}
    response = gql.request(
        "POST",
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": file},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Require-Preflight": "1"},
    )
    return Response(response.status_code, response.json())


def audit_mark(database: Database) -> int:
    """The trail's last event id: the trail is append-only and outlives each test's rows."""
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def audit_events(database: Database, operation: str, after: int) -> list[AuditEvent]:
    """The trail's events of one named operation since ``after``, oldest first."""
    with database.session() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.operation_name == operation, AuditEvent.id > after)
                .order_by(AuditEvent.id)
            )
        )


def feed(database: Database) -> list[tuple[int, str]]:
    """The change feed as (finding id, change), oldest first."""
    with database.session() as session:
        rows = session.execute(
            select(FindingChange.finding_id, FindingChange.change).order_by(FindingChange.id)
        )
        return [(finding, change) for finding, change in rows]


def deliveries(database: Database) -> list[str]:
    """The webhook outbox: each queued delivery's event, oldest first."""
    with database.session() as session:
        bodies = session.scalars(select(WebhookDelivery.body).order_by(WebhookDelivery.id))
        return [json.loads(body)["event"] for body in bodies]


def count_rows(database: Database, model: Any) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
