"""Balance (issue 19, target 4): how requests from keep-alive clients spread over ``jtai serve
--workers 2``.

A real server (``jtai serve --workers 2``, production settings, SQLite with the demo inspection)
with ``JTAI_WORKER_HEADER=1``, so each answer names the worker process that served it. In each
round a new client (httpx, a pool of ``CONNECTIONS`` keep-alive connections, as most clients
hold them) sends ``{ viewer { role } }`` from ``CONNECTIONS`` tasks at once for ``ROUND_SECONDS``;
its connections open together, as a client's pool opens them when load arrives. Counted per
round: the answers each worker gave. Reported: rounds in which a worker answered nothing, and the
busier worker's share of the answers (0.50 is an even spread).

Subject: the default, keep-alive connections recycled after ~``JTAI_MAX_REQUESTS_PER_CONNECTION``
requests (core/connections.py). Baseline, same run, same server build:
``JTAI_MAX_REQUESTS_PER_CONNECTION=0`` (connections kept for as long as the client keeps them,
as before). The ratio printed is of median latencies; the spread is in the note.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.floor import _token
from benchmarks.harness import Result, Timing
from benchmarks.startup import REPO, free_port
from core.connections import WORKER_HEADER
from core.database import Database

WORKERS = 2
CONNECTIONS = 4
ROUNDS = 9
START_TIMEOUT_SECONDS = 90.0


@dataclass
class _Spread:
    rounds: list[Counter[str]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def idle_rounds(self, workers: int) -> int:
        return sum(len(r) < workers for r in self.rounds)

    def busier_shares(self) -> list[float]:
        return [max(r.values()) / sum(r.values()) for r in self.rounds]

    def timing(self) -> Timing:
        ordered = sorted(self.latencies_ms)
        return Timing(statistics.median(ordered), ordered[int(len(ordered) * 0.95)], len(ordered))

    def describe(self) -> str:
        shares = " ".join(f"{s:.2f}" for s in self.busier_shares())
        return (
            f"a worker idle in {self.idle_rounds(WORKERS)} of {len(self.rounds)} rounds; "
            f"busier worker's share per round {shares}"
        )


@contextmanager
def _serve(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "core.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        deadline = time.perf_counter() + START_TIMEOUT_SECONDS
        while log.read_bytes().count(b"Application startup complete") < WORKERS:
            if process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"balance: server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _round(base: str, token: str, seconds: float, spread: _Spread) -> None:
    counted: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"query": "{ viewer { role } }"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def one_at_a_time() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.post("/graphql", json=body, headers=headers)
                spread.latencies_ms.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"balance: HTTP {response.status_code}: {response.text}")
                counted[response.headers[WORKER_HEADER.decode()]] += 1

        await asyncio.gather(*(one_at_a_time() for _ in range(CONNECTIONS)))
    spread.rounds.append(counted)


def measure(recycle: str | None, seconds: float, directory: Path, token: str, url: str) -> _Spread:
    env = {name: value for name, value in os.environ.items() if not name.startswith("JTAI_")}
    env |= {
        "JTAI_DATABASE_URL": url,
        "JTAI_ENV": "production",
        "JTAI_STORAGE_DIR": str(directory / "documents"),
        "JTAI_WORKER_HEADER": "1",
    }
    if recycle is not None:
        env["JTAI_MAX_REQUESTS_PER_CONNECTION"] = recycle
    spread = _Spread()
    with _serve(env, directory / f"balance-{recycle}.log") as base:
        for _ in range(ROUNDS):
            asyncio.run(_round(base, token, seconds, spread))
    return spread


def run(quick: bool) -> list[Result]:
    seconds = 1.0 if quick else 3.0
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        url = f"sqlite:///{directory / 'balance.db'}"
        database = Database(url)
        try:
            token = _token(database)
        finally:
            database.dispose()
        kept = measure("0", seconds, directory, token, url)
        recycled = measure(None, seconds, directory, token, url)
    print(f"  [balance] connections kept: {kept.describe()}", flush=True)
    print(f"  [balance] connections recycled (default): {recycled.describe()}", flush=True)
    return [
        Result(
            f"balance: {WORKERS} workers, {CONNECTIONS} keep-alive",
            recycled.timing(),
            kept.timing(),
            "connections kept",
            note=f"recycled: {recycled.describe()}. Kept (JTAI_MAX_REQUESTS_PER_CONNECTION=0): "
            f"{kept.describe()}. {ROUNDS} rounds of {seconds:.0f} s, a new client each",
        )
    ]
