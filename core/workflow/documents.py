"""Answering a request with a document: who may answer it, and the document's row and receipt.

Only the agency a request is issued to (or an admin) answers it; a list request is answered with
``uploadList`` (checked against the list's columns), any other with ``uploadDocument``. The bytes
are kept by ``core.workflow.storage``; the same bytes sent twice for a request are kept once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access, events
from core.contributions import DocumentRequest
from core.events import EventKind
from core.models import Document, Inspection, IssuedRequest, utc_now
from core.registry import Registry
from core.viewer import Role, Viewer
from core.workflow.rules import Problem, ProblemKind, Ref, Refused, invalid, not_found_as_given
from core.workflow.storage import StoredFile

MAX_FILENAME = 255  # Document.filename
MAX_CONTENT_TYPE = 200  # Document.content_type


def request_to_answer(
    session: Session, registry: Registry, viewer: Viewer, request_ref: Ref, *, list_wanted: bool
) -> tuple[int, str, DocumentRequest]:
    """The request an upload answers, if the viewer may answer it: (id, framework, request)."""
    field = "requestId"
    found = session.execute(
        select(IssuedRequest, Inspection.framework, Inspection.child_data_purged_at)
        .join(Inspection, Inspection.id == IssuedRequest.inspection_id)
        .where(IssuedRequest.id == request_ref.id, access.requests_visible_to(viewer))
    ).first()
    if found is None:
        raise Refused(not_found_as_given(field, request_ref.given, "request"))
    request, framework, purged_at = found
    if purged_at is not None:
        raise Refused(
            invalid(
                field,
                f"the inspection's child-level data was deleted on {purged_at:%Y-%m-%d} under "
                "JTAI_RETENTION_DAYS_AFTER_LETTER: it takes no more documents or lists.",
            )
        )
    answerer = viewer.role is Role.ADMIN or (
        viewer.role is Role.AGENCY_USER and viewer.agency_id == request.agency_id
    )
    if not answerer:
        raise Refused(
            Problem(
                ProblemKind.NOT_ALLOWED,
                field,
                "Only the agency the request is issued to (or an admin) sends what it asks for; "
                "inspectors see what arrives in the tracker.",
            )
        )
    if request.cancelled_at is not None:
        raise Refused(
            invalid(
                field,
                "this request was cancelled on "
                f"{request.cancelled_at:%Y-%m-%d %H:%M} UTC, when the child it is about was "
                "untracked; nothing more is asked for it.",
            )
        )
    owned = registry.document_request(framework, request.reference)
    if owned is None:
        raise Refused(
            invalid(field, f"request {request.reference!r} is no longer part of '{framework}'.")
        )
    if list_wanted and owned.item.list_spec is None:
        raise Refused(
            invalid(
                field,
                f"'{owned.item.title}' is not a list: send its documents with uploadDocument.",
                code="WRONG_REQUEST_KIND",
            )
        )
    if not list_wanted and owned.item.list_spec is not None:
        raise Refused(
            invalid(
                field,
                f"'{owned.item.title}' is a list: send it with uploadList, which checks it "
                "against the list's columns.",
                code="WRONG_REQUEST_KIND",
            )
        )
    return request.id, framework, owned.item


def filename(given: str | None) -> str:
    """A file's name as kept: its last path part, printable, at most ``MAX_FILENAME`` long."""
    name = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:MAX_FILENAME] or "upload"


def same_document(session: Session, request_id: int, sha256: str) -> Document | None:
    return session.scalar(
        select(Document).where(Document.request_id == request_id, Document.sha256 == sha256)
    )


def record_document(
    session: Session,
    viewer: Viewer,
    request_id: int,
    stored: StoredFile,
    *,
    given_name: str | None,
    content_type: str | None,
) -> tuple[Document, bool]:
    """The document row and the request's receipt, in the caller's transaction; an earlier
    document with the same bytes is returned instead, flagged as a duplicate."""
    existing = same_document(session, request_id, stored.sha256)
    if existing is not None:
        return existing, True
    request = session.get(IssuedRequest, request_id)
    assert request is not None
    document = Document(
        request_id=request_id,
        filename=filename(given_name),
        content_type=(content_type or "application/octet-stream")[:MAX_CONTENT_TYPE],
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_at=utc_now(),
        uploaded_by_token_id=viewer.token_id,
    )
    session.add(document)
    if request.received_at is None:
        request.received_at = document.uploaded_at
        late = request.received_at > request.due_at
        events.record_request(
            session, EventKind.REQUEST_LATE if late else EventKind.REQUEST_RECEIVED, request
        )
    session.flush()
    return document, False
