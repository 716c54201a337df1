"""Recording Ofsted case-tracking evidence through the typed mutation, and choosing its child."""

from __future__ import annotations

from typing import Any

from core.database import Database
from core.ids import global_id
from core.models import ChildSelection

RECORD_CASE_TRACKING = """
mutation Record($input: OfstedCaseTrackingEvidenceInput!) {
  recordOfstedCaseTrackingEvidence(input: $input) {
    errors { field code message }
    evidence {
      __typename id status
      inspectorate { code }
      child { localId }
      recordedBy { name }
      criteria { code }
      ... on OfstedCaseTrackingEvidence { caseNumber partnershipEvaluation referralTimely }
    }
  }
}
"""

SUMMARY = "Synthetic summary written for a test; no real child."


def case_tracking_input(
    inspection_id: int, child_id: int | None, **overrides: Any
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "inspectionId": global_id("Inspection", inspection_id),
        "childId": global_id("Child", child_id) if child_id else None,
        "caseNumber": "CASE-1",
        "childAge": "6",
        "partnershipEvaluation": "PARTLY",
        "referralTimely": SUMMARY,
        "riskUnderstood": SUMMARY,
        "decisionMaking": SUMMARY,
        "assessmentQuality": SUMMARY,
        "planEffective": SUMMARY,
        "involvement": SUMMARY,
        "individualNeedsConsidered": SUMMARY,
        "jointWorking": SUMMARY,
    }
    answers.update(overrides)
    return answers


def choose_child(database: Database, inspection_id: int, child_id: int, kind: str) -> None:
    """Mark a child tracked or sampled, as the selection workflow does: case-tracking evidence is
    recorded only for a tracked child, sampling evidence only for a sampled one."""
    with database.write() as session:
        session.add(ChildSelection(inspection_id=inspection_id, child_id=child_id, kind=kind))
