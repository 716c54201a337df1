"""What the server checks about evidence beyond the generated types: the child is tracked or
sampled, cited criteria are the framework's, FINAL answers every required question, drafts are
finished in place; and the lead inspector's evidence coverage."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.database import Database
from core.demo import DemoInspection
from core.models import Child, EvidenceRecord
from core.viewer import Role
from tests.helpers.evidence import RECORD_CASE_TRACKING, case_tracking_input, choose_child
from tests.helpers.findings_world import Team, record_final_evidence, team_of
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid

SAMPLING = """
mutation($input: OfstedSamplingEvidenceInput!) {
  recordOfstedSamplingEvidence(input: $input) { errors { field code message } evidence { id } }
}
"""


@pytest.fixture
def children(database: Database, demo: DemoInspection) -> list[int]:
    with database.session() as session:
        return list(
            session.scalars(
                select(Child.id).where(Child.inspection_id == demo.inspection_id).order_by(Child.id)
            )
        )[:3]


def record(gql: GraphQLClient, token: str, data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = gql(RECORD_CASE_TRACKING, {"input": data}, token).ok()[
        "recordOfstedCaseTrackingEvidence"
    ]
    return payload


def test_case_tracking_needs_a_tracked_child(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    children: list[int],
) -> None:
    refused = record(gql, lead_token, case_tracking_input(demo.inspection_id, children[0]))
    assert refused["evidence"] is None
    [error] = refused["errors"]
    assert (error["field"], error["code"]) == ("input.childId", "INVALID_INPUT")
    assert "not tracked in JTAI-DEMO-001" in error["message"]
    # Sampled is not tracked.
    choose_child(database, demo.inspection_id, children[0], "sampled")
    assert record(gql, lead_token, case_tracking_input(demo.inspection_id, children[0]))["errors"]
    choose_child(database, demo.inspection_id, children[0], "tracked")
    done = record(gql, lead_token, case_tracking_input(demo.inspection_id, children[0]))
    assert done["errors"] == []


def test_sampling_needs_a_sampled_child(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    children: list[int],
) -> None:
    data = {
        "inspectionId": gid("Inspection", demo.inspection_id),
        "childId": gid("Child", children[1]),
        "caseNumber": "S-1",
        "journeyPoint": "REFERRAL",
        "livingWithDomesticAbuse": True,
        "experience": "Synthetic sampling answer.",
    }
    refused = gql(SAMPLING, {"input": data}, lead_token).ok()["recordOfstedSamplingEvidence"]
    assert refused["errors"][0]["field"] == "input.childId"
    assert "not sampled" in refused["errors"][0]["message"]
    choose_child(database, demo.inspection_id, children[1], "sampled")
    done = gql(SAMPLING, {"input": data}, lead_token).ok()["recordOfstedSamplingEvidence"]
    assert done["errors"] == [] and done["evidence"]["id"]


def test_cited_criteria_must_be_the_frameworks_and_are_listed_with_the_questions(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    children: list[int],
) -> None:
    choose_child(database, demo.inspection_id, children[0], "tracked")
    bad = record(
        gql,
        lead_token,
        case_tracking_input(
            demo.inspection_id, children[0], citedCriteria=["ESN-33", "DA24-1", "ESN-99"]
        ),
    )
    fields = [e["field"] for e in bad["errors"]]
    assert fields == ["input.citedCriteria[1]", "input.citedCriteria[2]"]
    assert "'DA24-1' is not a criterion of framework 'da-2016'" in bad["errors"][0]["message"]
    good = gql(
        RECORD_CASE_TRACKING.replace("criteria { code }", "criteria { code } citedCriteria"),
        {"input": case_tracking_input(demo.inspection_id, children[0], citedCriteria=["ESN-33"])},
        lead_token,
    ).ok()["recordOfstedCaseTrackingEvidence"]
    assert good["evidence"]["citedCriteria"] == ["ESN-33"]
    assert good["evidence"]["criteria"][-1] == {"code": "ESN-33"}


def test_final_needs_every_required_answer_and_a_draft_is_finished_in_place(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    children: list[int],
    make_token: TokenFactory,
) -> None:
    choose_child(database, demo.inspection_id, children[0], "tracked")
    blank = {"referralTimely": "  ", "jointWorking": ""}
    refused = record(
        gql,
        lead_token,
        case_tracking_input(demo.inspection_id, children[0], status="FINAL", **blank),
    )
    assert [e["field"] for e in refused["errors"]] == ["input.referralTimely", "input.jointWorking"]
    assert (
        "'Was referral for action timely for the child?' needs an answer before the evidence "
        "is FINAL" in refused["errors"][0]["message"]
    )
    # The same answers are a valid draft: drafts are complete by type, and may leave text blank.
    draft = record(gql, lead_token, case_tracking_input(demo.inspection_id, children[0], **blank))
    assert draft["errors"] == [] and draft["evidence"]["status"] == "DRAFT"
    evidence_id = draft["evidence"]["id"]
    # Another Ofsted inspector may not finish it; its author does, in place.
    with database.session() as session:
        from core.models import Inspector

        other = session.scalar(
            select(Inspector.id).where(Inspector.name == "Sam Example")  # Ofsted, on the team
        )
    other_token = make_token(Role.INSPECTOR, inspector_id=other)
    finished = case_tracking_input(
        demo.inspection_id, children[0], status="FINAL", evidenceId=evidence_id
    )
    assert record(gql, other_token, finished)["errors"][0]["code"] == "NOT_ALLOWED"
    done = record(gql, lead_token, finished)
    assert done["errors"] == []
    assert (done["evidence"]["id"], done["evidence"]["status"]) == (evidence_id, "FINAL")
    with database.session() as session:
        assert len(session.scalars(select(EvidenceRecord)).all()) == 1
    # FINAL never changes.
    again = record(gql, lead_token, finished)
    assert again["errors"][0]["field"] == "input.evidenceId"
    assert "FINAL and does not change" in again["errors"][0]["message"]


COVERAGE = """
query($id: ID!) { node(id: $id) { ... on Inspection { evidenceCoverage {
  evidenceCount
  criteria { criterion { code } evidenceCount finalCount
    byInspectorate { inspectorate { code } evidenceCount finalCount childCount
      children { localId } agencies { kind } } }
  criteriaWithoutEvidence { code }
  criteriaWithoutFinalEvidence { code }
} } } }
"""


def test_the_lead_sees_evidence_coverage_by_criterion_and_inspectorate(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    team: Team = team_of(database, demo.inspection_id, make_token, lead_token)
    record_final_evidence(gql, database, team)
    coverage = gql(COVERAGE, {"id": team.inspection}, lead_token).ok()["node"]["evidenceCoverage"]
    assert coverage["evidenceCount"] == 4
    rows = {row["criterion"]["code"]: row for row in coverage["criteria"]}
    # ESN-28 (adult victims) is evidenced by Ofsted's case tracking, CQC and HMI Probation.
    esn28 = {i["inspectorate"]["code"]: i for i in rows["ESN-28"]["byInspectorate"]}
    assert {code: i["evidenceCount"] for code, i in esn28.items()} == {
        "cqc": 1,
        "hmicfrs": 1,
        "hmip": 1,
        "ofsted": 1,
    }
    assert esn28["ofsted"]["children"] == [{"localId": "DEMO00001"}]
    assert esn28["cqc"]["agencies"] == [{"kind": "HEALTH"}] and esn28["cqc"]["children"] == []
    # ESN-31 is the police's alone; ESN-32 (Cafcass) and most of 11-22 have no evidence yet.
    assert [
        i["inspectorate"]["code"] for i in rows["ESN-31"]["byInspectorate"] if i["evidenceCount"]
    ] == ["hmicfrs"]
    without = [c["code"] for c in coverage["criteriaWithoutEvidence"]]
    assert "ESN-32" in without and "ESN-31" not in without and "ESN-11" in without
    assert coverage["criteriaWithoutFinalEvidence"] == coverage["criteriaWithoutEvidence"]

    agency = make_token(Role.AGENCY_USER, agency_id=team.agencies["police"][0])
    assert gql(COVERAGE, {"id": team.inspection}, agency).ok() == {
        "node": {"evidenceCoverage": None}
    }
