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
import tempfile
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.harness import Result, measure
from benchmarks.scale import _backend, _Client, _postgres_url, _tokens
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


def _baseline(database: Database, area: str) -> tuple[Any, Any]:
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


def _run_backend(name: str, registry: Registry, quick: bool, directory: Path) -> Result:
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
            read, raw = _baseline(database, focus.area_code)
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
    # The baseline measured before and after the graph: the faster median of the two counts.
    best = min(baseline, baseline_again, key=lambda t: t.median_ms)
    size = len(orjson.dumps(body))
    links = sum(len(n["criteria"]) + len(n["agencies"]) for n in nodes)
    return Result(
        f"large read {name}: 1,000 findings",
        subject,
        best,
        "raw SQL + orjson",
        note=f"{name}: {size:,} bytes of JSON, {links:,} criteria + agency links, "
        f"{statements} SQL statements per request (baseline 4); baseline medians "
        f"{baseline.median_ms:.2f} / {baseline_again.median_ms:.2f} ms (before / after), "
        f"p95 {best.p95_ms:.2f} ms; {generated.rows:,} rows generated",
    )


def run(quick: bool) -> list[Result]:
    registry = build_registry(make_plugin_manager())
    backends = ["sqlite", *(["postgresql"] if _postgres_url() else [])]
    with tempfile.TemporaryDirectory() as name:
        return [_run_backend(backend, registry, quick, Path(name)) for backend in backends]
