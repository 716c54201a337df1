"""The partner inspectorates' content (CQC, HMICFRS, HMI Probation) checked against the guidance.

Criterion text and request titles must be the 2016 guidance's own words (seed 003, Ofsted No.
160046), so these tests read the seed and look for them there, with the number the guidance gives
them. They import the plugins' data modules directly, without core's registry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.contributions import (
    AgencyKind,
    Criterion,
    Deadline,
    DocumentRequest,
    EvidenceForm,
    EvidenceSubject,
    Inspectorate,
    RequestScope,
    TimeOfDay,
    Weekday,
)
from plugins.cqc import criteria as cqc_criteria
from plugins.cqc import forms as cqc_forms
from plugins.cqc import hooks as cqc_hooks
from plugins.cqc import inspectorate as cqc_inspectorate
from plugins.cqc import requests as cqc_requests
from plugins.hmicfrs import criteria as hmicfrs_criteria
from plugins.hmicfrs import forms as hmicfrs_forms
from plugins.hmicfrs import hooks as hmicfrs_hooks
from plugins.hmicfrs import inspectorate as hmicfrs_inspectorate
from plugins.hmicfrs import requests as hmicfrs_requests
from plugins.hmip import criteria as hmip_criteria
from plugins.hmip import forms as hmip_forms
from plugins.hmip import hooks as hmip_hooks
from plugins.hmip import inspectorate as hmip_inspectorate
from plugins.hmip import requests as hmip_requests

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seeds" / "003_5840578df23fe90a.txt"

ALL_FRAMEWORKS = ("da-2016", "da-2024", "front-door-2024")
END_OF_DAY_FIVE = Deadline.working_day(5, TimeOfDay.END_OF_DAY)
FRIDAY_OF_WEEK_TWO = Deadline.week_day(2, Weekday.FRIDAY, TimeOfDay.END_OF_DAY)
ESN_DEEP_DIVE = re.compile(r"^ESN-(0[1-9]|[12][0-9]|3[0-7])$")
RESERVED_QUESTION_CODES = {
    "id",
    "inspection",
    "child",
    "agency",
    "status",
    "form",
    "inspectorate",
    "criteria",
    "recorded_by",
    "recorded_at",
    "updated_at",
    "subject",
}

INSPECTORATES: dict[str, Inspectorate] = {
    "cqc": cqc_inspectorate.INSPECTORATE,
    "hmicfrs": hmicfrs_inspectorate.INSPECTORATE,
    "hmip": hmip_inspectorate.INSPECTORATE,
}
CRITERIA = {
    "cqc": cqc_criteria.CRITERIA,
    "hmicfrs": hmicfrs_criteria.CRITERIA,
    "hmip": hmip_criteria.CRITERIA,
}
REQUESTS = {
    "cqc": cqc_requests.DOCUMENT_REQUESTS,
    "hmicfrs": hmicfrs_requests.DOCUMENT_REQUESTS,
    "hmip": hmip_requests.DOCUMENT_REQUESTS,
}
FORMS = {
    "cqc": cqc_forms.EVIDENCE_FORMS,
    "hmicfrs": hmicfrs_forms.EVIDENCE_FORMS,
    "hmip": hmip_forms.EVIDENCE_FORMS,
}
ALL_REQUESTS: tuple[DocumentRequest, ...] = tuple(r for rs in REQUESTS.values() for r in rs)
ALL_FORMS: tuple[tuple[str, EvidenceForm], ...] = tuple(
    (code, form) for code, forms in FORMS.items() for form in forms
)


def normalise(text: str) -> str:
    """The guidance as one line: hyphens broken over a line rejoined, whitespace runs collapsed."""
    text = re.sub(r"-[ \t]*\n\s*", "-", text)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed() -> str:
    return normalise(SEED.read_text(encoding="utf-8"))


def taking_part(framework: str) -> set[str]:
    # Ofsted leads every JTAI and takes part in every framework it declares.
    return {"ofsted"} | {c for c, i in INSPECTORATES.items() if framework in i.frameworks}


# --- Who ------------------------------------------------------------------------------------------


def test_inspectorates_have_the_fixed_codes_prefixes_and_agency_kinds() -> None:
    cqc, hmicfrs, hmip = INSPECTORATES["cqc"], INSPECTORATES["hmicfrs"], INSPECTORATES["hmip"]
    assert (cqc.code, cqc.short_name, cqc.graphql_prefix) == ("cqc", "CQC", "Cqc")
    assert (hmicfrs.code, hmicfrs.short_name, hmicfrs.graphql_prefix) == (
        "hmicfrs",
        "HMICFRS",
        "Hmicfrs",
    )
    assert (hmip.code, hmip.short_name, hmip.graphql_prefix) == ("hmip", "HMI Probation", "Hmip")
    assert cqc.agency_kinds == (AgencyKind.HEALTH,)
    assert hmicfrs.agency_kinds == (AgencyKind.POLICE,)
    assert hmip.agency_kinds == (AgencyKind.PROBATION, AgencyKind.YOUTH_OFFENDING_TEAM)


def test_no_two_partners_inspect_the_same_kind_of_agency() -> None:
    kinds = [k for i in INSPECTORATES.values() for k in i.agency_kinds]
    assert len(kinds) == len(set(kinds))


def test_cqc_and_hmicfrs_take_part_in_every_framework() -> None:
    assert INSPECTORATES["cqc"].frameworks == ALL_FRAMEWORKS
    assert INSPECTORATES["hmicfrs"].frameworks == ALL_FRAMEWORKS


def test_hmi_probation_sits_out_the_front_door_jtai() -> None:
    assert "front-door-2024" not in INSPECTORATES["hmip"].frameworks
    assert INSPECTORATES["hmip"].frameworks == ("da-2016", "da-2024")


def test_the_seed_names_the_four_inspectorates_of_2016(seed: str) -> None:
    for name in (
        "the Care Quality Commission (CQC)",
        "Her Majesty’s Inspectorate of Constabulary (HMIC)",
        "Her Majesty’s Inspectorate of Probation (HMI Probation)",
    ):
        assert name in seed


# --- Criteria -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plugin", "codes"),
    [("cqc", ["ESN-28", "ESN-34"]), ("hmicfrs", ["ESN-29", "ESN-31"]), ("hmip", ["ESN-27"])],
)
def test_each_partner_leads_the_criteria_domain_5_4_gives_it(plugin: str, codes: list[str]) -> None:
    assert [c.code for c in CRITERIA[plugin]] == codes
    for criterion in CRITERIA[plugin]:
        assert criterion.framework == "da-2016"
        assert not criterion.reference_only
        assert criterion.title and criterion.code not in criterion.title  # titles are short
        assert "160046" in criterion.source


@pytest.mark.parametrize(
    "criterion", [c for cs in CRITERIA.values() for c in cs], ids=lambda c: c.code
)
def test_criterion_text_is_the_guidance_verbatim_with_its_esn(
    seed: str, criterion: Criterion
) -> None:
    assert criterion.text is not None
    assert criterion.text == normalise(criterion.text), "text must be whitespace-normalised"
    number = criterion.code.removeprefix("ESN-")
    assert f"{criterion.text} (ESN {number})" in seed


def test_evaluated_by_names_only_others_taking_part_in_the_framework() -> None:
    for plugin, criteria in CRITERIA.items():
        for criterion in criteria:
            others = set(criterion.evaluated_by)
            assert len(others) == len(criterion.evaluated_by), criterion.code
            assert plugin not in others, criterion.code
            assert others <= taking_part(criterion.framework) - {plugin}, criterion.code


def test_joint_lead_criteria_are_evaluated_by_the_other_three() -> None:
    evaluated_by = {c.code: set(c.evaluated_by) for cs in CRITERIA.values() for c in cs}
    assert evaluated_by["ESN-27"] == {"ofsted", "cqc", "hmicfrs"}
    assert evaluated_by["ESN-28"] == {"ofsted", "hmicfrs", "hmip"}
    assert evaluated_by["ESN-34"] == {"ofsted", "hmicfrs", "hmip"}
    assert evaluated_by["ESN-29"] == {"ofsted", "cqc", "hmip"}


# --- Document requests ----------------------------------------------------------------------------

NUMBERED = {
    "hmicfrs": ([f"3.{n}" for n in range(1, 10)], (AgencyKind.POLICE,)),
    "hmip": (
        [f"4.{n}" for n in range(1, 6)] + [f"5.{n}" for n in range(1, 5)],
        (AgencyKind.PROBATION,) * 5 + (AgencyKind.YOUTH_OFFENDING_TEAM,) * 4,
    ),
    "cqc": ([f"6.{n}" for n in range(1, 6)], (AgencyKind.HEALTH,)),
}


@pytest.mark.parametrize("plugin", list(NUMBERED))
def test_numbered_requests_are_all_there_in_the_guidance_order(plugin: str) -> None:
    references, _ = NUMBERED[plugin]
    numbered = [r.reference for r in REQUESTS[plugin] if r.reference[0].isdigit()]
    assert numbered == references


@pytest.mark.parametrize(
    "request_", [r for r in ALL_REQUESTS if r.reference[0].isdigit()], ids=lambda r: r.reference
)
def test_numbered_request_title_is_the_guidance_verbatim_with_its_number(
    seed: str, request_: DocumentRequest
) -> None:
    assert request_.title == normalise(request_.title)
    assert f"{request_.reference} – {request_.title}" in seed


@pytest.mark.parametrize("plugin", list(NUMBERED))
def test_numbered_requests_go_to_the_right_agencies_by_end_of_day_five(plugin: str) -> None:
    references, kinds = NUMBERED[plugin]
    by_reference = {r.reference: r for r in REQUESTS[plugin]}
    expected_kinds = kinds if len(kinds) == len(references) else kinds * len(references)
    for reference, kind in zip(references, expected_kinds, strict=True):
        request = by_reference[reference]
        assert request.addressed_to == (kind,)
        assert request.addressed_to[0] in INSPECTORATES[plugin].agency_kinds
        assert request.framework == "da-2016"
        assert request.scope is RequestScope.AREA
        assert request.deadline == END_OF_DAY_FIVE
        assert request.list_spec is None


def test_the_guidance_puts_other_information_at_end_of_day_five(seed: str) -> None:
    assert "By the end of day five (Tuesday of week two), the local agencies should provide" in seed


def test_cqc_health_documents_request_follows_paragraph_17(seed: str) -> None:
    assert (
        "The CQC will request documents about the children whose experiences inspectors will "
        "track." in seed
    )
    assert "The CQC will make this request on the Friday of week two." in seed
    (request,) = [r for r in REQUESTS["cqc"] if r.reference == "cqc.health-documents"]
    assert request.framework == "da-2016"
    assert request.addressed_to == (AgencyKind.HEALTH,)
    assert request.scope is RequestScope.TRACKED_CHILD
    assert request.deadline == FRIDAY_OF_WEEK_TWO
    assert f"The CQC will request {request.title}." in seed


def test_request_references_are_well_formed_and_unique_within_the_framework() -> None:
    pattern = re.compile(r"^[a-z0-9]+([.\-][a-z0-9]+)*$")
    keys = [(r.framework, r.reference) for r in ALL_REQUESTS]
    assert len(keys) == len(set(keys))
    for request in ALL_REQUESTS:
        assert pattern.match(request.reference), request.reference


def test_requests_are_only_for_frameworks_the_plugin_takes_part_in() -> None:
    for plugin, requests in REQUESTS.items():
        for request in requests:
            assert request.framework in INSPECTORATES[plugin].frameworks


# --- Evidence forms -------------------------------------------------------------------------------


def test_each_partner_has_its_own_agency_form() -> None:
    assert [f.code for f in FORMS["cqc"]] == ["health-pathways"]
    assert [f.code for f in FORMS["hmicfrs"]] == ["police-investigation"]
    assert [f.code for f in FORMS["hmip"]] == ["perpetrator-risk"]
    for plugin, form in ALL_FORMS:
        assert form.subject is EvidenceSubject.AGENCY
        assert form.framework in INSPECTORATES[plugin].frameworks
        assert re.match(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", form.code)


@pytest.mark.parametrize(("plugin", "form"), ALL_FORMS, ids=lambda x: getattr(x, "code", x))
def test_every_question_cites_deep_dive_criteria_only(plugin: str, form: EvidenceForm) -> None:
    assert form.framework == "da-2016"
    assert form.questions
    for question in form.questions:
        assert question.criteria, question.code
        for code in question.criteria:
            assert ESN_DEEP_DIVE.match(code), (question.code, code)


@pytest.mark.parametrize(("plugin", "form"), ALL_FORMS, ids=lambda x: getattr(x, "code", x))
def test_form_is_grounded_in_the_criteria_its_inspectorate_leads(
    plugin: str, form: EvidenceForm
) -> None:
    led = {c.code for c in CRITERIA[plugin]}
    cited = {code for q in form.questions for code in q.criteria}
    assert led <= cited


@pytest.mark.parametrize(("plugin", "form"), ALL_FORMS, ids=lambda x: getattr(x, "code", x))
def test_question_and_choice_codes_are_well_formed(plugin: str, form: EvidenceForm) -> None:
    codes = [q.code for q in form.questions]
    assert len(codes) == len(set(codes))
    for question in form.questions:
        assert re.match(r"^[a-z][a-z0-9_]*$", question.code)
        assert question.code not in RESERVED_QUESTION_CODES
        choice_codes = [c.code for c in question.choices]
        assert len(choice_codes) == len(set(choice_codes))
        for code in choice_codes:
            assert re.match(r"^[A-Z][A-Z0-9_]*$", code)
        assert bool(question.choices) == (question.kind.value in {"choice", "multi_choice"})


# --- Hooks ----------------------------------------------------------------------------------------


def test_hooks_hand_core_the_data_modules() -> None:
    for plugin, hooks in (("cqc", cqc_hooks), ("hmicfrs", hmicfrs_hooks), ("hmip", hmip_hooks)):
        assert hooks.jtai_inspectorate() is INSPECTORATES[plugin]
        assert hooks.jtai_criteria() is CRITERIA[plugin]
        assert hooks.jtai_document_requests() is REQUESTS[plugin]
        assert hooks.jtai_evidence_forms() is FORMS[plugin]
