"""Participation belongs to the inspection: who takes part is fixed when it is created.

A fifth, outside plugin that joins da-2016 after an inspection exists changes nothing about that
inspection (its findings still publish with the original four); a new inspection takes it in by
default or leaves it out when the admin chooses; a plugin removed later is reported as missing
while the inspection stays readable, and publishing waits for it by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import EvidenceRecord, InspectionInspectorate, IssuedRequest, TeamMember
from core.plugins import make_plugin_manager
from core.settings import Settings
from core.viewer import Role
from tests.helpers.environment import FIRST_PARTY
from tests.helpers.findings_world import (
    Team,
    agree,
    create_finding,
    publish,
    record_final_evidence,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number
from tests.helpers.outside_plugin import CODE, OutsideInspectorate

PARTICIPATION = """
query($id: ID!) { node(id: $id) { ... on Inspection {
  inspectorates { code } missingPlugins
  evidence { totalCount }
  evidenceCoverage { criteria { criterion { code } byInspectorate { inspectorate { code } } } }
} } }
"""


def with_fifth(database: Database, tmp_path: Path) -> GraphQLClient:
    """The app as served once the outside plugin is installed beside the four."""
    manager = make_plugin_manager(only=FIRST_PARTY, extra_plugins=[(CODE, OutsideInspectorate())])
    settings = Settings(database_url=database.url, max_page_size=100, storage_dir=tmp_path)
    app: Starlette = create_app(settings, plugin_manager=manager, database=database)
    return GraphQLClient(app, database)


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


def participation(gql: GraphQLClient, team: Team) -> dict[str, Any]:
    found: dict[str, Any] = gql(PARTICIPATION, {"id": team.inspection}, team.lead).ok()["node"]
    return found


def test_a_plugin_joining_the_framework_later_changes_no_existing_inspection(
    database: Database, team: Team, tmp_path: Path
) -> None:
    later = with_fifth(database, tmp_path)

    finding = create_finding(later, team)
    assert [i["code"] for i in finding["awaitingAgreementFrom"]] == list(FIRST_PARTY)
    agree(later, team, finding["id"])
    payload = publish(later, team, finding["id"])

    assert payload["errors"] == [], payload
    assert payload["finding"]["status"] == "PUBLISHED"
    seen = participation(later, team)
    assert [i["code"] for i in seen["inspectorates"]] == list(FIRST_PARTY)
    assert seen["missingPlugins"] == []
    # Coverage follows the inspection's four: the newcomer's criterion and column are not there.
    criteria = seen["evidenceCoverage"]["criteria"]
    assert "CIW-1" not in [c["criterion"]["code"] for c in criteria]
    assert {i["inspectorate"]["code"] for c in criteria for i in c["byInspectorate"]} == set(
        FIRST_PARTY
    )


def test_the_newcomer_can_neither_agree_nor_record_on_an_inspection_it_is_not_part_of(
    database: Database, team: Team, tmp_path: Path, make_token: TokenFactory
) -> None:
    later = with_fifth(database, tmp_path)
    admin = make_token(Role.ADMIN)
    inspector = later(
        'mutation { createInspector(input: {name: "Cai Cymru", email: "cai@example.org", '
        'inspectorate: "ciw"}) { inspector { id } errors { message } } }',
        {},
        admin,
    ).ok()["createInspector"]["inspector"]
    inspector_id = int(gid_number(inspector["id"]))
    token = make_token(Role.INSPECTOR, inspector_id=inspector_id)
    joined = later(
        "mutation($input: TeamMemberInput!) { addTeamMember(input: $input) "
        "{ errors { field message } } }",
        {"input": {"inspectionId": team.inspection, "inspectorId": inspector["id"]}},
        admin,
    ).ok()["addTeamMember"]
    [refusal] = joined["errors"]
    assert "'ciw', which does not take part in inspection JTAI-DEMO-001" in refusal["message"]
    with database.write() as session:  # on the team regardless, as rows written by hand would be
        session.add(TeamMember(inspection_id=team.inspection_id, inspector_id=inspector_id))

    recorded = later(
        "mutation($input: CiwRefugeVisitEvidenceInput!) { recordCiwRefugeVisitEvidence("
        "input: $input) { errors { field message } evidence { id } } }",
        {"input": {"inspectionId": team.inspection, "agencyId": team.agency_ids("police")[0]}},
        token,
    ).ok()["recordCiwRefugeVisitEvidence"]

    assert recorded["evidence"] is None
    [error] = recorded["errors"]
    assert "CIW does not take part in inspection JTAI-DEMO-001" in error["message"]


def create(gql: GraphQLClient, admin: str, area: str, lead: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = gql(
        "mutation($input: CreateInspectionInput!) { createInspection(input: $input) { "
        "inspection { id inspectorates { code } timetable { deadlines { reference } } } "
        "errors { field message } } }",
        {
            "input": {
                "areaId": area,
                "framework": "da-2016",
                "notificationDate": "2016-11-08",
                "reference": f"JTAI-P-{len(extra)}-{'-'.join(extra.get('inspectorates', []))}",
                "leadInspectorId": lead,
                **extra,
            }
        },
        admin,
    ).ok()["createInspection"]
    return payload


def test_a_new_inspection_takes_every_inspectorate_of_its_framework_or_those_chosen(
    database: Database, demo: DemoInspection, tmp_path: Path, make_token: TokenFactory
) -> None:
    later = with_fifth(database, tmp_path)
    admin = make_token(Role.ADMIN)
    found = later(
        "query($id: ID!) { node(id: $id) { ... on Inspection { area { id } "
        "leadInspector { id } } } }",
        {"id": gid("Inspection", demo.inspection_id)},
        admin,
    )
    node = found.ok()["node"]
    area, lead = node["area"]["id"], node["leadInspector"]["id"]

    every = create(later, admin, area, lead)
    chosen = create(later, admin, area, lead, inspectorates=["ofsted", "cqc", "cqc"])
    no_lead = create(later, admin, area, lead, inspectorates=["cqc"])
    unknown = create(later, admin, area, lead, inspectorates=["ofsted", "ciw", "nobody"])

    assert every["errors"] == []
    assert [i["code"] for i in every["inspection"]["inspectorates"]] == sorted([*FIRST_PARTY, CODE])
    assert [i["code"] for i in chosen["inspection"]["inspectorates"]] == ["cqc", "ofsted"]
    deadlines = [
        {d["reference"] for d in payload["inspection"]["timetable"]["deadlines"]}
        for payload in (every, chosen)
    ]
    assert "ciw.refuges" in deadlines[0] and "ciw.refuges" not in deadlines[1]
    assert "3.1" in deadlines[0] and "3.1" not in deadlines[1]  # HMICFRS's, not taking part
    assert no_lead["inspection"] is None
    assert [e["field"] for e in no_lead["errors"]] == ["input.inspectorates"]
    assert "lead inspectorate 'ofsted' always takes part" in no_lead["errors"][0]["message"]
    assert unknown["inspection"] is None
    [error] = unknown["errors"]
    assert error["field"] == "input.inspectorates[2]"
    assert "'nobody' does not take part in framework 'da-2016'" in error["message"]
    # Requests follow the inspection's set: the newcomer's request goes to its inspections only.
    issue = "mutation($id: ID!) { issueDocumentRequests(inspectionId: $id) { issuedCount } }"
    for payload in (every, chosen):
        later(issue, {"id": payload["inspection"]["id"]}, admin).ok()
    with database.session() as session:
        asked = {
            (row.inspection_id, row.reference) for row in session.scalars(select(IssuedRequest))
        }
    every_id = int(gid_number(every["inspection"]["id"]))
    chosen_id = int(gid_number(chosen["inspection"]["id"]))
    assert (every_id, "ciw.refuges") in asked
    assert (chosen_id, "ciw.refuges") not in asked
    assert any(i == chosen_id for i, _ in asked)


def test_a_removed_plugin_is_reported_and_the_inspection_stays_readable(
    gql: GraphQLClient, database: Database, team: Team
) -> None:
    # The outside plugin took part when the inspection was created and recorded evidence; then
    # it was uninstalled: the app (gql) runs with the four first-party plugins only.
    with database.write() as session:
        session.add(InspectionInspectorate(inspection_id=team.inspection_id, inspectorate=CODE))
        session.add(
            EvidenceRecord(
                inspection_id=team.inspection_id,
                inspectorate=CODE,
                form="refuge-visit",
                agency_id=team.agencies["police"][0],
                status="final",
                answers={"risk_understood": "WELL"},
                recorded_by_id=team.inspector_ids["ofsted"],
            )
        )
    finding = create_finding(gql, team)
    agree(gql, team, finding["id"])

    seen = participation(gql, team)
    payload = publish(gql, team, finding["id"])

    assert seen["missingPlugins"] == [CODE]
    assert [i["code"] for i in seen["inspectorates"]] == list(FIRST_PARTY)
    assert seen["evidence"]["totalCount"] == 4  # the outside record has no form to read it by
    assert payload["finding"] is None
    [error] = payload["errors"]
    assert error["field"] == "findingId"
    assert "has 'ciw' taking part, but no installed plugin speaks for it" in error["message"]
    assert "Install the plugin for 'ciw' again" in error["message"]
