"""Large read (issue 7, benchmark 1): a page of 1,000 published findings through the graph.

An integrator's page of one inspection's 1,000 published findings, each with its criteria and
agencies, read through the real ASGI app (httpx, one event loop, a bearer token; the page-size cap
raised to 1,000), against the baseline: the same rows fetched by raw SQL on the driver's own
connection (sqlite3 or psycopg: the page joined to its inspection and area, then its criteria and
its agencies) and encoded by orjson, in the same run on the same data (``core.synthetic`` with
``focus_findings=1000``). The bar is 10x, the aim 5x.

On SQLite always; on PostgreSQL too when ``--postgres URL`` (or ``JTAI_BENCH_POSTGRES_URL``) is
given, in a throwaway schema of its own, as the scale benchmark does.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.engine import make_url

from benchmarks.harness import Result, Timing, measure
from benchmarks.scale import _backend, _Client, _postgres_url, _tokens
from benchmarks.startup import REPO, free_port
from benchmarks.throughput import _cpu_seconds
from core.app import create_app
from core.database import Database
from core.migrate import upgrade
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.serving import start_up_heap
from core.settings import Settings
from core.synthetic import Scale, generate

SEED = 4151
PAGE = 1_000

# The same fields the baseline fetches: the finding's own columns, its inspection's reference and
# framework, its area, its agencies and its criteria's codes.
QUERY = """
query Findings($area: String!, $first: Int!) {
  findings(first: $first, area: $area) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id kind headline title text publishedAt updatedAt inspectionReference framework { code }
      area { code name }
      agencies { kind name }
      criteria { code }
    }
  }
}
"""

_PAGE_WHERE = (
    "FROM findings f JOIN inspections i ON i.id = f.inspection_id "
    "JOIN local_areas a ON a.id = i.area_id WHERE f.status = 'published' AND a.code = {p}"
)
_PAGE_IDS = "SELECT f.id " + _PAGE_WHERE + " ORDER BY f.published_at, f.id LIMIT {limit}"


def _sql(paramstyle: str) -> dict[str, str]:
    p = "?" if paramstyle == "qmark" else "%s"
    where = _PAGE_WHERE.format(p=p)
    ids = _PAGE_IDS.format(p=p, limit=PAGE)
    return {
        "count": f"SELECT count(*) {where}",
        "page": "SELECT f.id, f.kind, f.headline, f.title, f.text, f.published_at, f.updated_at, "
        f"i.reference, i.framework, a.code, a.name {where} "
        f"ORDER BY f.published_at, f.id LIMIT {PAGE}",
        "criteria": "SELECT fc.finding_id, fc.criterion_code FROM finding_criteria fc "
        f"WHERE fc.finding_id IN ({ids}) ORDER BY fc.finding_id, fc.criterion_code",
        "agencies": "SELECT fa.finding_id, g.kind, g.name FROM finding_agencies fa "
        f"JOIN agencies g ON g.id = fa.agency_id WHERE fa.finding_id IN ({ids}) "
        "ORDER BY fa.finding_id, g.kind, g.name",
    }


def baseline_reader(database: Database, area: str) -> tuple[Any, Any]:
    """A callable doing the raw-SQL + orjson read, and the connection to close afterwards."""
    raw = database.engine.raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    paramstyle = "qmark" if database.url.startswith("sqlite") else "format"
    sql = _sql(paramstyle)

    def read() -> bytes:
        cursor = driver.cursor()
        cursor.execute(sql["count"], (area,))
        total = cursor.fetchone()[0]
        cursor.execute(sql["page"], (area,))
        rows = cursor.fetchall()
        criteria: dict[int, list[dict[str, str]]] = {}
        cursor.execute(sql["criteria"], (area,))
        for finding_id, code in cursor.fetchall():
            criteria.setdefault(finding_id, []).append({"code": code})
        agencies: dict[int, list[dict[str, str]]] = {}
        cursor.execute(sql["agencies"], (area,))
        for finding_id, kind, name in cursor.fetchall():
            agencies.setdefault(finding_id, []).append({"kind": kind.upper(), "name": name})
        cursor.close()
        nodes = [
            {
                "id": base64.b64encode(f"Finding:{r[0]}".encode()).decode(),
                "kind": r[1],
                "headline": bool(r[2]),
                "title": r[3],
                "text": r[4],
                "publishedAt": r[5],
                "updatedAt": r[6],
                "inspectionReference": r[7],
                "framework": {"code": r[8]},
                "area": {"code": r[9], "name": r[10]},
                "agencies": agencies.get(r[0], []),
                "criteria": criteria.get(r[0], []),
            }
            for r in rows
        ]
        last = rows[-1][0] if rows else None
        return orjson.dumps(
            {
                "data": {
                    "findings": {
                        "totalCount": total,
                        "pageInfo": {"hasNextPage": total > len(rows), "endCursor": last},
                        "nodes": nodes,
                    }
                }
            }
        )

    body = orjson.loads(read())
    assert len(body["data"]["findings"]["nodes"]) == PAGE, len(body["data"]["findings"]["nodes"])
    return read, raw


def _run_backend(name: str, registry: Registry, quick: bool, directory: Path) -> list[Result]:
    runs = 5 if quick else 20
    with _backend(name, directory) as database:
        upgrade(database)
        generated = generate(
            database, registry, inspections=1, seed=SEED, scale=Scale.SMALL, focus_findings=PAGE
        )
        focus = generated.inspections[0]
        settings = Settings(
            database_url=database.url, max_page_size=PAGE, storage_dir=directory / "documents"
        )
        with start_up_heap():  # as `jtai serve` builds it
            app = create_app(settings, database=database)
        _lead, integrator = _tokens(database, focus.lead_inspector_id)
        loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        client = _Client(
            loop, httpx.AsyncClient(transport=transport, base_url="http://bench"), database
        )
        variables = {"area": focus.area_code, "first": PAGE}
        try:
            body = client.post(QUERY, variables, integrator)
            assert not body.get("errors"), body["errors"]
            nodes = body["data"]["findings"]["nodes"]
            assert len(nodes) == PAGE, len(nodes)
            read, raw = baseline_reader(database, focus.area_code)
            try:
                baseline = measure(read, runs * 4, warmup=3)
                subject = measure(client.runner(QUERY, variables, integrator), runs, warmup=2)
                baseline_again = measure(read, runs * 4, warmup=1)
                statements = client.statements_for(QUERY, variables, integrator)
            finally:
                raw.close()
        finally:
            loop.run_until_complete(client.client.aclose())
            loop.close()
        served = _served(name, database, focus.area_code, integrator, directory, runs)
    # The baseline measured before and after the graph: the faster median of the two counts.
    best = min(baseline, baseline_again, key=lambda t: t.median_ms)
    size = len(orjson.dumps(body))
    links = sum(len(n["criteria"]) + len(n["agencies"]) for n in nodes)
    return [
        Result(
            f"large read {name}: 1,000 findings",
            subject,
            best,
            "raw SQL + orjson",
            note=f"{name}: {size:,} bytes of JSON, {links:,} criteria + agency links, "
            f"{statements} SQL statements per request (baseline 4); baseline medians "
            f"{baseline.median_ms:.2f} / {baseline_again.median_ms:.2f} ms (before / after), "
            f"p95 {best.p95_ms:.2f} ms; {generated.rows:,} rows generated",
        ),
        served,
    ]


def run(quick: bool) -> list[Result]:
    registry = build_registry(make_plugin_manager())
    backends = ["sqlite", *(["postgresql"] if _postgres_url() else [])]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as name:
        for backend in backends:
            results += _run_backend(backend, registry, quick, Path(name))
    return results


# --- Over HTTP: both served by uvicorn in a process of their own ----------------------------------


def _served_url(name: str, database: Database) -> str:
    """The database's URL for another process: on PostgreSQL with the benchmark's schema."""
    if name == "sqlite":
        return database.url
    schema = f"jtai_bench_{os.getpid()}"  # as benchmarks.scale._backend names it
    url = make_url(database.url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def _server(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """A server process on a free port, once ``/healthz`` answers: (base URL, pid)."""
    port = free_port()
    command = [*command, "--host", "127.0.0.1", "--port", str(port)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JTAI_")} | env
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=output, stderr=output,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while not _answers(base):
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError(f"{command[:4]} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@dataclass(frozen=True)
class _Served:
    timing: Timing
    cpu_ms: float  # the server process's CPU per request (/proc/<pid>/stat)
    size: int


def _time_served(
    client: httpx.Client, pid: int, path: str, body: bytes, headers: dict[str, str], runs: int
) -> _Served:
    first = client.post(path, content=body, headers=headers)
    assert first.status_code == 200, first.text[:500]
    checked = orjson.loads(first.content)
    assert not checked.get("errors"), checked["errors"]
    assert len(checked["data"]["findings"]["nodes"]) == PAGE
    size = len(first.content)

    def run() -> None:
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 200 and len(response.content) == size, response.text[:300]

    for _ in range(3):
        run()
    cpu = _cpu_seconds(pid)
    timing = measure(run, runs, warmup=0)
    return _Served(timing, (_cpu_seconds(pid) - cpu) * 1000 / runs, size)


def _served(
    name: str, database: Database, area: str, token: str, directory: Path, runs: int
) -> Result:
    """The same page over real HTTP: ``jtai serve`` (one uvicorn process, the production mode,
    the page-size cap raised to 1,000) against raw SQL + orjson behind the same uvicorn
    (``benchmarks/raw_findings.py``), one request at a time on a keep-alive connection. The raw
    server is timed before and after the graph; the faster counts."""
    url = _served_url(name, database)
    graph_env = {
        "JTAI_DATABASE_URL": url,
        "JTAI_ENV": "production",
        "JTAI_MAX_PAGE_SIZE": str(PAGE),
        "JTAI_STORAGE_DIR": str(directory / "documents"),
    }
    raw_env = {"JTAI_BENCH_RAW_URL": url, "JTAI_BENCH_RAW_AREA": area}
    graph_command = [sys.executable, "-m", "core.cli", "serve", "--workers", "1"]
    raw_command = [sys.executable, "-m", "uvicorn", "benchmarks.raw_findings:app"]
    graph_body = orjson.dumps({"query": QUERY, "variables": {"area": area, "first": PAGE}})
    graph_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with (
        _server(graph_command, graph_env, directory / "graph.log") as (graph_url, graph_pid),
        _server(raw_command, raw_env, directory / "raw.log") as (raw_url, raw_pid),
        httpx.Client(base_url=graph_url, timeout=60) as graph_client,
        httpx.Client(base_url=raw_url, timeout=60) as raw_client,
    ):
        raw_runs = runs * 2
        raw = _time_served(raw_client, raw_pid, "/findings", b"{}", {}, raw_runs)
        graph = _time_served(graph_client, graph_pid, "/graphql", graph_body, graph_headers, runs)
        raw_again = _time_served(raw_client, raw_pid, "/findings", b"{}", {}, raw_runs)
    best = min(raw, raw_again, key=lambda s: s.timing.median_ms)
    return Result(
        f"large read {name} over HTTP",
        graph.timing,
        best.timing,
        "raw SQL + orjson, uvicorn",
        note=f"{name} over HTTP (uvicorn, one process each, keep-alive, one at a time): server "
        f"CPU per request {graph.cpu_ms:.1f} ms vs {best.cpu_ms:.1f} ms raw "
        f"({graph.cpu_ms / best.cpu_ms:.2f}x); raw medians {raw.timing.median_ms:.2f} / "
        f"{raw_again.timing.median_ms:.2f} ms (before / after); {graph.size:,} vs "
        f"{best.size:,} bytes",
    )
