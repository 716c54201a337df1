"""The findings' fields on the Inspection hub."""

from __future__ import annotations

import strawberry

from core import access
from core.graphql.base.enums import FindingStatus
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.findings.report import (
    EvidenceCoverage,
    InspectionReport,
    evidence_coverage,
    inspection_report,
)
from core.graphql.findings.types import Finding, inspection_findings
from core.graphql.nodes import InspectionCore


@strawberry.type
class FindingFields(InspectionCore):
    """The hub's fields resolved here: evidence coverage, findings and the report."""

    @strawberry.field(
        description="For each criterion of the framework: how much evidence each inspectorate "
        "has recorded, from which children and agencies; and the criteria with none. For the "
        "lead inspector (and the team, and admins); null for anyone who may not see evidence.",
        extensions=scoped_by(access.evidence_visible_to),
    )
    async def evidence_coverage(self, info: Info) -> EvidenceCoverage | None:
        return await evidence_coverage(info, self.id, self.framework_code)

    @strawberry.field(
        description="The inspection's findings, oldest first: drafts for the team and admins, "
        "published ones for the area's agency users.",
        extensions=scoped_by(access.findings_visible_to),
    )
    async def findings(self, info: Info, status: FindingStatus | None = None) -> list[Finding]:
        return await inspection_findings(info, self.id, status)

    @strawberry.field(
        description="The report: the letter assembled in the published order. The team and "
        "admins see the draft; agency users of the area and integrators see it once published. "
        "Once published: the latest published version, or version `version` (null if there is "
        "no such version).",
        extensions=scoped_by(access.reports_visible_to),
    )
    async def report(self, info: Info, version: int | None = None) -> InspectionReport | None:
        return await inspection_report(info, self.id, version)
