"""The one ASGI layer in front of the app: every HTTP request passes it once, and every answer
goes out through its one ``send``.

It does, in order, what five middlewares did (connection recycling, CORS, failure answers, the
body size limit, the request guards), each of which wrapped ``send``, and the JSON body was read
and parsed twice, by the guards and again by the view (BENCHMARKS.md, "4 December 2026: the
per-request floor, one front layer"):

1. The request is counted on its connection (core/connections.py).
2. A CORS preflight is answered (core/cors.py) before anything else: it carries no token.
3. A body declared larger than the limit is refused with 413 (core/limits.py); every body is
   counted as it arrives.
4. A JSON POST to /graphql is read whole, at a pace (``paced``: a slow client gets 408), checked
   for nesting and shape (core/http_guards.py) and parsed once: the view takes the parsed body
   from the request's state (``JSON_BODY``). GET's variables get the nesting check.
5. A request the view can answer without its pipeline (``answer_directly``: a query proven to read
   nothing from the database, from a known token) is answered here, without routing, Starlette's
   ``Request`` or ``Response``.
6. Every answer gets ``nosniff`` (and ``no-store`` on the API's, the exports' and the report
   pages'), the CORS headers, ``Connection: close`` on its connection's last; a JSON refusal of
   /graphql goes out as ``application/graphql-response+json`` when the client asked for that;
   and a failure no route answered becomes the API's JSON answer (``failed``: 500, or 503 with
   ``Retry-After`` for the database's own failures) instead of Starlette's plain-text 500 and
   uvicorn's traceback with the exception's message.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.connections import ConnectionRecycling
from core.cors import CorsPolicy
from core.http_guards import (
    NO_STORE_PREFIXES,
    NOT_PARSED,
    add_security_headers,
    checked_json,
    is_json,
    log_disconnect,
    problem_response,
    query_string_problem,
    read_body,
)
from core.limits import BodySizeLimit, BodyTooLarge, BodyTooSlow, is_multipart, paced, too_slow
from core.request_errors import response_media_type

JSON = "application/json"
JSON_BODY = "jtai.json_body"  # the request state's key for the parsed JSON body
_MEDIA_TYPES_KEPT = 64  # Accept headers whose media type is remembered

# (request headers, first of each name; the parsed body; the response's media type) -> the
# answer's bytes, or None for the app to answer.
DirectAnswer = Callable[[dict[bytes, bytes], dict[str, Any], str], Awaitable[bytes | None]]
# (the exception, a request id, the response's media type) -> the answer.
FailureAnswer = Callable[[Exception, str, str], Response]


class HttpFront:
    """ASGI middleware: see the module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        json_path: str,
        cors: CorsPolicy,
        recycling: ConnectionRecycling,
        body_limit: BodySizeLimit,
        max_json_nesting: int,
        body_read_timeout: int,
        body_min_bytes_per_second: int,
        failed: FailureAnswer,
        answer_directly: DirectAnswer | None = None,
    ) -> None:
        self.app = app
        self.json_path = json_path
        self.cors = cors
        self.recycling = recycling
        self.body_limit = body_limit
        self.max_json_nesting = max_json_nesting
        # The JSON body is read here, before the view: at the same pace the view demands of any
        # body, or a client sending a byte a minute would hold it forever.
        self.body_read_timeout = body_read_timeout
        self.body_min_bytes_per_second = body_min_bytes_per_second
        self.failed = failed
        self.answer_directly = answer_directly
        self._media_types: dict[bytes, str] = {}
        self._direct_headers: dict[str, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(reversed(scope["headers"]))  # the first of each wins
        method: str = scope["method"]
        path: str = scope["path"]
        closing = self.recycling.count(scope)
        if CorsPolicy.is_preflight(method, headers):

            async def preflight_sending(message: Message) -> None:
                if message["type"] == "http.response.start" and closing:
                    message = {**message, "headers": [*message.get("headers", ()), *closing]}
                await send(message)

            await self.cors.preflight(scope)(scope, receive, preflight_sending)
            return
        api = path == self.json_path
        media_type = self._media_type(headers.get(b"accept", b"")) if api else JSON
        no_store = path.startswith(NO_STORE_PREFIXES)
        origin = headers.get(b"origin")
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                answer = self._headers(message, media_type, no_store, origin, closing)
                message = {**message, "headers": answer}
            await send(message)

        multipart = is_multipart(headers)
        upload = self.body_limit.is_upload(multipart)
        limit = self.body_limit.limit(multipart)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self.body_limit.refusal(upload)(scope, receive, sending)
            return
        receive = self.body_limit.counting(receive, limit)
        try:
            if api and method == "POST" and is_json(headers.get(b"content-type")):
                read = await self._read_json_body(scope, receive, sending, headers)
                if read is None:
                    return  # answered (too slow, refused) or nobody is left to answer
                body, parsed = read
                if (
                    self.answer_directly is not None
                    and type(parsed) is dict
                    and _is_plain_json(headers.get(b"content-type"))
                ):
                    answer = await self.answer_directly(headers, parsed, media_type)
                    if answer is not None:
                        if origin is None and closing is None:  # most: the headers made once
                            started = True
                            await send(self._direct_start(answer, media_type))
                        else:
                            await sending(_start(answer, media_type))
                        await sending({"type": "http.response.body", "body": answer})
                        return
                receive = _replay(body, receive)
            elif api and method == "GET":
                problem = query_string_problem(scope["query_string"], self.max_json_nesting)
                if problem is not None:
                    refusal = problem_response(headers.get(b"accept", b""), *problem)
                    await refusal(scope, receive, sending)
                    return
            await self.app(scope, receive, sending)
        except BodyTooLarge:
            if not started:
                await self.body_limit.refusal(upload)(scope, receive, sending)
        except ClientDisconnect:
            log_disconnect(scope)
        except Exception as error:
            if started:  # too late for another answer: the connection just ends
                raise
            await self.failed(error, uuid.uuid4().hex[:16], media_type)(scope, receive, sending)

    async def _read_json_body(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> tuple[bytes, Any] | None:
        """The body, read whole and checked, and its parse (also left in the request's state);
        or None when it was answered here (too slow, too deep, not an object) or the client
        left."""
        try:
            body = await read_body(
                paced(receive, self.body_read_timeout, self.body_min_bytes_per_second)
            )
        except BodyTooSlow as error:
            refusal = too_slow(error, self.body_read_timeout, self.body_min_bytes_per_second)
            await refusal(scope, receive, send)
            return None
        if body is None:
            log_disconnect(scope)
            return None
        problem, parsed = checked_json(body, self.max_json_nesting)
        if problem is not None:
            await problem_response(headers.get(b"accept", b""), *problem)(scope, receive, send)
            return None
        if parsed is not NOT_PARSED:
            scope.setdefault("state", {})[JSON_BODY] = parsed
        return body, parsed

    def _headers(
        self,
        start: Message,
        media_type: str,
        no_store: bool,
        origin: bytes | None,
        closing: list[tuple[bytes, bytes]] | None,
    ) -> list[tuple[bytes, bytes]]:
        """An answer's headers, with what every answer gets added."""
        headers = list(start.get("headers") or ())
        add_security_headers(headers, no_store)
        if media_type != JSON and start["status"] >= 400:
            _replace_json_content_type(headers, media_type)
        self.cors.add_headers(headers, origin)
        if closing:
            headers += closing
        return headers

    def _direct_start(self, body: bytes, media_type: str) -> Message:
        """``_start`` with its headers completed as ``_headers`` does for a request without an
        Origin on a connection staying open: worked out once per media type."""
        rest = self._direct_headers.get(media_type)
        if rest is None:
            start = _start(b"", media_type)
            no_store = self.json_path.startswith(NO_STORE_PREFIXES)
            rest = self._headers(start, media_type, no_store, None, None)[1:]
            self._direct_headers[media_type] = rest
        length = (b"content-length", str(len(body)).encode())
        return {"type": "http.response.start", "status": 200, "headers": [length, *rest]}

    def _media_type(self, accept: bytes) -> str:
        """The response's media type for this Accept header (remembered: clients send few)."""
        media_type = self._media_types.get(accept)
        if media_type is None:
            media_type = response_media_type(accept.decode("latin-1"))
            if len(self._media_types) >= _MEDIA_TYPES_KEPT:
                self._media_types.clear()
            self._media_types[accept] = media_type
        return media_type


def parsed_json_body(scope: Scope) -> Any:
    """The JSON body the front read and parsed for this request, or ``NOT_PARSED``."""
    state = scope.get("state")
    return NOT_PARSED if state is None else state.get(JSON_BODY, NOT_PARSED)


def _start(body: bytes, media_type: str) -> Message:
    """The start of a 200 answer, with the headers Starlette's ``Response`` would give it."""
    return {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", media_type.encode()),
        ],
    }


def _is_plain_json(content_type: bytes | None) -> bool:
    """``application/json``, which strawberry's view accepts (``+json`` types it refuses)."""
    return content_type is not None and content_type.split(b";")[0].strip() == b"application/json"


def _replace_json_content_type(headers: list[tuple[bytes, bytes]], media_type: str) -> None:
    """A JSON content type in ``headers`` replaced by ``media_type``."""
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"content-type" and value.split(b";")[0].strip() == b"application/json":
            headers[index] = (name, media_type.encode())


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
