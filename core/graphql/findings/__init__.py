"""Findings, the report and evidence coverage over GraphQL.

The rules live in ``core.workflow.findings`` and ``core.workflow.report``; this module turns their
refusals into ``errors`` as data, resolves the ``Inspection`` fields that ``nodes.py`` declares
(``findings``, ``report``, ``evidenceCoverage``) and batches what findings cite, one statement per
relation per level however many findings a response holds.

Who sees what (``core.access``): the team and admins see draft findings with their evidence; agency
users of the area see published findings (their evidence stays with the team); integrators use the
``findings`` root connection (``core.graphql.integrations``), which carries no child-level data.
"""

from __future__ import annotations

from core.graphql.findings.fields import FindingFields
from core.graphql.findings.loaders import FindingLoaders, finding_loaders
from core.graphql.findings.mutations import (
    CreateFindingInput,
    FindingMutations,
    FindingPayload,
    ReportPayload,
    UpdateFindingInput,
    UpdateReportInput,
)
from core.graphql.findings.report import (
    CriterionCoverage,
    EvidenceCoverage,
    InspectionReport,
    InspectorateCoverage,
    ReportFinding,
    ReportSection,
    ReportStatus,
    evidence_coverage,
    inspection_report,
)
from core.graphql.findings.types import (
    Finding,
    FindingAgreement,
    FindingChangeNode,
    inspection_findings,
)

__all__ = [
    "CreateFindingInput",
    "CriterionCoverage",
    "EvidenceCoverage",
    "Finding",
    "FindingAgreement",
    "FindingChangeNode",
    "FindingFields",
    "FindingLoaders",
    "FindingMutations",
    "FindingPayload",
    "InspectionReport",
    "InspectorateCoverage",
    "ReportFinding",
    "ReportPayload",
    "ReportSection",
    "ReportStatus",
    "UpdateFindingInput",
    "UpdateReportInput",
    "evidence_coverage",
    "finding_loaders",
    "inspection_findings",
    "inspection_report",
]
