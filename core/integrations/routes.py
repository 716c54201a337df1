"""HTTP routes beside ``/graphql`` for documents a person or a batch job takes whole:

- ``GET /inspections/{reference}/report.html``: the letter as a page (``{reference}`` is the
  inspection's reference, e.g. ``JTAI-DEMO-001``, or its global ID). The team and admins see the
  draft; agency users of the area and integrators see it once published; anyone else gets 404.
  Once published it is the latest published version, as frozen; ``?version=N`` gives version N.
- ``GET /exports/findings.csv`` and ``GET /exports/findings.json``: published findings, with the
  ``findings`` query's filters as query parameters (integrators and admins); the CSV also takes
  ``bom=1`` (a byte order mark first, for Excel).

The same bearer tokens as the graph. Handlers are plain functions, which Starlette runs in its
thread pool, so their database work never blocks the event loop.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from core.database import Database
from core.dates import DateOutOfRange, in_range
from core.ids import row_id
from core.integrations import exports, feed
from core.models import Inspection, utc_now
from core.registry import Registry
from core.viewer import Role, Viewer
from core.workflow.report import page_for

FILTER_PARAMS = {
    "framework": "framework",
    "criterion": "criterion",
    "inspectorate": "inspectorate",
    "agencyKind": "agency_kind",
    "area": "area",
    "publishedFrom": "published_from",
    "publishedTo": "published_to",
}
EXPORT_ROLES = (Role.INTEGRATOR, Role.ADMIN)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Authenticates(Protocol):
    """What the routes need from the GraphQL view: its database and registry, and sign-in."""

    database: Database
    registry: Registry

    def viewer(self, session: Session, token: str | None) -> Viewer: ...


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _problem(status: int, message: str, code: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="jtai"'} if status == 401 else {}
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


UNAUTHENTICATED = (
    "Sign in: send 'Authorization: Bearer <token>' with a valid token "
    "(tokens come from 'jtai token create'; they expire and can be revoked)."
)


def _inspection_id(session: Session, key: str) -> int | None:
    """An inspection by its reference, or by its global ID (``Inspection:<id>`` in base64)."""
    if len(key) > 200 or not key.isprintable():
        return None  # no reference holds control characters; PostgreSQL would refuse a NUL
    found = session.scalar(select(Inspection.id).where(Inspection.reference == key))
    if found is not None:
        return found
    try:
        kind, _, raw = base64.b64decode(key, validate=True).decode().partition(":")
    except ValueError:  # not base64 (non-ASCII too), or not UTF-8 inside
        return None
    return row_id(raw) if kind == "Inspection" else None


CSV_OPTIONS = ("bom",)  # parameters of the CSV export that are not filters


def _bom(request: Request) -> bool:
    """``?bom=1`` starts the CSV with a UTF-8 byte order mark, for Excel."""
    value = request.query_params.get("bom", "0")
    if value not in ("0", "1"):
        raise feed.FilterError(
            f"bom: {value!r} is not 0 or 1; send bom=1 to start the CSV with a byte order mark "
            "(for Excel), or leave it out."
        )
    return value == "1"


def _filters(request: Request, options: tuple[str, ...] = ()) -> feed.FindingFilters:
    unknown = sorted(set(request.query_params) - set(FILTER_PARAMS) - set(options))
    if unknown:
        known = ", ".join((*FILTER_PARAMS, *options))
        raise feed.FilterError(f"{', '.join(unknown)}: not a filter. Parameters: {known}.")
    values: dict[str, object] = {}
    for param, name in FILTER_PARAMS.items():
        value = request.query_params.get(param)
        if value is None or value == "":
            continue
        if name.startswith("published_"):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                raise feed.FilterError(
                    f"{param}: {value!r} is not a date; write it as YYYY-MM-DD."
                ) from None
            try:
                values[name] = in_range(day)
            except DateOutOfRange as error:
                raise feed.FilterError(f"{param}: {error}") from None
        else:
            values[name] = value
    return feed.FindingFilters(**values)  # type: ignore[arg-type]


def document_routes(view: Authenticates) -> list[BaseRoute]:
    """The report page and the exports, signed in as the graph signs in."""

    def signed_in(request: Request, session: Session) -> Viewer:
        viewer = view.viewer(session, _bearer(request))
        session.rollback()  # end the token lookup's read transaction
        return viewer

    def report_html(request: Request) -> Response:
        with view.database.session() as session:
            viewer = signed_in(request, session)
            if not viewer.is_authenticated:
                return _problem(401, UNAUTHENTICATED, "UNAUTHENTICATED")
            inspection_id = _inspection_id(session, request.path_params["reference"])
            raw_version = request.query_params.get("version")
            version = row_id(raw_version) if raw_version is not None else None
            found = (
                page_for(session, view.registry, viewer, inspection_id, version)
                if inspection_id is not None and (raw_version is None or version is not None)
                else None
            )
        if found is None:
            missing = (
                "No report you may read has that reference (or that version: ?version=1 for the "
                "first published). Published reports are open to integrators and the area's "
                "agencies; drafts to the inspection team."
            )
            if "text/html" not in request.headers.get("accept", ""):  # a program: the API's format
                return _problem(404, missing, "NOT_FOUND")
            return HTMLResponse(
                f"<!DOCTYPE html><title>Not found</title><p>{missing}</p>",
                status_code=404,
                headers=PAGE_HEADERS,
            )
        return HTMLResponse(found[1], headers=PAGE_HEADERS)

    def export(
        render_as: Callable[[list[feed.PublicFinding], Request], tuple[str, str]],
        options: tuple[str, ...] = (),
    ) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            with view.database.session() as session:
                viewer = signed_in(request, session)
                if not viewer.is_authenticated:
                    return _problem(401, UNAUTHENTICATED, "UNAUTHENTICATED")
                if viewer.role not in EXPORT_ROLES:
                    return _problem(
                        403, "Not allowed: exports are for integrators and admins.", "FORBIDDEN"
                    )
                try:
                    filters = _filters(request, options)
                    if options:
                        _bom(request)  # refuse a bad option before reading anything
                    found = list(feed.all_published(session, view.registry, filters))
                except feed.FilterError as error:
                    return _problem(400, str(error), "BAD_REQUEST")
            body, media_type = render_as(found, request)
            stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
            extension = "csv" if media_type.startswith("text/csv") else "json"
            return Response(
                body,
                media_type=media_type,
                headers={
                    "Content-Disposition": f'attachment; filename="jtai-findings-{stamp}.'
                    f'{extension}"',
                    "Cache-Control": "no-store",
                    "X-Content-Type-Options": "nosniff",
                },
            )

        return endpoint

    def as_csv(found: list[feed.PublicFinding], request: Request) -> tuple[str, str]:
        return exports.to_csv(found, bom=_bom(request)), "text/csv; charset=utf-8"

    def as_json(found: list[feed.PublicFinding], request: Request) -> tuple[str, str]:
        return exports.to_json(found, utc_now()), "application/json"

    return [
        Route("/inspections/{reference}/report.html", report_html, methods=["GET"]),
        Route("/exports/findings.csv", export(as_csv, CSV_OPTIONS), methods=["GET"]),
        Route("/exports/findings.json", export(as_json), methods=["GET"]),
    ]
