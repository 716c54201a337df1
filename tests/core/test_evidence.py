"""Evidence recorded through the typed mutations generated from the plugins' forms."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, Child, EvidenceRecord, Inspector
from core.viewer import Role
from tests.helpers.evidence import RECORD_CASE_TRACKING, SUMMARY, case_tracking_input, choose_child
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid


@pytest.fixture
def first_child(database: Database, demo: DemoInspection) -> int:
    """The demo's first child, tracked."""
    with database.session() as session:
        child_id = session.scalar(
            select(Child.id).where(Child.inspection_id == demo.inspection_id).order_by(Child.id)
        )
    assert child_id is not None
    choose_child(database, demo.inspection_id, child_id, "tracked")
    return child_id


def evidence_count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(EvidenceRecord)) or 0


def test_case_tracking_questions_match_the_generated_input(
    gql: GraphQLClient, lead_token: str
) -> None:
    # The form's question codes, as data, are exactly the typed input's answer fields.
    form = gql(
        '{ framework(code: "da-2016") { evidenceForms(inspectorate: "ofsted") '
        "{ code graphqlTypeName questions { fieldName required } } } }",
        token=lead_token,
    ).ok()["framework"]["evidenceForms"]
    case_tracking = next(f for f in form if f["code"] == "case-tracking")
    assert case_tracking["graphqlTypeName"] == "OfstedCaseTrackingEvidence"
    required = {q["fieldName"] for q in case_tracking["questions"] if q["required"]}
    assert required <= set(case_tracking_input(1, 1))


def test_lead_inspector_records_typed_case_tracking_evidence(
    gql: GraphQLClient, lead_token: str, demo: DemoInspection, first_child: int
) -> None:
    payload = gql(
        RECORD_CASE_TRACKING,
        {"input": case_tracking_input(demo.inspection_id, first_child)},
        lead_token,
    ).ok()["recordOfstedCaseTrackingEvidence"]
    assert payload["errors"] == []
    evidence = payload["evidence"]
    assert evidence["__typename"] == "OfstedCaseTrackingEvidence"
    assert evidence["status"] == "DRAFT"
    assert evidence["inspectorate"] == {"code": "ofsted"}
    assert evidence["child"] == {"localId": "DEMO00001"}
    assert evidence["recordedBy"] == {"name": "Alex Demo-Lead"}
    assert evidence["partnershipEvaluation"] == "PARTLY"
    assert evidence["caseNumber"] == "CASE-1"
    # The answered questions evidence exactly the ESNs Annex B tags them with.
    assert [c["code"] for c in evidence["criteria"]] == [
        "ESN-01", "ESN-03", "ESN-04", "ESN-23", "ESN-08", "ESN-09", "ESN-24", "ESN-06",
        "ESN-25", "ESN-27", "ESN-28", "ESN-05", "ESN-30", "ESN-10", "ESN-07", "ESN-26", "ESN-29",
    ]  # fmt: skip

    listed = gql(
        "{ inspections { edges { node { evidence { totalCount nodes { __typename id "
        "... on OfstedCaseTrackingEvidence { referralTimely } } } } } } }",
        token=lead_token,
    ).ok()["inspections"]["edges"][0]["node"]["evidence"]
    assert listed["totalCount"] == 1
    assert listed["nodes"][0]["referralTimely"] == SUMMARY
    by_node = gql(
        "query($id: ID!) { node(id: $id) { ... on Evidence { status } } }",
        {"id": evidence["id"]},
        lead_token,
    ).ok()
    assert by_node == {"node": {"status": "DRAFT"}}


def test_another_inspectorate_cannot_record_ofsted_evidence(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    first_child: int,
    make_token: TokenFactory,
) -> None:
    with database.session() as session:
        cqc_id = session.scalar(select(Inspector.id).where(Inspector.inspectorate == "cqc"))
    token = make_token(Role.INSPECTOR, inspector_id=cqc_id)
    payload = gql(
        RECORD_CASE_TRACKING, {"input": case_tracking_input(demo.inspection_id, first_child)}, token
    ).ok()["recordOfstedCaseTrackingEvidence"]
    assert payload["evidence"] is None
    assert payload["errors"][0]["code"] == "NOT_ALLOWED"
    assert "Only Ofsted inspectors" in payload["errors"][0]["message"]
    assert evidence_count(database) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "code", "words"),
    [
        ({"childId": None}, "input.childId", "INVALID_INPUT", "pass the childId"),
        (
            {"childId": gid("Child", 999_999)},
            "input.childId",
            "NOT_FOUND",
            "no child with id",
        ),
        (
            {"childId": gid("Agency", 1)},
            "input.childId",
            "INVALID_ID",
            "not the ID of a Child",
        ),
        (
            {"inspectionId": gid("Inspection", 999_999)},
            "input.inspectionId",
            "NOT_FOUND",
            "no inspection",
        ),
        (
            {"referralTimely": "x" * 20_001},
            "input.referralTimely",
            "INVALID_INPUT",
            "20001 characters",
        ),
    ],
)
def test_bad_input_comes_back_as_data_naming_the_field_and_changes_nothing(
    gql: GraphQLClient,
    database: Database,
    lead_token: str,
    demo: DemoInspection,
    first_child: int,
    overrides: dict[str, Any],
    field: str,
    code: str,
    words: str,
) -> None:
    response = gql(
        RECORD_CASE_TRACKING,
        {"input": case_tracking_input(demo.inspection_id, first_child, **overrides)},
        lead_token,
    )
    payload = response.ok()["recordOfstedCaseTrackingEvidence"]
    assert payload["evidence"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == (field, code)
    assert words in error["message"]
    assert evidence_count(database) == 0


def test_a_form_of_another_framework_is_refused(
    gql: GraphQLClient, lead_token: str, demo: DemoInspection, first_child: int
) -> None:
    payload = gql(
        """mutation($input: OfstedCaseTracking2024EvidenceInput!) {
             recordOfstedCaseTracking2024Evidence(input: $input) { errors { field message } } }""",
        {
            "input": {
                **{
                    k: v
                    for k, v in case_tracking_input(demo.inspection_id, first_child).items()
                    if k in ("inspectionId", "childId", "caseNumber", "childAge")
                },
                "jointAudit": "YES",
                **_required_2024_answers(gql, lead_token),
            }
        },
        lead_token,
    ).ok()["recordOfstedCaseTracking2024Evidence"]
    assert payload["errors"][0]["field"] == "input.inspectionId"
    assert "runs under framework 'da-2016'" in payload["errors"][0]["message"]


def _required_2024_answers(gql: GraphQLClient, token: str) -> dict[str, Any]:
    forms = gql(
        '{ framework(code: "da-2024") { evidenceForms(inspectorate: "ofsted") { code '
        "questions { fieldName kind required choices { code } } } } }",
        token=token,
    ).ok()["framework"]["evidenceForms"]
    form = next(f for f in forms if f["code"] == "case-tracking-2024")
    answers: dict[str, Any] = {}
    for question in form["questions"]:
        if not question["required"] or question["fieldName"] in ("caseNumber", "childAge"):
            continue
        kind = question["kind"]
        if kind == "CHOICE":
            answers[question["fieldName"]] = question["choices"][0]["code"]
        elif kind == "YES_NO":
            answers[question["fieldName"]] = True
        else:
            answers[question["fieldName"]] = SUMMARY
    return answers


def test_agency_form_needs_an_agency_of_the_inspected_area(
    gql: GraphQLClient, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    with database.session() as session:
        hmicfrs_id = session.scalar(select(Inspector.id).where(Inspector.inspectorate == "hmicfrs"))
        police_id = session.scalar(select(Agency.id).where(Agency.kind == "police"))
    token = make_token(Role.INSPECTOR, inspector_id=hmicfrs_id)
    form = gql(
        '{ framework(code: "da-2016") { evidenceForms(inspectorate: "hmicfrs") '
        "{ graphqlTypeName questions { fieldName kind required choices { code } } } } }",
        token=token,
    ).ok()["framework"]["evidenceForms"][0]
    type_name = form["graphqlTypeName"]
    answers: dict[str, Any] = {}
    for question in form["questions"]:
        if question["required"]:
            kind = question["kind"]
            answers[question["fieldName"]] = (
                question["choices"][0]["code"]
                if kind == "CHOICE"
                else [question["choices"][0]["code"]]
                if kind == "MULTI_CHOICE"
                else True
                if kind == "YES_NO"
                else 1
                if kind == "INTEGER"
                else "2026-11-20"
                if kind == "DATE"
                else SUMMARY
            )
    mutation = (
        f"mutation($input: {type_name}Input!) {{ record{type_name}(input: $input) "
        "{ errors { field code } evidence { agency { name } } } }"
    )
    base = {"inspectionId": gid("Inspection", demo.inspection_id), **answers}
    missing = gql(mutation, {"input": base}, token).ok()[f"record{type_name}"]
    assert missing["errors"] == [{"field": "input.agencyId", "code": "INVALID_INPUT"}]
    assert police_id is not None
    recorded = gql(mutation, {"input": {**base, "agencyId": gid("Agency", police_id)}}, token).ok()[
        f"record{type_name}"
    ]
    assert recorded["errors"] == []
    assert recorded["evidence"]["agency"]["name"] == "Northvale Constabulary"


def test_recording_evidence_needs_a_token(
    gql: GraphQLClient, demo: DemoInspection, first_child: int
) -> None:
    response = gql(
        RECORD_CASE_TRACKING, {"input": case_tracking_input(demo.inspection_id, first_child)}
    )
    assert response.status == 401
    assert response.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
