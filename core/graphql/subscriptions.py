"""GraphQL subscriptions: an inspection's events and the change feed, as they happen.

Each subscription is refused at subscribe time by the rules of its query (an ``error`` message
with a code), then fed by this worker's event bus (core/event_bus.py). Before each event the
token is looked up again and the viewer's access checked again: a revoked or expired token closes
the socket with 4401, a viewer who lost the inspection with 4403. An event's payload fields are
the graph's own types, loaded through the viewer's scoped loaders with a fresh session and fresh
loaders per event, so a client selects fields as in a query and sees only what it may.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson
import strawberry
from graphql import ExecutionResult, GraphQLError, OperationType
from sqlalchemy import select
from strawberry import relay

from core import access, audit, events
from core import models as m
from core.database import database_failure
from core.event_bus import ChangeRow, EventBus, EventRow, Subscriber, SubscriptionLimit
from core.graphql.base.enums import InspectionEventKind
from core.graphql.base.pagination import Edge
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Context, Info
from core.graphql.extensions import mask_unexpected, with_codes
from core.graphql.findings.report import (
    EvidenceCoverage,
    InspectionReport,
    evidence_coverage,
    inspection_report,
)
from core.graphql.findings.types import Finding, _findings
from core.graphql.integrations.published import FindingChangeEvent, PublishedFinding
from core.graphql.nodes import Child, Evidence, InspectionRef, load_inspection
from core.graphql.requests.types import IssuedRequest, ListUpload
from core.ids import encode_cursor, row_id
from core.integrations import feed
from core.models import utc_now
from core.viewer import Role, Viewer
from core.workflow.findings import ChangeKind

logger = logging.getLogger("jtai.live")

UNAUTHORIZED = 4401
FORBIDDEN_CLOSE = 4403
# Close reasons: a WebSocket close frame holds at most 123 bytes of reason.
TOKEN_GONE = (
    "Unauthorized: the token was revoked or has expired. Connect again with a valid token in "
    "connection_init."
)
ACCESS_LOST = (
    "Forbidden: this viewer may no longer see what it subscribed to (removed from the team, or "
    "its role changed)."
)


@dataclass
class LiveContext(Context):
    """A subscription's context: the connection's token, to look it up again before each event,
    this worker's event bus, and how to close the socket with a code."""

    token: str = field(default="", kw_only=True)
    bus: EventBus | None = field(default=None, kw_only=True)
    authenticate: Callable[[Any, str], Viewer] | None = field(default=None, kw_only=True)
    close_socket: Callable[[int, str], Awaitable[None]] | None = field(default=None, kw_only=True)
    run_in_slot: Callable[[Callable[[], Any]], Awaitable[Any]] | None = field(
        default=None, kw_only=True
    )

    def fresh(self) -> None:
        """Forget the last event's session and loaders: the next one reads the database anew."""
        self.close()
        self.__dict__.pop("loaders", None)
        self.asked_at = utc_now()
        self.touched.clear()
        self.recorded.clear()

    async def run(self, work: Callable[[], Any]) -> Any:
        assert self.run_in_slot is not None
        return await self.run_in_slot(work)

    async def close_with(self, code: int, reason: str) -> None:
        if self.close_socket is not None:
            await self.close_socket(code, reason)


class EventsOffTheLoop:
    """Mixed into the schema's executor: each subscription event's selection set is executed in
    a worker thread (holding a connection slot), on that thread's own event loop, as an HTTP
    request is. Resolvers call SQLAlchemy synchronously; on the server's loop they would stop
    every other socket and request of the process while they wait on the database.

    graphql-core calls ``execute_operation`` of a subscription's executor only per event (the
    subscription field itself is resolved by ``create_source_event_stream``).

    Subscriptions of one viewer with the same document and variables (a dashboard open in many
    tabs, or many screens signed in with one token) share one execution of each event: the
    answer is the same for all of them, so it is computed (and audited) once in this process.
    """

    operation: Any
    context_value: Any
    root_value: Any
    variable_values: Any

    def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        run = super().execute_operation  # type: ignore[misc]
        context = self.context_value
        if self.operation.operation is not OperationType.SUBSCRIPTION or not isinstance(
            context, LiveContext
        ):
            return run(*args, **kwargs)
        compute = partial(
            context.run, partial(_complete_on_this_thread, context, run, args, kwargs)
        )
        key = self._share_key(context)
        if key is None or context.bus is None:
            return compute()
        return _shared(context.bus.shared, key, self.operation, compute)

    def _share_key(self, context: LiveContext) -> tuple[Any, ...] | None:
        root = self.root_value
        event = root.row.id if isinstance(root, InspectionEvent) else getattr(root, "cursor", None)
        if event is None:
            return None
        coerced = getattr(self.variable_values, "coerced", self.variable_values)
        try:  # ids (GlobalID) by their text
            variables = orjson.dumps(coerced, option=orjson.OPT_SORT_KEYS, default=str)
        except TypeError:
            return None
        return (type(root).__name__, event, id(self.operation), variables, context.viewer)


async def _shared(
    shared: dict[Any, Any],
    key: tuple[Any, ...],
    operation: Any,
    compute: Callable[[], Awaitable[Any]],
) -> Any:
    """One execution per key: the first computes, the others wait for its result (a copy each:
    strawberry's extensions may edit a result's errors)."""
    found = shared.get(key)
    if found is None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        # The operation is kept with the entry: its id() is part of the key.
        shared[key] = (future, operation)
        try:
            result = await compute()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: a failure is each waiter's own to see
            shared.pop(key, None)
            raise
        future.set_result(result)
        # Later subscribers of the same event (a moment behind) find it for a little while.
        loop.call_later(2.0, shared.pop, key, None)
        return _copy(result)
    return _copy(await asyncio.shield(found[0]))


def _copy(result: ExecutionResult) -> ExecutionResult:
    return ExecutionResult(
        data=result.data,
        errors=list(result.errors) if result.errors else None,
        extensions=dict(result.extensions) if result.extensions else None,
    )


def _complete_on_this_thread(
    context: LiveContext, run: Callable[..., Any], args: Any, kwargs: Any
) -> Any:
    """The event's execution, then its audit event, in one hop: the session closes after."""
    try:
        result = run(*args, **kwargs)
        if inspect.isawaitable(result):
            kept: _ThreadLoop | None = getattr(_THREAD_LOOPS, "kept", None)
            if kept is None:
                kept = _THREAD_LOOPS.kept = _ThreadLoop()
            result = kept.loop.run_until_complete(_awaited(result))
        if result.errors:  # as over HTTP: an unexpected error is INTERNAL, its text withheld
            result.errors = with_codes(mask_unexpected(result.errors, context), executed=True)
        try:
            _audit_reads(context)
        except Exception as error:  # an unaudited read of a child's record must not leave
            failure = database_failure(error)
            if failure is None:
                logger.exception("audit event not written (subscription %s)", context.request_id)
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "This event's data was withheld: its read could not be written to the "
                        "audit trail. Resume with `after` (the last cursor received).",
                        extensions={"code": failure.value if failure else "INTERNAL"},
                    )
                ],
            )
        return result
    finally:
        context.close()


class _ThreadLoop:
    """An event loop a worker thread keeps for its next events, closed when the thread ends."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        self.loop.close()


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


_THREAD_LOOPS = threading.local()  # one event loop per worker thread, kept for its next events


def _refused(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


@strawberry.type(
    description="Something that happened in an inspection. Which payload field is set depends "
    "on `kind`; a field the viewer may not see is null."
)
class InspectionEvent:
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` to inspectionEvents to resume after this event."
    )
    kind: InspectionEventKind
    occurred_at: dt.datetime
    row: strawberry.Private[EventRow]

    @staticmethod
    def of(row: EventRow) -> InspectionEvent:
        return InspectionEvent(
            cursor=events.encode_cursor(row.id),
            kind=row.kind,
            occurred_at=row.occurred_at,
            row=row,
        )

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef:
        return await load_inspection(info, self.row.inspection_id)

    @strawberry.field(description="REQUEST_* events: the request, as it is now.")
    async def request(self, info: Info) -> IssuedRequest | None:
        if self.row.request_id is None:
            return None
        found = await info.context.loaders.requests.request.load(self.row.request_id)
        return IssuedRequest.of(*found, info.context) if found else None

    @strawberry.field(
        description="LIST_ACCEPTED: the list upload (null for a refused list, which is not kept).",
        extensions=scoped_by(access.list_uploads_visible_to),
    )
    async def list_upload(self, info: Info) -> ListUpload | None:
        if self.row.list_upload_id is None:
            return None
        found = await info.context.loaders.requests.list_upload.load(self.row.list_upload_id)
        return ListUpload.of(*found) if found else None

    @strawberry.field(
        description="CHILD_* events: the child (null for whoever may not see children).",
        extensions=scoped_by(access.children_visible_to),
    )
    async def child(self, info: Info) -> Child | None:
        if self.row.child_id is None:
            return None
        found = await info.context.loaders.child.load(self.row.child_id)
        return Child.of(found) if found else None

    @strawberry.field(
        description="EVIDENCE_RECORDED: the evidence, DRAFT or FINAL (see its status).",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence(self, info: Info) -> Evidence | None:
        if self.row.evidence_id is None:
            return None
        context = info.context
        row = context.session.scalar(
            select(m.EvidenceRecord).where(
                m.EvidenceRecord.id == self.row.evidence_id,
                access.evidence_visible_to(context.viewer),
            )
        )
        if row is None:
            return None
        node: Evidence = context.evidence_types.to_node(row)
        return node

    @strawberry.field(
        description="COVERAGE_CHANGED: the inspection's evidence coverage after the change.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def coverage(self, info: Info) -> EvidenceCoverage | None:
        if self.row.kind is not events.EventKind.COVERAGE_CHANGED:
            return None
        inspection = await load_inspection(info, self.row.inspection_id)
        return await evidence_coverage(info, self.row.inspection_id, inspection.framework_code)

    @strawberry.field(description="FINDING_* events: the finding, as it is now.")
    async def finding(self, info: Info) -> Finding | None:
        if self.row.finding_id is None:
            return None
        found = _findings(info, m.Finding.id == self.row.finding_id)
        return found[0] if found else None

    @strawberry.field(description="LETTER_PUBLISHED: the letter, at the version published.")
    async def report(self, info: Info) -> InspectionReport | None:
        if self.row.kind is not events.EventKind.LETTER_PUBLISHED:
            return None
        return await inspection_report(info, self.row.inspection_id, self.row.report_version)


def _context(info: Info) -> LiveContext:
    context = info.context
    if not isinstance(context, LiveContext) or context.bus is None:
        raise _refused(
            "Subscriptions are served over WebSocket only (graphql-transport-ws).", "BAD_REQUEST"
        )
    return context


def _token_key(context: LiveContext) -> str:
    viewer = context.viewer
    return f"{viewer.issuer or ''}|{viewer.subject or ''}|{viewer.token_id or context.token[-16:]}"


def _after(after: str | None, decode: Callable[[str], int | None], kind: str) -> int | None:
    if after is None:
        return None
    found = decode(after)
    if found is None:
        raise _refused(
            f"after: {after!r:.80} is not {kind} cursor. Pass the `cursor` of the last event "
            "received, or leave `after` out to receive new events only.",
            "BAD_USER_INPUT",
        )
    return found


async def _subscribe(context: LiveContext, **wanted: Any) -> Subscriber:
    assert context.bus is not None
    try:
        return await context.bus.add(
            _token_key(context), token_id=context.viewer.token_id, **wanted
        )
    except SubscriptionLimit as limit:
        raise _refused(str(limit), "SUBSCRIPTION_LIMIT") from None


# -- who may see what ---------------------------------------------------------------------------


def _may_see_inspection(session: Any, viewer: Viewer, inspection_id: int) -> bool:
    return (
        session.scalar(
            select(m.Inspection.id).where(
                m.Inspection.id == inspection_id, access.inspections_visible_to(viewer)
            )
        )
        is not None
    )


def _wanted(viewer: Viewer, row: EventRow) -> bool:
    """Whether an event concerns anything the viewer may see: an agency user only its own
    agency's requests; the team and admins everything (payload fields are scoped again)."""
    if viewer.role is Role.AGENCY_USER:
        return row.kind in events.REQUEST_KINDS and row.agency_id == viewer.agency_id
    return viewer.role in (Role.INSPECTOR, Role.ADMIN)


class _Recheck:
    """Before each event: the token still valid, the viewer still allowed.

    A check that began after the event was read from the database saw a state at least as new
    as the event's commit, so it holds for that event: one check serves every subscription of
    the token (in this process) for a burst of events, instead of one per event.
    """

    def __init__(
        self, context: LiveContext, scope: object, allowed: Callable[[Any, Viewer], bool]
    ) -> None:
        self.context = context
        self.allowed = allowed
        self.key = (_token_key(context), scope)

    def _look(self) -> tuple[Viewer, bool]:
        context = self.context
        assert context.authenticate is not None
        with context.database.session() as session:
            viewer = context.authenticate(session, context.token)
            return viewer, viewer.is_authenticated and self.allowed(session, viewer)

    async def still_allowed(self, read_at: float) -> bool:
        """False once the socket was closed (4401 or 4403)."""
        context = self.context
        assert context.bus is not None
        verdicts = context.bus.verdicts
        known = verdicts.get(self.key)
        if known is not None and known[0] > read_at:
            viewer, allowed = known[1]
        else:
            started = time.monotonic()
            viewer, allowed = await context.run(self._look)
            if len(verdicts) > 10_000:
                verdicts.clear()
            verdicts[self.key] = (started, (viewer, allowed))
        if not viewer.is_authenticated:
            await context.close_with(UNAUTHORIZED, TOKEN_GONE)
            return False
        if not allowed:
            await context.close_with(FORBIDDEN_CLOSE, ACCESS_LOST)
            return False
        context.viewer = viewer
        return True


async def _live(subscriber: Subscriber, context: LiveContext, skip_to: int) -> AsyncIterator[Any]:
    """Items from the bus newer than ``skip_to``, until the subscriber fails (socket closed)."""
    while True:
        item = await subscriber.next()
        if item is None:
            assert subscriber.failure is not None
            await context.close_with(*subscriber.failure)
            return
        if item.id > skip_to:
            yield item


# -- the root ------------------------------------------------------------------------------------


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Everything the viewer may see happening in one inspection, as it happens. "
        "Pass `after` (an event's cursor) to first receive what happened since then. The lead, "
        "the team and admins get every event; an agency user only its own agency's REQUEST_* "
        "events; integrators are refused (they use findingChanges)."
    )
    async def inspection_events(
        self, info: Info, inspection_id: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[InspectionEvent, None]:
        context = _context(info)
        viewer = context.viewer
        if viewer.role is Role.INTEGRATOR or viewer.role not in (
            Role.ADMIN,
            Role.INSPECTOR,
            Role.AGENCY_USER,
        ):
            raise _refused(
                "Not allowed: integrators follow published findings with the findingChanges "
                "subscription; inspectionEvents is for the inspection team, admins and agencies.",
                "FORBIDDEN",
            )
        number = row_id(inspection_id.node_id) if inspection_id.type_name == "Inspection" else None
        start = _after(after, events.decode_cursor, "an inspection event")

        def visible() -> bool:
            with context.database.session() as session:
                return number is not None and _may_see_inspection(session, viewer, number)

        if not await context.run(visible):
            raise _refused(
                f"inspectionId: no inspection {str(inspection_id)!r} that this viewer may see. "
                "Pass the id of an inspection you are on (Query.inspections lists them).",
                "NOT_FOUND",
            )
        assert number is not None
        subscriber = await _subscribe(context, inspection_id=number, changes=False)
        return _inspection_stream(context, subscriber, number, start)

    @strawberry.subscription(
        description="The change feed as it grows: the same rows and cursors as "
        "Query.findingChanges (integrators and admins). Pass `after` (an edge's cursor) to first "
        "receive the changes since then."
    )
    async def finding_changes(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[Edge[FindingChangeEvent], None]:
        context = _context(info)
        if context.viewer.role not in (Role.INTEGRATOR, Role.ADMIN):
            raise _refused(
                "Not allowed: this needs one of the roles integrator, admin.", "FORBIDDEN"
            )
        from core.ids import decode_cursor

        start = _after(after, decode_cursor, "a change feed")
        subscriber = await _subscribe(context, inspection_id=None, changes=True)
        return _change_stream(context, subscriber, start)


async def _inspection_stream(
    context: LiveContext, subscriber: Subscriber, inspection_id: int, after: int | None
) -> AsyncGenerator[InspectionEvent, None]:
    assert context.bus is not None
    recheck = _Recheck(
        context,
        inspection_id,
        lambda session, viewer: _may_see_inspection(session, viewer, inspection_id),
    )
    try:
        last = after or 0
        if after is not None:  # history first; live events already queue meanwhile
            while True:
                found = await context.run(partial(_history, context, inspection_id, last))
                if not found:
                    break
                for row in found:
                    last = row.id
                    if not await recheck.still_allowed(row.read_at):
                        return
                    if _wanted(context.viewer, row):
                        context.fresh()
                        yield InspectionEvent.of(row)
                        await _delivered(context)
        async for item in _live(subscriber, context, last):
            assert isinstance(item, EventRow)
            if not await recheck.still_allowed(item.read_at):
                return
            if _wanted(context.viewer, item):
                context.fresh()
                yield InspectionEvent.of(item)
                await _delivered(context)
    finally:
        context.bus.remove(subscriber)
        context.close()


async def _delivered(context: LiveContext) -> None:
    """After an event was sent (and audited, in its execution's hop): nothing stays open while
    waiting for the next."""
    context.close()


def _audit_reads(context: LiveContext) -> None:
    """One audit event per event that showed child-level data (a child, evidence), as a query's
    read of them would write; the trail names ids, never values."""
    touched = context.unrecorded()
    if not audit.reads_child_level(touched):
        return
    operation = context.operation or audit.Operation(type="subscription", name=None, document="")
    audit.record(
        context.session,
        viewer=context.viewer,
        request_id=context.request_id,
        operation=operation,
        touched=touched,
        outcome=audit.OK,
    )
    for kind, ids in touched.items():
        context.recorded.setdefault(kind, set()).update(ids)


def _history(context: LiveContext, inspection_id: int, after: int) -> list[EventRow]:
    started = time.monotonic()
    with context.database.session() as session:
        found = events.events_after(session, after, inspection_id)
        return [EventRow.of(r, started) for r in found]


def _changes(context: LiveContext, after: int) -> list[ChangeRow]:
    started = time.monotonic()
    with context.database.session() as session:
        return [ChangeRow.of(r, started) for r in events.changes_after(session, after)]


def _change_edge(context: LiveContext, row: ChangeRow) -> Edge[FindingChangeEvent]:
    """One edge exactly as Query.findingChanges builds it (core/graphql/integrations/fields.py)."""
    current = feed.public_findings(
        context.session, context.registry, [row.finding_id], with_agreements=False
    )
    found = current.get(row.finding_id)
    node = FindingChangeEvent(
        change=ChangeKind(row.change),
        occurred_at=row.occurred_at,
        finding_id=strawberry.ID(feed.finding_global_id(row.finding_id)),
        finding=PublishedFinding.of(found, context.registry) if found else None,
    )
    return Edge(cursor=encode_cursor(row.id), node=node)


async def _change_stream(
    context: LiveContext, subscriber: Subscriber, after: int | None
) -> AsyncGenerator[Edge[FindingChangeEvent], None]:
    assert context.bus is not None
    recheck = _Recheck(
        context, "feed", lambda session, viewer: viewer.role in (Role.INTEGRATOR, Role.ADMIN)
    )
    try:
        last = after or 0
        if after is not None:
            while True:
                found = await context.run(partial(_changes, context, last))
                if not found:
                    break
                for row in found:
                    last = row.id
                    if not await recheck.still_allowed(row.read_at):
                        return
                    context.fresh()
                    yield await context.run(partial(_change_edge, context, row))
                    await _delivered(context)
        async for item in _live(subscriber, context, last):
            assert isinstance(item, ChangeRow)
            if not await recheck.still_allowed(item.read_at):
                return
            context.fresh()
            yield await context.run(partial(_change_edge, context, item))
            await _delivered(context)
    finally:
        context.bus.remove(subscriber)
        context.close()
