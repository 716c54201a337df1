"""Another process holding SQLite's write lock stops neither reads nor the health endpoints, and
the write that cannot get the lock in time answers DATABASE_BUSY as data, having changed nothing.

Found from outside: with the lock held over the busy timeout, the whole process stopped (a plain
read and /healthz both took 6.8 s: SQLite's wait ran on the event loop) and the waiting write
failed as "Internal error". Here the busy timeout is a setting made short, and a raw sqlite3
connection holds ``BEGIN IMMEDIATE`` until the write has answered.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.app import create_app
from core.database import Database
from core.models import LocalArea
from core.settings import Settings
from core.viewer import Role
from tests.helpers.graphql import TokenFactory

BUSY_TIMEOUT_MS = 3000
CREATE_AREA = """
mutation { createLocalArea(input: {code: "E09999950", name: "Lockshire"}) {
  area { id } errors { code message } } }
"""
READ = "{ viewer { role } inspections { nodes { id } } }"


def test_a_held_write_lock_leaves_reads_and_health_answering_and_the_write_busy(
    database: Database, make_token: TokenFactory, tmp_path: Path
) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite's write lock")
    headers = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    settings = Settings(
        database_url=database.url,
        storage_dir=tmp_path / "documents",
        sqlite_busy_timeout_ms=BUSY_TIMEOUT_MS,
    )
    app = create_app(settings)  # its own engine, with the short busy timeout
    path = make_url(database.url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)

    async def meanwhile() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            write = asyncio.create_task(
                client.post("/graphql", json={"query": CREATE_AREA}, headers=headers)
            )
            await asyncio.sleep(0.2)  # the write reaches the lock
            seen = {
                "read": await client.post("/graphql", json={"query": READ}, headers=headers),
                "healthz": await client.get("/healthz"),
                "readyz": await client.get("/readyz"),
                "write still waiting": not write.done(),
            }
            seen["write"] = await asyncio.wait_for(write, BUSY_TIMEOUT_MS / 1000 * 10)
            return seen

    try:
        holder.execute("BEGIN IMMEDIATE")
        seen = asyncio.run(meanwhile())
    finally:
        holder.rollback()
        holder.close()
        app.state.database.dispose()

    assert seen["read"].status_code == 200, seen["read"].text
    assert seen["read"].json()["data"]["viewer"] == {"role": "ADMIN"}
    assert seen["healthz"].status_code == 200
    assert seen["readyz"].status_code == 200, seen["readyz"].text
    assert seen["write still waiting"]
    written = seen["write"]
    assert written.status_code == 200, written.text
    body = written.json()
    assert body["data"] is None  # the operation ran, and returned nothing
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "DATABASE_BUSY"
    assert "Nothing was changed" in error["message"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(LocalArea)) == 0


def test_readyz_answers_503_while_every_slot_is_held_past_the_bound(
    database: Database, make_token: TokenFactory, tmp_path: Path
) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite's write lock")
    headers = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    one_slot = Database(
        database.url, pool_size=1, max_overflow=0, sqlite_busy_timeout_ms=BUSY_TIMEOUT_MS
    )
    settings = Settings(
        database_url=database.url, storage_dir=tmp_path / "documents", ready_max_busy_seconds=1
    )
    app = create_app(settings, database=one_slot)
    path = make_url(database.url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)

    async def poll_while_stuck() -> tuple[list[httpx.Response], httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            write = asyncio.create_task(
                client.post("/graphql", json={"query": CREATE_AREA}, headers=headers)
            )
            polls = []
            while not write.done():  # the write holds the one slot for the busy timeout
                polls.append(await client.get("/readyz"))
                await asyncio.sleep(0.2)
            await write
            return polls, await client.get("/readyz")

    try:
        holder.execute("BEGIN IMMEDIATE")
        polls, after = asyncio.run(poll_while_stuck())
    finally:
        holder.rollback()
        holder.close()
        one_slot.dispose()
    refused = [poll for poll in polls if poll.status_code == 503]
    assert refused, [poll.text for poll in polls]
    assert "JTAI_READY_MAX_BUSY_SECONDS (1)" in refused[0].json()["reason"]
    assert int(refused[0].headers["retry-after"]) > 0
    assert after.status_code == 200, after.text
