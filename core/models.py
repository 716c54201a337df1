"""SQLAlchemy models: what core stores. Plugins' contributions are stored by code only.

Relationships never lazy-load (``lazy="raise"``): a resolver that forgets to batch its loads fails
loudly in tests instead of quietly issuing one query per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import repeat
from operator import add as _add
from operator import attrgetter, methodcaller
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores none of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On SQLite, the stored text parsed and made UTC in one step: SQLAlchemy's own parsing
        then this decorator's cost ~3.5 us a value (7 ms of a 1,000-finding page's 11 ms row
        statement); ``datetime.fromisoformat`` reads the format SQLAlchemy writes. Where the
        driver gives datetimes (PostgreSQL), ``process_result_value`` in one call."""
        standard = super().result_processor(dialect, coltype)
        parse, utc = dt.datetime.fromisoformat, dt.UTC
        if standard is None:
            return None
        if dialect.name != "sqlite":
            if self.impl_instance.result_processor(dialect, coltype) is not None:
                return standard  # the driver's values need converting first: SQLAlchemy's way

            def aware(value: dt.datetime | None) -> dt.datetime | None:
                # process_result_value in one call (the decorator's chain costs two more)
                if value is None:
                    return None
                zone = value.tzinfo
                if zone is utc:  # the session is in UTC (core/database.py): as it is
                    return value
                return value.replace(tzinfo=utc) if zone is None else value.astimezone(utc)

            return aware

        def process(value: Any) -> dt.datetime | None:
            if value is None:
                return None
            try:
                parsed = parse(value)
            except (TypeError, ValueError):  # not text in that format: SQLAlchemy's way
                result: dt.datetime | None = standard(value)
                return result
            return parsed.replace(tzinfo=utc) if parsed.tzinfo is None else parsed.astimezone(utc)

        return process

    def column_processor(self, dialect: Any, coltype: Any) -> Any:
        """A whole column's conversion at once, for reads of many rows (``feed._fetched``),
        without a Python call per value, or None. On SQLite each stored text read as UTC by
        ``datetime.fromisoformat`` alone; on PostgreSQL a ``timestamptz`` column's datetimes
        (aware, in the session's zone) moved to UTC. Where a value is not that plain case (a
        null, a text with an offset of its own) it raises, and the caller converts value by
        value."""
        if dialect.name == "sqlite":
            parse = dt.datetime.fromisoformat

            def from_text(values: Sequence[Any]) -> list[dt.datetime]:
                return list(map(parse, map(_add, values, repeat("+00:00", len(values)))))

            return from_text
        if dialect.name == "postgresql" and coltype == _TIMESTAMPTZ:
            return _all_in_utc
        return None


# PostgreSQL's type oid for timestamptz (pg_type, fixed): psycopg's description gives it.
_TIMESTAMPTZ = 1184
_in_utc = methodcaller("astimezone", dt.UTC)


_zone = attrgetter("tzinfo")


def _all_in_utc(values: Sequence[Any]) -> Sequence[dt.datetime]:
    # The session is in UTC (core/database.py), so the values usually are already: one pass
    # over their zones in C, and the column as it is.
    if set(map(_zone, values)) == {dt.UTC}:
        return values
    return list(map(_in_utc, values))  # a null raises: the caller goes value by value


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LocalArea(Base):
    """A local authority area; the unit a JTAI inspects."""

    __tablename__ = "local_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # ONS-style code; synthetic in demos
    name: Mapped[str] = mapped_column(String(200))

    agencies: Mapped[list[Agency]] = relationship(back_populates="area", lazy="raise")


class Agency(Base):
    """A local agency of one area (the local authority, the police force, a health trust...)."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("local_areas.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))  # core.contributions.AgencyKind value
    name: Mapped[str] = mapped_column(String(200))

    area: Mapped[LocalArea] = relationship(back_populates="agencies", lazy="raise")


class Inspector(Base):
    """A member of one inspectorate's staff."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    inspectorate: Mapped[str] = mapped_column(String(40))  # code of a registered inspectorate


class Inspection(Base):
    """One JTAI of one area, under exactly one framework."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("local_areas.id"), index=True)
    framework: Mapped[str] = mapped_column(String(60))  # code of a registered framework
    notification_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    # When ``jtai retention purge`` deleted its child-level data (core/retention.py).
    child_data_purged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())

    area: Mapped[LocalArea] = relationship(lazy="raise")
    team: Mapped[list[TeamMember]] = relationship(back_populates="inspection", lazy="raise")


class InspectionInspectorate(Base):
    """An inspectorate taking part in one inspection, fixed when the inspection is created.

    Installing or removing a plugin later never changes who takes part in an existing inspection.
    """

    __tablename__ = "inspection_inspectorates"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    )
    inspectorate: Mapped[str] = mapped_column(String(40), primary_key=True)


class TeamMember(Base):
    """An inspector on an inspection's team; exactly one is the lead inspector."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("inspection_id", "inspector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    inspection: Mapped[Inspection] = relationship(back_populates="team", lazy="raise")
    inspector: Mapped[Inspector] = relationship(lazy="raise")


class Child(Base):
    """A child known to the area during one inspection, recorded once by the LA's unique ID.

    Synthetic data only, anywhere outside a production deployment.
    """

    __tablename__ = "children"
    # The unique index leads with inspection_id, so it serves lookups by inspection too.
    __table_args__ = (UniqueConstraint("inspection_id", "local_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    local_id: Mapped[str] = mapped_column(String(60))  # the LA's child unique ID
    gender: Mapped[str | None] = mapped_column(String(20))
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    expected_date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    has_disability: Mapped[bool | None] = mapped_column(Boolean)
    lives_with_domestic_abuse: Mapped[bool | None] = mapped_column(Boolean)
    # Set when a replaced list left the child on no list but the team still needs the child
    # (chosen, asked about, cited by evidence); cleared when a list names the child again.
    delisted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class EvidenceRecord(Base):
    """Evidence an inspector records with one of their inspectorate's forms.

    Answers are stored as JSON keyed by question code: the forms are the plugins' data, and the
    typed GraphQL view of each form is generated from that data.
    """

    __tablename__ = "evidence_records"
    __table_args__ = (
        Index("ix_evidence_inspection_form", "inspection_id", "inspectorate", "form"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    inspectorate: Mapped[str] = mapped_column(String(40))
    form: Mapped[str] = mapped_column(String(80))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The version of the form the answers were recorded against (EvidenceForm.version).
    form_version: Mapped[int] = mapped_column(default=1, server_default="1")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)


class IssuedRequest(Base):
    """One framework document request, issued to one agency (and one child, for per-child ones).

    Its status is derived from ``due_at``, ``received_at`` and the time of asking, never stored,
    so it cannot go stale.
    """

    __tablename__ = "issued_requests"
    __table_args__ = (
        # child_key is the child's id, or 0 for an area request: NULLs would not be unique.
        UniqueConstraint("inspection_id", "reference", "agency_id", "child_key"),
        Index("ix_issued_requests_agency", "agency_id", "due_at"),
        # The tracker's order (Inspection.requests: soonest due first, then id): its page is read
        # in index order instead of sorting the inspection's requests. It also serves every lookup
        # by inspection_id alone, so that column has no index of its own.
        Index("ix_issued_requests_inspection_due", "inspection_id", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(60))  # the plugin's DocumentRequest.reference
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), index=True)
    child_key: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # Set when the child it is about was untracked before it was answered: kept, never deleted,
    # so the agency and the tracker see it was withdrawn (core/workflow/corrections.py).
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class Document(Base):
    """A file an agency sent in answer to a request. The bytes live in the document store."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("request_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("issued_requests.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    uploaded_by_token_id: Mapped[int | None] = mapped_column()


class DocumentChunk(Base):
    """A piece of a document's bytes, when documents are stored in the database
    (core/workflow/storage.py): written in the transaction that records the document, so the two
    commit together or not at all."""

    __tablename__ = "document_chunks"

    storage_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)  # 0, 1, 2... in order
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ListUpload(Base):
    """An accepted Annex A list: where it came from and the summary of the queries flagged for
    the inspector (every query counted, grouped by code and column); the queries themselves are
    ``ListQuery`` rows."""

    __tablename__ = "list_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(ForeignKey("issued_requests.id"), index=True)
    list_code: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column()
    # core.workflow.list_problems; the default only fills rows older than the column.
    query_summary: Mapped[dict[str, Any]] = mapped_column(JSON, server_default=text("'{}'"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ListQuery(Base):
    """A problem of severity QUERY in an accepted list, kept for the inspectors: the first
    ``JTAI_MAX_LIST_QUERIES`` of each list, in the order found. Deleted when its list is
    replaced, since its value quotes a row that is no longer kept."""

    __tablename__ = "list_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("list_uploads.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    row_number: Mapped[int | None] = mapped_column()
    column_header: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(Text)


class ListRow(Base):
    """A child's row on one list: each list membership keeps its own fields. A list with no child
    ID column (the fieldwork week's meetings) keeps its rows with no child."""

    __tablename__ = "list_rows"
    __table_args__ = (Index("ix_list_rows_inspection_list", "inspection_id", "list_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("list_uploads.id", ondelete="CASCADE"), index=True
    )
    list_code: Mapped[str] = mapped_column(String(60))
    row_number: Mapped[int] = mapped_column()
    values: Mapped[dict[str, Any]] = mapped_column(JSON)  # JSON-ready: dates as ISO strings


class ChildSelection(Base):
    """A child chosen by the inspection team: one of the 20 selected, tracked, or sampled."""

    __tablename__ = "child_selections"
    __table_args__ = (UniqueConstraint("inspection_id", "child_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # selected | tracked | sampled
    chosen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # chosen after its milestone
    reason: Mapped[str | None] = mapped_column(Text)  # why it was suggested, or a note
    list_code: Mapped[str | None] = mapped_column(String(60))  # for sampled: the list it came from


class Untracking(Base):
    """A tracked child taken out of tracking (a correction): when, by whom, and why."""

    __tablename__ = "untrackings"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    tracked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    untracked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    untracked_by_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # after the joint evaluations' due
    reason: Mapped[str | None] = mapped_column(Text)
    cancelled_requests: Mapped[int] = mapped_column(default=0)


class Meeting(Base):
    """A multi-agency meeting in the fieldwork week that an inspector may observe: added by hand
    or made from a row of the accepted meetings list (``list_row_number`` set)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    meeting_type: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    venue: Mapped[str | None] = mapped_column(String(200))
    attending_inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"))
    child_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The meetings list row it came from: its number, and the row while the list is current.
    list_row_number: Mapped[int | None] = mapped_column()
    list_row_id: Mapped[int | None] = mapped_column(
        ForeignKey("list_rows.id", ondelete="SET NULL"), index=True
    )
    edited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # by hand: lists skip it
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # kept, shown as removed


class PersonToMeet(Base):
    """Someone inspectors talk to (para 7): a MARAC coordinator, Cafcass, IDVAs, the sector."""

    __tablename__ = "people_to_meet"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    arranged_for: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    edited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())  # kept, shown as removed


class Consent(Base):
    """Consent of a tracked child, or of their parent or carer, to meet inspectors, or why not."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("inspection_id", "child_id", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    person: Mapped[str] = mapped_column(String(20))  # child | parent_or_carer
    outcome: Mapped[str] = mapped_column(String(20))  # given | refused | not_possible
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    recorded_by_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))


class Finding(Base):
    """A strength, area for improvement or area for priority action; never a grade.

    Joint: it is published only once every inspectorate taking part has agreed it.
    """

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(
        String(30)
    )  # strength | area_for_improvement | priority_action
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    headline: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | published
    created_by_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class FindingCriterion(Base):
    __tablename__ = "finding_criteria"

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    criterion_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class FindingAgency(Base):
    __tablename__ = "finding_agencies"

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, index=True)


class FindingEvidence(Base):
    __tablename__ = "finding_evidence"

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_records.id"), primary_key=True)


class FindingAgreement(Base):
    """One inspectorate's agreement to a finding: who agreed and when."""

    __tablename__ = "finding_agreements"
    __table_args__ = (UniqueConstraint("finding_id", "inspectorate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    inspectorate: Mapped[str] = mapped_column(String(40))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"))
    agreed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)


class FindingEvent(Base):
    """A finding's history: each step taken on it (agreed, agreement withdrawn, published,
    withdrawn, republished...), by whom and, for a correction, why."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))  # core.workflow.findings.FindingAction
    inspectorate: Mapped[str | None] = mapped_column(String(40))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)


class Report(Base):
    """The parts of the published letter that are not findings (DOMAIN.md section 7)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), unique=True
    )
    context: Mapped[str] = mapped_column(Text, default="")
    practice_study_effective: Mapped[str] = mapped_column(Text, default="")
    practice_study_improvement: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    statement_due_on: Mapped[dt.date | None] = mapped_column(Date)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ReportVersion(Base):
    """A published version of the letter, frozen: the page and the data it was built from.

    ``publishReport`` writes version 1; publishing it again after a finding was published or
    withdrawn writes the next one, with its own date. Versions are never changed or deleted.
    """

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("inspection_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    published_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    letter: Mapped[str] = mapped_column(Text)  # core.workflow.report_versions' JSON
    html: Mapped[str] = mapped_column(Text)


class FindingChange(Base):
    """The change feed: one row each time a published finding appears, changes or is withdrawn.

    Its id is the cursor integrators pull from ('everything changed after this cursor').
    """

    __tablename__ = "finding_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    change: Mapped[str] = mapped_column(String(20))  # published|updated|withdrawn|republished
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)


class InspectionEvent(Base):
    """What happened in an inspection, one row per event, for GraphQL subscriptions
    (core/events.py): written in the transaction of the change itself, so a rolled-back change
    is never announced. Ids only, never personal data; deleted with the inspection.

    Its id is the cursor a subscriber resumes from. ``overdue_request_id`` is set only on a
    request's OVERDUE event, so that every worker may try to record it and one row results.
    """

    __tablename__ = "inspection_events"
    __table_args__ = (Index("ix_inspection_events_inspection", "inspection_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    # What the event is about: plain ids (no foreign keys), so that removing a row the event
    # names (a child no list needs any more) leaves the history alone; the payload is then null.
    request_id: Mapped[int | None] = mapped_column()
    agency_id: Mapped[int | None] = mapped_column()  # a request's agency: agency users' scope
    list_upload_id: Mapped[int | None] = mapped_column()
    child_id: Mapped[int | None] = mapped_column()
    evidence_id: Mapped[int | None] = mapped_column()
    finding_id: Mapped[int | None] = mapped_column()
    report_version: Mapped[int | None] = mapped_column()  # the letter's version number
    overdue_request_id: Mapped[int | None] = mapped_column(unique=True)


class Webhook(Base):
    """A system that wants findings pushed: each delivery is signed with HMAC over the body."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))  # shared with the receiver to sign bodies
    label: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)


class WebhookDelivery(Base):
    """One change to deliver to one webhook, with its attempts: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    change_id: Mapped[int] = mapped_column(ForeignKey("finding_changes.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)  # the exact bytes signed, as UTF-8 JSON
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """One mutation, or one read of child-level data: who, when, what operation, which ids, how it
    ended. Never values or free text from records. Append-only: the database refuses updates and
    deletes (see migration 0002); there are no foreign keys, so it outlives what it names."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_occurred_at", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    request_id: Mapped[str] = mapped_column(String(32))
    token_id: Mapped[int | None] = mapped_column()
    role: Mapped[str | None] = mapped_column(String(40))
    inspector_id: Mapped[int | None] = mapped_column()
    agency_id: Mapped[int | None] = mapped_column()
    # Who signed in with an identity provider's JWT: its issuer and subject, and the email
    # claim used to find the inspector (core/jwt_auth.py); null for the CLI's tokens (token_id).
    actor_issuer: Mapped[str | None] = mapped_column(String(300))
    actor_subject: Mapped[str | None] = mapped_column(String(300))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    operation_type: Mapped[str] = mapped_column(String(20))
    operation_name: Mapped[str | None] = mapped_column(String(200))
    document_hash: Mapped[str] = mapped_column(String(64))
    touched: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    # What a retention purge removed, as counts by kind (never ids or values).
    counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(20))
    # The hash chain (core/audit_chain.py): the previous event's hash, and this one's.
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


__all__ = [
    "Agency",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Child",
    "DocumentChunk",
    "EvidenceRecord",
    "Inspection",
    "Inspector",
    "LocalArea",
    "TeamMember",
]
