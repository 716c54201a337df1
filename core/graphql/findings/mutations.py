"""Creating, changing, agreeing and publishing findings and the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace

import strawberry
from sqlalchemy import select
from sqlalchemy.orm import Session
from strawberry import relay

from core import access
from core import models as m
from core.graphql.base.domain_errors import FindingError
from core.graphql.base.enums import FindingKind
from core.graphql.base.errors import ErrorCode, MutationFailed, UserError
from core.graphql.base.inputs import node_id, row_id
from core.graphql.base.mutations import run_service
from core.graphql.base.permissions import signed_in
from core.graphql.context import Info
from core.graphql.findings.report import InspectionReport
from core.graphql.findings.types import Finding
from core.models import utc_now
from core.workflow import findings as wf
from core.workflow import report as rp
from core.workflow.rules import Problem, Refused, not_found, visible_inspection

# --- Mutations ------------------------------------------------------------------------------------


@strawberry.input(description="A new finding: what it says and what it cites.")
class CreateFindingInput:
    inspection_id: relay.GlobalID
    kind: FindingKind
    title: str = strawberry.field(description="One line; the letter lists it under its kind.")
    text: str = strawberry.field(description="The finding in full; blank lines part paragraphs.")
    headline: bool = strawberry.field(
        default=False, description="Also list it under the letter's headline findings."
    )
    criteria: list[str] = strawberry.field(
        description="Codes of the framework's criteria it evidences (at least one)."
    )
    agency_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The agencies of the area it concerns."
    )
    evidence_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The evidence behind it, recorded in this inspection."
    )


@strawberry.input(description="Changes to a finding; what is left out stays as it is.")
class UpdateFindingInput:
    finding_id: relay.GlobalID
    kind: FindingKind | None = None
    title: str | None = None
    text: str | None = None
    headline: bool | None = None
    criteria: list[str] | None = None
    agency_ids: list[relay.GlobalID] | None = None
    evidence_ids: list[relay.GlobalID] | None = None


@strawberry.type(description="The finding as it now stands, or what was wrong.")
class FindingPayload:
    finding: Finding | None
    errors: list[FindingError]


@strawberry.input(description="The parts of the letter that are not findings; omitted: unchanged.")
class UpdateReportInput:
    inspection_id: relay.GlobalID
    context: str | None = None
    practice_study_effective: str | None = strawberry.field(
        default=None, description="Practice study: highly effective practice."
    )
    practice_study_improvement: str | None = strawberry.field(
        default=None, description="Practice study: areas for improvement."
    )
    next_steps: str | None = None
    statement_due_on: dt.date | None = strawberry.field(
        default=None, description="When the written statement of proposed action is due."
    )


@strawberry.type(description="The report as it now stands, or what was wrong.")
class ReportPayload:
    report: InspectionReport | None
    errors: list[FindingError]


def _ids(
    field_name: str, values: Sequence[relay.GlobalID] | None, type_name: str
) -> list[int] | None:
    if values is None:
        return None
    return [node_id(f"{field_name}[{i}]", v, type_name) for i, v in enumerate(values)]


def _evidence_ids(info: Info, values: Sequence[relay.GlobalID] | None) -> list[int] | None:
    """Evidence IDs are typed by form (``OfstedCaseTrackingEvidence:12``): any form's will do."""
    if values is None:
        return None
    names = {t.__name__ for t in info.context.evidence_types.output_types}
    ids = []
    for index, value in enumerate(values):
        field_name = f"input.evidenceIds[{index}]"
        parsed = row_id(value.node_id) if value.type_name in names else None
        if parsed is None:
            raise MutationFailed(
                UserError(
                    field=field_name,
                    code=ErrorCode.INVALID_INPUT,
                    message=f"{field_name}: {str(value)!r} is not the ID of evidence. Pass the id "
                    "of evidence recorded in this inspection (inspection { evidence { nodes "
                    "{ id } } }).",
                )
            )
        ids.append(parsed)
    return ids


def _visible_inspection(
    info: Info, value: relay.GlobalID, field: str, under: str | None = None
) -> m.Inspection:
    """``field`` is the path under the mutation's ``under`` argument (the adapter's convention)."""
    inspection_id = node_id(f"{under}.{field}" if under else field, value, "Inspection")
    context = info.context
    return visible_inspection(context.session, context.viewer, inspection_id, field)


def _visible_finding(
    info: Info, value: relay.GlobalID, field: str, under: str | None = None
) -> tuple[m.Finding, m.Inspection]:
    finding_id = node_id(f"{under}.{field}" if under else field, value, "Finding")
    row = info.context.session.execute(
        select(m.Finding, m.Inspection)
        .join(m.Inspection, m.Inspection.id == m.Finding.inspection_id)
        .where(m.Finding.id == finding_id, access.findings_visible_to(info.context.viewer))
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise Refused(not_found(field, "finding"))
    info.context.touch("Finding", (finding_id,))
    return row[0], row[1]


def _finding_payload(
    info: Info, result: tuple[m.Finding, m.Inspection] | None, errors: list[FindingError]
) -> FindingPayload:
    if result is None:
        return FindingPayload(finding=None, errors=errors)
    finding, inspection = result
    return FindingPayload(finding=Finding.of(finding, inspection.framework), errors=errors)


def _report_payload(
    info: Info, inspection_id: int | None, errors: list[FindingError]
) -> ReportPayload:
    if inspection_id is None:
        return ReportPayload(report=None, errors=errors)
    context = info.context
    letter = rp.letter_for(context.session, context.registry, context.viewer, inspection_id)
    return ReportPayload(report=InspectionReport.of(letter) if letter else None, errors=errors)


def _about_the_finding(problem: Problem) -> Problem:
    """Agree, publish and withdraw take only a ``findingId``: a problem with the finding's
    content (its criteria, agencies or evidence) is the finding's, and says where to fix it."""
    if problem.field in (None, "findingId"):
        return problem
    return replace(
        problem,
        field="findingId",
        message=f"its {problem.field}: {problem.message} Change them with "
        f"updateFinding(input: {{findingId, {problem.field}}}).",
    )


def _act_on_finding(
    info: Info, finding_id: relay.GlobalID, action: Callable[..., object]
) -> FindingPayload:
    """Agree, publish or withdraw: the same steps around a different rule of the workflow."""

    def work(session: Session) -> tuple[m.Finding, m.Inspection]:
        finding, inspection = _visible_finding(info, finding_id, "findingId")
        context = info.context
        try:
            action(session, context.registry, context.viewer, inspection, finding, utc_now())
        except Refused as refused:
            raise Refused(*map(_about_the_finding, refused.problems)) from None
        return finding, inspection

    result, errors = run_service(info, work, under=None, errors=FindingError)
    return _finding_payload(info, result, errors)


@strawberry.type
class FindingMutations:
    """Drafting, agreeing and publishing findings; writing and publishing the report."""

    @strawberry.mutation(
        description="Draft a finding (inspectors on the team): a strength, area for improvement "
        "or area for priority action, citing criteria of the framework, agencies of the area and "
        "evidence of the inspection.",
        extensions=signed_in(),
    )
    def create_finding(self, info: Info, input: CreateFindingInput) -> FindingPayload:
        def work(session: Session) -> tuple[m.Finding, m.Inspection]:
            inspection = _visible_inspection(info, input.inspection_id, "inspectionId", "input")
            content = wf.FindingContent(
                kind=input.kind,
                title=input.title,
                text=input.text,
                headline=input.headline,
                criteria=input.criteria,
                agency_ids=_ids("input.agencyIds", input.agency_ids, "Agency"),
                evidence_ids=_evidence_ids(info, input.evidence_ids),
            )
            context = info.context
            finding = wf.create_finding(
                session, context.registry, context.viewer, inspection, content, utc_now()
            )
            context.touch("Finding", (finding.id,))
            return finding, inspection

        result, errors = run_service(info, work, errors=FindingError)
        return _finding_payload(info, result, errors)

    @strawberry.mutation(
        description="Change a finding. A draft: any inspector on the team, and changing what it "
        "says clears the agreements given so far. A published one: the lead inspector only; the "
        "change goes to the change feed as UPDATED.",
        extensions=signed_in(),
    )
    def update_finding(self, info: Info, input: UpdateFindingInput) -> FindingPayload:
        def work(session: Session) -> tuple[m.Finding, m.Inspection]:
            finding, inspection = _visible_finding(info, input.finding_id, "findingId", "input")
            content = wf.FindingContent(
                kind=input.kind,
                title=input.title,
                text=input.text,
                headline=input.headline,
                criteria=input.criteria,
                agency_ids=_ids("input.agencyIds", input.agency_ids, "Agency"),
                evidence_ids=_evidence_ids(info, input.evidence_ids),
            )
            context = info.context
            wf.update_finding(
                session, context.registry, context.viewer, inspection, finding, content, utc_now()
            )
            return finding, inspection

        result, errors = run_service(info, work, errors=FindingError)
        return _finding_payload(info, result, errors)

    @strawberry.mutation(
        description="Record your inspectorate's agreement to a draft finding, or to a withdrawn "
        "one to be republished (one inspector of each inspectorate taking part); who agreed and "
        "when are kept.",
        extensions=signed_in(),
    )
    def agree_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.agree_finding)

    @strawberry.mutation(
        description="Withdraw your inspectorate's agreement to a finding (an inspector of the "
        "inspectorate that agreed), while it is a draft (or withdrawn and not yet republished). "
        "The finding's history keeps the agreement and its withdrawal.",
        extensions=signed_in(),
    )
    def withdraw_agreement(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.withdraw_agreement)

    @strawberry.mutation(
        description="Publish a withdrawn finding again (the lead inspector), once every "
        "inspectorate taking part has agreed it again (withdrawing cleared the agreements). It "
        "goes to the change feed and to webhooks as REPUBLISHED.",
        extensions=signed_in(),
    )
    def republish_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.republish_finding)

    @strawberry.mutation(
        description="Publish a draft finding (the lead inspector), once every inspectorate taking "
        "part has agreed it; else the error names those that have not. It goes to the change "
        "feed and to webhooks.",
        extensions=signed_in(),
    )
    def publish_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.publish_finding)

    @strawberry.mutation(
        description="Withdraw a finding (the lead inspector). A published one goes to the change "
        "feed and to webhooks as WITHDRAWN, and leaves the findings integrators pull. Its "
        "agreements are cleared: republishFinding takes them again.",
        extensions=signed_in(),
    )
    def withdraw_finding(self, info: Info, finding_id: relay.GlobalID) -> FindingPayload:
        return _act_on_finding(info, finding_id, wf.withdraw_finding)

    @strawberry.mutation(
        description="Write the parts of the letter that are not findings (the lead inspector, "
        "until the report is published).",
        extensions=signed_in(),
    )
    def update_report(self, info: Info, input: UpdateReportInput) -> ReportPayload:
        def work(session: Session) -> int:
            inspection = _visible_inspection(info, input.inspection_id, "inspectionId", "input")
            rp.update_report(
                session,
                info.context.viewer,
                inspection,
                rp.ReportChanges(
                    context=input.context,
                    practice_study_effective=input.practice_study_effective,
                    practice_study_improvement=input.practice_study_improvement,
                    next_steps=input.next_steps,
                    statement_due_on=input.statement_due_on,
                ),
            )
            return inspection.id

        inspection_id, errors = run_service(info, work, errors=FindingError)
        return _report_payload(info, inspection_id, errors)

    @strawberry.mutation(
        description="Publish the report (the lead inspector): every finding published or "
        "withdrawn, the context written and the statement of action's due date set. The first "
        "time writes version 1 of the letter; after findings are published or withdrawn, "
        "publishing again writes the next version, with its own date (refused if the letter "
        "would not change). Published versions never change.",
        extensions=signed_in(),
    )
    def publish_report(self, info: Info, inspection_id: relay.GlobalID) -> ReportPayload:
        def work(session: Session) -> int:
            inspection = _visible_inspection(info, inspection_id, "inspectionId")
            rp.publish_report(
                session, info.context.registry, info.context.viewer, inspection, utc_now()
            )
            return inspection.id

        result, errors = run_service(info, work, under=None, errors=FindingError)
        return _report_payload(info, result, errors)
