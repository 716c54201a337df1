"""Throughput (issue 7, benchmark 7): the dashboard over real HTTP, uvicorn with two workers.

A real server process, ``jtai serve --workers 2`` (uvicorn, ``JTAI_ENV=production``, access log
on), on PostgreSQL holding 150 generated inspections (``core.synthetic``: ``Scale.REAL`` for the
full run, ``Scale.SMALL`` for ``--quick``) in a schema of its own (``jtai_bench_tp_<pid>``,
dropped at the end), after ``VACUUM ANALYZE`` (the state autovacuum reaches soon after a bulk
load). The lead inspector of the first inspection asks for its dashboard (the query of
``benchmarks/dashboard.py``) from ``CONCURRENCY`` requests in flight (16; the environment's
``JTAI_BENCH_CONCURRENCY`` overrides it), each an asyncio task that sends the next request as soon
as its answer is in, over an httpx pool of keep-alive connections, for a fixed time after a
warm-up. Reported: requests per second (answers completed in the window), median, p95 and p99
latency, and errors. Any error (a transport error or timeout, a status other than 200, a body with
``errors`` or without the expected data) fails the benchmark, loudly.

Baseline, in the same run, same server, same token, same concurrency: ``{ viewer { role } }``, the
smallest authenticated GraphQL request (HTTP, the token lookup, parsing, validation, execution and
encoding, but no data read and no audit write). The ratio is what the dashboard's own work costs
at this concurrency (its SQL, some 200 resolved fields, the audit write), and it is benchmark 2's
baseline too. The baseline is measured before and after the dashboard; the faster run counts.
``/healthz``, which skips the token and GraphQL, is measured last: what the HTTP stack and this
load generator alone manage.

The earlier code, in the same run on the same data (issue 19: "run the old commit as the
baseline"): the dashboard is also served by the baseline commit (``--baseline-commit REV``,
default 639139d, the commit before that round; ``none`` skips it), its files extracted with ``git
archive REV | tar -x`` into a temporary directory (no worktree left behind) and run from there
with this virtualenv (``PYTHONPATH``), under the same load, once before and once after this code's
runs (the faster counts). Printed: req/s and the workers' CPU per answer (``/proc/<pid>/stat``)
old against new. A server refuses a database whose migrations are ahead of its code, and this
code may add migrations, so with a baseline commit the order is: the old commit's own code
migrates the empty schema, generates the data and issues its token (one subprocess run from the
extracted files), the old code is served and measured; then this code's migrations upgrade that
same database (``VACUUM ANALYZE`` again), this code issues its own token and is served. The old
code is measured a second time, after this code's runs, only if the upgrade applied no
migration. Both see the same rows (the old generator's, upgraded).

The tasks start 50 ms apart, so that each opens its connection while the others' requests are
being served and the free worker accepts it: connections opened all at once are all accepted by
one worker's event loop, which keeps them (the other worker idles). Connections per worker are
printed.

The machine may have few cores, shared: the load generator (this process) competes with the two
workers and PostgreSQL. Each run prints the CPU used by the client, each worker, the PostgreSQL
backends serving the workers, and the whole machine (``/proc``), so a client-bound or
machine-bound figure shows as such; and per answer, the PostgreSQL backends' CPU and the
database's transactions (``pg_stat_database``, approximate: backends report about once a second).

Needs PostgreSQL: ``--postgres URL``, ``JTAI_BENCH_POSTGRES_URL`` or ``JTAI_TEST_POSTGRES_URL``;
otherwise it prints that it was skipped.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.dashboard import QUERY as DASHBOARD
from benchmarks.harness import Result, Timing
from benchmarks.scale import _postgres_url
from benchmarks.startup import REPO, free_port
from core.database import Database
from core.migrate import current_revision, upgrade
from core.plugins import make_plugin_manager
from core.registry import build_registry
from core.synthetic import Scale, generate
from core.tokens import create_token
from core.viewer import Role

SEED = 4157
INSPECTIONS = 150
WORKERS = 2
CONCURRENCY = int(os.environ.get("JTAI_BENCH_CONCURRENCY") or 16)
# The commit served as the dashboard's baseline in the same run (issue 19: the commit before that
# round); `python -m benchmarks --baseline-commit REV`, or "none" to skip it.
DEFAULT_BASELINE_COMMIT = "639139d"


def _baseline_commit() -> str:
    found = os.environ.get("JTAI_BENCH_BASELINE_COMMIT") or DEFAULT_BASELINE_COMMIT
    return "" if found == "none" else found


STAGGER_SECONDS = 0.05  # between the tasks' first requests (see the module's docstring)
VIEWER = "{ viewer { role } }"
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 45.0  # longer than a request stuck in SQLAlchemy's pool (30 s)
REQUEST_TIMEOUT_SECONDS = 30.0
ERRORS_SHOWN = 5
POOL_EXHAUSTED = "QueuePool limit"

_Check = Callable[[dict[str, Any]], str | None]  # a problem with a 200 answer's body, or None


@dataclass(frozen=True)
class _Request:
    """One kind of request the load generator repeats, and how to tell a good answer."""

    name: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    check: _Check


@dataclass
class _Run:
    """What one timed phase of load measured."""

    name: str
    seconds: float  # the window: requests are sent until it ends
    latencies_ms: list[float] = field(default_factory=list)
    in_window: int = 0  # answers completed before the window ended
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0
    worker_cpu_seconds: list[float] = field(default_factory=list)
    postgres_cpu_seconds: float = 0.0  # the backends serving the workers' connections
    postgres_transactions: int = 0  # committed and rolled back in the database (pg_stat_database)
    machine_busy_seconds: float = 0.0  # every CPU's non-idle time, whoever used it
    cpu_window_seconds: float = 0.0  # the time the CPU figures cover: the window and its tail
    connections: list[int] = field(default_factory=list)  # per worker, at the end

    @property
    def requests_per_second(self) -> float:
        return self.in_window / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]

    @property
    def timing(self) -> Timing:
        return Timing(
            median_ms=statistics.median(self.latencies_ms),
            p95_ms=self.percentile(0.95),
            runs=len(self.latencies_ms),
        )

    def error(self, problem: str) -> None:
        self.errors += 1
        if len(self.error_samples) < ERRORS_SHOWN:
            self.error_samples.append(problem)

    def summary(self) -> str:
        if not self.latencies_ms:
            return f"{self.name}: no request succeeded; {self.errors} errors: {self.error_samples}"

        def share(seconds: float) -> str:
            return f"{seconds / self.cpu_window_seconds:.0%}" if self.cpu_window_seconds else "?"

        workers = " + ".join(share(s) for s in self.worker_cpu_seconds) or "n/a"
        connections = " + ".join(str(n) for n in self.connections) or "n/a"
        return (
            f"{self.name}: {self.in_window:,} answers in {self.seconds:.0f} s = "
            f"{self.requests_per_second:,.1f} req/s; median {self.timing.median_ms:.1f} ms, "
            f"p95 {self.timing.p95_ms:.1f} ms, p99 {self.percentile(0.99):.1f} ms; "
            f"{self.errors} errors; CPU (100% = one core): machine "
            f"{share(self.machine_busy_seconds)} busy of {os.cpu_count() or 0:.0%}, client "
            f"{share(self.client_cpu_seconds)}, workers {workers}, postgres "
            f"{share(self.postgres_cpu_seconds)} ({self.postgres_cpu_ms_per_answer:.2f} ms and "
            f"{self.postgres_transactions_per_answer:.2f} transactions per answer); connections "
            f"per worker {connections}"
        )

    @property
    def postgres_cpu_ms_per_answer(self) -> float:
        return self.postgres_cpu_seconds * 1000 / max(1, len(self.latencies_ms))

    @property
    def postgres_transactions_per_answer(self) -> float:
        """Approximate: backends report their counts to the statistics about once a second."""
        return self.postgres_transactions / max(1, len(self.latencies_ms))


# --- The database -------------------------------------------------------------------------------


@contextmanager
def _schema(url: str) -> Iterator[tuple[Database, str, str]]:
    """A schema of its own in the given database, dropped at the end: (database, URL, schema).

    The URL carries the search path, so the server processes land in the same schema, and the
    schema's name as application_name, so their PostgreSQL backends can be found."""
    schema = f"jtai_bench_tp_{os.getpid()}"
    admin = Database(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    own = make_url(admin.url).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    own_url = own.render_as_string(hide_password=False)
    database = Database(own_url)
    try:
        yield database, own_url, schema
    finally:
        database.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def _vacuum_analyze(database: Database, schema: str) -> float:
    """Every table in the schema, whichever commit's migrations made them."""
    started = time.perf_counter()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema ORDER BY 1"),
            {"schema": schema},
        ).scalars()
        for table in list(tables):
            connection.execute(text(f'VACUUM ANALYZE {schema}."{table}"'))
    return time.perf_counter() - started


@dataclass(frozen=True)
class _Prepared:
    """What the generation wrote that the load needs: the focus inspection and a lead's token."""

    rows: int
    seconds: float
    inspection_id: int
    reference: str
    lead_inspector_id: int
    token: str


# Run with an earlier commit's files first on PYTHONPATH: that commit's migrations, generator and
# token issuer on the empty schema (argv: database URL, inspections, seed, scale). Only APIs the
# baseline commits share; prints one JSON line.
_OLD_PREPARE = """
import datetime as dt, json, sys
from core.database import Database
from core.migrate import current_revision, upgrade
from core.plugins import make_plugin_manager
from core.registry import build_registry
from core.synthetic import Scale, generate
from core.tokens import create_token
from core.viewer import Role

database = Database(sys.argv[1])
upgrade(database)
registry = build_registry(make_plugin_manager())
found = generate(database, registry, inspections=int(sys.argv[2]), seed=int(sys.argv[3]),
                 scale=Scale(sys.argv[4]))
focus = found.inspections[0]
with database.write() as session:
    token = create_token(session, role=Role.INSPECTOR, label="throughput benchmark lead (old)",
                         expires_in=dt.timedelta(hours=4),
                         inspector_id=focus.lead_inspector_id).token
database.dispose()
print(json.dumps({"rows": found.rows, "seconds": found.seconds,
                  "inspection_id": focus.inspection_id, "reference": focus.reference,
                  "lead_inspector_id": focus.lead_inspector_id, "token": token}))
"""


def _prepare_with(source: Path, database_url: str, scale: Scale) -> _Prepared:
    """Migrate, generate and issue a token with the code in ``source`` (an earlier commit)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("JTAI_")}
    env["PYTHONPATH"] = str(source)
    command = [sys.executable, "-c", _OLD_PREPARE, database_url, str(INSPECTIONS), str(SEED)]
    done = subprocess.run(
        [*command, scale.value], cwd=source, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"preparing the data with the baseline commit failed:\n{done.stderr}")
    return _Prepared(**orjson.loads(done.stdout.strip().splitlines()[-1]))


def _prepare_here(database: Database, registry: Any, scale: Scale) -> _Prepared:
    """Migrate, generate and issue a token with this code."""
    upgrade(database)
    found = generate(database, registry, inspections=INSPECTIONS, seed=SEED, scale=scale)
    focus = found.inspections[0]
    return _Prepared(
        found.rows,
        found.seconds,
        focus.inspection_id,
        focus.reference,
        focus.lead_inspector_id,
        _lead_token(database, focus.lead_inspector_id),
    )


def _lead_token(database: Database, inspector_id: int) -> str:
    with database.write() as session:
        return create_token(
            session,
            role=Role.INSPECTOR,
            label="throughput benchmark lead",
            expires_in=dt.timedelta(hours=4),
            inspector_id=inspector_id,
        ).token


@dataclass(frozen=True)
class _Backends:
    """The PostgreSQL side of the servers under test: the backends serving the workers'
    connections (same machine, found by their application_name) and the database's transaction
    count, the transactions a request costs (BEGIN ... COMMIT or ROLLBACK) once divided."""

    database: Database
    application_name: str

    def pids(self) -> list[int]:
        with self.database.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": self.application_name},
            )
            return [int(pid) for (pid,) in rows]

    def transactions(self) -> int:
        with self.database.engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            ).scalar_one()
            return int(found)


# --- Processes, from /proc ----------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """Non-idle CPU time of the whole machine since boot, all CPUs (0 if unknown)."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _workers_of(parent: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent and b"spawn_main" in command:
                found.append(int(entry.name))
    return sorted(found)


def _connections(port: int, pids: list[int]) -> list[int]:
    """Established TCP connections to ``port`` held by each process of ``pids``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "01":
                inodes.add(f"socket:[{fields[9]}]")
    counts = []
    for pid in pids:
        try:
            links = [str(fd.readlink()) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            links = []
        counts.append(sum(link in inodes for link in links))
    return counts


# --- The server ---------------------------------------------------------------------------------


@dataclass
class _Server:
    port: int
    pid: int
    log: Path
    start_seconds: float = 0.0
    workers: list[int] = field(default_factory=list)
    stop_problem: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        """The log's last lines, leaving out the access log's."""
        kept = [line for line in self.log_text().splitlines() if ' HTTP/1.1" ' not in line]
        return "\n".join(kept[-lines:])


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def _serve(database_url: str, directory: Path, source: Path = REPO) -> Iterator[_Server]:
    """``jtai serve --workers N`` in a process group of its own, once every worker has started,
    from ``source`` (this checkout, or an earlier commit's files) with this virtualenv.

    Stopped with SIGTERM (uvicorn's graceful shutdown), which must end it, with 0, in time; what
    went wrong is left in ``stop_problem``."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("JTAI_")}
    env |= {
        "JTAI_DATABASE_URL": database_url,
        "JTAI_ENV": "production",
        "JTAI_STORAGE_DIR": str(directory / "documents"),
        "PYTHONPATH": str(source),  # the editable install points at this checkout otherwise
    }
    log = directory / f"server-{source.name}.log"
    command = [sys.executable, "-m", "core.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS)]
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=source, env=env, stdout=output, stderr=output, start_new_session=True
        )
    server = _Server(port, process.pid, log)
    try:
        while server.log_text().count("Application startup complete") < WORKERS or not _healthy(
            server.base_url
        ):
            if process.poll() is not None:
                raise RuntimeError(f"jtai serve exited with {process.returncode}")
            if time.perf_counter() - started > START_TIMEOUT_SECONDS:
                raise RuntimeError(f"jtai serve did not start in {START_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.1)
        server.start_seconds = time.perf_counter() - started
        server.workers = _workers_of(process.pid)
        yield server
    except BaseException:
        _stop(process)
        _say(f"the server's log ends:\n{server.log_tail()}")
        raise
    server.stop_problem = _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> str | None:
    """SIGTERM; if the server has not stopped in time, SIGKILL to its process group (the parent
    and its workers). What went wrong, if anything."""
    process.terminate()
    try:
        code = process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return f"jtai serve did not stop within {STOP_TIMEOUT_SECONDS:.0f} s of SIGTERM: killed"
    return None if code == 0 else f"jtai serve exited with {code} on SIGTERM"


# --- The load generator -------------------------------------------------------------------------


async def _phase(
    client: httpx.AsyncClient, request: _Request, run: _Run, stagger: float = 0.0
) -> None:
    """``CONCURRENCY`` tasks, each sending the request again as soon as its answer is in, until
    ``run.seconds`` have passed; task n starts n * ``stagger`` seconds late."""
    deadline = time.perf_counter() + run.seconds

    async def one_at_a_time(number: int) -> None:
        await asyncio.sleep(number * stagger)
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                response = await client.request(
                    request.method, request.path, content=request.body, headers=request.headers
                )
            except httpx.HTTPError as error:
                run.error(f"{type(error).__name__}: {error}")
                continue
            end = time.perf_counter()
            if response.status_code != 200:
                run.error(f"HTTP {response.status_code}: {response.text[:300]}")
                continue
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                run.error(f"not JSON: {response.text[:300]}")
                continue
            problem = "errors in the body" if "errors" in body else request.check(body)
            if problem:
                run.error(f"{problem}: {response.text[:300]}")
                continue
            run.latencies_ms.append((end - start) * 1000)
            run.in_window += end <= deadline

    await asyncio.gather(*(one_at_a_time(n) for n in range(CONCURRENCY)))


async def _load(
    server: _Server,
    request: _Request,
    seconds: float,
    warmup: float,
    backends: _Backends,
) -> _Run:
    """A warm-up that opens the connections, staggered, then the timed window on them."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=server.base_url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        warm = _Run(request.name, warmup)
        await _phase(client, request, warm, STAGGER_SECONDS)
        run = _Run(request.name, seconds, errors=warm.errors, error_samples=warm.error_samples)
        workers_before = [_cpu_seconds(p) for p in server.workers]
        postgres_before = {p: _cpu_seconds(p) for p in backends.pids()}
        transactions_before = backends.transactions()
        client_before, busy_before = time.process_time(), _busy_seconds()
        started = time.perf_counter()
        await _phase(client, request, run)
        # CPU over the window and its tail, until the tasks' last answers are in.
        run.cpu_window_seconds = time.perf_counter() - started
        run.client_cpu_seconds = time.process_time() - client_before
        run.machine_busy_seconds = _busy_seconds() - busy_before
        run.worker_cpu_seconds = [
            _cpu_seconds(p) - then for p, then in zip(server.workers, workers_before, strict=True)
        ]
        # A backend that started meanwhile counts from 0; one that ended is missed (rare: the
        # pools keep their connections).
        run.postgres_cpu_seconds = sum(
            _cpu_seconds(p) - postgres_before.get(p, 0.0) for p in backends.pids()
        )
        run.postgres_transactions = backends.transactions() - transactions_before
        run.connections = _connections(server.port, server.workers)
    return run


def _graphql(
    name: str, query: str, variables: dict[str, Any], token: str, check: _Check
) -> _Request:
    body = orjson.dumps({"query": query, "variables": variables})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return _Request(name, "POST", "/graphql", body, headers, check)


def _requests(inspection_id: int, reference: str, token: str) -> tuple[_Request, ...]:
    variables = {"id": base64.b64encode(f"Inspection:{inspection_id}".encode()).decode()}

    def dashboard_ok(body: dict[str, Any]) -> str | None:
        inspection = (body.get("data") or {}).get("inspection")
        if not inspection or inspection.get("reference") != reference:
            return f"not the dashboard of {reference}"
        return None

    def viewer_ok(body: dict[str, Any]) -> str | None:
        role = ((body.get("data") or {}).get("viewer") or {}).get("role")
        return None if role == "INSPECTOR" else f"viewer role {role!r}, not INSPECTOR"

    def healthz_ok(body: dict[str, Any]) -> str | None:
        return None if body == {"status": "ok"} else "not {'status': 'ok'}"

    return (
        _graphql("dashboard", DASHBOARD, variables, token, dashboard_ok),
        _graphql("{ viewer { role } }", VIEWER, {}, token, viewer_ok),
        _Request("/healthz", "GET", "/healthz", None, {}, healthz_ok),
    )


# --- The benchmark ------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(f"  [throughput] {message}", flush=True)


def _problems(runs: list[_Run], server: _Server) -> str | None:
    """Why the benchmark fails, with what the server's log says, or None."""
    found = [f"{r.name}: {r.errors} errors, e.g. {r.error_samples}" for r in runs if r.errors]
    if server.stop_problem:
        found.append(server.stop_problem)
    if not found:
        return None
    log = server.log_text()
    if exhausted := log.count(POOL_EXHAUSTED):
        found.append(
            f"the server's log shows a worker out of database connections {exhausted} times "
            "(SQLAlchemy's pool, 5 + 10 overflow, timed out after 30 s). Each request holds its "
            "session's connection until its response is sent, and a read of child-level data "
            "takes a second one for the audit write; waiting for the pool blocks the worker's "
            "event loop, so the requests holding the connections cannot finish. Connections per "
            f"worker at the end of each run: {[r.connections for r in runs]}"
        )
    return "throughput: " + "; ".join(found) + f"\nThe server's log ends:\n{server.log_tail()}"


@contextmanager
def _commit_files(commit: str) -> Iterator[Path]:
    """An earlier commit's files (``git archive``, no worktree left behind), to serve as the
    baseline with the same virtualenv and database."""
    with tempfile.TemporaryDirectory() as name:
        archive = subprocess.run(
            ["git", "archive", commit], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", name], input=archive, check=True)
        yield Path(name)


def _baseline_dashboard(
    commit: str, source: Path, own_url: str, directory: Path, dashboard: _Request,
    seconds: float, warmup: float, backends: _Backends,
) -> _Run:  # fmt: skip
    """The dashboard under the same load, served by ``commit``'s code (its files in ``source``)
    on the same data."""
    with _serve(own_url, directory, source) as server:
        found = asyncio.run(_load(server, dashboard, seconds, warmup, backends))
    found.name = f"dashboard at {commit}"
    if server.stop_problem:
        found.error(server.stop_problem)
    return found


def _per_request_cpu_ms(run: _Run) -> float:
    """The workers' CPU per answer (/proc/<pid>/stat, utime + stime, over the window)."""
    return sum(run.worker_cpu_seconds) * 1000 / max(1, len(run.latencies_ms))


def run(quick: bool) -> list[Result]:
    url = _postgres_url()
    if url is None:
        _say("skipped: it needs PostgreSQL (--postgres URL, or JTAI_BENCH_POSTGRES_URL)")
        return []
    scale = Scale.SMALL if quick else Scale.REAL
    seconds, warmup = (5.0, 2.0) if quick else (20.0, 5.0)
    registry = build_registry(make_plugin_manager())
    runs: list[_Run] = []
    baseline_commit = _baseline_commit()
    with ExitStack() as stack:
        name = stack.enter_context(tempfile.TemporaryDirectory())
        database, own_url, schema = stack.enter_context(_schema(url))
        old_source = (
            stack.enter_context(_commit_files(baseline_commit)) if baseline_commit else None
        )
        # With a baseline, its own code makes the data (see the module's docstring: the order).
        prepared = (
            _prepare_with(old_source, own_url, scale)
            if old_source
            else _prepare_here(database, registry, scale)
        )
        vacuum = _vacuum_analyze(database, schema)
        _say(
            f"{INSPECTIONS} inspections at scale {scale.value}: {prepared.rows:,} rows in "
            f"{prepared.seconds:.0f} s ({f'by {baseline_commit}' if old_source else 'this code'}); "
            f"VACUUM ANALYZE {vacuum:.0f} s; schema {schema}"
        )
        backends = _Backends(database, schema)
        olds: list[_Run] = []
        old_again = False
        if old_source:
            old_dashboard = _requests(prepared.inspection_id, prepared.reference, prepared.token)[0]

            def measure_old() -> _Run:
                return _baseline_dashboard(
                    baseline_commit,
                    old_source,
                    own_url,
                    Path(name),
                    old_dashboard,
                    seconds,
                    warmup,
                    backends,
                )

            olds.append(measure_old())
            _say(olds[-1].summary())
            before = current_revision(database)
            upgrade(database)  # this code's migrations, on the old commit's data
            old_again = current_revision(database) == before
            vacuum = _vacuum_analyze(database, schema)
            _say(
                f"upgraded from {before} to {current_revision(database)} by this code; "
                f"VACUUM ANALYZE {vacuum:.0f} s"
            )
        token = _lead_token(database, prepared.lead_inspector_id)
        dashboard, viewer, healthz = _requests(prepared.inspection_id, prepared.reference, token)
        with _serve(own_url, Path(name)) as server:
            _say(
                f"jtai serve --workers {WORKERS} (JTAI_ENV=production, access log on): "
                f"{len(server.workers)} workers up and /healthz answered in "
                f"{server.start_seconds:.1f} s. {CONCURRENCY} requests in flight, {seconds:.0f} s "
                f"each after {warmup:.0f} s of warm-up, from one client process (asyncio + "
                f"httpx) on the same {os.cpu_count()} CPUs as the server and PostgreSQL; load "
                f"average {os.getloadavg()[0]:.2f} before"
            )
            answer = httpx.request(
                dashboard.method,
                server.base_url + dashboard.path,
                content=dashboard.body,
                headers=dashboard.headers,
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
            size = len(answer.content)
            for request in (viewer, dashboard, viewer, healthz):
                found = asyncio.run(_load(server, request, seconds, warmup, backends))
                runs.append(found)
                _say(found.summary())
                if found.errors:
                    break  # and fail below, with what went wrong
        problems = _problems(runs, server)
        if old_source and old_again and not problems:  # the old code still accepts the database
            olds.append(measure_old())
            _say(olds[-1].summary())
        if any(o.errors for o in olds):
            problems = f"the baseline commit {baseline_commit}: {[o.error_samples for o in olds]}"
        old = max(olds, key=lambda o: o.requests_per_second) if olds else None
    if problems:
        raise RuntimeError(problems)
    board, health = runs[1], runs[3]
    results = []
    if old is not None:
        old_cpu, new_cpu = _per_request_cpu_ms(old), _per_request_cpu_ms(board)
        results.append(
            Result(
                f"throughput pg: dashboard x{CONCURRENCY} vs {baseline_commit}",
                board.timing,
                old.timing,
                f"commit {baseline_commit}",
                note=f"req/s {old.requests_per_second:,.1f} at {baseline_commit} -> "
                f"{board.requests_per_second:,.1f} now "
                f"({board.requests_per_second / old.requests_per_second:.2f}x); worker CPU per "
                f"request {old_cpu:.1f} ms -> {new_cpu:.1f} ms ({new_cpu / old_cpu:.2f}x); p99 "
                f"{old.percentile(0.99):.1f} -> {board.percentile(0.99):.1f} ms; PostgreSQL CPU "
                f"per request {old.postgres_cpu_ms_per_answer:.2f} -> "
                f"{board.postgres_cpu_ms_per_answer:.2f} ms, transactions per request "
                f"{old.postgres_transactions_per_answer:.2f} -> "
                f"{board.postgres_transactions_per_answer:.2f}; same data, "
                f"same {WORKERS} workers and {CONCURRENCY} in flight, old code from git archive, "
                f"on data its own code migrated and generated, served before this code's "
                f"migrations ({' / '.join(f'{o.requests_per_second:.1f}' for o in olds)} req/s; "
                f"the faster counts)",
            )
        )
    base = min(runs[0], runs[2], key=lambda r: r.timing.median_ms)
    return [
        *results,
        Result(
            f"throughput pg: dashboard x{CONCURRENCY}",
            board.timing,
            base.timing,
            "{ viewer { role } }",
            note=f"{board.requests_per_second:,.1f} req/s (viewer {base.requests_per_second:,.1f}: "
            f"{base.requests_per_second / board.requests_per_second:.2f}x; /healthz "
            f"{health.requests_per_second:,.0f}); p99 {board.percentile(0.99):.1f} ms (viewer "
            f"{base.percentile(0.99):.1f}); 0 errors in {len(board.latencies_ms):,} answers; "
            f"{WORKERS} uvicorn workers, {CONCURRENCY} in flight, {board.seconds:.0f} s; "
            f"{size:,} bytes per answer; client, server and PostgreSQL on {os.cpu_count()} CPUs; "
            f"worker CPU per request {_per_request_cpu_ms(board):.1f} ms",
        ),
    ]
