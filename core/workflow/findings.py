"""Findings (DOMAIN.md 7): strengths, areas for improvement and areas for priority action. Never a
grade.

A finding is joint. Inspectors on the team draft it, citing criteria of the inspection's framework,
agencies of the inspected area and evidence recorded in the inspection. One inspector of each
inspectorate taking part in the framework records that inspectorate's agreement (who and when are
kept); the lead inspector publishes it only once every one of them has agreed. Changing a draft's
content clears the agreements given to the old content.

Corrections: the inspectorate that agreed may withdraw its agreement while the finding is not
published; withdrawing a finding clears its agreements, and the lead republishes it once every
inspectorate has agreed again. Every step is kept in the finding's history (``FindingEvent``).

Publishing, and any later change, withdrawal or republication, appends a row to the change feed
(``FindingChange``) and queues a signed delivery to every active webhook, in the same transaction
as the change itself: a change is never visible without its feed row, nor the reverse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from core import events
from core.contributions import Inspectorate
from core.events import EventKind
from core.integrations.webhooks import enqueue
from core.models import (
    Agency,
    EvidenceRecord,
    Finding,
    FindingAgency,
    FindingAgreement,
    FindingChange,
    FindingCriterion,
    FindingEvent,
    FindingEvidence,
    Inspection,
    Inspector,
)
from core.registry import Registry
from core.viewer import Viewer
from core.workflow.participation import missing_plugin_problem, missing_plugins, taking_part
from core.workflow.rules import (
    Problem,
    Refused,
    clean_text,
    invalid,
    not_allowed,
    not_found,
    on_team,
    require_lead,
    viewer_name,
)

MAX_TITLE = 300
FEED_LOCK = 7_461_001  # the advisory lock that orders appends to the change feed (PostgreSQL)
MAX_TEXT = 20_000

# Reasons of refusal (FindingErrorCode in the graph).
WRONG_STATUS = "WRONG_STATUS"
INCOMPLETE = "INCOMPLETE"


class FindingKind(StrEnum):
    STRENGTH = "strength"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"
    PRIORITY_ACTION = "priority_action"  # an area for priority action


class FindingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class ChangeKind(StrEnum):
    PUBLISHED = "published"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    REPUBLISHED = "republished"  # published again after a withdrawal, agreed again


class FindingAction(StrEnum):
    """A step in a finding's history (``FindingEvent``), corrections included."""

    AGREED = "agreed"
    AGREEMENT_WITHDRAWN = "agreement_withdrawn"  # by the inspectorate that agreed
    AGREEMENTS_CLEARED = "agreements_cleared"  # the draft's content changed
    PUBLISHED = "published"
    UPDATED = "updated"  # a published finding changed
    WITHDRAWN = "withdrawn"
    REPUBLISHED = "republished"


@dataclass(frozen=True, slots=True)
class FindingContent:
    """What a finding says. ``None`` leaves a field as it is (on update)."""

    kind: FindingKind | None = None
    title: str | None = None
    text: str | None = None
    headline: bool | None = None
    criteria: Sequence[str] | None = None
    agency_ids: Sequence[int] | None = None
    evidence_ids: Sequence[int] | None = None


# --- Who may act ---------------------------------------------------------------------------------


def _require_team(session: Session, viewer: Viewer, inspection: Inspection, doing: str) -> None:
    if not on_team(session, viewer, inspection):
        raise Refused(
            not_allowed(
                f"Only inspectors on the team of {inspection.reference} {doing}; you are signed "
                f"in as {viewer_name(viewer)}."
            )
        )


def record(
    session: Session,
    finding: Finding,
    action: FindingAction,
    viewer: Viewer,
    now: dt.datetime,
) -> None:
    """Add a step to the finding's history: who (and for which inspectorate) and when."""
    session.add(
        FindingEvent(
            finding_id=finding.id,
            action=action.value,
            inspectorate=viewer.inspectorate,
            inspector_id=viewer.inspector_id,
            occurred_at=now,
        )
    )
    kind = _ANNOUNCED.get(action)
    if kind is not None:
        events.record(session, kind, finding.inspection_id, finding_id=finding.id, now=now)


# The steps of a finding's history that subscribers hear of (core/events.py).
_ANNOUNCED = {
    FindingAction.AGREED: EventKind.FINDING_AGREED,
    FindingAction.PUBLISHED: EventKind.FINDING_PUBLISHED,
    FindingAction.REPUBLISHED: EventKind.FINDING_PUBLISHED,
    FindingAction.WITHDRAWN: EventKind.FINDING_WITHDRAWN,
}


# --- Content --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resolved:
    kind: FindingKind
    title: str
    text: str
    headline: bool
    criteria: tuple[str, ...]
    agency_ids: tuple[int, ...]
    evidence_ids: tuple[int, ...]


def _current(session: Session, finding: Finding) -> _Resolved:
    return _Resolved(
        kind=FindingKind(finding.kind),
        title=finding.title,
        text=finding.text,
        headline=finding.headline,
        criteria=tuple(
            session.scalars(
                select(FindingCriterion.criterion_code)
                .where(FindingCriterion.finding_id == finding.id)
                .order_by(FindingCriterion.criterion_code)
            )
        ),
        agency_ids=tuple(
            session.scalars(
                select(FindingAgency.agency_id)
                .where(FindingAgency.finding_id == finding.id)
                .order_by(FindingAgency.agency_id)
            )
        ),
        evidence_ids=tuple(
            session.scalars(
                select(FindingEvidence.evidence_id)
                .where(FindingEvidence.finding_id == finding.id)
                .order_by(FindingEvidence.evidence_id)
            )
        ),
    )


def _resolve(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    content: FindingContent,
    base: _Resolved | None,
) -> _Resolved:
    """Validate ``content`` against the inspection, filling gaps from ``base``; every problem found
    is reported at once."""
    problems: list[Problem] = []

    def checked_text(field: str, value: str | None, limit: int, fallback: str | None) -> str:
        if value is None:
            return fallback or ""
        try:
            return clean_text(field, value.replace("\r\n", "\n"), limit, required=True) or ""
        except Refused as refused:
            problems.extend(refused.problems)
            return ""

    title = checked_text("title", content.title, MAX_TITLE, base.title if base else None)
    text = checked_text("text", content.text, MAX_TEXT, base.text if base else None)

    criteria = base.criteria if base else ()
    if content.criteria is not None:
        codes = list(dict.fromkeys(c.strip() for c in content.criteria))
        if not codes:
            problems.append(
                invalid(
                    "criteria",
                    "cite at least one criterion of the framework the finding evidences.",
                )
            )
        for index, code in enumerate(codes):
            if registry.criterion(inspection.framework, code) is None:
                problems.append(
                    invalid(
                        f"criteria[{index}]",
                        f"{code!r} is not a criterion of framework '{inspection.framework}'. "
                        f'Cite a code from framework(code: "{inspection.framework}") '
                        "{ criteria { code } }.",
                    )
                )
        criteria = tuple(sorted(codes))

    agency_ids = base.agency_ids if base else ()
    if content.agency_ids is not None:
        wanted = list(dict.fromkeys(content.agency_ids))
        found = set(
            session.scalars(
                select(Agency.id).where(Agency.id.in_(wanted), Agency.area_id == inspection.area_id)
            )
        )
        for index, agency_id in enumerate(wanted):
            if agency_id not in found:
                problems.append(not_found(f"agencyIds[{index}]", "agency of the inspected area"))
        agency_ids = tuple(sorted(wanted))

    evidence_ids = base.evidence_ids if base else ()
    if content.evidence_ids is not None:
        wanted = list(dict.fromkeys(content.evidence_ids))
        found = set(
            session.scalars(
                select(EvidenceRecord.id).where(
                    EvidenceRecord.id.in_(wanted), EvidenceRecord.inspection_id == inspection.id
                )
            )
        )
        for index, evidence_id in enumerate(wanted):
            if evidence_id not in found:
                problems.append(not_found(f"evidenceIds[{index}]", "evidence of this inspection"))
        evidence_ids = tuple(sorted(wanted))

    if problems:
        raise Refused(*problems)
    kind = content.kind or (base.kind if base else None)
    assert kind is not None, "a new finding always has a kind"
    headline = content.headline if content.headline is not None else bool(base and base.headline)
    return _Resolved(kind, title, text, headline, criteria, agency_ids, evidence_ids)


def _store(session: Session, finding: Finding, new: _Resolved, old: _Resolved | None) -> None:
    finding.kind = new.kind.value
    finding.title = new.title
    finding.text = new.text
    finding.headline = new.headline
    if old is None or old.criteria != new.criteria:
        session.execute(delete(FindingCriterion).where(FindingCriterion.finding_id == finding.id))
        session.add_all(
            FindingCriterion(finding_id=finding.id, criterion_code=c) for c in new.criteria
        )
    if old is None or old.agency_ids != new.agency_ids:
        session.execute(delete(FindingAgency).where(FindingAgency.finding_id == finding.id))
        session.add_all(FindingAgency(finding_id=finding.id, agency_id=a) for a in new.agency_ids)
    if old is None or old.evidence_ids != new.evidence_ids:
        session.execute(delete(FindingEvidence).where(FindingEvidence.finding_id == finding.id))
        session.add_all(
            FindingEvidence(finding_id=finding.id, evidence_id=e) for e in new.evidence_ids
        )
    session.flush()


def _ready_to_publish(session: Session, finding: Finding, content: _Resolved) -> list[Problem]:
    """What a published finding must cite: criteria, the agencies concerned, final evidence."""
    problems = []
    if not content.criteria:
        problems.append(invalid("criteria", "a published finding cites criteria.", code=INCOMPLETE))
    if not content.agency_ids:
        problems.append(
            invalid(
                "agencyIds", "a published finding names the agencies concerned.", code=INCOMPLETE
            )
        )
    if not content.evidence_ids:
        problems.append(
            invalid(
                "evidenceIds", "a published finding cites the evidence behind it.", code=INCOMPLETE
            )
        )
    drafts = session.scalars(
        select(EvidenceRecord.id).where(
            EvidenceRecord.id.in_(content.evidence_ids), EvidenceRecord.status != "final"
        )
    ).all()
    if drafts:
        problems.append(
            invalid(
                "evidenceIds",
                f"evidence {', '.join(str(i) for i in sorted(drafts))} is still DRAFT; the "
                "evidence behind a published finding is FINAL. Record it as FINAL first.",
                code=INCOMPLETE,
            )
        )
    return problems


# --- Steps ---------------------------------------------------------------------------------------


def create_finding(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    content: FindingContent,
    now: dt.datetime,
) -> Finding:
    """Draft a finding (inspectors on the team)."""
    _require_team(session, viewer, inspection, "draft its findings")
    if content.kind is None or content.title is None or content.text is None:
        raise Refused(invalid("input", "a finding needs a kind, a title and a text."))
    if content.criteria is None:
        raise Refused(invalid("criteria", "cite at least one criterion."))
    resolved = _resolve(session, registry, inspection, content, None)
    assert viewer.inspector_id is not None
    finding = Finding(
        inspection_id=inspection.id,
        kind=resolved.kind.value,
        title=resolved.title,
        text=resolved.text,
        headline=resolved.headline,
        status=FindingStatus.DRAFT.value,
        created_by_id=viewer.inspector_id,
        created_at=now,
        updated_at=now,
    )
    session.add(finding)
    session.flush()
    _store(session, finding, resolved, None)
    events.record(session, EventKind.FINDING_CREATED, inspection.id, finding_id=finding.id, now=now)
    return finding


def update_finding(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
    content: FindingContent,
    now: dt.datetime,
) -> bool:
    """Change a finding. Drafts: any inspector on the team; a change of content clears the
    agreements given to the old one. Published: the lead inspector only; the change goes to the
    feed as 'updated'. Returns whether anything changed."""
    status = FindingStatus(finding.status)
    if status is FindingStatus.WITHDRAWN:
        raise Refused(
            invalid(
                "findingId",
                "the finding was withdrawn; draft a new finding instead.",
                code=WRONG_STATUS,
            )
        )
    if status is FindingStatus.PUBLISHED:
        require_lead(session, viewer, inspection, "changes a published finding")
    else:
        _require_team(session, viewer, inspection, "change its findings")
    old = _current(session, finding)
    new = _resolve(session, registry, inspection, content, old)
    if new == old:
        return False
    if status is FindingStatus.PUBLISHED:
        problems = _ready_to_publish(session, finding, new)
        if problems:
            raise Refused(*problems)
    _store(session, finding, new, old)
    finding.updated_at = now
    if status is FindingStatus.DRAFT:
        cleared = session.scalars(
            delete(FindingAgreement)
            .where(FindingAgreement.finding_id == finding.id)
            .returning(FindingAgreement.id)
        ).all()
        if cleared:
            record(session, finding, FindingAction.AGREEMENTS_CLEARED, viewer, now)
    else:
        append_change(session, registry, finding, ChangeKind.UPDATED, now)
        record(session, finding, FindingAction.UPDATED, viewer, now)
    session.flush()
    return True


def _agreed(session: Session, finding: Finding) -> set[str]:
    return set(
        session.scalars(
            select(FindingAgreement.inspectorate).where(FindingAgreement.finding_id == finding.id)
        )
    )


def awaiting_agreement(
    session: Session, registry: Registry, inspection: Inspection, finding: Finding
) -> list[Inspectorate]:
    """The installed inspectorates taking part that have not agreed the finding yet."""
    agreed = _agreed(session, finding)
    return [i for i in taking_part(session, registry, inspection) if i.code not in agreed]


def check_agree(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
) -> None:
    """Refuse unless the viewer may agree ``finding`` now: what ``agree_finding`` checks and
    ``Finding.viewerCanAgree`` asks."""
    _require_team(session, viewer, inspection, "agree its findings")
    if finding.status == FindingStatus.PUBLISHED.value:
        raise Refused(
            invalid(
                "findingId",
                "the finding is published; only drafts, and withdrawn findings to be "
                "republished, are agreed.",
                code=WRONG_STATUS,
            )
        )
    participants = {i.code: i for i in taking_part(session, registry, inspection)}
    code = viewer.inspectorate or ""
    if code not in participants:
        raise Refused(
            not_allowed(
                f"Inspectorate '{code}' does not take part in inspection "
                f"{inspection.reference}, so it has no agreement to give."
            )
        )
    existing = session.execute(
        select(FindingAgreement, Inspector.name)
        .join(Inspector, Inspector.id == FindingAgreement.inspector_id)
        .where(FindingAgreement.finding_id == finding.id, FindingAgreement.inspectorate == code)
    ).one_or_none()
    if existing is not None:
        agreement, name = existing
        raise Refused(
            invalid(
                "findingId",
                f"{participants[code].short_name} agreed this finding already ({name}, "
                f"{agreement.agreed_at:%Y-%m-%d %H:%M} UTC). One agreement per inspectorate.",
                code="ALREADY_AGREED",
            )
        )


def agree_finding(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
    now: dt.datetime,
) -> FindingAgreement:
    """Record the agreement of the viewer's inspectorate to a draft finding, or to a withdrawn
    one the lead means to republish."""
    check_agree(session, registry, viewer, inspection, finding)
    code = viewer.inspectorate or ""
    assert viewer.inspector_id is not None
    agreement = FindingAgreement(
        finding_id=finding.id, inspectorate=code, inspector_id=viewer.inspector_id, agreed_at=now
    )
    session.add(agreement)
    record(session, finding, FindingAction.AGREED, viewer, now)
    session.flush()
    return agreement


def withdraw_agreement(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
    now: dt.datetime,
) -> None:
    """Withdraw the viewer's inspectorate's agreement (an inspector of the inspectorate that
    agreed), while the finding is not published; the history keeps both steps."""
    _require_team(session, viewer, inspection, "withdraw agreements to its findings")
    if finding.status == FindingStatus.PUBLISHED.value:
        raise Refused(
            invalid(
                "findingId",
                "the finding is published: its agreements stand. An agreement is withdrawn "
                "while the finding is a draft; ask the lead inspector to withdraw the finding "
                "first (withdrawFinding).",
            )
        )
    code = viewer.inspectorate or ""
    agreement = session.scalar(
        select(FindingAgreement).where(
            FindingAgreement.finding_id == finding.id, FindingAgreement.inspectorate == code
        )
    )
    if agreement is None:
        raise Refused(
            invalid(
                "findingId",
                f"inspectorate '{code}' has not agreed this finding, so it has no agreement to "
                "withdraw; only the inspectorate that agreed withdraws its agreement.",
            )
        )
    session.delete(agreement)
    record(session, finding, FindingAction.AGREEMENT_WITHDRAWN, viewer, now)
    session.flush()


def describe(inspectorates: Sequence[Inspectorate]) -> str:
    return ", ".join(f"{i.short_name} ({i.code})" for i in inspectorates)


def check_publish(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
) -> None:
    """Refuse unless the viewer may publish ``finding`` now: what ``publish_finding`` checks
    and ``Finding.viewerCanPublish`` asks."""
    require_lead(session, viewer, inspection, "publishes findings")
    if finding.status != FindingStatus.DRAFT.value:
        raise Refused(
            invalid(
                "findingId",
                f"the finding is {finding.status}; only a draft is published.",
                code=WRONG_STATUS,
            )
        )
    missing = awaiting_agreement(session, registry, inspection, finding)
    problems = []
    agreed = _agreed(session, finding)
    uninstalled = [c for c in missing_plugins(session, registry, inspection) if c not in agreed]
    if uninstalled:
        problems.append(missing_plugin_problem("findingId", inspection, uninstalled))
    if missing:
        problems.append(
            invalid(
                "findingId",
                f"not yet agreed by {describe(missing)}. A finding is joint: an inspector of each "
                "inspectorate taking part must run agreeFinding before it is published.",
                code="NOT_AGREED",
            )
        )
    problems += _ready_to_publish(session, finding, _current(session, finding))
    if problems:
        raise Refused(*problems)


def publish_finding(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
    now: dt.datetime,
) -> None:
    """Publish a draft finding (the lead inspector), once every inspectorate taking part agreed."""
    check_publish(session, registry, viewer, inspection, finding)
    finding.status = FindingStatus.PUBLISHED.value
    finding.published_at = now
    finding.updated_at = now
    session.flush()
    append_change(session, registry, finding, ChangeKind.PUBLISHED, now)
    record(session, finding, FindingAction.PUBLISHED, viewer, now)


def republish_finding(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
    now: dt.datetime,
) -> None:
    """Publish a withdrawn finding again (the lead inspector), once every inspectorate taking
    part has agreed it again since the withdrawal; the feed and webhooks say 'republished'."""
    require_lead(session, viewer, inspection, "republishes findings")
    if finding.status != FindingStatus.WITHDRAWN.value:
        raise Refused(
            invalid(
                "findingId",
                f"the finding is {finding.status}; only a withdrawn finding is republished "
                "(a draft is published with publishFinding).",
            )
        )
    missing = awaiting_agreement(session, registry, inspection, finding)
    problems = []
    if missing:
        problems.append(
            invalid(
                "findingId",
                f"not yet agreed again by {describe(missing)}. Withdrawing a finding cleared its "
                "agreements: an inspector of each inspectorate taking part runs agreeFinding "
                "before it is republished.",
            )
        )
    problems += _ready_to_publish(session, finding, _current(session, finding))
    if problems:
        raise Refused(*problems)
    was_published = finding.published_at is not None
    finding.status = FindingStatus.PUBLISHED.value
    finding.published_at = finding.published_at or now
    finding.updated_at = now
    session.flush()
    kind = ChangeKind.REPUBLISHED if was_published else ChangeKind.PUBLISHED
    append_change(session, registry, finding, kind, now)
    record(session, finding, FindingAction.REPUBLISHED, viewer, now)


def withdraw_finding(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection: Inspection,
    finding: Finding,
    now: dt.datetime,
) -> None:
    """Withdraw a finding (the lead inspector). A published one goes to the feed as 'withdrawn'."""
    require_lead(session, viewer, inspection, "withdraws findings")
    if finding.status == FindingStatus.WITHDRAWN.value:
        raise Refused(invalid("findingId", "the finding is withdrawn already.", code=WRONG_STATUS))
    was_published = finding.status == FindingStatus.PUBLISHED.value
    finding.status = FindingStatus.WITHDRAWN.value
    finding.updated_at = now
    # Republishing it takes every inspectorate's agreement again (the history keeps the old).
    session.execute(delete(FindingAgreement).where(FindingAgreement.finding_id == finding.id))
    session.flush()
    if was_published:
        append_change(session, registry, finding, ChangeKind.WITHDRAWN, now)
    record(session, finding, FindingAction.WITHDRAWN, viewer, now)


def append_change(
    session: Session, registry: Registry, finding: Finding, kind: ChangeKind, now: dt.datetime
) -> FindingChange:
    """Append to the change feed and queue the change for every active webhook.

    Integrators resume the feed after the last id they saw, so ids must become visible in order.
    On PostgreSQL two transactions could take ids 10 and 11 and commit 11 first: a reader would
    move past 10 before it appeared. A transaction-scoped advisory lock makes appenders take ids
    one commit at a time (SQLite writers are serial already).
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    change = FindingChange(finding_id=finding.id, change=kind.value, occurred_at=now)
    session.add(change)
    session.flush()
    enqueue(session, registry, change, now)
    events.notify(session)  # the findingChanges subscribers of every worker
    return change
