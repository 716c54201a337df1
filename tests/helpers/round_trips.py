"""Database round trips, counted at the driver: every statement, BEGIN, COMMIT, ROLLBACK and ping
that goes to the database, whoever sends it (SQLAlchemy, the pool, the driver on its own).

- PostgreSQL: libpq's protocol trace of each connection (psycopg's ``PGconn.trace``); a round
  trip is one message that makes the server answer ``ReadyForQuery`` (a simple ``Query``, or the
  ``Sync`` closing an extended-protocol statement).
- SQLite: ``sqlite3``'s trace callback, which sees every statement the library runs, the
  driver's own ``COMMIT``/``ROLLBACK`` included.

The pool is emptied first, so every connection used inside the block is opened and traced there
(its own set-up, such as SQLite's PRAGMAs, is not counted).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from core.database import Database


@dataclass
class RoundTrips:
    sent: list[str] = field(default_factory=list)  # what each round trip sent, in order

    @property
    def count(self) -> int:
        return len(self.sent)


@contextmanager
def count_round_trips(database: Database) -> Iterator[RoundTrips]:
    with tempfile.TemporaryFile() as trace:
        trips = RoundTrips()
        traced: list[Any] = []
        database.engine.dispose()

        def connected(dbapi_connection: Any, _record: Any) -> None:
            if database.is_sqlite:
                dbapi_connection.set_trace_callback(trips.sent.append)
            else:
                from psycopg import pq

                dbapi_connection.pgconn.trace(trace.fileno())
                dbapi_connection.pgconn.set_trace_flags(
                    pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
                )
                traced.append(dbapi_connection)

        event.listen(database.engine, "connect", connected)
        try:
            yield trips
        finally:
            event.remove(database.engine, "connect", connected)
            for connection in traced:
                connection.pgconn.untrace()  # flushes what it wrote
            database.engine.dispose()  # no traced connection stays in the pool
            trace.seek(0)
            pending: list[str] = []  # the messages of an extended-protocol statement, until Sync
            for line in trace.read().decode(errors="replace").splitlines():
                direction, _, message = [*line.split("\t"), "", "", ""][:3]
                if direction != "F":
                    continue
                pending.append(line)
                if message in ("Query", "Sync"):
                    trips.sent.append("\n".join(pending))
                    pending = []
