"""Dashboard (issue 7, benchmark 2): the lead inspector's page in one GraphQL query.

The inspection, its timetable, the request tracker with each request's agency (first 50), the 20
selected children, the tracked children, evidence coverage and the team, read by the lead
inspector through the real ASGI app (httpx, one event loop, a bearer token). Median, p95 and SQL
statements per request (a ``before_cursor_execute`` listener on the app's engine), measured when
the database holds that 1 inspection and again when it holds 150 (``core.synthetic``; ``--quick``
at ``Scale.SMALL``, else ``Scale.REAL``): the statements must be the same. The baseline, in the
same run on the same data: a minimal ``{ viewer { role } }`` request's time (what any request
costs), and the query's statement count with 1 inspection.

SQLite always; PostgreSQL too with ``--postgres URL`` (a throwaway schema, as the scale benchmark).
"""

from __future__ import annotations

import asyncio
import base64
import tempfile
from pathlib import Path

import httpx

from benchmarks.harness import Result, Timing, measure
from benchmarks.scale import _backend, _Client, _postgres_url, _tokens
from core.app import create_app
from core.migrate import upgrade
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.serving import start_up_heap
from core.settings import Settings
from core.synthetic import Scale, generate

SEED = 4152

QUERY = """
query Dashboard($id: ID!) {
  inspection(id: $id) {
    reference notificationDate framework { code } area { name code }
    timetable { notificationDate weeks { number starts ends onSite }
      deadlines { reference title dueAt rule } }
    requests(first: 50) { totalCount nodes {
      reference dueAt issuedAt receivedAt status agency { kind name } } }
    selectedChildren { child { localId } late reason chosenAt chosenBy { name } }
    trackedChildren { child { localId } late chosenAt }
    evidenceCoverage { evidenceCount
      criteria { criterion { code title } evidenceCount finalCount }
      criteriaWithoutEvidence { code } }
    team { isLead inspector { name inspectorate { code shortName } } }
  }
}
"""
VIEWER = "{ viewer { role } }"


def _measure_state(
    client: _Client, variables: dict[str, str], lead: str, runs: int
) -> tuple[Timing, Timing, int]:
    body = client.post(QUERY, variables, lead)
    assert not body.get("errors"), body["errors"]
    assert body["data"]["inspection"] is not None
    statements = client.statements_for(QUERY, variables, lead)
    dashboard = measure(client.runner(QUERY, variables, lead), runs, warmup=3)
    viewer = measure(client.runner(VIEWER, {}, lead), runs, warmup=3)
    return dashboard, viewer, statements


def _run_backend(name: str, registry: Registry, quick: bool, directory: Path) -> list[Result]:
    scale = Scale.SMALL if quick else Scale.REAL
    runs = 20 if quick else 60
    with _backend(name, directory) as database:
        upgrade(database)
        one = generate(database, registry, inspections=1, seed=SEED, scale=scale)
        focus = one.inspections[0]
        settings = Settings(database_url=database.url, storage_dir=directory / "documents")
        with start_up_heap():  # as `jtai serve` builds it
            app = create_app(settings, database=database)
        lead, _integrator = _tokens(database, focus.lead_inspector_id)
        variables = {"id": base64.b64encode(f"Inspection:{focus.inspection_id}".encode()).decode()}
        loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        client = _Client(
            loop, httpx.AsyncClient(transport=transport, base_url="http://bench"), database
        )
        try:
            small, small_viewer, small_statements = _measure_state(client, variables, lead, runs)
            body = client.post(QUERY, variables, lead)["data"]["inspection"]
            rest = generate(database, registry, inspections=149, seed=SEED + 1, scale=scale)
            large, large_viewer, large_statements = _measure_state(client, variables, lead, runs)
        finally:
            loop.run_until_complete(client.client.aclose())
            loop.close()
    same = "the same" if small_statements == large_statements else "**DIFFERENT**"
    shape = (
        f"{len(body['requests']['nodes'])} of {body['requests']['totalCount']} requests, "
        f"{len(body['selectedChildren'])} selected, {len(body['trackedChildren'])} tracked, "
        f"{len(body['evidenceCoverage']['criteria'])} criteria covered, "
        f"{len(body['team'])} on the team"
    )
    data = (
        f"1 inspection {one.rows:,} rows; +149 at scale {scale.value}: {rest.rows:,} rows "
        f"in {rest.seconds:.0f} s"
    )
    statements = (
        f"SQL statements per request: {small_statements} with 1 inspection, "
        f"{large_statements} with 150 ({same}); viewer baseline p95 "
    )
    return [
        Result(
            f"dashboard {name}: 1 inspection",
            small,
            small_viewer,
            "{ viewer { role } }",
            note=f"{statements}{small_viewer.p95_ms:.2f} ms; {shape}",
        ),
        Result(
            f"dashboard {name}: 150 inspections",
            large,
            large_viewer,
            "{ viewer { role } }",
            note=f"{statements}{large_viewer.p95_ms:.2f} ms; 150/1 median "
            f"{large.median_ms / small.median_ms:.2f}x; {data}",
        ),
    ]


def run(quick: bool) -> list[Result]:
    registry = build_registry(make_plugin_manager())
    backends = ["sqlite", *(["postgresql"] if _postgres_url() else [])]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as name:
        for backend in backends:
            results += _run_backend(backend, registry, quick, Path(name))
    return results
