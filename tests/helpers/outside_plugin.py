"""A fifth inspectorate's plugin, written as an outside author would, that joins ``da-2016``.

Registered as an object with hook methods (``make_plugin_manager(extra_plugins=...)``), so a test
chooses when it is "installed": after an inspection exists, say.
"""

from __future__ import annotations

from core.contributions import (
    AgencyKind,
    Choice,
    Criterion,
    Deadline,
    DocumentRequest,
    EvidenceForm,
    EvidenceSubject,
    Inspectorate,
    Question,
    QuestionKind,
    RequestScope,
    TimeOfDay,
)
from core.hookspecs import hookimpl

CODE = "ciw"


class OutsideInspectorate:
    """Hooks of a fictional Welsh care inspectorate taking part in the 2016 deep dive.

    ``form_version=2`` is its next release: the refuge visit form gains a required question and
    retires the choice PARTLY, as a real form changes over the years.
    """

    def __init__(self, form_version: int = 1) -> None:
        self.form_version = form_version

    @hookimpl
    def jtai_inspectorate(self) -> Inspectorate:
        return Inspectorate(
            code=CODE,
            name="Care Inspectorate Wales (test plugin)",
            short_name="CIW",
            graphql_prefix="Ciw",
            agency_kinds=(AgencyKind.VOLUNTARY_SECTOR,),
            frameworks=("da-2016",),
        )

    @hookimpl
    def jtai_criteria(self) -> tuple[Criterion, ...]:
        return (
            Criterion(
                framework="da-2016",
                code="CIW-1",
                title="Refuges",
                text="Refuges understand the risk to the children they house.",
                source="tests/helpers/outside_plugin.py",
            ),
        )

    @hookimpl
    def jtai_document_requests(self) -> tuple[DocumentRequest, ...]:
        return (
            DocumentRequest(
                framework="da-2016",
                reference="ciw.refuges",
                title="Refuge places in the area",
                addressed_to=(AgencyKind.LOCAL_AUTHORITY,),
                scope=RequestScope.AREA,
                deadline=Deadline.working_day(1, TimeOfDay.END_OF_DAY),
            ),
        )

    @hookimpl
    def jtai_evidence_forms(self) -> tuple[EvidenceForm, ...]:
        later = self.form_version >= 2
        risk = Question(
            code="risk_understood",
            text="How well do refuge staff understand the risk to the children?",
            kind=QuestionKind.CHOICE,
            choices=(Choice("WELL", "Well"), Choice("PARTLY", "Partly", retired=later)),
            criteria=("CIW-1",),
        )
        plan = Question(
            code="safety_plan_seen",
            text="Was a safety plan seen for the family?",
            kind=QuestionKind.YES_NO,
            required=True,
            since=2,
        )
        return (
            EvidenceForm(
                framework="da-2016",
                code="refuge-visit",
                title="Refuge visit",
                subject=EvidenceSubject.AGENCY,
                questions=(risk, plan) if later else (risk,),
                version=self.form_version,
            ),
        )
