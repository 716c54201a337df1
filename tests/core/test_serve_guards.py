"""A real ``jtai serve`` process: what its log says when a client hangs up mid-upload, and that
its access log never writes a query string (a token sent there would land on disk)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import jtai_serve


@dataclass
class Server:
    base: str
    port: int
    token: str
    log: Path

    def text(self) -> str:
        return self.log.read_text()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    log = tmp_path / "serve.log"
    env = {"JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    with jtai_serve(env, start_timeout=60, args=("--demo",), log=log) as base:
        link = re.search(r"/graphql#token=(jtai_\S+)", log.read_text())
        assert link, log.read_text()
        yield Server(base, int(base.rsplit(":", 1)[1]), link.group(1), log)


def wait_for(server: Server, text: str) -> str:
    deadline = time.monotonic() + 10  # a hang guard only
    while text not in server.text():
        assert time.monotonic() < deadline, server.text()
        time.sleep(0.1)
    return server.text()


def test_a_client_hanging_up_mid_upload_is_one_log_line_without_a_traceback(
    server: Server,
) -> None:
    boundary = "jtaiboundary"
    start = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="operations"\r\n\r\n'
        '{"query": "mutation($f: Upload!) { uploadDocument(file: $f) { errors { message } } }",'
        ' "variables": {"f": null}}\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="map"\r\n\r\n'
        '{"0": ["variables.f"]}\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="0"; filename="list.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n" + "a,b\r\n" * 2000
    ).encode()
    head = (
        "POST /graphql HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {server.token}\r\n"
        "GraphQL-Require-Preflight: 1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(start) + 100_000}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(head + start)
        time.sleep(0.5)  # let the server start parsing the parts
    log = wait_for(server, "disconnected before the request was read whole")
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log
    # The server still answers.
    assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200


def test_the_access_log_withholds_query_strings(server: Server) -> None:
    secret = "jtai_" + "s3cr3t" * 6
    for path in (f"/exports/findings.csv?access_token={secret}", f"/graphql?token={secret}"):
        response = httpx.get(f"{server.base}{path}", timeout=5)
        assert response.status_code in (400, 401)
    log = wait_for(server, "GET /graphql?")
    assert secret not in log
    assert re.search(r'"GET /exports/findings\.csv\?\S+ HTTP/1\.1" 401', log), log
