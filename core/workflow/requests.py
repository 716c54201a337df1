"""Issuing the framework's document requests to the area's agencies, and their status.

A request is issued once per addressed agency (and per tracked child, for per-child requests),
with its due time computed from the notification date. Its status is derived from now, the due
time and when it was received; it is never stored, so it cannot go stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from core import access, events
from core.contributions import DocumentRequest, RequestScope
from core.events import EventKind
from core.models import Agency, Child, Inspection, IssuedRequest, utc_now
from core.registry import Registry
from core.timetable import due_at
from core.viewer import Role, Viewer
from core.workflow.participation import participant_codes
from core.workflow.rules import Problem, ProblemKind, Ref, Refused, is_lead, not_found_as_given


class RequestStatus(StrEnum):
    OUTSTANDING = "outstanding"  # not received, not yet due
    OVERDUE = "overdue"  # not received, past due
    RECEIVED = "received"  # received by the due time
    RECEIVED_LATE = "received_late"  # received after it
    CANCELLED = "cancelled"  # its child was untracked before it was answered: asked no more


class Dated(Protocol):
    """What a request's status depends on: a row, or the graph's node of it."""

    @property
    def due_at(self) -> dt.datetime: ...
    @property
    def received_at(self) -> dt.datetime | None: ...
    @property
    def cancelled_at(self) -> dt.datetime | None: ...


def request_status(request: Dated, now: dt.datetime | None = None) -> RequestStatus:
    if request.cancelled_at is not None:
        return RequestStatus.CANCELLED
    if request.received_at is not None:
        late = request.received_at > request.due_at
        return RequestStatus.RECEIVED_LATE if late else RequestStatus.RECEIVED
    return (
        RequestStatus.OVERDUE if (now or utc_now()) > request.due_at else RequestStatus.OUTSTANDING
    )


def status_clause(status: RequestStatus, now: dt.datetime) -> ColumnElement[bool]:
    """``request_status(request, now) is status``, as SQL, so that lists filter and page in SQL."""
    received, due = IssuedRequest.received_at, IssuedRequest.due_at
    cancelled = IssuedRequest.cancelled_at
    if status is RequestStatus.CANCELLED:
        return cancelled.is_not(None)
    if status is RequestStatus.OUTSTANDING:
        return and_(received.is_(None), cancelled.is_(None), due >= now)
    if status is RequestStatus.OVERDUE:
        return and_(received.is_(None), cancelled.is_(None), due < now)
    if status is RequestStatus.RECEIVED:
        return and_(received.is_not(None), received <= due)
    return and_(received.is_not(None), received > due)


def _issue(
    session: Session,
    inspection: Inspection,
    requests: Sequence[DocumentRequest],
    child: Child | None,
) -> list[IssuedRequest]:
    agencies = session.scalars(
        select(Agency).where(Agency.area_id == inspection.area_id).order_by(Agency.id)
    ).all()
    existing = {
        (r.reference, r.agency_id, r.child_key)
        for r in session.scalars(
            select(IssuedRequest).where(IssuedRequest.inspection_id == inspection.id)
        )
    }
    child_key = child.id if child is not None else 0
    issued = []
    for request in requests:
        due = due_at(request.deadline, inspection.notification_date).astimezone(dt.UTC)
        for agency in agencies:
            if agency.kind not in request.addressed_to:
                continue
            if (request.reference, agency.id, child_key) in existing:
                continue  # issuing again is harmless: the request stands as it was
            row = IssuedRequest(
                inspection_id=inspection.id,
                reference=request.reference,
                agency_id=agency.id,
                child_id=child.id if child is not None else None,
                child_key=child_key,
                due_at=due,
            )
            session.add(row)
            issued.append(row)
    session.flush()
    for row in issued:
        events.record_request(session, EventKind.REQUEST_ISSUED, row)
    return issued


def issue_area_requests(
    session: Session, registry: Registry, inspection: Inspection
) -> list[IssuedRequest]:
    """Issue every once-per-area request of the inspection's framework; idempotent."""
    taking_part = participant_codes(session, inspection.id)
    requests = [
        o.item
        for o in registry.document_requests_of(inspection.framework)
        if o.item.scope is not RequestScope.TRACKED_CHILD and o.owner in taking_part
    ]
    return _issue(session, inspection, requests, None)


def issue_child_requests(
    session: Session, registry: Registry, inspection: Inspection, child: Child
) -> list[IssuedRequest]:
    """Issue the per-tracked-child requests (case files, joint evaluation, consent); idempotent."""
    taking_part = participant_codes(session, inspection.id)
    requests = [
        o.item
        for o in registry.document_requests_of(inspection.framework)
        if o.item.scope is RequestScope.TRACKED_CHILD and o.owner in taking_part
    ]
    return _issue(session, inspection, requests, child)


def cancel_child_requests(
    session: Session, inspection: Inspection, child: Child, now: dt.datetime
) -> list[int]:
    """Cancel the child's per-child requests not yet answered (kept, never deleted); returns their
    ids. Answered ones stand, with what was sent."""
    cancelled = session.scalars(
        update(IssuedRequest)
        .where(
            IssuedRequest.inspection_id == inspection.id,
            IssuedRequest.child_id == child.id,
            IssuedRequest.received_at.is_(None),
            IssuedRequest.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .returning(IssuedRequest.id)
        .execution_options(synchronize_session="fetch")
    )
    return sorted(cancelled)


def reinstate_child_requests(session: Session, inspection: Inspection, child: Child) -> list[int]:
    """Tracking a child again asks again what its untracking cancelled."""
    reinstated = session.scalars(
        update(IssuedRequest)
        .where(
            IssuedRequest.inspection_id == inspection.id,
            IssuedRequest.child_id == child.id,
            IssuedRequest.cancelled_at.is_not(None),
        )
        .values(cancelled_at=None)
        .returning(IssuedRequest.id)
        .execution_options(synchronize_session="fetch")
    )
    return sorted(reinstated)


def issue(
    session: Session, registry: Registry, viewer: Viewer, inspection_ref: Ref
) -> tuple[Inspection, list[IssuedRequest], list[IssuedRequest]]:
    """Issue the inspection's once-per-area requests (its lead inspector or an admin): the
    inspection, the requests issued now, and all its requests by due time."""
    field = "inspectionId"
    inspection = session.scalar(
        select(Inspection).where(
            Inspection.id == inspection_ref.id, access.inspections_visible_to(viewer)
        )
    )
    if inspection is None:
        raise Refused(not_found_as_given(field, inspection_ref.given, "inspection"))
    if viewer.role is not Role.ADMIN and not is_lead(session, viewer, inspection):
        raise Refused(
            Problem(
                ProblemKind.NOT_ALLOWED,
                field,
                f"Only the lead inspector of {inspection.reference} (or an admin) issues its "
                "document requests.",
            )
        )
    issued = issue_area_requests(session, registry, inspection)
    rows = session.scalars(
        select(IssuedRequest)
        .where(IssuedRequest.inspection_id == inspection.id)
        .order_by(IssuedRequest.due_at, IssuedRequest.id)
    )
    return inspection, issued, list(rows)
