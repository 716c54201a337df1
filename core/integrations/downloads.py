"""``GET /documents/{id}``: a document's bytes, streamed from the document store.

``{id}`` is the document's global ID (``Document.id``, or the path ``Document.downloadUrl``
gives). Whoever may see the document in the graph may download it: the inspection's team and
admins, and the agency that sent it (``core.access.documents_visible_to``, in the SQL). Anyone else
gets the same 404 as for an id that names nothing, so a download cannot probe for documents.

Every download is recorded in the audit trail before the first byte is sent; if the event cannot
be written, nothing is sent. The file comes as an attachment (never rendered by the browser) under
a safe name (RFC 6266: an ASCII ``filename`` and the exact name as UTF-8 ``filename*``), with
``nosniff`` and ``no-store``. The same bearer tokens (or identity-provider JWTs) as ``/graphql``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import BinaryIO, Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from core import access, audit
from core.database import Database
from core.ids import global_id, row_id
from core.models import Document
from core.viewer import Viewer
from core.workflow.storage import CHUNK_BYTES, DocumentStore

logger = logging.getLogger("jtai.downloads")

PATH = "/documents/{id}"
# A plain "type/subtype" is sent as given; anything else as bytes of no particular kind.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_UNSAFE_IN_QUOTES = re.compile(r'[^\x20-\x7e]|["\\%;]')
NOT_FOUND = (
    "No document you may download has this id. Documents reach the inspection's team, admins "
    "and the agency that sent them; take the id from Document.id or Document.downloadUrl."
)
UNAUTHENTICATED = (
    "Sign in: send 'Authorization: Bearer <token>' with a valid token "
    "(tokens come from 'jtai token create'; they expire and can be revoked)."
)


class Serves(Protocol):
    """What the route needs from the GraphQL view: its database, its store, and sign-in."""

    database: Database
    document_store: DocumentStore

    def viewer(self, session: Session, token: str | None) -> Viewer: ...


def download_path(document_id: int) -> str:
    """Where a document is downloaded from, relative to the API's origin."""
    return "/documents/" + global_id("Document", document_id)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name in RFC 5987 encoding."""
    fallback = _UNSAFE_IN_QUOTES.sub("_", filename).strip() or "document"
    exact = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


def _document_id(key: str) -> int | None:
    if len(key) > 200:
        return None
    try:
        kind, _, raw = base64.b64decode(key, validate=True).decode().partition(":")
    except (binascii.Error, ValueError):  # not base64 (non-ASCII too), or not UTF-8 inside
        return None
    return row_id(raw) if kind == "Document" else None


def _problem(status: int, message: str, code: str) -> Response:
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="jtai"'
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _chunks(session: Session, stream: BinaryIO) -> Iterator[bytes]:
    """The bytes a piece at a time; between pieces the session gives its connection back, so a
    slow client never holds one of the pool's connections."""
    try:
        while chunk := stream.read(CHUNK_BYTES):
            session.rollback()
            yield chunk
    finally:
        stream.close()
        session.close()


def download_routes(view: Serves) -> list[BaseRoute]:
    def download(request: Request) -> Response:
        session = view.database.session()
        handed_over = False
        try:
            viewer = view.viewer(session, _bearer(request))
            session.rollback()  # end the token lookup's read transaction
            if not viewer.is_authenticated:
                return _problem(401, UNAUTHENTICATED, "UNAUTHENTICATED")
            document_id = _document_id(request.path_params["id"])
            document = (
                session.scalar(
                    select(Document).where(
                        Document.id == document_id, access.documents_visible_to(viewer)
                    )
                )
                if document_id is not None
                else None
            )
            operation = audit.Operation(type="download", name="document", document=request.url.path)
            request_id = uuid.uuid4().hex[:16]
            if document is None:
                audit.record(
                    session,
                    viewer=viewer,
                    request_id=request_id,
                    operation=operation,
                    touched={},
                    outcome=audit.REJECTED,
                )
                return _problem(404, NOT_FOUND, "NOT_FOUND")
            try:
                stream = view.document_store.open(session, document.storage_key)
            except FileNotFoundError:
                logger.error("document %s has no bytes in the store", document.id)
                return _problem(
                    500,
                    "This document's bytes are missing from the document store; ask the agency "
                    f"to send it again. Quote request id {request_id} to the service desk.",
                    "INTERNAL",
                )
            headers = {
                "Content-Disposition": content_disposition(document.filename),
                "Content-Length": str(document.size_bytes),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Referrer-Policy": "no-referrer",
            }
            media_type = document.content_type.lower()
            if not _MEDIA_TYPE.match(media_type):
                media_type = "application/octet-stream"
            try:
                audit.record(
                    session,
                    viewer=viewer,
                    request_id=request_id,
                    operation=operation,
                    touched={"Document": {document.id}},
                    outcome=audit.OK,
                )
            except Exception:
                stream.close()
                logger.exception("download not audited, so not sent (request %s)", request_id)
                return _problem(
                    503,
                    "The download could not be recorded in the audit trail, so nothing is sent. "
                    f"Try again shortly; quote request id {request_id} if it persists.",
                    "UNAVAILABLE",
                )
            handed_over = True
            return StreamingResponse(
                _chunks(session, stream), media_type=media_type, headers=headers
            )
        finally:
            if not handed_over:
                session.close()

    return [Route(PATH, download, methods=["GET"])]
