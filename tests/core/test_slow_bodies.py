"""Stalled uploads against a real `jtai serve`: they hold their own sockets, never a connection.

Found from outside: 15 connections from one token, each declaring a 100 KB body and sending one
byte, took all 15 connection slots (a request took its slot before its body had arrived, and
nothing bounded how long a body might take), so every other user's request waited forever while
``/healthz`` answered 200. Now the body is received first, at a pace (408 when it falls behind),
one token may have only so many uploads in progress (429), and ``/readyz`` stays honest.
"""

from __future__ import annotations

import datetime as dt
import http.client
import select
import socket
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from core.database import Database
from core.migrate import upgrade
from core.tokens import create_token
from core.viewer import Role
from tests.helpers.server import jtai_serve

DECLARED_BYTES = 100_000
STALLED_QUERIES = 15  # as many as the pool has connections
STALLED_UPLOADS = 5
UPLOADS_PER_TOKEN = 3
BODY_READ_TIMEOUT = 6


def _tokens(url: str) -> tuple[str, str]:
    database = Database(url)
    try:
        upgrade(database)
        with database.write() as session:
            return tuple(  # type: ignore[return-value]
                create_token(
                    session, role=Role.ADMIN, label=label, expires_in=dt.timedelta(hours=1)
                ).token
                for label in ("stalling client", "everyone else")
            )
    finally:
        database.dispose()


def _stall(port: int, token: str, multipart: bool) -> socket.socket:
    """Declare a 100 KB body, send one byte of it, and send nothing more."""
    content_type = "multipart/form-data; boundary=jtai" if multipart else "application/json"
    head = (
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
        f"GraphQL-Require-Preflight: 1\r\nContent-Length: {DECLARED_BYTES}\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", port), timeout=BODY_READ_TIMEOUT * 4)
    connection.sendall(head.encode() + (b"-" if multipart else b"{"))
    return connection


def _answer(connection: socket.socket) -> tuple[int, dict[str, str], Any]:
    response = http.client.HTTPResponse(connection)
    try:
        response.begin()
        return response.status, dict(response.getheaders()), orjson.loads(response.read())
    finally:
        response.close()


@pytest.mark.long
def test_stalled_bodies_hold_no_slot_and_are_refused_with_408_or_429(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stall.db'}"
    stalling, other = _tokens(url)
    env = {
        "JTAI_DATABASE_URL": url,
        "JTAI_STORAGE_DIR": str(tmp_path / "documents"),
        "JTAI_BODY_READ_TIMEOUT": str(BODY_READ_TIMEOUT),
        "JTAI_BODY_MIN_BYTES_PER_SECOND": "100000",
        "JTAI_MAX_UPLOADS_PER_TOKEN": str(UPLOADS_PER_TOKEN),
    }
    with jtai_serve(env) as base, ExitStack() as sockets:
        port = int(base.rsplit(":", 1)[1])
        queries = [
            sockets.enter_context(_stall(port, stalling, multipart=False))
            for _ in range(STALLED_QUERIES)
        ]
        uploads = [
            sockets.enter_context(_stall(port, stalling, multipart=True))
            for _ in range(STALLED_UPLOADS)
        ]

        # Another user is answered while all of those are stalled (the timeout is a hang guard).
        answered = httpx.post(
            f"{base}/graphql",
            json={"query": "{ viewer { role } }"},
            headers={"Authorization": f"Bearer {other}"},
            timeout=BODY_READ_TIMEOUT * 2,
        )
        ready = httpx.get(f"{base}/readyz", timeout=BODY_READ_TIMEOUT * 2)
        still_stalled = [
            c for c in queries if not select.select([c], [], [], 0)[0]
        ]  # no answer yet: they were waiting for their bodies all along
        answers = [_answer(connection) for connection in queries + uploads]

    assert answered.status_code == 200, answered.text
    assert answered.json() == {"data": {"viewer": {"role": "ADMIN"}}}
    assert ready.status_code == 200, ready.text
    assert len(still_stalled) == STALLED_QUERIES
    statuses = sorted(status for status, _, _ in answers)
    refused = STALLED_UPLOADS - UPLOADS_PER_TOKEN
    assert statuses == [408] * (STALLED_QUERIES + UPLOADS_PER_TOKEN) + [429] * refused
    for status, headers, body in answers:
        (error,) = body["errors"]
        if status == 408:
            assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
            assert f"JTAI_BODY_READ_TIMEOUT ({BODY_READ_TIMEOUT} s)" in error["message"]
        else:
            assert error["extensions"]["code"] == "TOO_MANY_UPLOADS"
            assert "JTAI_MAX_UPLOADS_PER_TOKEN" in error["message"]
            assert int(headers["retry-after"]) > 0
