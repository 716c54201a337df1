"""HTTP-level guards in front of the app: the JSON body's shape, response headers, and clients
that hang up mid-request.

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
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.limits import BodyTooSlow, paced, too_slow
from core.request_errors import error_body, response_media_type

logger = logging.getLogger("jtai.http")

NO_STORE_PREFIXES = ("/graphql", "/exports/", "/inspections/")
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


def json_body_problem(body: bytes, max_nesting: int) -> tuple[str, str] | None:
    """Why ``body`` cannot go on to the GraphQL view, as (code, message); ``None`` if it can.

    A body that is not JSON at all goes on: strawberry answers it with its own 400.
    """
    if nests_deeper_than(body, max_nesting):
        return (
            "JSON_TOO_DEEP",
            f"The JSON body nests arrays and objects more than {max_nesting} deep, the most "
            "allowed (setting JTAI_MAX_JSON_NESTING). Flatten the variables.",
        )
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, (dict, list)):
        kind = {str: "string", bool: "boolean", int: "number", float: "number"}.get(
            type(parsed), "null"
        )
        return (
            "BODY_NOT_AN_OBJECT",
            f'The JSON body is a {kind}, not an object. Send {{"query": "...", "variables": '
            "{...}} with Content-Type: application/json.",
        )
    return None


def _problem_response(scope: Scope, code: str, message: str) -> tuple[Message, Message]:
    body = error_body(code, message)
    accept = next(
        (value for name, value in scope.get("headers") or () if name.lower() == b"accept"), b""
    )
    media_type = response_media_type(accept.decode("latin-1"))
    start: Message = {
        "type": "http.response.start",
        "status": 400,
        "headers": [
            (b"content-type", media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            media_type = value.split(b";")[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


class RequestGuards:
    """ASGI middleware: see the module's docstring. Put it inside the body-size limit, so the
    body it reads whole is already capped."""

    def __init__(
        self,
        app: ASGIApp,
        json_paths: Iterable[str] = ("/graphql",),
        max_json_nesting: int = 64,
        body_read_timeout: int = 10,
        body_min_bytes_per_second: int = 10_000,
    ) -> None:
        self.app = app
        self.json_paths = frozenset(json_paths)
        self.max_json_nesting = max_json_nesting
        # The JSON body is read here, before the view: at the same pace the view demands of any
        # body (core.limits.paced), or a client sending a byte a minute would hold it forever.
        self.body_read_timeout = body_read_timeout
        self.body_min_bytes_per_second = body_min_bytes_per_second

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope["path"], send)
        if scope["path"] in self.json_paths:
            problem: tuple[str, str] | None = None
            if scope["method"] == "POST" and _is_json(scope.get("headers") or ()):
                try:
                    body = await self._read_body(
                        paced(receive, self.body_read_timeout, self.body_min_bytes_per_second)
                    )
                except BodyTooSlow as error:
                    refusal = too_slow(
                        error, self.body_read_timeout, self.body_min_bytes_per_second
                    )
                    await refusal(scope, receive, send)
                    return
                if body is None:
                    log_disconnect(scope)
                    return
                problem = json_body_problem(body, self.max_json_nesting)
                receive = _replay(body, receive)
            elif scope["method"] == "GET":
                problem = self._query_string_problem(scope)
            if problem is not None:
                for message in _problem_response(scope, *problem):
                    await send(message)
                return
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            log_disconnect(scope)

    def _query_string_problem(self, scope: Scope) -> tuple[str, str] | None:
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query):
            if name in ("variables", "extensions") and nests_deeper_than(
                value.encode(), self.max_json_nesting
            ):
                return (
                    "JSON_TOO_DEEP",
                    f"The {name} parameter nests arrays and objects more than "
                    f"{self.max_json_nesting} deep, the most allowed (setting "
                    "JTAI_MAX_JSON_NESTING). Flatten it.",
                )
        return None

    @staticmethod
    async def _read_body(receive: Receive) -> bytes | None:
        """The whole body, or ``None`` if the client disconnected first."""
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _with_headers(path: str, send: Send) -> Send:
        no_store = path.startswith(NO_STORE_PREFIXES)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in present:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if no_store and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        return sending


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


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the already-read body once, then defers to the client's."""
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying
