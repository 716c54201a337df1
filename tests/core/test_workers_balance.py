"""Requests from keep-alive clients reach every worker of ``jtai serve --workers 2``.

Found from outside: with four keep-alive connections, all four stayed on one of two workers in 3
of 9 rounds. Connections are now recycled after ~JTAI_MAX_REQUESTS_PER_CONNECTION requests
(core/connections.py); here a small number, so that one test sees many connections. Counted by
the worker each answer names (JTAI_WORKER_HEADER), never timed.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from core.connections import WORKER_HEADER
from core.database import Database
from core.migrate import upgrade
from tests.helpers.server import jtai_serve

CONNECTIONS = 4
REQUESTS_EACH = 100


def _ask_over_keep_alive(base: str) -> tuple[Counter[str], int]:
    """Answers per worker, and how many answers closed their connection."""
    workers: Counter[str] = Counter()
    closed = 0

    async def ask() -> None:
        nonlocal closed
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

            async def one_connection() -> None:
                nonlocal closed
                for _ in range(REQUESTS_EACH):
                    response = await client.get("/healthz")
                    assert response.status_code == 200, response.text
                    workers[response.headers[WORKER_HEADER.decode()]] += 1
                    closed += response.headers.get("connection") == "close"

            await asyncio.gather(*(one_connection() for _ in range(CONNECTIONS)))

    asyncio.run(ask())
    return workers, closed


@pytest.mark.long
def test_keep_alive_clients_reach_both_workers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'balance.db'}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    env = {
        "JTAI_DATABASE_URL": url,
        "JTAI_STORAGE_DIR": str(tmp_path / "documents"),
        "JTAI_WORKER_HEADER": "1",
        "JTAI_MAX_REQUESTS_PER_CONNECTION": "6",
    }
    log = tmp_path / "serve.log"
    with jtai_serve(env, 60, args=("--workers", "2"), log=log) as base:
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        workers, closed = _ask_over_keep_alive(base)
    assert sum(workers.values()) == CONNECTIONS * REQUESTS_EACH
    assert len(workers) == 2, workers  # both workers answered
    # Connections were recycled, each after 3 to 9 requests (6, jittered by half).
    assert CONNECTIONS * REQUESTS_EACH // 9 <= closed <= CONNECTIONS * REQUESTS_EACH // 3
