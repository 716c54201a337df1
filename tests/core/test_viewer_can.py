"""`viewerCan…` fields say exactly what the mutation would do: for each role, in each state, the
field is true when the mutation then succeeds and false when it is refused."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from core.database import Database
from core.demo import DemoInspection
from core.registry import Registry
from core.viewer import Role
from tests.core.test_uploads import PDF, Kept, upload_document
from tests.helpers.findings_world import (
    AGREE,
    FORMS_QUERY,
    PUBLISH,
    answers_for,
    create_finding,
    record_final_evidence,
    second_inspection,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number
from tests.helpers.issued_requests import ISSUE, agency_id
from tests.helpers.selection_world import build_world, future_tuesday, select_children

CAN = """query($id: ID!) { node(id: $id) { ... on Finding { viewerCanAgree viewerCanPublish } } }"""


def can(gql: GraphQLClient, token: str, finding: str) -> dict[str, Any]:
    node: dict[str, Any] | None = gql(CAN, {"id": finding}, token).ok()["node"]
    # A finding the viewer cannot see offers no action at all.
    return node or {"viewerCanAgree": False, "viewerCanPublish": False}


def tried(gql: GraphQLClient, token: str, mutation: str, name: str, finding: str) -> bool:
    payload = gql(mutation, {"id": finding}, token).ok()[name]
    return bool(payload["errors"] == [])


def test_viewer_can_agree_and_publish_exactly_when_the_mutations_succeed(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    record_final_evidence(gql, database, team)
    finding = create_finding(gql, team)["id"]
    outsiders = {
        "admin": make_token(Role.ADMIN),
        "agency": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police")),
        "integrator": make_token(Role.INTEGRATOR),
    }
    by_name = {**outsiders, **team.by_inspectorate}
    # Each step: who tries what, in the state the earlier steps left.
    steps = [
        ("admin", "agree"),
        ("agency", "agree"),
        ("integrator", "publish"),
        ("ofsted", "publish"),  # not agreed yet
        ("cqc", "publish"),  # not the lead
        ("cqc", "agree"),
        ("cqc", "agree"),  # once only
        ("hmicfrs", "agree"),
        ("hmip", "agree"),
        ("ofsted", "publish"),  # Ofsted has not agreed yet
        ("ofsted", "agree"),
        ("hmip", "publish"),
        ("ofsted", "publish"),
        ("ofsted", "agree"),  # published: nothing left to agree
        ("ofsted", "publish"),  # published once
    ]
    outcomes = []
    for who, action in steps:
        token = by_name[who]
        predicted = can(gql, token, finding)
        if action == "agree":
            did = tried(gql, token, AGREE, "agreeFinding", finding)
            assert predicted["viewerCanAgree"] is did, (who, action)
        else:
            did = tried(gql, token, PUBLISH, "publishFinding", finding)
            assert predicted["viewerCanPublish"] is did, (who, action)
        outcomes.append(did)
    # The sequence exercised both answers for both actions.
    assert outcomes == [
        False, False, False, False, False, True, False, True, True, False, True, False, True,
        False, False,
    ]  # fmt: skip


RECORD_CAN = """
query($code: String!, $inspection: ID!) { framework(code: $code) { evidenceForms {
  code viewerCanRecord(inspectionId: $inspection)
} } }
"""


def test_viewer_can_record_exactly_when_recording_succeeds(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    elsewhere = gid("Inspection", second_inspection(database, demo, framework="da-2024"))
    forms = gql(FORMS_QUERY, {"code": "da-2016"}, lead_token).ok()["framework"]["evidenceForms"]
    tokens = {
        **team.by_inspectorate,
        "admin": make_token(Role.ADMIN),
        "agency": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police")),
    }
    agency_kind = {
        "health-pathways": "health",
        "police-investigation": "police",
        "perpetrator-risk": "probation",
    }
    outcomes: set[bool] = set()
    for form in forms:
        if form["code"] not in agency_kind:
            continue  # the child forms need a chosen child: the agency forms suffice here
        for who, token in tokens.items():
            for inspection in (team.inspection, elsewhere):
                listed = gql(RECORD_CAN, {"code": "da-2016", "inspection": inspection}, token).ok()[
                    "framework"
                ]["evidenceForms"]
                predicted = next(f for f in listed if f["code"] == form["code"])
                data = {
                    "inspectionId": inspection,
                    "status": "DRAFT",
                    "agencyId": team.agency_ids(agency_kind[form["code"]])[0],
                    **answers_for(form),
                }
                name = form["graphqlTypeName"]
                payload = gql(
                    f"mutation($input: {name}Input!) "
                    f"{{ record{name}(input: $input) {{ errors {{ message }} }} }}",
                    {"input": data},
                    token,
                ).ok()[f"record{name}"]
                did = payload["errors"] == []
                assert predicted["viewerCanRecord"] is did, (who, form["code"], payload)
                outcomes.add(did)
    assert outcomes == {True, False}


TRACKER = """query($id: ID!) { inspection(id: $id) { requests(first: 100) {
  nodes { id reference agency { kind } listSpec { code } } } } }"""
UPLOAD_CAN = "query($id: ID!) { node(id: $id) { ... on IssuedRequest { viewerCanUpload } } }"


def test_viewer_can_upload_exactly_when_the_upload_is_taken(
    gql: GraphQLClient,
    app: Starlette,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    inspection = gid("Inspection", demo.inspection_id)
    assert gql(ISSUE, {"id": inspection}, lead_token).ok()["issueDocumentRequests"]["errors"] == []
    requests = gql(TRACKER, {"id": inspection}, lead_token).ok()["inspection"]["requests"]
    chosen: dict[str, str] = {}
    for node in requests["nodes"]:
        kind = "list" if node["listSpec"] else node["agency"]["kind"]
        chosen.setdefault(kind, node["id"])
    tokens = {
        "council": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority")),
        "police": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police")),
        "lead": lead_token,
        "admin": make_token(Role.ADMIN),
        "integrator": make_token(Role.INTEGRATOR),
    }
    kept = Kept(app.state.document_store, database)
    outcomes: set[bool] = set()
    try:
        for kind in ("LOCAL_AUTHORITY", "POLICE"):
            for who, token in tokens.items():
                node = gql(UPLOAD_CAN, {"id": chosen[kind]}, token).ok()["node"]
                predicted = bool(node and node["viewerCanUpload"])
                result = upload_document(gql, token, int(gid_number(chosen[kind])), PDF)
                did = result["errors"] == []
                assert predicted is did, (who, kind, result["errors"])
                outcomes.add(did)
        # A list request: the agency it is issued to may send it (with uploadList).
        council = tokens["council"]
        listed = gql(UPLOAD_CAN, {"id": chosen["list"]}, council).ok()["node"]
        assert listed == {"viewerCanUpload": True}
    finally:
        kept.clear()
    assert outcomes == {True, False}


SELECT_CAN = "query($id: ID!) { inspection(id: $id) { viewerCanSelectChildren } }"


def test_viewer_can_select_children_exactly_when_selecting_is_allowed(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    world = build_world(database, registry, demo, future_tuesday())
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    tokens = {
        **team.by_inspectorate,
        "admin": make_token(Role.ADMIN),
        "agency": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority")),
    }
    outcomes: set[bool] = set()
    for position, (who, token) in enumerate(tokens.items()):
        data = gql(SELECT_CAN, {"id": world.inspection}, token).ok()
        predicted = bool(data["inspection"] and data["inspection"]["viewerCanSelectChildren"])
        did = select_children(gql, token, world, [position])["errors"] == []
        assert predicted is did, who
        outcomes.add(did)
    assert outcomes == {True, False}
