"""The large read's baseline served over HTTP: raw SQL + orjson behind uvicorn, nothing else.

``python -m uvicorn benchmarks.raw_findings:app`` with ``JTAI_BENCH_RAW_URL`` (the database URL,
a PostgreSQL one perhaps with ``?options=-csearch_path=...``) and ``JTAI_BENCH_RAW_AREA`` (the
area's code) in the environment: ``POST /findings`` answers the same JSON the large read's
in-process baseline builds (``benchmarks/large_read.py``), on one connection of the driver's own,
so it is served the way the graph is, by the same uvicorn, and only the app differs.
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks.large_read import baseline_reader
from core.database import Database

_state: dict[str, Any] = {}


def _read() -> bytes:
    if "read" not in _state:
        database = Database(os.environ["JTAI_BENCH_RAW_URL"])
        _state["read"], _state["raw"] = baseline_reader(database, os.environ["JTAI_BENCH_RAW_AREA"])
    body: bytes = _state["read"]()
    return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # lifespan: nothing to set up or tear down
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
            await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    body = _read() if scope["path"] == "/findings" else b'{"status":"ok"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
