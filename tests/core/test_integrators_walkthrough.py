"""docs/integrators.md followed as written, against a real `jtai serve --demo`: the shell blocks run
in bash (only the server's address, directory and database URL put in), the cron line runs with
cron's bare environment plus the crontab's variable line, and the pushed request passes the docs'
verify() with its header names lower-cased, as ASGI frameworks hand them over."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.integrations.exports import CSV_COLUMNS
from tests.helpers.environment import REPO_ROOT
from tests.helpers.server import jtai_serve

DOC = REPO_ROOT / "docs" / "integrators.md"
DOC_ADDRESS = "http://127.0.0.1:8000"
DOC_DIRECTORY = "/srv/jtai"
DOC_DATABASE = "postgresql://jtai@db.internal/jtai"


def shell_blocks() -> list[str]:
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return blocks


def block_with(words: str) -> str:
    [block] = [b for b in shell_blocks() if words in b]
    return block


def docs_verify() -> Any:
    text = DOC.read_text(encoding="utf-8")
    [snippet] = [
        b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "def verify" in b
    ]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)
    return namespace["verify"]


class Received:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            # As an ASGI framework hands them over: every name lower-cased.
            received.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jtai", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.long
def test_following_the_integrators_guide_as_written(
    tmp_path: Path, receiver: tuple[str, Received]
) -> None:
    receiver_url, received = receiver
    server_dir = tmp_path / "srv"
    server_dir.mkdir()
    (server_dir / ".venv").symlink_to(REPO_ROOT / ".venv", target_is_directory=True)
    database_url = f"sqlite:///{tmp_path / 'jtai.db'}"
    work = tmp_path / "integrator"
    work.mkdir()
    log = tmp_path / "serve.log"
    with jtai_serve({"JTAI_DATABASE_URL": database_url}, args=("--demo",), log=log) as base:

        def bash(block: str, env: dict[str, str], cwd: Path = work) -> str:
            script = (
                block.replace(DOC_ADDRESS, base)
                .replace(DOC_DIRECTORY, str(server_dir))
                .replace(DOC_DATABASE, database_url)
            )
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, (script, done.stdout, done.stderr)
            return done.stdout

        shell_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
        # 1. The admin issues the token, with the server's JTAI_DATABASE_URL.
        token = bash(block_with("token create"), shell_env).strip().splitlines()[-1]
        assert token.startswith("jtai_")
        as_integrator = {**shell_env, "JTAI_TOKEN": token}
        viewer = json.loads(bash(block_with("viewer { role }"), as_integrator))
        assert viewer == {"data": {"viewer": {"role": "INTEGRATOR"}}}

        # 5. The exports, to files.
        bash(block_with("exports/findings.csv"), as_integrator)
        rows = list(csv.DictReader(io.StringIO((work / "findings.csv").read_text())))
        assert rows and list(rows[0]) == list(CSV_COLUMNS)
        assert all("POLICE" in row["agency_kinds"] for row in rows)
        exported = json.loads((work / "findings.json").read_text())
        assert exported["count"] == 4 and len(exported["findings"]) == 4

        # 4. A webhook: registered by an admin; a change (the lead withdraws a finding) is queued.
        admin = bash(block_with("token create").replace("integrator", "admin"), shell_env)
        admin_token = admin.strip().splitlines()[-1]
        link = re.search(r"#token=(jtai_\S+)", log.read_text())
        assert link, log.read_text()
        graph = httpx.Client(base_url=base, timeout=10)
        registered = graph.post(
            "/graphql",
            json={
                "query": "mutation($url: String!) { registerWebhook(input: {url: $url, "
                'label: "Dashboard"}) { secret errors { message } } }',
                "variables": {"url": receiver_url},
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        ).json()["data"]["registerWebhook"]
        assert registered["errors"] == []
        withdrawn = graph.post(
            "/graphql",
            json={
                "query": "mutation($id: ID!) { withdrawFinding(findingId: $id) "
                "{ errors { message } } }",
                "variables": {"id": exported["findings"][0]["id"]},
            },
            headers={"Authorization": f"Bearer {link.group(1)}"},
        ).json()
        assert withdrawn == {"data": {"withdrawFinding": {"errors": []}}}

        # The cron line, as cron runs it: its bare environment plus the crontab's variable line.
        variables, entry = block_with("webhooks deliver").strip().splitlines()
        name, _, value = variables.partition("=")
        command = entry.split(maxsplit=5)[5]  # after the five time fields
        cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}
        cron_env[name] = value.replace(DOC_DATABASE, database_url)
        output = bash(command, cron_env, cwd=tmp_path)
        assert "1 due: 1 delivered" in output, output
        graph.close()

    [(headers, body)] = received.requests
    assert docs_verify()(registered["secret"], headers, body) is True
    pushed = json.loads(body)
    assert pushed["event"] == "finding.withdrawn" and pushed["finding"] is None
    assert headers["x-jtai-change"] == pushed["cursor"]
