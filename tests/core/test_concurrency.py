"""Many requests at once on one worker, more than the pool has connections: all are answered.

Each request keeps its connection until its response is ready, so requests beyond the pool's size
would wait for a pooled connection and give up after the pool's timeout (found by the throughput
benchmark at 16 requests in flight with a pool of 15, when resolvers still ran on the event loop
and the wait stopped the worker). The app admits only as many requests as there are connections
(core/slots.py) and writes the audit event on the request's own session (core/audit.py). Here the
pool has one connection and gives up after two seconds, so admitting too many fails at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import orjson
from sqlalchemy import func, select

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import AuditEvent
from core.settings import Settings

QUERY = """
query Children($id: ID!) {
  inspection(id: $id) {
    reference
    children(first: 5) { nodes { localId lists { listCode } } }
    requests(first: 5) { nodes { reference agency { name } } }
    team { inspector { name } }
  }
}
"""
IN_FLIGHT = 6


def test_more_requests_than_connections_are_all_answered_and_audited(
    database: Database, demo: DemoInspection, lead_token: str, tmp_path: Path
) -> None:
    tiny = Database(database.url, pool_size=1, max_overflow=0, pool_timeout=2)
    assert tiny.max_connections == 1
    app = create_app(
        Settings(database_url=tiny.url, storage_dir=tmp_path / "documents"), database=tiny
    )
    headers = {"Authorization": f"Bearer {lead_token}"}

    async def ask_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            found = await client.post(
                "/graphql", json={"query": "{ inspections { nodes { id } } }"}, headers=headers
            )
            inspection = orjson.loads(found.content)["data"]["inspections"]["nodes"][0]["id"]
            body = {"query": QUERY, "variables": {"id": inspection}}
            return await asyncio.gather(
                *(client.post("/graphql", json=body, headers=headers) for _ in range(IN_FLIGHT))
            )

    with database.session() as session:
        audited_before = session.scalar(select(func.count()).select_from(AuditEvent))
    try:
        responses = asyncio.run(ask_all())
    finally:
        tiny.dispose()
    bodies = [orjson.loads(response.content) for response in responses]
    assert [response.status_code for response in responses] == [200] * IN_FLIGHT
    assert [body.get("errors") for body in bodies] == [None] * IN_FLIGHT
    assert all(body["data"]["inspection"]["children"]["nodes"] for body in bodies)
    with database.session() as session:
        audited = session.scalar(select(func.count()).select_from(AuditEvent))
    assert audited == (audited_before or 0) + IN_FLIGHT  # every read of children recorded
