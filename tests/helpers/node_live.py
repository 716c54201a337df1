"""Node.js with docs/frontend-example's pinned packages, and its live-events script as a real
graphql-ws subscriber in a subprocess (tests/test_frontend_example.py and
tests/test_subscriptions_e2e.py).

``npm ci`` runs once per lock file: node_modules is cached under ~/.cache/jtai-frontend-example,
keyed on package.json and package-lock.json. Without node and npm a test skips, saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.environment import REPO_ROOT

EXAMPLE = REPO_ROOT / "docs" / "frontend-example"
LIVE_EVENTS = EXAMPLE / "scripts" / "live-events.mjs"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"the frontend example's tests need {name} (Node.js 20+) on PATH")
    return found


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def cached_node_modules(npm: str) -> Path:
    """node_modules for the example's lock file, installed once per lock by ``npm ci``."""
    lock = (EXAMPLE / "package.json").read_bytes() + (EXAMPLE / "package-lock.json").read_bytes()
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = cache_root / "jtai-frontend-example" / hashlib.sha256(lock).hexdigest()[:16]
    if (cached / "node_modules").is_dir():
        return cached / "node_modules"
    staging = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(EXAMPLE / name, staging / name)
    installed = run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], staging)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    try:
        staging.rename(cached)  # whole or not at all: an interrupted install is never reused
    except OSError:  # another run finished first; use its copy
        shutil.rmtree(staging, ignore_errors=True)
    return cached / "node_modules"


def node_with_example_packages() -> tuple[str, Path]:
    """The node binary and a node_modules holding graphql-ws and ws (skips without node/npm)."""
    node = tool("node")
    return node, cached_node_modules(tool("npm"))


class LiveEvents:
    """``node live-events.mjs`` as one subscriber: its JSON lines collected by a thread."""

    def __init__(
        self,
        node: str,
        node_modules: Path,
        workdir: Path,
        ws_url: str,
        token: str,
        args: list[str],
        name: str = "subscriber",
    ) -> None:
        self.name = name
        # The script resolves graphql-ws and ws from a node_modules beside it.
        workdir.mkdir(parents=True, exist_ok=True)
        if not (workdir / "node_modules").exists():
            (workdir / "node_modules").symlink_to(node_modules, target_is_directory=True)
        shutil.copy(LIVE_EVENTS, workdir / LIVE_EVENTS.name)
        self.lines: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stderr = workdir / f"{name}.stderr"
        with self._stderr.open("w") as stderr:
            self.process = subprocess.Popen(
                [node, str(workdir / LIVE_EVENTS.name), *args],
                cwd=workdir,
                env={**os.environ, "JTAI_WS_URL": ws_url, "JTAI_TOKEN": token},
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = json.loads(raw)
            self.lines.append(line)
            self._queue.put(line)

    def wait_for(self, kind: str, timeout: float = 20, **match: Any) -> dict[str, Any]:
        """The first line of ``type`` kind (with ``match``'s members) not yet taken by a wait."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"{self.name}: no {kind} {match} line in {self.lines}: {self.stderr()}"
            try:
                line = self._queue.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if line["type"] == kind and all(line.get(k) == v for k, v in match.items()):
                return line

    def wait_until(
        self, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 20
    ) -> list[dict[str, Any]]:
        """The events received, once ``done`` holds for them (polled; bounded by ``timeout``)."""
        deadline = time.monotonic() + timeout
        while not done(events := self.events()):
            assert time.monotonic() < deadline, f"{self.name}: gave up on {self.lines}"
            assert self.process.poll() is None or done(self.events()), (
                f"{self.name} exited: {self.lines} {self.stderr()}"
            )
            time.sleep(0.1)
        return events

    def events(self) -> list[dict[str, Any]]:
        return [line["data"] for line in self.lines if line["type"] == "event"]

    def stderr(self) -> str:
        return self._stderr.read_text() if self._stderr.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
