"""Correcting findings over HTTP: an inspectorate withdraws its agreement to a draft, and the lead
republishes a withdrawn finding once every inspectorate has agreed again; the change feed, the
webhook outbox, the finding's agreements and history and the audit trail say so after each step."""

from __future__ import annotations

from typing import Any

import pytest

from core.database import Database
from core.demo import DemoInspection
from core.models import FindingAgreement, FindingChange, FindingEvent
from core.viewer import Role
from tests.helpers.corrections import audit_events, audit_mark, count_rows, deliveries, feed
from tests.helpers.findings_world import (
    INSPECTORATES,
    WITHDRAW,
    Team,
    agree,
    create_finding,
    publish,
    record_final_evidence,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number

STATE = """
  id status publishedAt
  agreements { inspectorate { code } inspector { name } }
  awaitingAgreementFrom { code }
  history { action inspectorate { code } inspector { name } occurredAt }
  changes { kind }
"""
WITHDRAW_AGREEMENT = (
    "mutation Unagree($id: ID!) { withdrawAgreement(findingId: $id) "
    "{ errors { field code message } finding {" + STATE + "} } }"
)
REPUBLISH = (
    "mutation Republish($id: ID!) { republishFinding(findingId: $id) "
    "{ errors { field code message } finding {" + STATE + "} } }"
)
READ = "query Read($id: ID!) { node(id: $id) { ... on Finding {" + STATE + "} } }"
REGISTER = """
mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) {
  webhook { id } errors { field code message } } }
"""
PUBLISHED = "query { findings(first: 50) { nodes { id title } } }"


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
    admin = make_token(Role.ADMIN)
    hook = {"url": "https://receiver.example.org/jtai", "label": "Test receiver"}
    registered = gql(REGISTER, {"input": hook}, admin).ok()["registerWebhook"]
    assert registered["errors"] == []
    team.audit_from = audit_mark(database)
    return team


def read(gql: GraphQLClient, token: str, finding_id: str) -> dict[str, Any]:
    found: dict[str, Any] = gql(READ, {"id": finding_id}, token).ok()["node"]
    return found


def act(gql: GraphQLClient, query: str, token: str, finding_id: str) -> dict[str, Any]:
    data = gql(query, {"id": finding_id}, token).ok()
    [payload] = data.values()
    result: dict[str, Any] = payload
    return result


def actions(finding: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        (h["action"], h["inspectorate"]["code"] if h["inspectorate"] else None)
        for h in finding["history"]
    ]


@pytest.mark.parametrize("inspectorate", INSPECTORATES)
def test_the_inspectorate_that_agreed_withdraws_its_agreement_to_a_draft(
    gql: GraphQLClient, team: Team, database: Database, inspectorate: str
) -> None:
    finding = create_finding(gql, team)
    agree(gql, team, finding["id"])
    token = team.by_inspectorate[inspectorate]

    payload = act(gql, WITHDRAW_AGREEMENT, token, finding["id"])

    assert payload["errors"] == []
    after = payload["finding"]
    assert after["status"] == "DRAFT"
    assert sorted(a["inspectorate"]["code"] for a in after["agreements"]) == sorted(
        set(INSPECTORATES) - {inspectorate}
    )
    assert [a["code"] for a in after["awaitingAgreementFrom"]] == [inspectorate]
    assert actions(after) == [
        *(("AGREED", code) for code in INSPECTORATES),
        ("AGREEMENT_WITHDRAWN", inspectorate),
    ]
    assert after["history"][-1]["inspector"]["name"]
    # The lead cannot publish it until that inspectorate agrees again.
    refused = publish(gql, team, finding["id"])
    assert "not yet agreed by" in refused["errors"][0]["message"]
    assert (
        agree(gql, team, finding["id"], (inspectorate,))["finding"]["awaitingAgreementFrom"] == []
    )
    # Audited like agreeing: who, the finding, ok. A draft reaches no feed or webhook.
    [event] = audit_events(database, "Unagree", team.audit_from)
    assert (event.outcome, event.touched) == ("ok", {"Finding": [int(gid_number(finding["id"]))]})
    assert event.inspector_id == team.inspector_ids[inspectorate]
    assert feed(database) == [] and deliveries(database) == []


def test_withdrawing_an_agreement_is_refused_when_not_given_published_or_unknown(
    gql: GraphQLClient, team: Team, database: Database, make_token: TokenFactory
) -> None:
    finding = create_finding(gql, team)
    agree(gql, team, finding["id"], ("ofsted", "cqc"))
    before = read(gql, team.lead, finding["id"])
    # HMICFRS has not agreed: nothing to withdraw.
    not_given = act(gql, WITHDRAW_AGREEMENT, team.by_inspectorate["hmicfrs"], finding["id"])
    [error] = not_given["errors"]
    assert (error["field"], error["code"]) == ("findingId", "INVALID_INPUT")
    assert "has not agreed" in error["message"] and not_given["finding"] is None
    # Not on the team (an admin; an agency user cannot even see the finding).
    [error] = act(gql, WITHDRAW_AGREEMENT, make_token(Role.ADMIN), finding["id"])["errors"]
    assert error["code"] == "NOT_ALLOWED"
    # An unknown finding.
    [error] = act(gql, WITHDRAW_AGREEMENT, team.lead, gid("Finding", 999_999))["errors"]
    assert (error["field"], error["code"]) == ("findingId", "NOT_FOUND")
    assert read(gql, team.lead, finding["id"]) == before
    # Published: too late, its agreements stand.
    agree(gql, team, finding["id"], ("hmicfrs", "hmip"))
    assert publish(gql, team, finding["id"])["errors"] == []
    published = read(gql, team.lead, finding["id"])
    [error] = act(gql, WITHDRAW_AGREEMENT, team.by_inspectorate["cqc"], finding["id"])["errors"]
    assert error["field"] == "findingId" and "withdrawFinding" in error["message"]
    assert read(gql, team.lead, finding["id"]) == published
    outcomes = [e.outcome for e in audit_events(database, "Unagree", team.audit_from)]
    assert outcomes == ["rejected"] * 4


def test_the_lead_republishes_a_withdrawn_finding_once_agreed_again(
    gql: GraphQLClient, team: Team, database: Database, make_token: TokenFactory
) -> None:
    finding = create_finding(gql, team)
    finding_row = int(gid_number(finding["id"]))
    agree(gql, team, finding["id"])
    assert publish(gql, team, finding["id"])["errors"] == []
    first_published = read(gql, team.lead, finding["id"])["publishedAt"]
    withdrawn = act(gql, WITHDRAW, team.lead, finding["id"])["finding"]
    assert withdrawn["status"] == "WITHDRAWN"
    assert withdrawn["agreements"] == []  # republication takes every agreement again
    integrator = make_token(Role.INTEGRATOR)
    assert gql(PUBLISHED, None, integrator).ok()["findings"]["nodes"] == []

    # Not yet agreed again: refused, nothing changed.
    refused = act(gql, REPUBLISH, team.lead, finding["id"])
    assert "not yet agreed again by" in refused["errors"][0]["message"]
    assert refused["finding"] is None
    assert read(gql, team.lead, finding["id"])["status"] == "WITHDRAWN"
    # Only the lead republishes; every other inspectorate is refused.
    agree(gql, team, finding["id"])
    for code in ("cqc", "hmicfrs", "hmip"):
        [error] = act(gql, REPUBLISH, team.by_inspectorate[code], finding["id"])["errors"]
        assert error["code"] == "NOT_ALLOWED" and "lead inspector" in error["message"]
    assert feed(database) == [(finding_row, "published"), (finding_row, "withdrawn")]

    payload = act(gql, REPUBLISH, team.lead, finding["id"])

    assert payload["errors"] == []
    after = payload["finding"]
    assert after["status"] == "PUBLISHED" and after["publishedAt"] == first_published
    assert [c["kind"] for c in after["changes"]] == ["PUBLISHED", "WITHDRAWN", "REPUBLISHED"]
    assert [a for a, _ in actions(after)] == [
        *["AGREED"] * 4,
        "PUBLISHED",
        "WITHDRAWN",
        *["AGREED"] * 4,
        "REPUBLISHED",
    ]
    assert feed(database)[-1] == (finding_row, "republished")
    assert deliveries(database) == [
        "finding.published",
        "finding.withdrawn",
        "finding.republished",
    ]
    nodes = gql(PUBLISHED, None, integrator).ok()["findings"]["nodes"]
    assert [n["id"] for n in nodes] == [finding["id"]]
    changes = gql("{ findingChanges(first: 10) { nodes { change findingId } } }", None, integrator)
    assert [n["change"] for n in changes.ok()["findingChanges"]["nodes"]] == [
        "PUBLISHED",
        "WITHDRAWN",
        "REPUBLISHED",
    ]
    [event] = audit_events(database, "Republish", team.audit_from)[-1:]
    assert (event.outcome, event.touched) == ("ok", {"Finding": [finding_row]})
    outcomes = [e.outcome for e in audit_events(database, "Republish", team.audit_from)]
    assert outcomes == ["rejected"] * 4 + ["ok"]
    # Once published, it is not republished again.
    [error] = act(gql, REPUBLISH, team.lead, finding["id"])["errors"]
    assert "only a withdrawn finding is republished" in error["message"]
    assert count_rows(database, FindingChange) == 3


def test_republishing_needs_a_withdrawn_finding_and_a_known_id(
    gql: GraphQLClient, team: Team, database: Database
) -> None:
    draft = create_finding(gql, team)
    [error] = act(gql, REPUBLISH, team.lead, draft["id"])["errors"]
    assert error["field"] == "findingId" and "publishFinding" in error["message"]
    [error] = act(gql, REPUBLISH, team.lead, gid("Finding", 999_999))["errors"]
    assert error["code"] == "NOT_FOUND"
    # A draft withdrawn before publication comes back as a first publication.
    act(gql, WITHDRAW, team.lead, draft["id"])
    agree(gql, team, draft["id"])
    assert act(gql, REPUBLISH, team.lead, draft["id"])["errors"] == []
    assert [change for _, change in feed(database)] == ["published"]
    assert count_rows(database, FindingAgreement) == 4
    assert count_rows(database, FindingEvent) == 6  # withdrawn, 4 agreed, republished


def test_changing_a_draft_clears_its_agreements_in_the_history(
    gql: GraphQLClient, team: Team
) -> None:
    finding = create_finding(gql, team)
    agree(gql, team, finding["id"], ("cqc",))
    changed = gql(
        "mutation($input: UpdateFindingInput!) { updateFinding(input: $input) { finding {"
        + STATE
        + "} } }",
        {"input": {"findingId": finding["id"], "title": "A better title for the test"}},
        team.lead,
    ).ok()["updateFinding"]["finding"]
    assert actions(changed) == [("AGREED", "cqc"), ("AGREEMENTS_CLEARED", "ofsted")]
    assert changed["agreements"] == []
