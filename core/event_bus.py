"""One event dispatcher per worker process: new rows of ``inspection_events`` and of the change
feed, fanned out to this process's subscribers.

How a worker learns that rows were added: on PostgreSQL, one ``LISTEN jtai_events`` connection
(the NOTIFY is sent in the transaction of the change, so it arrives only once that committed); it
reconnects with backoff when the database goes away. On SQLite, the worker polls every
``JTAI_SUBSCRIPTION_POLL_SECONDS``, only while it has subscribers. Either way the notice is only a
wake-up: the dispatcher then reads every row after the last id it dispatched, so a lost notice or
a reconnection loses nothing.

Each subscriber has a bounded queue (``JTAI_SUBSCRIPTION_QUEUE_SIZE``): a subscriber that falls
that far behind is failed (its socket closed with 1013) rather than let memory grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from sqlalchemy.engine import make_url

from core import events
from core.database import Database, database_failure
from core.models import FindingChange, InspectionEvent, utc_now
from core.settings import Settings
from core.token_cache import forget_token

logger = logging.getLogger("jtai.events")

QUEUE_FULL = (
    "Fell {size} events behind (JTAI_SUBSCRIPTION_QUEUE_SIZE). Reconnect and resume: `after` "
    "= the last cursor received."
)


REVOKED = (
    "Unauthorized: the token was revoked. Connect again with a valid token in connection_init's "
    "payload."
)


class SubscriptionLimit(Exception):
    """A cap on open subscriptions was reached; the message names the setting."""


@dataclass(frozen=True, slots=True)
class EventRow:
    """An inspection event as dispatched: ids only, detached from any session."""

    id: int
    inspection_id: int
    kind: events.EventKind
    occurred_at: Any
    request_id: int | None
    agency_id: int | None
    list_upload_id: int | None
    child_id: int | None
    evidence_id: int | None
    finding_id: int | None
    report_version: int | None
    read_at: float  # time.monotonic() when its read began: a check begun later is newer

    @staticmethod
    def of(row: InspectionEvent, read_at: float) -> EventRow:
        return EventRow(
            id=row.id,
            inspection_id=row.inspection_id,
            kind=events.EventKind(row.kind),
            occurred_at=row.occurred_at,
            request_id=row.request_id,
            agency_id=row.agency_id,
            list_upload_id=row.list_upload_id,
            child_id=row.child_id,
            evidence_id=row.evidence_id,
            finding_id=row.finding_id,
            report_version=row.report_version,
            read_at=read_at,
        )


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change feed row as dispatched."""

    id: int
    finding_id: int
    change: str
    occurred_at: Any
    read_at: float

    @staticmethod
    def of(row: FindingChange, read_at: float) -> ChangeRow:
        return ChangeRow(row.id, row.finding_id, row.change, row.occurred_at, read_at)


@dataclass(eq=False)
class Subscriber:
    """One subscription's queue. ``inspection_id`` chooses inspection events of one inspection;
    ``changes`` chooses the change feed instead."""

    token_key: str
    size: int
    token_id: int | None = None  # an API token's id: its revocation notice closes the socket
    inspection_id: int | None = None
    changes: bool = False
    queue: asyncio.Queue[EventRow | ChangeRow | None] = field(default_factory=asyncio.Queue)
    failure: tuple[int, str] | None = None

    def offer(self, item: EventRow | ChangeRow) -> None:
        if self.failure is not None:
            return
        if self.queue.qsize() >= self.size:
            self.failure = (1013, QUEUE_FULL.format(size=self.size))
            self.queue.put_nowait(None)  # wakes the subscriber to close
            return
        self.queue.put_nowait(item)

    def fail(self, code: int, reason: str) -> None:
        if self.failure is None:
            self.failure = (code, reason)
            self.queue.put_nowait(None)

    async def next(self) -> EventRow | ChangeRow | None:
        """The next item, or None once the subscriber has failed (see ``failure``)."""
        if self.failure is not None:
            return None
        item = await self.queue.get()
        return None if self.failure is not None else item


class EventBus:
    """This worker's dispatcher; started by the first subscriber, stopped with the app."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        run_in_slot: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.subscribers: set[Subscriber] = set()
        self.per_token: dict[str, int] = {}
        self.last_event = 0
        self.last_change = 0
        self._stale = True  # no subscriber since the last read: start again from the newest row
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._overdue_task: asyncio.Task[None] | None = None
        self._run = run_in_slot or (lambda fn: anyio.to_thread.run_sync(fn))
        self.dispatched = 0  # events handed to queues, for tests and benchmarks
        # The last access check of each (token, what it follows): when it began, and its verdict.
        self.verdicts: dict[tuple[str, object], tuple[float, Any]] = {}
        # Executions of one event shared by identical subscriptions (core/graphql/subscriptions).
        self.shared: dict[Any, Any] = {}

    # -- subscribers ------------------------------------------------------------------------

    async def add(
        self,
        token_key: str,
        *,
        inspection_id: int | None,
        changes: bool,
        token_id: int | None = None,
    ) -> Subscriber:
        """Register a subscriber, refused with ``SubscriptionLimit`` over either cap."""
        settings = self.settings
        if len(self.subscribers) >= settings.subscriptions_per_process:
            raise SubscriptionLimit(
                f"This server process already serves {len(self.subscribers)} subscriptions, its "
                f"limit (JTAI_SUBSCRIPTIONS_PER_PROCESS = {settings.subscriptions_per_process}). "
                "Retry later, or connect again to reach another process."
            )
        held = self.per_token.get(token_key, 0)
        if held >= settings.subscriptions_per_token:
            raise SubscriptionLimit(
                f"This token already holds {held} open subscriptions, its limit "
                f"(JTAI_SUBSCRIPTIONS_PER_TOKEN = {settings.subscriptions_per_token}). Complete "
                "one (send `complete` for its id) before starting another."
            )
        subscriber = Subscriber(
            token_key=token_key,
            size=settings.subscription_queue_size,
            token_id=token_id,
            inspection_id=inspection_id,
            changes=changes,
        )
        # Counted at once, before any await: two subscribes in flight must not both pass a cap.
        self.per_token[token_key] = held + 1
        self.subscribers.add(subscriber)
        try:
            async with self._lock:
                await self._catch_up_if_stale()
        except BaseException:
            self.remove(subscriber)
            raise
        self._start()
        return subscriber

    async def _catch_up_if_stale(self) -> bool:
        """After a time without subscribers, start from the newest rows: what happened while
        nobody listened is not announced as new (a subscriber asks for it with `after`)."""
        if not self._stale:
            return False
        self.last_event, self.last_change = await self._run(self._latest)
        self._stale = False
        return True

    def remove(self, subscriber: Subscriber) -> None:
        if subscriber in self.subscribers:
            self.subscribers.discard(subscriber)
            left = self.per_token.get(subscriber.token_key, 1) - 1
            if left:
                self.per_token[subscriber.token_key] = left
            else:
                self.per_token.pop(subscriber.token_key, None)

    def revoked(self, token_id: int) -> None:
        # A process listening (one serving subscriptions, on PostgreSQL) hears of a revocation made
        # elsewhere at once: its token caches forget the token too, not only after their bound.
        forget_token(token_id)
        for subscriber in list(self.subscribers):
            if subscriber.token_id == token_id:
                subscriber.fail(4401, REVOKED)

    # -- the loop ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._pump(), name="jtai-event-bus")
            if self.database.is_sqlite:
                self._listener: asyncio.Task[None] | None = None
            else:
                self._listener = asyncio.create_task(self._listen(), name="jtai-event-listen")
        if self._overdue_task is None or self._overdue_task.done():
            self._overdue_task = asyncio.create_task(self._overdue(), name="jtai-overdue")

    async def stop(self) -> None:
        for task in (self._task, getattr(self, "_listener", None), self._overdue_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _latest(self) -> tuple[int, int]:
        with self.database.session() as session:
            return events.latest_ids(session)

    def _read(self, after_event: int, after_change: int) -> tuple[list[EventRow], list[ChangeRow]]:
        started = time.monotonic()
        with self.database.session() as session:
            found = [EventRow.of(r, started) for r in events.events_after(session, after_event)]
            changes = [
                ChangeRow.of(r, started) for r in events.changes_after(session, after_change)
            ]
            return found, changes

    async def _pump(self) -> None:
        poll = self.settings.subscription_poll_seconds
        # On PostgreSQL a NOTIFY wakes the pump; the timeout is a safety net for a lost one.
        idle = poll if self.database.is_sqlite else max(poll, 5.0)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            self._wake.clear()
            try:
                await self.dispatch_new()
            except Exception as error:  # the database is away: try again at the next wake-up
                failure = database_failure(error)
                if failure is None:
                    logger.exception("event dispatch failed")
                else:
                    logger.warning("event dispatch: %s", failure.value)
                await asyncio.sleep(min(idle * 4, 5.0))

    def wake(self) -> None:
        self._wake.set()

    async def dispatch_new(self) -> int:
        """Read every row after the last dispatched and hand each to the subscribers it concerns."""
        async with self._lock:
            if not self.subscribers:
                self._stale = True
                return 0
            if await self._catch_up_if_stale():
                return 0
            count = 0
            while True:
                found, changes = await self._run(
                    lambda: self._read(self.last_event, self.last_change)
                )
                if not found and not changes:
                    return count
                self._fan_out(found, changes)
                count += len(found) + len(changes)
                if found:
                    self.last_event = found[-1].id
                if changes:
                    self.last_change = changes[-1].id

    def _fan_out(self, found: Iterable[EventRow], changes: list[ChangeRow]) -> None:
        by_inspection: dict[int, list[Subscriber]] = {}
        feed: list[Subscriber] = []
        for subscriber in self.subscribers:
            if subscriber.changes:
                feed.append(subscriber)
            elif subscriber.inspection_id is not None:
                by_inspection.setdefault(subscriber.inspection_id, []).append(subscriber)
        for row in found:
            for subscriber in by_inspection.get(row.inspection_id, ()):
                subscriber.offer(row)
                self.dispatched += 1
        for change in changes:
            for subscriber in feed:
                subscriber.offer(change)
                self.dispatched += 1

    async def _listen(self) -> None:
        """LISTEN on PostgreSQL; on any failure reconnect with backoff, then catch up."""
        import psycopg

        url = make_url(self.database.url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {events.CHANNEL}")
                    backoff = 0.5
                    self.wake()  # catch up on whatever was committed while not listening
                    async for notice in conn.notifies():
                        if notice.payload.startswith(events.REVOKED):
                            self.revoked(int(notice.payload.removeprefix(events.REVOKED)))
                        else:
                            self.wake()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning(
                    "event listener: %s; reconnecting in %.1f s", type(error).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _overdue(self) -> None:
        """Announce deadlines that pass: every worker tries; the table keeps one row each."""
        while True:
            # An interval first: a worker starting does not race the requests being issued.
            await asyncio.sleep(self.settings.overdue_check_seconds)
            try:
                await self._run(self.record_overdue)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("overdue check: %s", type(error).__name__)

    def record_overdue(self) -> int:
        with self.database.write() as session:
            return events.record_overdue(session, utc_now())
