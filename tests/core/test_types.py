"""Types a UI can trust: one name for one thing, objects beside the codes they replace, non-null
fields that hold, and a plain refusal when stored rows outlive the plugin that gave them meaning."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from graphql import GraphQLObjectType
from graphql import build_schema as parse_sdl

from core import models as m
from core.database import Database
from core.demo import DemoInspection
from core.ids import global_id
from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.graphql import GraphQLClient, TokenFactory

REFERENCE = """
{ framework(code: "da-2016") {
    code
    criteria { code frameworkCode framework { code } leadCode lead { code }
      evaluatedByCodes evaluatedBy { code } }
    documentRequests { reference frameworkCode framework { code } ownerCode owner { code }
      listSpec { fields { name codeSetCode codeSet { code } } } }
    milestones { code frameworkCode framework { code } ownerCode owner { code } }
    evidenceForms { code frameworkCode framework { code } ownerCode inspectorate { code }
      questions { code frameworkCode framework { code } criterionCodes criteria { code } } }
    inspectorates { code frameworkCodes frameworks { code } }
} }
"""

# Each deprecated code field, and the object field a client reads instead.
DEPRECATED = {
    ("Criterion", "frameworkCode"): "framework { code }",
    ("Criterion", "leadCode"): "lead { code }",
    ("Criterion", "evaluatedByCodes"): "evaluatedBy { code }",
    ("DocumentRequest", "frameworkCode"): "framework { code }",
    ("DocumentRequest", "ownerCode"): "owner { code }",
    ("EvidenceForm", "frameworkCode"): "framework { code }",
    ("EvidenceForm", "ownerCode"): "inspectorate { code }",
    ("Inspection", "frameworkCode"): "framework { code }",
    ("Inspectorate", "frameworkCodes"): "frameworks { code }",
    ("ListField", "codeSetCode"): "codeSet { code }",
    ("Milestone", "frameworkCode"): "framework { code }",
    ("Milestone", "ownerCode"): "owner { code }",
    ("PublishedFinding", "frameworkCode"): "framework { code }",
    ("Question", "frameworkCode"): "framework { code }",
    ("Question", "criterionCodes"): "criteria { code }",
    ("ScheduledDeadline", "ownerCode"): "owner { code }",
    ("Viewer", "inspectorateCode"): "inspectorate { code }",
}

# A list's code names no object of the graph; an HTTP status code is no code of ours; an answer's
# question code sits beside that question's label and kind, for a form-driven UI.
NOT_CODES_OF_OBJECTS = ("listCode", "lastStatusCode", "questionCode")


def test_every_code_field_is_deprecated_for_its_object() -> None:
    schema = parse_sdl((REPO_ROOT / "schema.graphql").read_text(encoding="utf-8"))
    found = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType):
            continue
        for name, field in type_.fields.items():
            if name.endswith(("Code", "Codes")) and name not in NOT_CODES_OF_OBJECTS:
                found[(type_.name, name)] = field.deprecation_reason
    assert set(found) == set(DEPRECATED)
    for coordinate, instead in DEPRECATED.items():
        assert found[coordinate] == f"One name for one thing: use `{instead}`.", coordinate


def test_the_object_fields_say_what_the_codes_said(
    gql: GraphQLClient, make_token: TokenFactory
) -> None:
    framework = gql(REFERENCE, {}, make_token(Role.INTEGRATOR)).ok()["framework"]
    code = framework["code"]

    def codes(items: list[dict[str, Any]]) -> list[str]:
        return [item["code"] for item in items]

    assert framework["criteria"] and framework["documentRequests"] and framework["milestones"]
    for criterion in framework["criteria"]:
        assert criterion["framework"]["code"] == criterion["frameworkCode"] == code
        assert criterion["lead"]["code"] == criterion["leadCode"]
        assert codes(criterion["evaluatedBy"]) == criterion["evaluatedByCodes"]
    for request in framework["documentRequests"]:
        assert request["framework"]["code"] == request["frameworkCode"] == code
        assert request["owner"]["code"] == request["ownerCode"]
        for field in (request["listSpec"] or {}).get("fields", []):
            assert (field["codeSet"] or {}).get("code") == field["codeSetCode"]
    for milestone in framework["milestones"]:
        assert milestone["framework"]["code"] == milestone["frameworkCode"] == code
        assert milestone["owner"]["code"] == milestone["ownerCode"]
    for form in framework["evidenceForms"]:
        assert form["framework"]["code"] == form["frameworkCode"] == code
        assert form["inspectorate"]["code"] == form["ownerCode"]
        for question in form["questions"]:
            assert question["framework"]["code"] == question["frameworkCode"] == code
            assert codes(question["criteria"]) == question["criterionCodes"]
    for inspectorate in framework["inspectorates"]:
        assert codes(inspectorate["frameworks"]) == inspectorate["frameworkCodes"]


def test_a_framework_no_plugin_provides_is_refused_plainly(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``Inspection.framework`` is non-null: a row naming an uninstalled framework is an operator's
    problem, answered as an internal error (no stack, no value) and logged with the fix."""
    with database.write() as session:
        inspection = session.get(m.Inspection, demo.inspection_id)
        assert inspection is not None
        inspection.framework = "gone-2030"
    query = "query($id: ID!) { inspection(id: $id) { reference framework { code } } }"
    with caplog.at_level(logging.ERROR):
        response = gql(
            query, {"id": global_id("Inspection", demo.inspection_id)}, make_token(Role.ADMIN)
        )
    assert response.data == {"inspection": None}
    [error] = response.errors
    assert error["extensions"]["code"] == "INTERNAL" and "gone-2030" not in error["message"]
    assert "NotInstalled" in caplog.text


def test_a_request_no_plugin_defines_is_refused_plainly(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``IssuedRequest.owner`` is non-null: a request the framework's plugin no longer defines
    fails the same way, naming the request in the log only."""
    with database.write() as session:
        agency = session.query(m.Agency).first()
        assert agency is not None
        session.add(
            m.IssuedRequest(
                inspection_id=demo.inspection_id,
                reference="gone.9",
                agency_id=agency.id,
                due_at=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC),
            )
        )
    query = """query($id: ID!) { inspection(id: $id) {
      requests(first: 5) { nodes { reference scope owner { code } } } } }"""
    with caplog.at_level(logging.ERROR):
        response = gql(
            query, {"id": global_id("Inspection", demo.inspection_id)}, make_token(Role.ADMIN)
        )
    assert response.errors and response.errors[0]["extensions"]["code"] == "INTERNAL"
    assert "gone.9" not in str(response.body) and "NotInstalled" in caplog.text


def test_a_token_node_names_whose_token_it_is(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory
) -> None:
    admin = make_token(Role.ADMIN)
    agency = gql("{ inspections { nodes { agencies { id } } } }", {}, admin).ok()
    agency_id = agency["inspections"]["nodes"][0]["agencies"][0]["id"]
    lead_id = global_id("Inspector", demo.lead_inspector_id)
    issue = """mutation($input: IssueTokenInput!) { issueToken(input: $input) {
      tokenId errors { message } } }"""
    read = """query($id: ID!) { node(id: $id) { ... on Token {
      role label expiresAt inspector { id } agency { id } } } }"""
    for role, whose in (
        ("INSPECTOR", {"inspectorId": lead_id}),
        ("AGENCY_USER", {"agencyId": agency_id}),
    ):
        given = {"role": role, "label": f"{role} token", **whose}
        issued = gql(issue, {"input": given}, admin).ok()["issueToken"]
        assert issued["errors"] == []
        token = gql(read, {"id": issued["tokenId"]}, admin).ok()["node"]
        assert (token["role"], token["label"]) == (role, f"{role} token")
        assert token["inspector"] == ({"id": lead_id} if role == "INSPECTOR" else None)
        assert token["agency"] == ({"id": agency_id} if role == "AGENCY_USER" else None)


def test_an_inspector_of_an_inspectorate_no_plugin_provides_is_refused_plainly(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``Inspector.inspectorate`` is a plain field whose value is the error when no plugin
    provides the inspectorate: it answers as a resolver raising did, at the member's own path,
    and the non-null team nulls the inspection."""
    with database.write() as session:
        members = session.query(m.TeamMember).filter_by(inspection_id=demo.inspection_id).all()
        gone = next(mb for mb in members if not mb.is_lead)
        inspector = session.get(m.Inspector, gone.inspector_id)
        assert inspector is not None
        inspector.inspectorate = "gone-inspectorate"
    query = """query($id: ID!) { inspection(id: $id) {
      team { isLead inspector { name inspectorate { code shortName } } } } }"""
    with caplog.at_level(logging.ERROR):
        response = gql(
            query, {"id": global_id("Inspection", demo.inspection_id)}, make_token(Role.ADMIN)
        )
    assert response.data == {"inspection": None}
    [error] = response.errors
    assert error["path"][:2] == ["inspection", "team"]
    assert error["path"][3:] == ["inspector", "inspectorate"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "gone-inspectorate" not in str(response.body)
    assert "NotInstalled in inspection.team." in caplog.text
