"""The WebSocket side of ``/graphql``: strawberry's graphql-transport-ws handler, signed in by the
bearer token in ``connection_init`` (never the query string, which access logs write to disk).

Close codes: 4401 no valid token (at connection_init, or once the token is revoked or expires);
4403 a viewer who lost access; 1013 a subscriber that fell ``JTAI_SUBSCRIPTION_QUEUE_SIZE``
events behind; 1001 the server shutting down; strawberry's own 44xx for protocol errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import threading
from collections.abc import AsyncGenerator, Mapping
from types import FrameType
from typing import Any, cast

import orjson
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.utils.aio import aclosing

from core.database import database_failure
from core.graphql.subscriptions import UNAUTHORIZED, LiveContext
from core.http_guards import nests_deeper_than
from core.models import utc_now
from core.persisted import PersistedQueryProblem
from core.viewer import Viewer

logger = logging.getLogger("jtai.live")

NO_TOKEN = (
    'Unauthorized: send {"authorization": "Bearer <token>"} as connection_init\'s payload; a '
    "token in the URL is ignored."
)
BAD_TOKEN = (
    "Unauthorized: the token in connection_init is unknown, expired or revoked. Send a valid one "
    "('jtai token create')."
)
GOING_AWAY = 1001
OPEN: set[LiveHandler] = set()  # this process's connections, closed with 1001 at shutdown


def bearer_from(payload: dict[str, Any]) -> str | None:
    """The token of ``{"authorization": "Bearer <token>"}`` (either capitalisation)."""
    value = payload.get("authorization", payload.get("Authorization"))
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


MAX_CLOSE_REASON_BYTES = 123  # what a WebSocket close frame can carry (RFC 6455, 5.5)


def close_reason(reason: str) -> str:
    """``reason`` as a close frame can carry it: cut at a word, with an ellipsis, if too long
    (the server's own reasons are written to fit; a quoted value may not)."""
    if len(reason.encode()) <= MAX_CLOSE_REASON_BYTES:
        return reason
    cut = reason.encode()[: MAX_CLOSE_REASON_BYTES - 3].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0] + "…"


class TooDeep(ValueError):
    """A message nests deeper than JTAI_MAX_JSON_NESTING."""


class LiveSocket(ASGIWebSocketAdapter):
    """strawberry's WebSocket adapter, sending text frames (the protocol's; the view's JSON
    encoder gives bytes, which browsers would receive as a Blob), and refusing a message nested
    deeper than JTAI_MAX_JSON_NESTING before parsing it (a recursive parse of ``[[[[…`` fails)."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        limit = self.view.settings.max_json_nesting  # type: ignore[attr-defined]
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if nests_deeper_than(text.encode(), limit):
                    raise TooDeep(
                        f"A message nests deeper than {limit} (JTAI_MAX_JSON_NESTING); send "
                        "shallower variables."
                    )
                try:
                    yield orjson.loads(text)
                except orjson.JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class LiveHandler(BaseGraphQLTransportWSHandler[LiveContext, None]):
    """One WebSocket connection: sign-in, keep-alive pings, a context per subscription."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keepalive_task: asyncio.Task[None] | None = None
        self.closed = False
        self.context.close_socket = self.close

    async def handle(self) -> None:
        OPEN.add(self)
        try:
            await super().handle()
        except TooDeep as too_deep:
            await self.close(4400, str(too_deep))
            await self.shutdown()
        finally:
            OPEN.discard(self)

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=close_reason(reason))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Subscriptions only, their text found as over HTTP (a persisted query's hash, a trusted
        document's id, or the text itself where trusted documents allow it)."""
        payload: Any = message.get("payload")
        if not self.connection_acknowledged or not isinstance(payload, dict):
            await super().handle_subscribe(message)  # strawberry's 4401 / 4400
            return
        view: Any = self.view
        try:
            query = view.persisted.resolve(
                payload.get("query"), payload.get("extensions"), payload.get("documentId")
            )
        except PersistedQueryProblem as problem:
            await self._refuse(message["id"], problem.message, problem.code)
            return
        if not isinstance(query, str):
            await self._refuse(message["id"], "The subscribe message has no query.", "BAD_REQUEST")
            return
        try:
            document = parse(query, max_tokens=self.context.settings.max_tokens)
        except GraphQLError:
            pass  # strawberry answers the syntax error (or the token limit) itself
        else:
            operation = get_operation_ast(document, payload.get("operationName"))
            if operation is not None and operation.operation is not OperationType.SUBSCRIPTION:
                await self._refuse(
                    message["id"],
                    f"A {operation.operation.value} is sent over HTTP (POST /graphql, or GET for a "
                    "query); the WebSocket carries subscriptions only.",
                    "BAD_REQUEST",
                )
                return
        await super().handle_subscribe(
            cast(SubscribeMessage, {**message, "payload": {**payload, "query": query}})
        )

    async def _refuse(self, operation_id: str, text: str, code: str) -> None:
        await self.send_message(
            {
                "id": operation_id,
                "type": "error",
                "payload": [{"message": text, "extensions": {"code": code}}],
            }
        )

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        if (
            self.connection_init_received
            or self.connection_timed_out
            or not isinstance(payload, dict)
        ):
            await super().handle_connection_init(message)  # strawberry's refusals (4400, 4429)
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        self.connection_init_received = True
        token = bearer_from(payload)
        if token is None:
            await self.close(UNAUTHORIZED, NO_TOKEN)
            return
        try:
            viewer = await self.view.authenticate(token)  # type: ignore[attr-defined]
        except Exception as error:
            failure = database_failure(error)
            if failure is None:
                raise
            await self.close(1011, failure.message)  # 1011: the server could not serve it
            return
        if not viewer.is_authenticated:
            await self.close(UNAUTHORIZED, BAD_TOKEN)
            return
        self.context.viewer = viewer
        self.context.token = token
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        self.keepalive_task = asyncio.create_task(self._keep_alive(viewer))

    async def _keep_alive(self, viewer: Viewer) -> None:
        """Ping every JTAI_SUBSCRIPTION_KEEPALIVE_SECONDS, and close at the token's expiry."""
        interval = self.context.settings.subscription_keepalive_seconds
        while not self.closed:
            wait = interval
            if viewer.expires_at is not None:
                left = (viewer.expires_at - utc_now()).total_seconds()
                if left <= 0:
                    await self.close(
                        UNAUTHORIZED,
                        "Unauthorized: the token expired. Connect again with a new token.",
                    )
                    return
                wait = min(wait, left + 0.05)
            await asyncio.sleep(wait)
            if self.closed or (viewer.expires_at is not None and viewer.expires_at <= utc_now()):
                continue  # the expiry is answered at the top of the loop
            if not await self._still_signed_in():
                await self.close(
                    UNAUTHORIZED,
                    "Unauthorized: the token was revoked. Connect again with a valid token.",
                )
                return
            with contextlib.suppress(Exception):
                await self.send_message({"type": "ping"})

    async def _still_signed_in(self) -> bool:
        """The token looked up again (one statement a keep-alive interval): a revoked token is
        noticed even on a connection that receives no events. A database failure is not the
        token's: the next event or interval tries again."""
        view: Any = self.view
        try:
            viewer: Viewer = await view.authenticate(self.context.token)
        except Exception as error:
            if database_failure(error) is None:
                raise
            return True
        return viewer.is_authenticated

    async def shutdown(self) -> None:
        if self.keepalive_task is not None:
            self.keepalive_task.cancel()
        await super().shutdown()

    async def run_operation(self, operation: Operation[LiveContext, None]) -> None:
        """strawberry's, with a context of the operation's own: each subscription resets its
        session and loaders per event, which a context shared by the connection would not allow."""
        own = dataclasses.replace(self.context, touched={}, recorded={}, _session=None)
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=own,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            if not self.closed:
                await operation.send_operation_message(
                    CompleteMessage(id=operation.id, type="complete")
                )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
        finally:
            own.close()


async def close_all() -> None:
    """Graceful shutdown: every socket closed with 1001 (Going Away)."""
    await asyncio.gather(
        *(
            handler.close(
                GOING_AWAY, "The server is shutting down: reconnect and resume with `after`."
            )
            for handler in list(OPEN)
        ),
        return_exceptions=True,
    )


def close_before_exit() -> None:
    """Make SIGTERM and SIGINT close this process's sockets with 1001 before uvicorn shuts down.

    uvicorn's own shutdown closes open WebSockets with 1012 (Service Restart) before the app's
    lifespan shutdown runs, so the app wraps uvicorn's signal handler instead: close with 1001,
    then let uvicorn stop as usual. Signals belong to the main thread; elsewhere (a server run in
    a thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handle(number: int, frame: FrameType | None, previous: Any = previous) -> None:
            async def close_then_exit() -> None:
                try:
                    async with asyncio.timeout(2):
                        await close_all()
                finally:
                    previous(number, frame)

            loop.call_soon_threadsafe(lambda: _keep(loop.create_task(close_then_exit())))

        signal.signal(sig, handle)


_tasks: set[asyncio.Task[None]] = set()


def _keep(task: asyncio.Task[None]) -> None:
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
