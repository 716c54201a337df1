"""The database down: every request answers 503 JSON with Retry-After and a code, the log takes
one line per failure and no exception messages, and the next request after it comes back works.

Found from outside during a PostgreSQL outage: every GraphQL request answered plain-text 500, half
the connections were then dropped without a response, and the log took 2,449 tracebacks in 60 s,
exception messages included.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.migrate import upgrade
from core.settings import Settings
from core.tokens import create_token
from core.viewer import Role
from tests.helpers.graphql import TokenFactory
from tests.helpers.server import free_port, jtai_serve

VIEWER = {"query": "{ viewer { role } }"}
REQUESTS = 6


def _ask(
    app: Starlette, token: str, count: int, body: dict[str, str] = VIEWER
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}

    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return list(
                await asyncio.gather(
                    *(client.post("/graphql", json=body, headers=headers) for _ in range(count))
                )
            )

    return asyncio.run(ask())


def _get(app: Starlette, path: str) -> httpx.Response:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)

    return asyncio.run(get())


def _assert_unavailable(responses: list[httpx.Response]) -> None:
    for response in responses:
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        assert response.headers["content-type"].startswith("application/json")
        (error,) = orjson.loads(response.content)["errors"]
        assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
        assert "try again" in error["message"]


def test_postgresql_refusing_connections_gets_503_json_and_one_log_line_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nobody listens here
    url = f"postgresql://postgres@127.0.0.1:{port}/jtai_nowhere"
    app = create_app(Settings(database_url=url, storage_dir=tmp_path / "documents"))
    caplog.set_level(logging.DEBUG)
    try:
        responses = _ask(app, "jtai_" + "x" * 43, REQUESTS)
        health, ready = _get(app, "/healthz"), _get(app, "/readyz")
    finally:
        app.state.database.dispose()
    _assert_unavailable(responses)
    assert health.status_code == 200  # alive: restarting it would not bring the database back
    assert ready.status_code == 503  # not ready: send requests elsewhere
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == REQUESTS + 1  # each request, and the readiness probe
    for record in logged:
        assert record.exc_info is None
        line = record.getMessage()
        assert "DATABASE_UNAVAILABLE" in line
        assert "refused" not in line.lower() and str(port) not in line  # the driver's message


def test_the_report_page_and_exports_answer_503_json_during_an_outage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not only the graph: the routes beside it sign in through the database too, and gave
    Starlette's plain-text 500 (and uvicorn's traceback) while it was down."""
    port = free_port()  # nobody listens here
    url = f"postgresql://postgres@127.0.0.1:{port}/jtai_nowhere"
    app = create_app(Settings(database_url=url, storage_dir=tmp_path / "documents"))
    caplog.set_level(logging.WARNING)
    headers = {"Authorization": "Bearer jtai_" + "x" * 43}

    async def get_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [
                await client.get(path, headers=headers)
                for path in ("/inspections/SkRBSS0x/report.html", "/exports/findings.csv")
            ]

    try:
        responses = asyncio.run(get_all())
    finally:
        app.state.database.dispose()
    _assert_unavailable(responses)
    assert all(record.exc_info is None for record in caplog.records)


def test_a_sqlite_file_removed_or_not_a_database_gets_503(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "vanishing.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    with database.write() as session:
        token = create_token(
            session, role=Role.ADMIN, label="test", expires_in=dt.timedelta(hours=1)
        ).token
    app = create_app(
        Settings(database_url=database.url, storage_dir=tmp_path / "documents"), database=database
    )
    caplog.set_level(logging.WARNING)
    try:
        (before,) = _ask(app, token, 1)
        # A token verified a moment ago signs in without the database; here signing in is what
        # must meet the missing file.
        app.state.token_cache.clear()
        for file in tmp_path.glob("vanishing.db*"):
            file.unlink()
        removed = _ask(app, token, 2)
        removed_ready = _get(app, "/readyz")
        path.write_bytes(b"not a database, but a page of text\n" * 200)
        garbage = _ask(app, token, 2)
    finally:
        database.dispose()
    assert before.status_code == 200, before.text
    _assert_unavailable(removed + garbage)
    assert removed_ready.status_code == 503
    assert not path.with_name("vanishing.db-wal").exists()  # no empty database made in its place
    assert all(record.exc_info is None for record in caplog.records)


def test_postgresql_connections_cut_off_are_replaced_for_the_next_request(
    database: Database, make_token: TokenFactory, tmp_path: Path
) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL's backends")
    own = Database(database.url)
    app = create_app(
        Settings(database_url=own.url, storage_dir=tmp_path / "documents"), database=own
    )
    token = make_token(Role.ADMIN)
    try:
        before = _ask(app, token, 3)
        with database.engine.connect() as connection:
            # With a timeout, pg_terminate_backend waits for each backend to be gone: the
            # connections are cut off before the next request, not while it runs.
            cut = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        after = _ask(app, token, 3)
        # A remembered token, a query that reads: its session meets a cut-off connection.
        read = _ask(app, token, 3, {"query": "{ inspections(first: 1) { totalCount } }"})
        # A token not verified yet: its lookup meets the cut-off connections (no pre-ping now:
        # the pool notices the server closed them, core/database.py _closed_by_server).
        fresh = _ask(app, make_token(Role.ADMIN), 3)
    finally:
        own.dispose()
    assert cut >= 1  # the app's pooled connections, at least
    for response in before + after + fresh:
        assert response.status_code == 200, response.text
        assert orjson.loads(response.content) == {"data": {"viewer": {"role": "ADMIN"}}}
    for response in read:
        assert response.status_code == 200, response.text
        assert orjson.loads(response.content) == {"data": {"inspections": {"totalCount": 0}}}


@pytest.mark.long
def test_a_real_server_answers_every_request_during_an_outage(tmp_path: Path) -> None:
    """Over real keep-alive connections: no request goes unanswered, none gets a 500."""
    env = {
        "JTAI_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/jtai_nowhere",
        "JTAI_STORAGE_DIR": str(tmp_path / "documents"),
    }
    headers = {"Authorization": "Bearer jtai_" + "x" * 43}
    with jtai_serve(env) as base, httpx.Client(base_url=base, timeout=10) as client:
        responses = [client.post("/graphql", json=VIEWER, headers=headers) for _ in range(20)]
        ready = client.get("/readyz")
    assert [r.status_code for r in responses] == [503] * 20
    _assert_unavailable(responses)
    assert ready.status_code == 503
