"""Subscriptions across processes: events committed through one `jtai serve` process reach the
subscribers of another on the same database (PostgreSQL: LISTEN/NOTIFY; SQLite: polling), the
workers of `jtai serve --workers 2` all deliver, and a server stopping closes sockets with 1001."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.database import Database
from core.demo import DemoInspection
from core.models import utc_now
from core.tokens import create_token, revoke_token
from core.viewer import Role
from tests.core.test_subscriptions import (
    EVENT_STORES,
    agency_token,
    kinds,
    subscribed,
    take,
    upload,
    wait_until_listening,
)
from tests.helpers.graphql import GraphQLClient
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id, set_times
from tests.helpers.live import Http
from tests.helpers.server import free_port

SERVED_DATABASES: dict[str, Database] = {}  # by URL, for subscribing from the newest event


def server_env(database: Database, tmp_path: Path) -> dict[str, str]:
    SERVED_DATABASES[database.url] = database
    return {
        "JTAI_DATABASE_URL": database.url,
        "JTAI_STORAGE_DIR": str(tmp_path / "documents"),
        "JTAI_SUBSCRIPTION_POLL_SECONDS": "0.05",
        "JTAI_SUBSCRIPTION_KEEPALIVE_SECONDS": "1",
        "JTAI_OVERDUE_CHECK_SECONDS": "3600",
    }


@contextmanager
def jtai_serve(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve", *args, "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        database = SERVED_DATABASES.get(env["JTAI_DATABASE_URL"])
        if database is not None:
            EVENT_STORES[base] = database
        yield base, process
    finally:
        EVENT_STORES.pop(base, None)
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def issued(gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str) -> None:
    gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    set_times(database, due_at=utc_now() + dt.timedelta(days=7))


def test_an_event_committed_through_one_server_reaches_the_subscribers_of_another(
    database: Database, tmp_path: Path, demo: DemoInspection, lead_token: str, issued: None
) -> None:
    env = server_env(database, tmp_path)
    la_token = agency_token(database)
    with jtai_serve(env) as (one, _), jtai_serve(env) as (two, _):
        watching_one = subscribed(one, lead_token, demo.inspection_id)
        watching_two = subscribed(two, lead_token, demo.inspection_id)
        first, second = request_id(database, "1.1"), request_id(database, "1.2")
        with Http(two) as via_two:
            upload(via_two, la_token, first)
        with Http(one) as via_one:
            upload(via_one, la_token, second)
        for client in (watching_one, watching_two):
            found = take(client, 2)
            assert kinds(found) == ["REQUEST_RECEIVED", "REQUEST_RECEIVED"]
            assert [e["request"]["id"] for e in found] == [
                gid("IssuedRequest", first),
                gid("IssuedRequest", second),
            ]
            assert client.quiet(0.3) == []
            client.close()


def test_every_worker_of_jtai_serve_workers_2_delivers_every_event(
    database: Database, tmp_path: Path, demo: DemoInspection, lead_token: str, issued: None
) -> None:
    if database.is_sqlite:
        pytest.skip("shown on SQLite by two servers above; --workers is the PostgreSQL set-up")
    env = server_env(database, tmp_path)
    la_token = agency_token(database)
    references = ["1.1", "1.2", "1.3", "1.4"]
    with jtai_serve(env, "--workers", "2") as (base, _):
        # Each socket is a new connection; the kernel spreads them over both workers.
        watchers = [subscribed(base, lead_token, demo.inspection_id) for _ in range(8)]
        for reference in references:
            with Http(base) as http:  # a new connection each time: either worker commits it
                upload(http, la_token, request_id(database, reference))
        expected = [gid("IssuedRequest", request_id(database, r)) for r in references]
        for client in watchers:
            assert [e["request"]["id"] for e in take(client, len(references))] == expected
            client.close()


def test_a_server_that_stops_closes_sockets_with_1001(
    database: Database, tmp_path: Path, demo: DemoInspection, lead_token: str
) -> None:
    with jtai_serve(server_env(database, tmp_path)) as (base, process):
        client = subscribed(base, lead_token, demo.inspection_id)
        assert client.quiet(0.3) == []
        process.send_signal(signal.SIGTERM)
        closed = client.closed(timeout=10)
        assert closed.code == 1001 and "after" in closed.reason
        # uvicorn ends by re-raising the signal it shut down for, once done.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)


def viewer_role(http: Http, token: str) -> httpx.Response:
    return http.client.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_revocation_notice_empties_the_token_cache_of_a_listening_server_at_once(
    database: Database, tmp_path: Path, demo: DemoInspection, lead_token: str
) -> None:
    """A server that remembers tokens for an hour still refuses a token revoked elsewhere as soon
    as the NOTIFY arrives, since it serves subscriptions (so it listens)."""
    if database.is_sqlite:
        pytest.skip("the revocation notice is a NOTIFY; on SQLite the cache's bound applies")
    env = {**server_env(database, tmp_path), "JTAI_TOKEN_CACHE_SECONDS": "3600"}
    with database.write() as session:
        issued_token = create_token(
            session,
            role=Role.AGENCY_USER,
            label="revoked elsewhere",
            expires_in=dt.timedelta(hours=1),
            agency_id=agency_id(database, "local_authority"),
        )
    with jtai_serve(env) as (base, _), Http(base) as http:
        listening = subscribed(base, lead_token, demo.inspection_id)  # the process now listens
        wait_until_listening(database)
        served = viewer_role(http, issued_token.token)  # verified, so now in the server's cache
        assert served.json()["data"]["viewer"]["role"] == "AGENCY_USER"
        with database.write() as session:  # revoked by this test's process, not the server
            assert revoke_token(session, issued_token.id)
        deadline = time.monotonic() + 10  # a bound on the notice's arrival, not a timing claim
        while (answer := viewer_role(http, issued_token.token)).status_code == 200:
            assert time.monotonic() < deadline, "still served from the cache after the notice"
            time.sleep(0.1)
        assert answer.status_code == 401, answer.text
        listening.close()
