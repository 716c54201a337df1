"""Issued document requests: the issuing mutation, and finding and moving requests in time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from core.database import Database
from core.models import Agency, IssuedRequest, LocalArea

ISSUE = """
mutation Issue($id: ID!) {
  issueDocumentRequests(inspectionId: $id) {
    issuedCount
    requests { id reference title status agency { kind name } listSpec { code } owner { code } }
    inspection { reference }
    errors { field code message }
  }
}
"""


def agency_id(database: Database, kind: str, area_code: str = "ZZ-DEMO-1") -> int:
    with database.session() as session:
        found = session.scalar(
            select(Agency.id)
            .join(LocalArea, LocalArea.id == Agency.area_id)
            .where(Agency.kind == kind, LocalArea.code == area_code)
            .order_by(Agency.id)
        )
    assert found is not None
    return found


def request_id(database: Database, reference: str, kind: str = "local_authority") -> int:
    with database.session() as session:
        found = session.scalar(
            select(IssuedRequest.id)
            .join(Agency, Agency.id == IssuedRequest.agency_id)
            .where(IssuedRequest.reference == reference, Agency.kind == kind)
            .order_by(IssuedRequest.id)
        )
    assert found is not None, reference
    return found


def set_times(
    database: Database,
    request_ids: list[int] | None = None,
    *,
    due_at: dt.datetime,
    received_at: dt.datetime | None = None,
) -> None:
    """Move requests in time through the database: no sleeping, no frozen clock."""
    statement = update(IssuedRequest).values(due_at=due_at, received_at=received_at)
    if request_ids is not None:
        statement = statement.where(IssuedRequest.id.in_(request_ids))
    with database.write() as session:
        session.execute(statement)
