"""The per-request floor (issue 19, target 1): ``{ viewer { role } }`` over real HTTP through
uvicorn, against a bare Starlette endpoint returning the same bytes from the same setup.

Subject: ``jtai serve`` (one uvicorn worker, ``JTAI_ENV=production``, access log on) on a migrated
database holding the demo inspection, asked ``{ viewer { role } }`` with the lead inspector's
token: HTTP, the middleware stack, sign-in (the token cache, or the token lookup when it misses),
parsing and validation (cached), execution and encoding. Baseline, in the same run: the same
Python, the same uvicorn, started the same way (``uvicorn.run`` with the app object, one worker,
the same logging configuration), serving a one-route Starlette app that answers every POST with
the bytes the subject answered (checked equal first), with the same content type.

Both servers run side by side; the same client drives them in turn, five rounds each (three with
``--quick``), over real TCP on 127.0.0.1: ``CONNECTIONS`` keep-alive connections, each sending its
next request as soon as its answer is in, for a fixed time. The client is a few lines of asyncio
(pre-built request bytes, responses read by their Content-Length) so that the load generator, which
shares the two CPUs, costs as little as it can. Reported per server: server CPU per request (user +
system of the server process, ``/proc/<pid>/stat``, over the window), requests per second and median
latency; the figure is the ratio of the subject's to the baseline's, median of the rounds.

With ``JTAI_BENCH_FLOOR_BEFORE`` naming a checkout of an earlier commit (``git archive <commit> |
tar -x -C DIR``), that commit's ``jtai serve`` is measured too, in the same rounds, on the same
database and token: the before-and-after figure of BENCHMARKS.md.

Run on SQLite always, and on PostgreSQL (a schema of its own, dropped after) when a URL is given
(``--postgres``, ``JTAI_BENCH_POSTGRES_URL`` or ``JTAI_TEST_POSTGRES_URL``). wrk is not needed; to
cross-check with it, start ``jtai serve`` and run ``wrk -c4 -t1 -s post.lua`` against both.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from benchmarks.harness import Result, Timing
from benchmarks.scale import _postgres_url
from benchmarks.startup import REPO, free_port
from core.database import Database
from core.demo import load_demo
from core.migrate import upgrade
from core.tokens import create_token
from core.viewer import Role

if TYPE_CHECKING:
    from starlette.applications import Starlette

QUERY = orjson.dumps({"query": "{ viewer { role } }"})
CONNECTIONS = 4
ROUNDS = 5  # a full run's; --quick runs 3 (the machine is shared: more rounds, steadier medians)
QUICK_ROUNDS = 3
START_TIMEOUT_SECONDS = 60.0
BARE_BODY_ENV = "JTAI_BENCH_BARE_BODY"
BAR = 1.5
BEFORE_ENV = "JTAI_BENCH_FLOOR_BEFORE"


# --- The bare server ------------------------------------------------------------------------------


def bare_app() -> Starlette:
    """A Starlette app answering every POST to /graphql with the body in the environment."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    body = bytes.fromhex(os.environ[BARE_BODY_ENV])

    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/graphql", answer, methods=["POST"])])


def serve_bare(port: int) -> None:
    """As ``jtai serve`` runs one worker: ``uvicorn.run`` with the app and the same logging."""
    import uvicorn

    from core.access_log import log_config

    uvicorn.run(bare_app(), host="127.0.0.1", port=port, log_level="info", log_config=log_config())


# --- The client -----------------------------------------------------------------------------------


def _request_bytes(token: str) -> bytes:
    head = (
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(QUERY)}\r\n\r\n"
    )
    return head.encode() + QUERY


class _Connection:
    """One keep-alive connection, opened again when the server closes it (``Connection:
    close``, core/connections.py: the subject recycles connections every 25-75 requests)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.opened += 1
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class _Round:
    requests: int
    seconds: float
    cpu_seconds: float
    latencies_ms: list[float]

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_seconds / self.requests * 1e6

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(port: int, pid: int, request: bytes, expected: bytes, seconds: float) -> _Round:
    """``CONNECTIONS`` keep-alive connections, each one request at a time, for ``seconds``."""
    connections = [_Connection(port) for _ in range(CONNECTIONS)]
    for connection in connections:  # warm each connection (and the server's caches)
        for _ in range(20):
            status, body = await connection.exchange(request)
            if status != 200 or body != expected:
                raise RuntimeError(f"floor: HTTP {status}: {body[:300]!r}")
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def loop(connection: _Connection) -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            status, body = await connection.exchange(request)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200 or body != expected:
                raise RuntimeError(f"floor: HTTP {status}: {body[:300]!r}")

    cpu_before, started = _cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(loop(c) for c in connections))
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds(pid) - cpu_before
    for connection in connections:
        connection.close()
    return _Round(len(latencies), elapsed, cpu, latencies)


# --- The servers ----------------------------------------------------------------------------------


@contextmanager
def _process(command: list[str], env: dict[str, str], log: Path, cwd: Path = REPO) -> Iterator[int]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
    try:
        deadline = time.perf_counter() + START_TIMEOUT_SECONDS
        while b"Application startup complete" not in log.read_bytes():
            if process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"floor: server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _token(database: Database) -> str:
    upgrade(database)
    with database.write() as session:
        demo = load_demo(session)
    with database.write() as session:
        return create_token(
            session,
            role=Role.INSPECTOR,
            label="floor benchmark",
            expires_in=dt.timedelta(hours=1),
            inspector_id=demo.lead_inspector_id,
        ).token


async def _first_answer(port: int, request: bytes) -> bytes:
    connection = _Connection(port)
    status, body = await connection.exchange(request)
    connection.close()
    if status != 200:
        raise RuntimeError(f"floor: HTTP {status}: {body[:300]!r}")
    return body


def _timing(rounds: list[_Round]) -> Timing:
    latencies = sorted(x for r in rounds for x in r.latencies_ms)
    return Timing(
        median_ms=statistics.median(r.cpu_us_per_request for r in rounds) / 1000,
        p95_ms=latencies[int(len(latencies) * 0.95)],
        runs=len(latencies),
    )


def floor_on(backend: str, url: str, directory: Path, seconds: float, rounds: int) -> Result:
    """Serve both apps side by side and drive them in turn; the result's 'median ms' is server
    CPU per request (ms), median of the rounds."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("JTAI_")}
    env |= {
        "JTAI_DATABASE_URL": url,
        "JTAI_ENV": "production",
        "JTAI_STORAGE_DIR": str(directory / "documents"),
    }
    database = Database(url)
    try:
        token = _token(database)
    finally:
        database.dispose()
    request = _request_bytes(token)
    subject_port, bare_port, before_port = free_port(), free_port(), free_port()
    serve = [sys.executable, "-m", "core.cli", "serve", "--host", "127.0.0.1"]
    before_dir = os.environ.get(BEFORE_ENV)
    subject: list[_Round] = []
    baseline: list[_Round] = []
    before: list[_Round] = []
    with contextlib.ExitStack() as stack:
        subject_pid = stack.enter_context(
            _process([*serve, "--port", str(subject_port)], env, directory / f"{backend}.log")
        )
        expected = asyncio.run(_first_answer(subject_port, request))
        bare_env = env | {BARE_BODY_ENV: expected.hex()}
        bare = [
            sys.executable,
            "-c",
            f"from benchmarks.floor import serve_bare; serve_bare({bare_port})",
        ]
        bare_pid = stack.enter_context(_process(bare, bare_env, directory / f"{backend}-bare.log"))
        before_pid = None
        if before_dir:
            before_pid = stack.enter_context(
                _process(
                    [*serve, "--port", str(before_port)],
                    env,
                    directory / f"{backend}-before.log",
                    Path(before_dir),
                )
            )
        for _ in range(rounds):
            subject.append(
                asyncio.run(_drive(subject_port, subject_pid, request, expected, seconds))
            )
            baseline.append(asyncio.run(_drive(bare_port, bare_pid, request, expected, seconds)))
            if before_pid is not None:
                before.append(
                    asyncio.run(_drive(before_port, before_pid, request, expected, seconds))
                )
    cpu = statistics.median(s.cpu_us_per_request for s in subject)
    bare_cpu = statistics.median(b.cpu_us_per_request for b in baseline)
    rate = statistics.median(s.per_second for s in subject)
    bare_rate = statistics.median(b.per_second for b in baseline)
    latency = statistics.median(x for s in subject for x in s.latencies_ms)
    bare_latency = statistics.median(x for b in baseline for x in b.latencies_ms)
    ratio = cpu / bare_cpu
    verdict = "meets" if ratio <= BAR else "MISSES"
    then = ""
    if before:
        before_cpu = statistics.median(b.cpu_us_per_request for b in before)
        before_rate = statistics.median(b.per_second for b in before)
        before_latency = statistics.median(x for b in before for x in b.latencies_ms)
        then = (
            f"; before ({Path(before_dir or '').name}): {before_cpu:.0f} us per request "
            f"({before_cpu / bare_cpu:.2f}x), {before_rate:,.0f} req/s, median latency "
            f"{before_latency:.2f} ms"
        )
    return Result(
        f"floor {backend}: viewer CPU/request",
        _timing(subject),
        _timing(baseline),
        "bare Starlette, same bytes",
        note=f"server CPU {cpu:.0f} vs {bare_cpu:.0f} us per request ({ratio:.2f}x: {verdict} "
        f"the {BAR}x bar); {rate:,.0f} vs {bare_rate:,.0f} req/s ({bare_rate / rate:.2f}x); "
        f"median latency {latency:.2f} vs {bare_latency:.2f} ms ({latency / bare_latency:.2f}x); "
        f"{CONNECTIONS} keep-alive connections, {rounds} rounds of {seconds:.0f} s each, one "
        f"uvicorn worker each; 'median ms' is server CPU ms per request{then}",
    )


def run(quick: bool) -> list[Result]:
    seconds = 2.0 if quick else 8.0
    rounds = QUICK_ROUNDS if quick else ROUNDS
    results = []
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        results.append(
            floor_on("sqlite", f"sqlite:///{directory / 'floor.db'}", directory, seconds, rounds)
        )
        url = _postgres_url()
        if url is not None:
            from benchmarks.throughput import _schema

            with _schema(url) as (_, own_url, _name):
                results.append(floor_on("postgresql", own_url, directory, seconds, rounds))
    return results
