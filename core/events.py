"""What happened in an inspection, recorded for GraphQL subscriptions.

The workflow calls ``record`` inside the transaction of the change itself: the event row and, on
PostgreSQL, its ``NOTIFY`` commit with the change or not at all, so a rolled-back change is never
announced. Rows hold ids only (never names or values); the subscription resolvers load what an
event is about through the graph's own scoped loaders. ``core/event_bus.py`` fans events out.

Event ids are the subscribers' cursors, so they must become visible in order: on PostgreSQL two
transactions could take ids 10 and 11 and commit 11 first, and a reader that moved past 11 would
never see 10. Writers therefore take the change feed's advisory lock (one for both tables, so no
two locks are ever taken in opposite orders); SQLite writers are serial already.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.models import FindingChange, InspectionEvent, IssuedRequest, utc_now

CHANNEL = "jtai_events"  # the PostgreSQL NOTIFY channel: a wake-up; the rows are the truth
EVENTS_LOCK = 7_461_001  # the change feed's advisory lock (core/workflow/findings.FEED_LOCK)


class EventKind(StrEnum):
    REQUEST_ISSUED = "REQUEST_ISSUED"
    REQUEST_RECEIVED = "REQUEST_RECEIVED"  # answered on time
    REQUEST_LATE = "REQUEST_LATE"  # answered after its deadline
    REQUEST_OVERDUE = "REQUEST_OVERDUE"  # its deadline passed unanswered
    LIST_ACCEPTED = "LIST_ACCEPTED"
    LIST_REFUSED = "LIST_REFUSED"
    CHILD_SELECTED = "CHILD_SELECTED"
    CHILD_TRACKED = "CHILD_TRACKED"
    CHILD_UNTRACKED = "CHILD_UNTRACKED"
    EVIDENCE_RECORDED = "EVIDENCE_RECORDED"
    COVERAGE_CHANGED = "COVERAGE_CHANGED"
    FINDING_CREATED = "FINDING_CREATED"
    FINDING_AGREED = "FINDING_AGREED"
    FINDING_PUBLISHED = "FINDING_PUBLISHED"
    FINDING_WITHDRAWN = "FINDING_WITHDRAWN"
    LETTER_PUBLISHED = "LETTER_PUBLISHED"


REQUEST_KINDS = frozenset(
    {
        EventKind.REQUEST_ISSUED,
        EventKind.REQUEST_RECEIVED,
        EventKind.REQUEST_LATE,
        EventKind.REQUEST_OVERDUE,
    }
)


def _serialise(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK})


def notify(session: Session) -> None:
    """Wake every worker's event bus when this transaction commits (PostgreSQL delivers a NOTIFY
    on commit only, once per distinct payload); SQLite workers poll instead."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


REVOKED = "revoked:"  # a NOTIFY payload: the token with this id was revoked


def notify_revoked(session: Session, token_id: int) -> None:
    """Tell every worker, on commit, to close the subscriptions of a revoked token (PostgreSQL;
    on SQLite the next event or keep-alive finds the token revoked)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": f"{REVOKED}{token_id}"},
        )


def record(
    session: Session,
    kind: EventKind,
    inspection_id: int,
    *,
    request_id: int | None = None,
    agency_id: int | None = None,
    list_upload_id: int | None = None,
    child_id: int | None = None,
    evidence_id: int | None = None,
    finding_id: int | None = None,
    report_version: int | None = None,
    now: dt.datetime | None = None,
) -> InspectionEvent:
    """Record one event in the caller's transaction (and announce it when that commits)."""
    _serialise(session)
    event = InspectionEvent(
        inspection_id=inspection_id,
        kind=kind.value,
        occurred_at=now or utc_now(),
        request_id=request_id,
        agency_id=agency_id,
        list_upload_id=list_upload_id,
        child_id=child_id,
        evidence_id=evidence_id,
        finding_id=finding_id,
        report_version=report_version,
    )
    session.add(event)
    session.flush()
    notify(session)
    return event


def record_request(session: Session, kind: EventKind, request: IssuedRequest) -> InspectionEvent:
    return record(
        session,
        kind,
        request.inspection_id,
        request_id=request.id,
        agency_id=request.agency_id,
    )


def record_overdue(session: Session, now: dt.datetime) -> int:
    """Record REQUEST_OVERDUE once for each request whose deadline has passed unanswered.

    Every worker runs this; the unique ``overdue_request_id`` makes the insert of a request
    already announced (by this worker or another machine) do nothing. Returns how many it added.
    """
    announced = exists().where(InspectionEvent.overdue_request_id == IssuedRequest.id)
    due = session.execute(
        select(IssuedRequest.id, IssuedRequest.inspection_id, IssuedRequest.agency_id)
        .where(
            IssuedRequest.due_at < now,
            IssuedRequest.received_at.is_(None),
            IssuedRequest.cancelled_at.is_(None),
            ~announced,
        )
        .order_by(IssuedRequest.id)
        .limit(500)
    ).all()
    if not due:
        return 0
    _serialise(session)
    rows = [
        {
            "inspection_id": inspection_id,
            "kind": EventKind.REQUEST_OVERDUE.value,
            "occurred_at": now,
            "request_id": request_id,
            "agency_id": agency_id,
            "overdue_request_id": request_id,
        }
        for request_id, inspection_id, agency_id in due
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(InspectionEvent).on_conflict_do_nothing(
        index_elements=[InspectionEvent.overdue_request_id]
    )
    added = 0
    for row in rows:  # one by one: a row another worker added just now is skipped, not fatal
        result = session.execute(statement, row)
        added += max(getattr(result, "rowcount", 0) or 0, 0)
    if added:
        notify(session)
    return added


def latest_ids(session: Session) -> tuple[int, int]:
    """The newest event id and change feed id (0 when empty): where live delivery starts."""
    event = session.scalar(select(func.max(InspectionEvent.id))) or 0
    change = session.scalar(select(func.max(FindingChange.id))) or 0
    return event, change


def events_after(
    session: Session, after_id: int, inspection_id: int | None = None, limit: int = 500
) -> Sequence[InspectionEvent]:
    """Events after ``after_id``, oldest first (of one inspection, if given)."""
    clauses = [InspectionEvent.id > after_id]
    if inspection_id is not None:
        clauses.append(InspectionEvent.inspection_id == inspection_id)
    return session.scalars(
        select(InspectionEvent).where(and_(*clauses)).order_by(InspectionEvent.id).limit(limit)
    ).all()


def changes_after(session: Session, after_id: int, limit: int = 500) -> Sequence[FindingChange]:
    return session.scalars(
        select(FindingChange)
        .where(FindingChange.id > after_id)
        .order_by(FindingChange.id)
        .limit(limit)
    ).all()


def encode_cursor(event_id: int) -> str:
    """An event's cursor: opaque, and distinct from the change feed's (``id:``) cursors."""
    return base64.urlsafe_b64encode(f"event:{event_id}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if prefix != "event" or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
