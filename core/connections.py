"""Keep-alive connections recycled, so that they spread across ``jtai serve --workers N``.

uvicorn's workers share one listening socket, and a worker that wakes to a burst of new
connections accepts them all: a client that opens its keep-alive connections at once (most pools
do) can have every one on one worker while the others idle, for as long as the connections live.
Closing each connection after about ``max_requests`` requests (``Connection: close`` on the
response; clients open a new one transparently) lets them land again, on whichever worker accepts
first, which is the idle one. Each connection's limit is drawn between half and one and a half
times ``max_requests``, so that connections opened together do not all reconnect together.

Measured in benchmarks/balance.py and BENCHMARKS.md; a load balancer in front that spreads by
request rather than by connection is the alternative (README, "Limits and health").
"""

from __future__ import annotations

import os
import random
from collections import OrderedDict

from starlette.types import Scope

WORKER_HEADER = b"x-jtai-worker"
CLOSE = (b"connection", b"close")
# Connections whose count is kept: more than any worker holds open at once; the oldest forgotten.
TRACKED_CONNECTIONS = 10_000


class ConnectionRecycling:
    """Which response is its connection's last (it gets ``Connection: close``), and (when
    asked, for measuring the spread) the answering worker's process id on every response.
    Applied by the HTTP front (core/http_front.py)."""

    def __init__(self, max_requests: int, worker_header: bool = False) -> None:
        self.max_requests = max_requests
        self.worker_header = (WORKER_HEADER, str(os.getpid()).encode()) if worker_header else None
        # (client host, client port, server port) -> (requests so far, this connection's limit).
        self._connections: OrderedDict[tuple[object, ...], tuple[int, int]] = OrderedDict()
        self._random = random.Random()

    def count(self, scope: Scope) -> list[tuple[bytes, bytes]] | None:
        """Count this request on its connection: the headers its response needs, if any."""
        last = self.max_requests > 0 and self._count(scope)
        if not last and self.worker_header is None:
            return None  # most requests: nothing to add
        headers = [CLOSE] if last else []
        if self.worker_header is not None:
            headers.append(self.worker_header)
        return headers

    def _count(self, scope: Scope) -> bool:
        """Count this request on its connection: whether it is the connection's last."""
        client = scope.get("client")
        if client is None:
            return False
        key = (*client, *(scope.get("server") or ()))
        connections = self._connections
        count, limit = connections.pop(key, (0, 0))
        if not limit:
            spread = self.max_requests // 2
            limit = self.max_requests - spread + self._random.randint(0, 2 * spread)
        count += 1
        if count >= limit:
            return True  # forgotten: a new connection from the same port starts afresh
        connections[key] = (count, limit)
        if len(connections) > TRACKED_CONNECTIONS:
            connections.popitem(last=False)
        return False
