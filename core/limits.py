"""A cap on request bodies, enforced while the body streams in rather than after it is read.

A multipart upload (a GraphQL request carrying a file) may be larger: up to the upload cap plus the
ordinary cap for the operation around it. The upload resolvers enforce the upload cap exactly on
each file and answer with an error as data; this middleware only stops bodies far beyond it.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


def is_multipart(headers: dict[bytes, bytes]) -> bool:
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return content_type == b"multipart/form-data"


class BodySizeLimit:
    """Refuse an HTTP request whose body exceeds ``max_bytes`` with 413, before parsing it; a
    multipart upload may hold ``max_upload_bytes`` more."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = self.max_upload_bytes > 0 and is_multipart(headers)
        limit = self.max_bytes + self.max_upload_bytes if upload else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, upload)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, upload)

    async def _refuse(self, send: Send, upload: bool = False) -> None:
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
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
