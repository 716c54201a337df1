"""The audit trail: who did or read what, for every mutation and every read of child-level data.

Records ids and hashes, never values: a record of who read a child's file must not itself become a
copy of the file.

A change and its record commit together: every write transaction of a request adds its event, with
outcome ``ok`` and the ids touched so far, just before it commits (``Context.write``), so a change
is never saved without its record nor recorded without being saved. What no write transaction
recorded is written after the operation in a transaction of its own (:func:`record`): a refused or
failed mutation (outcome ``rejected`` or ``error``), and child-level rows read, including rows read
to build a mutation's answer after its commit. Both use the request's own session: a request never
holds two pooled connections, which under load would leave every request waiting for a connection
another one holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.database import begin_write
from core.models import AuditEvent
from core.viewer import Viewer

# Kinds of row whose reading is audited: a child, evidence about children and agencies, and
# accepted lists (their queries quote cells of children's rows).
CHILD_LEVEL = frozenset({"Child", "EvidenceRecord", "ListUpload"})

OK, REJECTED, ERROR = "ok", "rejected", "error"


@dataclass(frozen=True, slots=True)
class Operation:
    """The GraphQL operation a request runs, as the trail names it."""

    type: str  # query | mutation
    name: str | None
    document: str | None


def document_hash(document: str | None) -> str:
    return hashlib.sha256((document or "").encode()).hexdigest()


def reads_child_level(touched: Mapping[str, set[int]]) -> bool:
    return any(touched.get(kind) for kind in CHILD_LEVEL)


def event(
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
    outcome: str,
) -> AuditEvent:
    return AuditEvent(
        request_id=request_id,
        token_id=viewer.token_id,
        role=viewer.role.value if viewer.role else None,
        inspector_id=viewer.inspector_id,
        agency_id=viewer.agency_id,
        operation_type=operation.type,
        operation_name=(operation.name or None) and operation.name[:200],
        document_hash=document_hash(operation.document),
        touched={kind: sorted(ids) for kind, ids in sorted(touched.items()) if ids},
        outcome=outcome,
    )


def add_to_write(
    session: Session,
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
) -> None:
    """Add the event of a write that succeeds to the write's own transaction, so that both commit
    or neither does."""
    session.add(
        event(
            viewer=viewer,
            request_id=request_id,
            operation=operation,
            touched=touched,
            outcome=OK,
        )
    )


def record(
    session: Session,
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
    outcome: str,
) -> None:
    """Write one event in a transaction of its own, after the operation's work has ended."""
    session.rollback()  # the operation's own transactions are over: committed or not
    with begin_write(session):
        session.add(
            event(
                viewer=viewer,
                request_id=request_id,
                operation=operation,
                touched=touched,
                outcome=outcome,
            )
        )
