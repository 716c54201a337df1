"""A real `jtai serve` process on a free local port, for tests that need real sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jtai_serve(
    env: dict[str, str],
    start_timeout: float = 30,
    *,
    args: tuple[str, ...] = (),
    log: Path | None = None,
    port: int | None = None,
    started: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[str]:
    """Start `jtai serve` (with ``args``, such as ``--demo``) with ``env`` added to the
    environment; yield its base URL once `/healthz` answers. Its output goes to ``log``, if given;
    the process is appended to ``started``, if given (to find its workers).
    """
    port = port or free_port()
    out = log.open("w") if log is not None else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "serve", *args, "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        if log is not None and not isinstance(out, int):
            out.close()
    if started is not None:
        started.append(process)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text() if log else "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
