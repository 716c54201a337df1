"""Findings through the graph: drafted by the team, agreed by each inspectorate, published by the
lead, changed and withdrawn after publication; who may see them; the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import AuditEvent, FindingAgreement, FindingChange, Inspector
from core.viewer import Role
from tests.helpers.findings_world import (
    AGREE,
    CREATE,
    PUBLISH,
    UPDATE,
    WITHDRAW,
    Team,
    agree,
    create_finding,
    publish,
    publish_new,
    record_final_evidence,
    second_inspection,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, StatementCounter, TokenFactory
from tests.helpers.ids import gid, gid_number


@pytest.fixture
def team(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> Team:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    record_final_evidence(gql, database, team)
    return team


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_inspection_runs_to_publication_with_all_four_inspectorates_agreeing(
    gql: GraphQLClient, database: Database, team: Team
) -> None:
    with database.session() as session:
        audit_start = session.scalar(select(func.max(AuditEvent.id))) or 0
    finding = create_finding(gql, team, headline=True)
    assert finding["status"] == "DRAFT" and finding["kind"] == "AREA_FOR_IMPROVEMENT"
    assert [c["code"] for c in finding["criteria"]] == ["ESN-23", "ESN-31"]  # framework order
    assert [a["kind"] for a in finding["agencies"]] == ["POLICE"]
    assert {i["code"] for i in finding["awaitingAgreementFrom"]} == {
        "cqc",
        "hmicfrs",
        "hmip",
        "ofsted",
    }

    awaiting = []
    for code in ("ofsted", "cqc", "hmicfrs", "hmip"):
        payload = gql(AGREE, {"id": finding["id"]}, team.by_inspectorate[code]).ok()
        result = payload["agreeFinding"]
        assert result["errors"] == []
        awaiting.append(len(result["finding"]["awaitingAgreementFrom"]))
    assert awaiting == [3, 2, 1, 0]
    agreements = result["finding"]["agreements"]
    assert [a["inspectorate"]["code"] for a in agreements] == ["ofsted", "cqc", "hmicfrs", "hmip"]
    assert agreements[0]["inspector"]["name"] == "Alex Demo-Lead"
    assert all(a["agreedAt"] for a in agreements)

    published = publish(gql, team, finding["id"])
    assert published["errors"] == []
    assert published["finding"]["status"] == "PUBLISHED"
    assert published["finding"]["publishedAt"]
    assert [c["kind"] for c in published["finding"]["changes"]] == ["PUBLISHED"]

    # Every mutation left an audit row naming the finding, and no values.
    with database.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.id > audit_start).order_by(AuditEvent.id)
        ).all()
    names = [e.operation_name for e in events if e.operation_type == "mutation"]
    assert names[:1] == ["Create"] and names.count("Agree") == 4 and names[-1] == "Publish"
    finding_id = int(gid_number(finding["id"]))
    for event in events:
        if event.operation_name in ("Create", "Agree", "Publish"):
            assert event.touched.get("Finding") == [finding_id] and event.outcome == "ok"
    assert "synthetic finding" not in str([(e.touched, e.operation_name) for e in events])


def test_publish_is_refused_while_an_inspectorate_has_not_agreed_naming_it(
    gql: GraphQLClient, database: Database, team: Team
) -> None:
    finding = create_finding(gql, team)
    agree(gql, team, finding["id"], ("ofsted", "cqc", "hmicfrs"))
    payload = publish(gql, team, finding["id"])
    assert payload["finding"] is None
    [error] = payload["errors"]
    assert error["field"] == "findingId" and error["code"] == "NOT_AGREED"
    assert "not yet agreed by HMI Probation (hmip)" in error["message"]
    assert "CQC" not in error["message"]
    assert count(database, FindingChange) == 0
    status = gql(
        "query($id: ID!) { node(id: $id) { ... on Finding { status } } }",
        {"id": finding["id"]},
        team.lead,
    ).ok()
    assert status == {"node": {"status": "DRAFT"}}
    # Once HMI Probation agrees, it publishes.
    agree(gql, team, finding["id"], ("hmip",))
    assert publish(gql, team, finding["id"])["finding"]["status"] == "PUBLISHED"


def test_only_the_lead_publishes_and_one_agreement_per_inspectorate(
    gql: GraphQLClient, database: Database, team: Team
) -> None:
    finding = create_finding(gql, team, token=team.by_inspectorate["cqc"])
    agree(gql, team, finding["id"])
    refused = gql(PUBLISH, {"id": finding["id"]}, team.by_inspectorate["cqc"]).ok()
    assert refused["publishFinding"]["errors"][0]["code"] == "NOT_ALLOWED"
    assert "Only the lead inspector" in refused["publishFinding"]["errors"][0]["message"]
    again = gql(AGREE, {"id": finding["id"]}, team.by_inspectorate["hmip"]).ok()["agreeFinding"]
    assert "HMI Probation agreed this finding already" in again["errors"][0]["message"]
    assert count(database, FindingAgreement) == 4


@pytest.mark.parametrize(
    ("overrides", "field", "code", "words"),
    [
        ({"criteria": ["ESN-99"]}, "input.criteria[0]", "INVALID_INPUT", "'ESN-99' is not a"),
        ({"criteria": []}, "input.criteria", "INVALID_INPUT", "at least one criterion"),
        ({"criteria": ["DA24-1"]}, "input.criteria[0]", "INVALID_INPUT", "framework 'da-2016'"),
        ({"title": "  "}, "input.title", "INVALID_INPUT", "give 1 to 300"),
        ({"agencyIds": ["other-area"]}, "input.agencyIds[0]", "NOT_FOUND", "agency of the"),
        ({"evidenceIds": ["other-inspection"]}, "input.evidenceIds[0]", "NOT_FOUND", "evidence"),
        (
            {"evidenceIds": [gid("Agency", 1)]},
            "input.evidenceIds[0]",
            "INVALID_INPUT",
            "not the ID",
        ),
    ],
)
def test_a_finding_cites_only_what_belongs_to_its_inspection(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    team: Team,
    overrides: dict[str, object],
    field: str,
    code: str,
    words: str,
) -> None:
    other = second_inspection(database, demo)
    other_team = team_of(database, other, make_token, team.lead)
    if overrides.get("agencyIds") == ["other-area"]:
        overrides["agencyIds"] = other_team.agency_ids("police")
    if overrides.get("evidenceIds") == ["other-inspection"]:
        record_final_evidence(gql, database, other_team)
        overrides["evidenceIds"] = [other_team.evidence["cqc"]]
    data = {
        "inspectionId": team.inspection,
        "kind": "STRENGTH",
        "title": "A synthetic strength",
        "text": "Synthetic.",
        "criteria": ["ESN-23"],
        **overrides,
    }
    payload = gql(CREATE, {"input": data}, team.lead).ok()["createFinding"]
    assert payload["finding"] is None
    assert (payload["errors"][0]["field"], payload["errors"][0]["code"]) == (field, code)
    assert words in payload["errors"][0]["message"]


def test_kinds_are_strengths_and_areas_for_improvement_never_grades(
    gql: GraphQLClient, lead_token: str
) -> None:
    values = gql('{ __type(name: "FindingKind") { enumValues { name } } }', token=lead_token).ok()
    names = {v["name"] for v in values["__type"]["enumValues"]}
    assert names == {"STRENGTH", "AREA_FOR_IMPROVEMENT", "PRIORITY_ACTION"}


def test_outsiders_and_agencies_do_not_draft_findings(
    gql: GraphQLClient, database: Database, team: Team, make_token: TokenFactory
) -> None:
    with database.write() as session:
        outsider = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id
    police = team.agencies["police"][0]
    for token in (
        make_token(Role.INSPECTOR, inspector_id=outsider_id),
        make_token(Role.AGENCY_USER, agency_id=police),
        make_token(Role.INTEGRATOR),
        make_token(Role.ADMIN),
    ):
        data = {
            "inspectionId": team.inspection,
            "kind": "STRENGTH",
            "title": "t",
            "text": "t",
            "criteria": ["ESN-23"],
        }
        payload = gql(CREATE, {"input": data}, token).ok()["createFinding"]
        assert payload["finding"] is None
        assert payload["errors"][0]["code"] in ("NOT_FOUND", "NOT_ALLOWED")


def test_changing_a_draft_clears_the_agreements_given_to_the_old_text(
    gql: GraphQLClient, team: Team
) -> None:
    finding = create_finding(gql, team)
    agree(gql, team, finding["id"], ("ofsted", "cqc"))
    same = gql(
        UPDATE, {"input": {"findingId": finding["id"], "title": finding["title"]}}, team.lead
    ).ok()["updateFinding"]
    assert len(same["finding"]["agreements"]) == 2  # nothing changed, nothing cleared
    changed = gql(
        UPDATE,
        {"input": {"findingId": finding["id"], "text": "Reworded after the team met."}},
        team.by_inspectorate["hmip"],
    ).ok()["updateFinding"]
    assert changed["errors"] == []
    assert changed["finding"]["agreements"] == []
    assert len(changed["finding"]["awaitingAgreementFrom"]) == 4


def test_publication_needs_agencies_and_final_evidence(
    gql: GraphQLClient, team: Team, database: Database
) -> None:
    draft_evidence = gql(
        """mutation($input: HmicfrsPoliceInvestigationEvidenceInput!) {
             recordHmicfrsPoliceInvestigationEvidence(input: $input) { evidence { id } } }""",
        {
            "input": {
                "inspectionId": team.inspection,
                "agencyId": team.agency_ids("police")[0],
                "initialResponse": "draft",
                "investigationQuality": "draft",
                "maracEffectiveness": "draft",
            }
        },
        team.by_inspectorate["hmicfrs"],
    ).ok()["recordHmicfrsPoliceInvestigationEvidence"]["evidence"]
    finding = create_finding(gql, team, agency_kinds=(), evidence_from=())
    gql(
        UPDATE,
        {"input": {"findingId": finding["id"], "evidenceIds": [draft_evidence["id"]]}},
        team.lead,
    ).ok()
    agree(gql, team, finding["id"])
    errors = publish(gql, team, finding["id"])["errors"]
    # publishFinding takes only a findingId: the finding is at fault, and the message says
    # which of its parts and the mutation that changes it.
    assert [e["field"] for e in errors] == ["findingId", "findingId"]
    assert {e["code"] for e in errors} == {"INCOMPLETE"}
    assert errors[0]["message"].startswith("findingId: its agencyIds: ")
    assert "updateFinding(input: {findingId, agencyIds})" in errors[0]["message"]
    assert errors[1]["message"].startswith("findingId: its evidenceIds: ")
    assert any("still DRAFT" in e["message"] for e in errors)


def test_changes_after_publication_go_to_the_feed_and_only_the_lead_makes_them(
    gql: GraphQLClient, database: Database, team: Team
) -> None:
    finding = publish_new(gql, team)
    refused = gql(
        UPDATE, {"input": {"findingId": finding["id"], "text": "x"}}, team.by_inspectorate["cqc"]
    ).ok()["updateFinding"]
    assert refused["errors"][0]["code"] == "NOT_ALLOWED"
    updated = gql(
        UPDATE, {"input": {"findingId": finding["id"], "text": "Corrected wording."}}, team.lead
    ).ok()["updateFinding"]
    assert updated["errors"] == [] and updated["finding"]["status"] == "PUBLISHED"
    assert len(updated["finding"]["agreements"]) == 4  # agreed, then corrected by the lead
    withdrawn = gql(WITHDRAW, {"id": finding["id"]}, team.lead).ok()["withdrawFinding"]
    assert withdrawn["finding"]["status"] == "WITHDRAWN"
    assert [c["kind"] for c in withdrawn["finding"]["changes"]] == [
        "PUBLISHED",
        "UPDATED",
        "WITHDRAWN",
    ]
    again = gql(WITHDRAW, {"id": finding["id"]}, team.lead).ok()["withdrawFinding"]
    assert "withdrawn already" in again["errors"][0]["message"]
    with database.session() as session:
        assert [c.change for c in session.scalars(select(FindingChange))] == [
            "published",
            "updated",
            "withdrawn",
        ]


def test_an_agency_user_cannot_see_draft_findings(
    gql: GraphQLClient, team: Team, make_token: TokenFactory
) -> None:
    agency = make_token(Role.AGENCY_USER, agency_id=team.agencies["police"][0])
    draft = create_finding(gql, team, title="A draft the area must not see")
    query = (
        "query($id: ID!) { inspections { nodes { findings { title evidence { id } } } } "
        "node(id: $id) { ... on Finding { title } } }"
    )
    seen = gql(query, {"id": draft["id"]}, agency).ok()
    assert seen == {"inspections": {"nodes": [{"findings": []}]}, "node": None}
    assert "must not see" not in str(seen)
    agree(gql, team, draft["id"])
    publish(gql, team, draft["id"])
    seen = gql(query, {"id": draft["id"]}, agency).ok()
    # Published, the area reads it; its evidence stays with the team.
    assert seen["inspections"]["nodes"][0]["findings"] == [
        {"title": "A draft the area must not see", "evidence": []}
    ]
    assert seen["node"] == {"title": "A draft the area must not see"}
    # The team sees the evidence behind it.
    team_view = gql(query, {"id": draft["id"]}, team.by_inspectorate["cqc"]).ok()
    assert len(team_view["inspections"]["nodes"][0]["findings"][0]["evidence"]) == 2


NESTED = """
{ inspections { nodes {
  findings { title criteria { code } agencies { name } evidence { id }
    agreements { inspectorate { code } inspector { name } agreedAt }
    awaitingAgreementFrom { code } changes { kind } createdBy { name } inspection { reference } }
  report { sections { key findings { title } } }
} } }
"""


def test_findings_cost_the_same_statements_however_many_there_are(
    gql: GraphQLClient, team: Team
) -> None:
    def statements() -> int:
        counter = StatementCounter()
        gql(NESTED, token=team.lead, counter=counter).ok()
        return counter.count

    publish_new(gql, team)
    create_finding(gql, team, title="One draft")
    few = statements()
    for number in range(3):
        publish_new(gql, team, title=f"Published {number}")
        create_finding(gql, team, title=f"Draft {number}")
    assert statements() == few
