"""Connection slots: as many GraphQL requests at once as the pool has connections.

Each admitted request runs in a worker thread and holds at most one pooled connection until its
response is ready. Past the pool's size, a thread would wait for a connection and then give up
with the pool's timeout; here the requests beyond it wait their turn without holding one, and
without a thread. A request takes its slot only once its whole body has arrived (core/app.py), so
a slow client holds its own socket and nothing else.

The slots also say whether the process can serve (``/readyz``): not when none came free for
longer than a bound, which is what every slot held by a stuck request looks like.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ConnectionSlots:
    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self.in_use = 0
        self.waiting = 0
        self._all_busy_since: float | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore_of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._semaphore is None:  # one per event loop (tests run many)
            self._semaphore = asyncio.Semaphore(self.count)
            self._loop = loop
        return self._semaphore

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        semaphore = self._semaphore_of_this_loop()
        self.waiting += 1
        try:
            await semaphore.acquire()
        finally:
            self.waiting -= 1
        self.in_use += 1
        if self.in_use >= self.count and self._all_busy_since is None:
            self._all_busy_since = time.monotonic()
        try:
            yield
        finally:
            self.in_use -= 1
            self._all_busy_since = None  # one came free, however briefly
            semaphore.release()

    def all_busy_for(self) -> float:
        """Seconds since a slot last came free while all are taken; 0 when one is free."""
        if self._all_busy_since is None:
            return 0.0
        return time.monotonic() - self._all_busy_since
