"""HTTP-level guards, applied by the HTTP front (core/http_front.py): the JSON body's shape,
response headers, and clients that hang up mid-request.

- Strawberry's view assumes the JSON body is an object (``"hello"`` gave an ``AttributeError``,
  a 500) and decodes it with the standard library, which recurses per level of nesting (5,000
  levels gave a ``RecursionError``, a 500). The body is checked here first: an object (or an
  array, which strawberry refuses as batching) nested at most ``max_json_nesting`` deep, else 400
  with a JSON error. GET's ``variables`` and ``extensions`` parameters get the same depth check.
- Every response carries ``X-Content-Type-Options: nosniff``; the API, the exports and the report
  pages also ``Cache-Control: no-store`` (they hold data a shared cache must not keep).
- A client that disconnects mid-body (an abandoned upload) makes starlette raise
  ``ClientDisconnect``; uncaught, uvicorn logs it as "Exception in ASGI application" with a
  traceback. Here it is one log line: nobody is left to answer.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope

from core.request_errors import error_body, response_media_type

logger = logging.getLogger("jtai.http")

NO_STORE_PREFIXES = ("/graphql", "/exports/", "/inspections/")
NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nests_deeper_than(text: bytes, limit: int) -> bool:
    """Whether arrays and objects in ``text`` nest more than ``limit`` deep.

    A scan, not a parse: it works on any text (valid JSON or not) and never recurses. Brackets
    inside strings do not count. Python loops only over brackets, and only when there are more
    of them than ``limit``: strings are cut out and the rest filtered down to brackets in C.
    """
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _STRING.sub(b"", text).translate(None, _NOT_BRACKETS):
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


NOT_PARSED = object()  # a body that is not JSON: the view answers it with its own 400


def checked_json(body: bytes, max_nesting: int) -> tuple[tuple[str, str] | None, Any]:
    """Why ``body`` cannot go on to the GraphQL view, as (code, message), or ``None`` if it can;
    and the body parsed (``NOT_PARSED`` when it is not JSON, or refused before parsing).

    A body that is not JSON at all goes on: strawberry answers it with its own 400.
    """
    if nests_deeper_than(body, max_nesting):
        problem = (
            "JSON_TOO_DEEP",
            f"The JSON body nests arrays and objects more than {max_nesting} deep, the most "
            "allowed (setting JTAI_MAX_JSON_NESTING). Flatten the variables.",
        )
        return problem, NOT_PARSED
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, NOT_PARSED
    if not isinstance(parsed, (dict, list)):
        kind = {str: "string", bool: "boolean", int: "number", float: "number"}.get(
            type(parsed), "null"
        )
        problem = (
            "BODY_NOT_AN_OBJECT",
            f'The JSON body is a {kind}, not an object. Send {{"query": "...", "variables": '
            "{...}} with Content-Type: application/json.",
        )
        return problem, NOT_PARSED
    return None, parsed


def problem_response(accept: bytes, code: str, message: str) -> Response:
    """400 for a body or query string refused here, in the media type the client asked for."""
    media_type = response_media_type(accept.decode("latin-1"))
    return Response(error_body(code, message), status_code=400, media_type=media_type)


def is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return False
    media_type = content_type.split(b";")[0].strip().lower()
    return media_type == b"application/json" or media_type.endswith(b"+json")


def query_string_problem(query_string: bytes, max_nesting: int) -> tuple[str, str] | None:
    """GET's ``variables`` and ``extensions`` get the body's depth check."""
    for name, value in parse_qsl(query_string.decode("latin-1")):
        if name in ("variables", "extensions") and nests_deeper_than(value.encode(), max_nesting):
            return (
                "JSON_TOO_DEEP",
                f"The {name} parameter nests arrays and objects more than {max_nesting} deep, "
                "the most allowed (setting JTAI_MAX_JSON_NESTING). Flatten it.",
            )
    return None


async def read_body(receive: Receive) -> bytes | None:
    """The whole body, or ``None`` if the client disconnected first."""
    message = await receive()
    if message["type"] == "http.disconnect":
        return None
    if not message.get("more_body", False):
        body: bytes = message.get("body", b"")
        return body  # most bodies: one message
    chunks = [message.get("body", b"")]
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def add_security_headers(headers: list[tuple[bytes, bytes]], no_store: bool) -> None:
    """``nosniff`` on every answer; ``no-store`` on the API's, the exports' and the report
    pages' (``no_store``); neither where the answer set its own."""
    present = {name for name, _ in headers}
    if b"x-content-type-options" not in present:
        headers.append(NOSNIFF)
    if no_store and b"cache-control" not in present:
        headers.append(NO_STORE)


def log_disconnect(scope: Scope) -> None:
    """One line for a client that hung up mid-body: nobody is left to answer, and a traceback
    would say nothing more."""
    client = scope.get("client") or ("-", 0)
    logger.warning(
        "client %s disconnected before the request was read whole: %s %s",
        client[0],
        scope["method"],
        scope["path"],
    )
