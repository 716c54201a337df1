"""Real sockets for the subscription tests: the app served by uvicorn in a thread of this process
(or `jtai serve` subprocesses, tests/helpers/server.py), and a graphql-transport-ws client built
on the `websockets` package's synchronous client."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.helpers.server import free_port

PROTOCOL = "graphql-transport-ws"


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class LiveClient:
    """One graphql-transport-ws connection, driven step by step."""

    def __init__(self, base: str, *, path: str = "/graphql", origin: str | None = None) -> None:
        url = base.replace("http://", "ws://") + path
        headers = {"Origin": origin} if origin else None
        self.ws: ClientConnection = connect(
            url, subprotocols=[Subprotocol(PROTOCOL)], additional_headers=headers, open_timeout=10
        ).__enter__()  # closed by close(); tests keep several open at once
        self.ids = itertools.count(1)
        self.pings = 0
        self.op = ""  # the id of the subscription a test follows

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def init(self, token: str | None, *, key: str = "authorization") -> dict[str, Any]:
        payload = {key: f"Bearer {token}"} if token is not None else {}
        self.send({"type": "connection_init", "payload": payload})
        try:
            return self.receive()
        except Closed as closed:
            return {"type": "closed", "code": closed.code, "reason": closed.reason}

    def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        op = str(next(self.ids))
        self.send(
            {
                "id": op,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return op

    def receive(self, timeout: float = 10) -> dict[str, Any]:
        """The next message other than a ping (answered with a pong); ``Closed`` if the server
        closed the socket."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message")
            try:
                raw = self.ws.recv(timeout=left)
                assert isinstance(raw, str), "graphql-transport-ws messages are text frames"
                message: dict[str, Any] = json.loads(raw)
                if message.get("type") == "ping":
                    self.pings += 1
                    # The server may close right after its ping (a subscriber that fell behind):
                    # the pong then meets the closed socket, which is the same news.
                    self.send({"type": "pong"})
                    continue
            except ConnectionClosed as closed:
                frame = closed.rcvd
                raise Closed(frame.code if frame else None, frame.reason if frame else "") from None
            return message

    def next_data(self, op: str, timeout: float = 10) -> dict[str, Any]:
        message = self.receive(timeout)
        assert message.get("id") == op and message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    def quiet(self, seconds: float) -> list[dict[str, Any]]:
        """Whatever arrives (pings aside) within ``seconds``: used to show nothing more came."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.receive(left))
            except TimeoutError:
                break
        return got

    def closed(self, timeout: float = 10) -> Closed:
        try:
            message = self.receive(timeout)
        except Closed as closed:
            return closed
        raise AssertionError(f"expected the socket to close, got {message}")

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> LiveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Http:
    """GraphQL over real HTTP to a served app."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)

    def __call__(self, query: str, variables: dict[str, Any] | None, token: str) -> dict[str, Any]:
        response = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upload(
        self, query: str, variables: dict[str, Any], token: str, file: tuple[str, bytes, str]
    ) -> dict[str, Any]:
        operations = {"query": query, "variables": {**variables, "file": None}}
        response = self.client.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": file},
            headers={"Authorization": f"Bearer {token}", "GraphQL-Require-Preflight": "1"},
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body
