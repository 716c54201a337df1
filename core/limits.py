"""Limits on request bodies: their size, how fast they must arrive, and how many uploads one
token may have in progress.

The size cap is enforced while the body streams in rather than after it is read. A multipart
upload (a GraphQL request carrying a file) may be larger: up to the upload cap plus the ordinary
cap for the operation around it. The upload resolvers enforce the upload cap exactly on each file
and answer with an error as data; the HTTP front (core/http_front.py) only stops bodies far
beyond it.

The pace and the per-token count matter because a body is received whole before the request takes
a database connection (core/app.py): a client that declares a large body and sends it a byte at a
time then holds only its own socket, for a bounded time, and one token cannot hold many.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Coroutine, Generator, Iterator
from contextlib import contextmanager
from typing import Any, cast

import orjson
from starlette.responses import Response
from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    pass


def is_multipart(headers: dict[bytes, bytes]) -> bool:
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return content_type == b"multipart/form-data"


class BodySizeLimit:
    """Refuse an HTTP request whose body exceeds ``max_bytes`` with 413, before parsing it; a
    multipart upload may hold ``max_upload_bytes`` more. Applied by the HTTP front
    (core/http_front.py): on the declared length first, then on the bytes as they arrive."""

    def __init__(self, max_bytes: int, max_upload_bytes: int = 0) -> None:
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit(self, multipart: bool) -> int:
        """The most bytes a body may hold (an upload's is larger)."""
        return (
            self.max_bytes + self.max_upload_bytes if self.is_upload(multipart) else self.max_bytes
        )

    def is_upload(self, multipart: bool) -> bool:
        return multipart and self.max_upload_bytes > 0

    def counting(self, receive: Receive, limit: int) -> Receive:
        """``receive`` that raises ``BodyTooLarge`` once more than ``limit`` bytes arrived."""
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        return counting_receive

    def refusal(self, upload: bool) -> Response:
        message = (
            f"The upload is larger than {self.max_upload_bytes} bytes, the most one file may be. "
            "Send a smaller file, or split it."
            if upload
            else f"The request body is larger than {self.max_bytes} bytes. "
            "Send a smaller query, or page through the data."
        )
        body = orjson.dumps(
            {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
        )
        return Response(body, status_code=413, media_type="application/json")


class BodyTooSlow(Exception):
    """The body fell behind the pace it is allowed; nothing of the request has run."""

    def __init__(self, received: int, elapsed: float) -> None:
        super().__init__(f"{received} bytes in {elapsed:.1f} s")
        self.received = received
        self.elapsed = elapsed


def paced(receive: Receive, timeout: int, min_bytes_per_second: int) -> Receive:
    """``receive`` that raises ``BodyTooSlow`` once the body falls behind its allowance:
    ``timeout`` seconds from now, plus one second for every ``min_bytes_per_second`` received.

    A small body gets the timeout; a large one as long as it keeps arriving at the minimum rate.
    """
    started = time.monotonic()
    received = 0

    async def paced_receive() -> Message:
        nonlocal received
        left = started + timeout + received / min_bytes_per_second - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            message = await _receive_within(receive, left)
        except TimeoutError:
            raise BodyTooSlow(received, time.monotonic() - started) from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
        return message

    return paced_receive


async def _receive_within(receive: Receive, seconds: float) -> Message:
    """``await receive()``, raising ``TimeoutError`` after ``seconds``.

    Most bodies arrive with their headers: the receive's first step runs at once, and only if
    it waits does the rest run under a deadline (a deadline on this task, not ``wait_for``'s
    task per message; even so, setting and clearing one costs more than taking a message that
    is already there).
    """
    pending = receive()
    if not isinstance(pending, Coroutine):
        async with asyncio.timeout(seconds):
            return await pending
    try:
        waiting_on = pending.send(None)
    except StopIteration as done:
        message: Message = done.value
        return message
    async with asyncio.timeout(seconds):
        return await _Resumed(pending, waiting_on)


class _Resumed:
    """The rest of ``coroutine``, whose first step already ran and yielded ``waiting_on``: awaited,
    it hands that on to the task and then runs the coroutine to its end, passing in whatever
    the task sends or throws (a cancellation when the deadline passes), as ``await`` would."""

    __slots__ = ("coroutine", "waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, Message], waiting_on: Any) -> None:
        self.coroutine = coroutine
        self.waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, Message]:
        coroutine, yielded = self.coroutine, self.waiting_on
        while True:
            try:
                sent = yield yielded
            except BaseException as error:  # each is the coroutine's to handle
                try:
                    yielded = coroutine.throw(error)
                except StopIteration as done:
                    return cast(Message, done.value)
            else:
                try:
                    yielded = coroutine.send(sent)
                except StopIteration as done:
                    return cast(Message, done.value)


def too_slow(error: BodyTooSlow, timeout: int, min_bytes_per_second: int) -> Response:
    message = (
        f"The request body arrived too slowly: {error.received} bytes in {error.elapsed:.0f} s. "
        f"The server waits JTAI_BODY_READ_TIMEOUT ({timeout} s) plus one second for every "
        f"JTAI_BODY_MIN_BYTES_PER_SECOND ({min_bytes_per_second}) bytes received. Send the "
        "whole body at once, or over a faster connection."
    )
    return _refusal(408, message, "REQUEST_TIMEOUT", {"Connection": "close"})


class UploadsPerToken:
    """How many multipart requests each bearer token has in progress, at most ``limit``.

    Counted by a hash of the token as sent, before anyone looks it up: refusing costs no
    database work, and an unknown token is refused with 401 once its turn comes.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_progress: dict[str, int] = {}

    @contextmanager
    def admit(self, token: str) -> Iterator[bool]:
        """Yield whether this upload may go ahead; while it does, it counts."""
        key = hashlib.sha256(token.encode()).hexdigest()
        count = self._in_progress.get(key, 0)
        if count >= self.limit:
            yield False
            return
        self._in_progress[key] = count + 1
        try:
            yield True
        finally:
            left = self._in_progress[key] - 1
            if left:
                self._in_progress[key] = left
            else:
                del self._in_progress[key]

    def refusal(self, retry_after: int) -> Response:
        message = (
            f"This token already has {self.limit} uploads in progress, the most "
            "JTAI_MAX_UPLOADS_PER_TOKEN allows. Wait for one to finish, then send this one again."
        )
        headers = {"Retry-After": str(retry_after), "Connection": "close"}
        return _refusal(429, message, "TOO_MANY_UPLOADS", headers)


def _refusal(status: int, message: str, code: str, headers: dict[str, str]) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )
