"""How long child-level data is kept, and its deletion once an inspection is past that period.

``JTAI_RETENTION_DAYS_AFTER_LETTER`` days after an inspection's letter is published, its
child-level data has served its purpose. There is no default: the right period is the
inspectorates' decision, and until it is set nothing is purged (``jtai retention status`` says
so). ``jtai retention purge`` then deletes, for each inspection past its period, in one
transaction per inspection: its children, list rows, uploaded lists and their queries,
selections (selected, tracked, sampled), evidence records (with their links from findings),
consent, meetings' links to children, per-child requests' links to children, every document
with its stored bytes, and the inspection's event history (core/events.py). It keeps the
published findings, the letter, the requests (counts and dates), the inspection itself and the
audit trail (which names ids, never values). Each purge writes an audit event with the counts of
what it removed.

Bytes in the database store go with the transaction; files are removed once it has committed
(a crash in between leaves files no document names, which ``jtai documents sweep`` removes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.database import Database
from core.models import (
    Child,
    ChildSelection,
    Consent,
    Document,
    EvidenceRecord,
    FindingEvidence,
    Inspection,
    InspectionEvent,
    IssuedRequest,
    ListQuery,
    ListRow,
    ListUpload,
    Meeting,
    Report,
    utc_now,
)
from core.viewer import Viewer
from core.workflow.storage import DocumentStore

SETTING = "JTAI_RETENTION_DAYS_AFTER_LETTER"
NOT_SET = (
    f"{SETTING} is not set, so no child-level data is ever purged. Set it to the number of days "
    "child-level data is kept after an inspection's letter is published."
)
PURGE = audit.Operation(type="retention", name="purge", document="jtai retention purge")


@dataclass(frozen=True, slots=True)
class Letter:
    """An inspection with a published letter, and when its child-level data falls due."""

    inspection_id: int
    reference: str
    published_at: dt.datetime
    purge_from: dt.datetime
    purged_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Purged:
    reference: str
    counts: dict[str, int]  # what was (or, in a dry run, would be) removed, by kind

    def summary(self) -> str:
        removed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.counts.items())
        return f"{self.reference}: {removed}"


def letters(session: Session, days: int) -> list[Letter]:
    """Every inspection whose letter is published, oldest letter first."""
    rows = session.execute(
        select(
            Inspection.id,
            Inspection.reference,
            Report.published_at,
            Inspection.child_data_purged_at,
        )
        .join(Report, Report.inspection_id == Inspection.id)
        .where(Report.published_at.is_not(None))
        .order_by(Report.published_at, Inspection.id)
    ).all()
    return [
        Letter(i, reference, published, published + dt.timedelta(days=days), purged)
        for i, reference, published, purged in rows
        if published is not None  # as the query has it; for the type checker
    ]


def due(session: Session, days: int, now: dt.datetime) -> list[Letter]:
    return [
        letter
        for letter in letters(session, days)
        if letter.purged_at is None and letter.purge_from <= now
    ]


def _count(session: Session, statement: Select[Any]) -> int:
    return session.scalar(statement) or 0


def _purge_rows(
    session: Session, store: DocumentStore, inspection_id: int
) -> tuple[dict[str, int], list[Callable[[], None]]]:
    """Delete one inspection's child-level data in the caller's transaction; returns the counts
    and what removes stored files once the transaction has committed."""
    counts: dict[str, int] = {}
    after_commit: list[Callable[[], None]] = []
    requests = select(IssuedRequest.id).where(IssuedRequest.inspection_id == inspection_id)
    documents = session.execute(
        select(Document.storage_key, Document.size_bytes).where(Document.request_id.in_(requests))
    ).all()
    for key, _ in documents:
        after_commit.append(store.delete(session, key))
    session.execute(delete(Document).where(Document.request_id.in_(requests)))
    counts["documents"] = len(documents)
    counts["document_bytes"] = sum(size for _, size in documents)

    uploads = select(ListUpload.id).where(ListUpload.inspection_id == inspection_id)
    counts["list_queries"] = _count(
        session, select(func.count()).where(ListQuery.upload_id.in_(uploads))
    )
    session.execute(delete(ListQuery).where(ListQuery.upload_id.in_(uploads)))
    counts["list_rows"] = _deleted(session, ListRow, ListRow.inspection_id == inspection_id)
    counts["lists"] = _deleted(session, ListUpload, ListUpload.inspection_id == inspection_id)

    evidence = select(EvidenceRecord.id).where(EvidenceRecord.inspection_id == inspection_id)
    counts["finding_evidence_links"] = _count(
        session, select(func.count()).where(FindingEvidence.evidence_id.in_(evidence))
    )
    session.execute(delete(FindingEvidence).where(FindingEvidence.evidence_id.in_(evidence)))
    counts["evidence_records"] = _deleted(
        session, EvidenceRecord, EvidenceRecord.inspection_id == inspection_id
    )
    counts["consents"] = _deleted(session, Consent, Consent.inspection_id == inspection_id)
    counts["selections"] = _deleted(
        session, ChildSelection, ChildSelection.inspection_id == inspection_id
    )
    links = 0
    for meeting in session.scalars(select(Meeting).where(Meeting.inspection_id == inspection_id)):
        links += len(meeting.child_ids or [])
        meeting.child_ids = []
    counts["meeting_child_links"] = links
    per_child = (IssuedRequest.inspection_id == inspection_id) & IssuedRequest.child_id.is_not(None)
    counts["request_child_links"] = _count(
        session, select(func.count()).select_from(IssuedRequest).where(per_child)
    )
    session.execute(update(IssuedRequest).where(per_child).values(child_id=None))
    counts["children"] = _deleted(session, Child, Child.inspection_id == inspection_id)
    # The subscriptions' history names children, evidence and lists by id: it goes too.
    counts["inspection_events"] = _deleted(
        session, InspectionEvent, InspectionEvent.inspection_id == inspection_id
    )
    session.flush()
    return counts, after_commit


def _deleted(session: Session, model: type[Any], where: ColumnElement[bool]) -> int:
    count = _count(session, select(func.count()).select_from(model).where(where))
    session.execute(delete(model).where(where))
    return count


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, so that it rolls back."""


def purge(
    database: Database,
    store: DocumentStore,
    days: int,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> list[Purged]:
    """Purge every inspection past its period, one transaction each. A dry run does the same
    work and rolls it back, so its counts are exactly what a purge would remove."""
    now = now or utc_now()
    with database.session() as session:
        todo = due(session, days, now)
    done: list[Purged] = []
    for letter in todo:
        try:
            with database.write() as session:
                inspection = session.get(Inspection, letter.inspection_id, with_for_update=True)
                if inspection is None or inspection.child_data_purged_at is not None:
                    continue  # purged meanwhile by another run
                counts, after_commit = _purge_rows(session, store, letter.inspection_id)
                inspection.child_data_purged_at = now
                done.append(Purged(letter.reference, counts))
                if dry_run:
                    raise _DryRun
                event = audit.event(
                    viewer=Viewer(),
                    request_id=f"retention-{letter.inspection_id}",
                    operation=PURGE,
                    touched={"Inspection": {letter.inspection_id}},
                    outcome=audit.OK,
                )
                event.counts = counts
                audit.append(session, event)
        except _DryRun:
            continue
        for remove in after_commit:
            remove()
    return done
