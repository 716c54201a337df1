"""Subscriptions (issue 18): from a mutation to its event at every subscriber, with 200
subscribers spread over two workers on PostgreSQL, against the time of the mutation itself; and
memory per idle subscription.

A real server, ``jtai serve --workers 2`` (benchmarks/throughput.py's: ``JTAI_ENV=production``, a
schema of its own, dropped at the end) on the demo inspection. ``SUBSCRIBERS`` graphql-transport-ws
clients (200; 10 for ``--quick``), each on its own WebSocket with its own token (round robin over
the team's four inspectors), subscribe to ``inspectionEvents`` of the inspection; the client is
this process (asyncio and the ``websockets`` package), opening the sockets a few at a time so that
both workers accept some (connections per worker are printed).

Memory: the workers' RSS (``/proc``, summed) after one subscription has come and gone (imports and
caches warm), then again with the N subscriptions open and each confirmed live by one event;
the difference divided by N.

Latency: the lead creates a finding over HTTP (``createFinding``, one at a time, ``MUTATIONS``
after ``WARMUP``) and every subscriber waits for its ``FINDING_CREATED``. Per mutation and
subscriber: delivery = when the event arrived at the subscriber minus when the mutation was sent.
The commit falls somewhere inside the mutation's own round trip, so this is an upper bound of
commit-to-delivery; the baseline is that round trip (sent to answered) of the same mutations. The
ratio says how long a subscriber waits for a change compared with its author. The note adds the
delivery measured from the author's answer (after the commit; negative when the event came first).

The client that times delivery runs on the same CPUs as the workers and PostgreSQL, and reads
the 200 sockets in one event loop: its CPU is printed. Needs PostgreSQL (as throughput);
otherwise it prints that it was skipped.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from benchmarks.harness import Result, Timing
from benchmarks.scale import _postgres_url
from benchmarks.throughput import _connections, _schema, _serve, _Server
from core.database import Database
from core.demo import load_demo
from core.migrate import upgrade
from core.models import TeamMember
from core.tokens import create_token
from core.viewer import Role

SUBSCRIBERS, QUICK_SUBSCRIBERS = 200, 10
MUTATIONS, QUICK_MUTATIONS = 30, 5
WARMUP = 3
OPEN_AT_ONCE = 10  # sockets opened together; then the next batch
EVENT_TIMEOUT_SECONDS = 60.0
PROTOCOL = Subprotocol("graphql-transport-ws")

SUBSCRIPTION = """subscription Live($inspectionId: ID!) {
  inspectionEvents(inspectionId: $inspectionId) { cursor kind occurredAt finding { id title } }
}"""
CREATE = """mutation Create($input: CreateFindingInput!) {
  createFinding(input: $input) { errors { field code message } finding { id } }
}"""


def _say(message: str) -> None:
    print(f"  [subscriptions] {message}", flush=True)


def _gid(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode()


def _rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


@dataclass
class _Subscriber:
    """One socket, one subscription; when each finding's event arrived (perf_counter)."""

    socket: ClientConnection
    arrivals: dict[str, float] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    async def listen(self) -> None:
        async for raw in self.socket:
            now = time.perf_counter()
            message = orjson.loads(raw)
            if message["type"] == "next":
                if message["payload"].get("errors") or not message["payload"].get("data"):
                    raise RuntimeError(f"an event with errors: {message['payload']}")
                event = message["payload"]["data"]["inspectionEvents"]
                if event["kind"] == "FINDING_CREATED":
                    self.arrivals[event["finding"]["id"]] = now
            elif message["type"] == "ping":
                await self.socket.send(orjson.dumps({"type": "pong"}).decode())
            elif message["type"] in ("error", "complete"):
                raise RuntimeError(f"the subscription ended: {message}")


async def _subscribe(ws_url: str, token: str, inspection: str) -> _Subscriber:
    socket = await connect(ws_url, subprotocols=[PROTOCOL], max_queue=None)
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await socket.send(orjson.dumps(init).decode())
    ack = orjson.loads(await socket.recv())
    if ack["type"] != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    subscribe = {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": SUBSCRIPTION, "variables": {"inspectionId": inspection}},
    }
    await socket.send(orjson.dumps(subscribe).decode())
    subscriber = _Subscriber(socket)
    subscriber.task = asyncio.create_task(subscriber.listen())
    return subscriber


async def _open(ws_url: str, tokens: list[str], inspection: str) -> list[_Subscriber]:
    opened: list[_Subscriber] = []
    for start in range(0, len(tokens), OPEN_AT_ONCE):
        batch = tokens[start : start + OPEN_AT_ONCE]
        opened += await asyncio.gather(*(_subscribe(ws_url, t, inspection) for t in batch))
    return opened


async def _close(subscribers: list[_Subscriber]) -> None:
    for subscriber in subscribers:
        await subscriber.socket.close()
        if subscriber.task is not None:
            subscriber.task.cancel()


class _Author:
    """The lead, creating findings over HTTP; each one's send and answer times."""

    def __init__(self, base_url: str, token: str, inspection: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        self.inspection = inspection
        self.count = 0

    async def create(self) -> tuple[str, float, float]:
        self.count += 1
        variables = {
            "input": {
                "inspectionId": self.inspection,
                "kind": "STRENGTH",
                "title": f"Benchmark finding {self.count}",
                "text": "Synthetic text for the subscriptions benchmark.",
                "criteria": ["ESN-01"],
            }
        }
        sent = time.perf_counter()
        answer = await self.client.post("/graphql", json={"query": CREATE, "variables": variables})
        answered = time.perf_counter()
        body = answer.json()
        payload = (body.get("data") or {}).get("createFinding") or {}
        if answer.status_code != 200 or payload.get("errors") != [] or "errors" in body:
            raise RuntimeError(f"createFinding failed: {answer.status_code} {answer.text[:300]}")
        return payload["finding"]["id"], sent, answered


async def _wait_for(subscribers: list[_Subscriber], finding: str) -> None:
    deadline = time.perf_counter() + EVENT_TIMEOUT_SECONDS
    while not all(finding in s.arrivals for s in subscribers):
        for s in subscribers:
            if s.task is not None and s.task.done() and s.task.exception() is not None:
                raise RuntimeError(f"a subscriber failed: {s.task.exception()}")
        if time.perf_counter() > deadline:
            missing = sum(finding not in s.arrivals for s in subscribers)
            raise RuntimeError(f"{missing} subscribers never received {finding}")
        await asyncio.sleep(0.005)


async def _until_all_see_one(author: _Author, subscribers: list[_Subscriber]) -> None:
    """Live-only subscriptions carry no acknowledgement: findings until every one sees one."""
    for _ in range(20):
        finding, _, _ = await author.create()
        try:
            await asyncio.wait_for(_wait_for(subscribers, finding), timeout=5)
            return
        except TimeoutError:
            continue
    raise RuntimeError("the subscribers never all received an event")


def _timing(samples_ms: list[float]) -> Timing:
    ordered = sorted(samples_ms)
    return Timing(
        median_ms=statistics.median(ordered),
        p95_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        runs=len(ordered),
    )


@dataclass
class _Measured:
    delivery_ms: list[float]
    after_answer_ms: list[float]
    mutation_ms: list[float]
    rss_per_subscription: float
    connections: list[int]
    client_cpu_seconds: float


async def _measure(
    server: _Server, tokens: list[str], lead: str, inspection: str, mutations: int
) -> _Measured:
    ws_url = server.base_url.replace("http://", "ws://") + "/graphql"
    author = _Author(server.base_url, lead, inspection)
    try:
        # Warm: one subscription that sees one event, then goes.
        first = await _open(ws_url, tokens[:1], inspection)
        await _until_all_see_one(author, first)
        await _close(first)
        await asyncio.sleep(0.5)
        before = _rss_bytes(server.workers)

        subscribers = await _open(ws_url, tokens, inspection)
        await _until_all_see_one(author, subscribers)
        after = _rss_bytes(server.workers)
        connections = _connections(server.port, server.workers)

        delivery: list[float] = []
        after_answer: list[float] = []
        mutation: list[float] = []
        cpu_before = time.process_time()
        for number in range(WARMUP + mutations):
            finding, sent, answered = await author.create()
            await _wait_for(subscribers, finding)
            if number < WARMUP:
                continue
            mutation.append((answered - sent) * 1000)
            for s in subscribers:
                delivery.append((s.arrivals[finding] - sent) * 1000)
                after_answer.append((s.arrivals[finding] - answered) * 1000)
        cpu = time.process_time() - cpu_before
        await _close(subscribers)
        return _Measured(
            delivery, after_answer, mutation, (after - before) / len(tokens), connections, cpu
        )
    finally:
        await author.client.aclose()


def _world(database: Database, subscribers: int) -> tuple[str, str, list[str]]:
    """The demo inspection; the lead's token and one token per subscriber."""
    with database.write() as session:
        demo = load_demo(session, today=dt.date.today())
        team = list(
            session.scalars(
                select(TeamMember.inspector_id)
                .where(TeamMember.inspection_id == demo.inspection_id)
                .order_by(TeamMember.inspector_id)
            )
        )

        def token(inspector: int, label: str) -> str:
            return create_token(
                session,
                role=Role.INSPECTOR,
                label=label,
                expires_in=dt.timedelta(hours=2),
                inspector_id=inspector,
            ).token

        lead = token(demo.lead_inspector_id, "subscriptions benchmark lead")
        tokens = [
            token(team[n % len(team)], f"subscriptions benchmark {n}") for n in range(subscribers)
        ]
    return _gid("Inspection", demo.inspection_id), lead, tokens


def run(quick: bool) -> list[Result]:
    url = _postgres_url()
    if url is None:
        _say("skipped: it needs PostgreSQL (--postgres URL, or JTAI_BENCH_POSTGRES_URL)")
        return []
    count = QUICK_SUBSCRIBERS if quick else SUBSCRIBERS
    mutations = QUICK_MUTATIONS if quick else MUTATIONS
    with tempfile.TemporaryDirectory() as name, _schema(url) as (database, own_url, _):
        upgrade(database)
        inspection, lead, tokens = _world(database, count)
        with _serve(own_url, Path(name)) as server:
            measured = asyncio.run(_measure(server, tokens, lead, inspection, mutations))
        if server.stop_problem:
            raise RuntimeError(f"subscriptions: {server.stop_problem}")
    delivery, base = _timing(measured.delivery_ms), _timing(measured.mutation_ms)
    answer = _timing(measured.after_answer_ms)
    _say(
        f"{count} subscribers, connections per worker {measured.connections}; {mutations} "
        f"mutations after {WARMUP}: {len(measured.delivery_ms):,} deliveries; client CPU "
        f"{measured.client_cpu_seconds:.1f} s; memory per idle subscription "
        f"{measured.rss_per_subscription / 1024:.1f} KiB (workers' RSS)"
    )
    return [
        Result(
            f"subscriptions pg: {count} subscribers",
            delivery,
            base,
            "the mutation",
            note=f"delivery from the mutation's send, p50 {delivery.median_ms:.1f} / p95 "
            f"{delivery.p95_ms:.1f} ms, vs its round trip p50 {base.median_ms:.1f} / p95 "
            f"{base.p95_ms:.1f} ms; from the author's answer p50 {answer.median_ms:.1f} / p95 "
            f"{answer.p95_ms:.1f} ms; {measured.rss_per_subscription / 1024:.1f} KiB per idle "
            f"subscription; connections per worker {measured.connections}",
        )
    ]
