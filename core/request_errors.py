"""Requests refused before GraphQL runs, answered in the GraphQL response format.

Every refusal is ``{"errors": [{"message", "extensions": {"code"}}]}``, in
``application/graphql-response+json`` when the client's Accept asks for it ahead of plain JSON
(GraphQL over HTTP), else ``application/json``. The codes are Apollo Server's where it has one
(README, "Errors and codes", lists them all): ``BAD_REQUEST`` for a request that is not a
GraphQL request, ``OPERATION_RESOLUTION_FAILURE`` when ``operationName`` picks no operation.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.responses import Response

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

BAD_REQUEST = "BAD_REQUEST"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
NOT_FOUND = "NOT_FOUND"


class RequestRefused(Exception):
    """A request refused before execution: its status, code and a message naming the fix."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def response(self, media_type: str) -> Response:
        return error_response(self.status, self.code, self.message, media_type, self.headers)


def response_media_type(accept: str) -> str:
    """The GraphQL-over-HTTP media type when the client asks for it ahead of plain JSON."""
    ranked = [part.split(";")[0].strip() for part in accept.split(",")]
    for media_type in ranked:
        if media_type == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media_type in ("application/json", "*/*", "application/*"):
            return "application/json"
    return "application/json"


def error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


def error_response(
    status: int,
    code: str,
    message: str,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        error_body(code, message), status_code=status, media_type=media_type, headers=headers
    )


def from_strawberry(status: int, reason: str) -> RequestRefused:
    """One of strawberry's own HTTP refusals (plain text there), in our format."""
    return RequestRefused(status, NOT_FOUND if status == 404 else BAD_REQUEST, reason)
