"""Scale (issue 7, benchmark 4): does reading one inspection slow down as the database fills up?

For one inspection, the lead inspector's dashboard query and an integrator's page of that
inspection's 1,000 published findings, through the real ASGI app (httpx, one event loop, bearer
tokens), measured first when the database holds that 1 inspection and again after 149 more are
generated beside it (``core.synthetic``; ``--quick`` at ``Scale.SMALL``, else ``Scale.REAL``). The
figure is the ratio 150/1, which should stay near 1 (indexes, queries scoped to the inspection).
SQL statements per request are counted at both sizes too (they should not change).

On SQLite always; on PostgreSQL too when ``--postgres URL`` (or ``JTAI_BENCH_POSTGRES_URL``, or
``JTAI_TEST_POSTGRES_URL``) is given. There the benchmark works in a schema of its own
(``jtai_bench_<pid>``), dropped at the end: it never touches the database's other tables.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import event, text

from benchmarks.harness import Result, Timing, measure
from core.app import create_app
from core.database import Database
from core.migrate import upgrade
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.serving import start_up_heap
from core.settings import Settings
from core.synthetic import Scale, generate
from core.tokens import create_token
from core.viewer import Role

SEED = 4150
FOCUS_FINDINGS = 1_000
POSTGRES_ENV = ("JTAI_BENCH_POSTGRES_URL", "JTAI_TEST_POSTGRES_URL")

# The brief's dashboard: inspection, timetable, team, agencies, children(first: 50), evidence(first:
# 50). The lead inspector's page adds the tracker, the 20, the tracked and evidence coverage
# (DASHBOARD_EXTRA), when this schema has them.
DASHBOARD_FIELDS = """
    reference notificationDate framework { code } area { name code }
    timetable { notificationDate weeks { number starts ends onSite }
      deadlines { reference title dueAt rule } }
    team { isLead inspector { id name inspectorate { code shortName } } }
    agencies { kind name }
    children(first: 50) { totalCount nodes {
      id localId gender { code label } ethnicity { code label } dateOfBirth expectedDateOfBirth
      isUnborn hasDisability
      livesWithDomesticAbuse } }
    evidence(first: 50) { totalCount nodes {
      id status recordedAt updatedAt inspectorate { code } form { code title }
      criteria { code } recordedBy { name } } }
"""
DASHBOARD_EXTRA = """
    requests(first: 50) { totalCount nodes { reference dueAt receivedAt status agency { name } } }
    selectedChildren { child { localId } tracked late chosenAt }
    trackedChildren { child { localId } late chosenAt }
    evidenceCoverage { evidenceCount criteria { criterion { code } evidenceCount finalCount }
      criteriaWithoutEvidence { code } }
"""
FINDINGS_PAGE = """
query Findings($area: String!, $first: Int!) {
  findings(first: $first, area: $area) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id kind headline title text publishedAt updatedAt inspectionReference framework { code }
      area { code name }
      agencies { name kind }
      agreedBy
      criteria { code title }
    }
  }
}
"""


def _dashboard(extra: bool) -> str:
    fields = DASHBOARD_FIELDS + (DASHBOARD_EXTRA if extra else "")
    return f"query Dashboard($id: ID!) {{ inspection(id: $id) {{ {fields} }} }}"


def _postgres_url() -> str | None:
    return next((os.environ[name] for name in POSTGRES_ENV if os.environ.get(name)), None)


@contextmanager
def _backend(name: str, directory: Path) -> Iterator[Database]:
    if name == "sqlite":
        database = Database(f"sqlite:///{directory / 'scale.db'}")
        try:
            yield database
        finally:
            database.dispose()
        return
    url = _postgres_url()
    assert url is not None
    schema = f"jtai_bench_{os.getpid()}"
    admin = Database(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    database = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield database
    finally:
        database.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@dataclass
class _Client:
    """Posts GraphQL to the ASGI app through httpx on one event loop, counting statements."""

    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    database: Database
    statements: int = 0

    def _count(self, *args: Any) -> None:
        self.statements += 1

    def post(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        request = {"query": query, "variables": variables}
        response = self._send(request, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text[:500]
        # orjson, as the baselines encode with it: the client's own decoding is not the server's
        # work, and stdlib json would add ~25 ms to a 1,000-finding page.
        body: dict[str, Any] = orjson.loads(response.content)
        return body

    def statements_for(self, query: str, variables: dict[str, Any], token: str) -> int:
        self.statements = 0
        event.listen(self.database.engine, "before_cursor_execute", self._count)
        try:
            self.post(query, variables, token)
        finally:
            event.remove(self.database.engine, "before_cursor_execute", self._count)
        return self.statements

    def runner(self, query: str, variables: dict[str, Any], token: str) -> Callable[[], None]:
        """A timed request: the response is checked in full once, then each run compares its
        size with that one's (decoding only if it differs), so the client's JSON decoding is not
        timed as the server's work."""
        body = self.post(query, variables, token)
        assert not body.get("errors"), body["errors"]
        request = {"query": query, "variables": variables}
        headers = {"Authorization": f"Bearer {token}"}
        expected = len(self._send(request, headers).content)

        def run() -> None:
            response = self._send(request, headers)
            assert response.status_code == 200, response.text[:500]
            if len(response.content) != expected:  # changed (a deadline passed?): look inside
                changed = orjson.loads(response.content)
                assert not changed.get("errors"), changed["errors"]

        return run

    def _send(self, request: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return self.loop.run_until_complete(
            self.client.post("/graphql", json=request, headers=headers)
        )


@dataclass(frozen=True)
class _Sample:
    dashboard: Timing
    findings: Timing
    dashboard_statements: int
    findings_statements: int
    findings_returned: int


def _sample(
    client: _Client, dashboard: str, variables: dict[str, Any], lead: str, integrator: str,
    area: str, runs: tuple[int, int],
) -> _Sample:  # fmt: skip
    page = {"area": area, "first": FOCUS_FINDINGS}
    body = client.post(FINDINGS_PAGE, page, integrator)
    assert not body.get("errors"), body["errors"]
    return _Sample(
        dashboard=measure(client.runner(dashboard, variables, lead), runs[0], warmup=3),
        findings=measure(client.runner(FINDINGS_PAGE, page, integrator), runs[1], warmup=2),
        dashboard_statements=client.statements_for(dashboard, variables, lead),
        findings_statements=client.statements_for(FINDINGS_PAGE, page, integrator),
        findings_returned=len(body["data"]["findings"]["nodes"]),
    )


def _tokens(database: Database, lead_id: int) -> tuple[str, str]:
    with database.write() as session:
        lead = create_token(
            session,
            role=Role.INSPECTOR,
            label="bench lead",
            expires_in=dt.timedelta(hours=4),
            inspector_id=lead_id,
        ).token
        integrator = create_token(
            session,
            role=Role.INTEGRATOR,
            label="bench integrator",
            expires_in=dt.timedelta(hours=4),
        ).token
    return lead, integrator


def _run_backend(
    name: str, registry: Registry, quick: bool, directory: Path
) -> tuple[list[Result], list[str]]:
    scale = Scale.SMALL if quick else Scale.REAL
    runs = (15, 3) if quick else (60, 10)
    notes: list[str] = []
    with _backend(name, directory) as database:
        upgrade(database)
        started = time.perf_counter()
        one = generate(
            database, registry, inspections=1, seed=SEED, scale=scale, focus_findings=FOCUS_FINDINGS
        )
        focus = one.inspections[0]
        settings = Settings(
            database_url=database.url,
            max_page_size=FOCUS_FINDINGS,
            storage_dir=directory / "documents",
        )
        with start_up_heap():  # as `jtai serve` builds it
            app = create_app(settings, database=database)
        lead, integrator = _tokens(database, focus.lead_inspector_id)
        inspection_id = base64.b64encode(f"Inspection:{focus.inspection_id}".encode()).decode()
        variables = {"id": inspection_id}
        loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        client = _Client(
            loop, httpx.AsyncClient(transport=transport, base_url="http://bench"), database
        )
        try:
            dashboard = _dashboard(extra=True)
            if client.post(dashboard, variables, lead).get("errors"):
                dashboard = _dashboard(extra=False)
                notes.append("the dashboard's extra fields did not validate; measured without")
            # Each state is timed from a collected heap: what differs is the database, not the
            # garbage the generator left in this process (a server never runs the generator).
            gc.collect()
            small = _sample(client, dashboard, variables, lead, integrator, focus.area_code, runs)
            rest = generate(database, registry, inspections=149, seed=SEED + 1, scale=scale)
            gc.collect()
            large = _sample(client, dashboard, variables, lead, integrator, focus.area_code, runs)
        finally:
            loop.run_until_complete(client.client.aclose())
            loop.close()
        notes.append(
            f"{name}: generated 1 inspection ({one.rows:,} rows, {one.seconds:.1f} s) then 149 "
            f"more at scale {scale.value} ({rest.rows:,} rows, {rest.seconds:.1f} s, "
            f"{rest.rows_per_second:,.0f} rows/s); {time.perf_counter() - started:.0f} s in all"
        )
    assert small.findings_returned == large.findings_returned == FOCUS_FINDINGS
    return [
        Result(
            f"scale {name}: dashboard 150/1",
            large.dashboard,
            small.dashboard,
            "1 inspection",
            note=f"SQL statements per request: {small.dashboard_statements} with 1 inspection, "
            f"{large.dashboard_statements} with 150",
        ),
        Result(
            f"scale {name}: 1,000 findings 150/1",
            large.findings,
            small.findings,
            "1 inspection",
            note=f"SQL statements per request: {small.findings_statements} with 1 inspection, "
            f"{large.findings_statements} with 150",
        ),
    ], notes


def run(quick: bool) -> list[Result]:
    registry = build_registry(make_plugin_manager())
    backends = ["sqlite", *(["postgresql"] if _postgres_url() else [])]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as name:
        for backend in backends:
            found, notes = _run_backend(backend, registry, quick, Path(name))
            results += found
            for note in notes:
                print(f"  [scale] {note}")
    if len(backends) == 1:
        print("  [scale] PostgreSQL skipped: pass --postgres URL (a schema of its own is used)")
    return results
