"""The audit trail: who did or read what, for every mutation and every read of child-level data.

Records ids and hashes, never values: a record of who read a child's file must not itself become a
copy of the file. Written in its own transaction after the operation, so a failed mutation is
recorded too, on the request's own session: a request never holds two pooled connections, which
under load would leave every request waiting for a connection another one holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy.orm import Session

from core.database import begin_write
from core.models import AuditEvent
from core.viewer import Viewer

# Kinds of row whose reading is audited: a child, evidence about children and agencies, and
# accepted lists (their queries quote cells of children's rows).
CHILD_LEVEL = frozenset({"Child", "EvidenceRecord", "ListUpload"})


def document_hash(document: str | None) -> str:
    return hashlib.sha256((document or "").encode()).hexdigest()


def must_record(operation_type: str, touched: Mapping[str, set[int]]) -> bool:
    return operation_type == "mutation" or any(touched.get(kind) for kind in CHILD_LEVEL)


def record(
    session: Session,
    *,
    viewer: Viewer,
    request_id: str,
    operation_type: str,
    operation_name: str | None,
    document: str | None,
    touched: Mapping[str, set[int]],
    outcome: str,
) -> None:
    session.rollback()  # the operation's own transaction is over: its writes committed or not
    with begin_write(session):
        session.add(
            AuditEvent(
                request_id=request_id,
                token_id=viewer.token_id,
                role=viewer.role.value if viewer.role else None,
                inspector_id=viewer.inspector_id,
                agency_id=viewer.agency_id,
                operation_type=operation_type,
                operation_name=(operation_name or None) and operation_name[:200],
                document_hash=document_hash(document),
                touched={kind: sorted(ids) for kind, ids in sorted(touched.items()) if ids},
                outcome=outcome,
            )
        )
