"""The report: written by the lead, assembled in the published order through the graph, served as
an HTML page over HTTP and printed by `jtai report`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from core.cli import main
from core.database import Database
from core.demo import DemoInspection
from core.viewer import Role
from tests.helpers.findings_world import (
    EVIDENCE_TEXT,
    Team,
    agree,
    create_finding,
    publish_new,
    record_final_evidence,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory

REPORT = """
query($id: ID!) { node(id: $id) { ... on Inspection { report {
  status publishedAt statementDueOn htmlPath
  sections { key heading paragraphs findings { title kind status headline criteria agencies } }
} } } }
"""
UPDATE_REPORT = """
mutation($input: UpdateReportInput!) { updateReport(input: $input) {
  errors { field code message } report { status sections { key paragraphs } } } }
"""
PUBLISH_REPORT = """
mutation($id: ID!) { publishReport(inspectionId: $id) {
  errors { field code message } report { status publishedAt } } }
"""
HEADINGS = [
    "Context",
    "Headline findings",
    "What needs to improve?",
    "Strengths",
    "Main findings",
    "Practice study: highly effective practice",
    "Practice study: areas for improvement",
    "Next steps",
]


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


def write_report(gql: GraphQLClient, team: Team, **parts: Any) -> dict[str, Any]:
    data = {
        "inspectionId": team.inspection,
        "context": "Northvale is a synthetic area.\n\nIts agencies do not exist.",
        "practiceStudyEffective": "A synthetic study of effective practice.",
        "practiceStudyImprovement": "A synthetic study of practice to improve.",
        "nextSteps": "The partnership should respond.",
        "statementDueOn": "2027-02-26",
        **parts,
    }
    payload: dict[str, Any] = gql(UPDATE_REPORT, {"input": data}, team.lead).ok()["updateReport"]
    return payload


def html(gql: GraphQLClient, reference: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = gql.request("GET", f"/inspections/{reference}/report.html", headers=headers)
    return response.status_code, response.text


def test_the_letter_is_assembled_in_the_published_order(gql: GraphQLClient, team: Team) -> None:
    publish_new(
        gql,
        team,
        kind="STRENGTH",
        title="Schools protect children",
        headline=True,
        criteria=("ESN-24",),
        agency_kinds=("school",),
        evidence_from=("ofsted",),
    )
    publish_new(gql, team, kind="AREA_FOR_IMPROVEMENT", title="Police reports miss children")
    publish_new(
        gql,
        team,
        kind="PRIORITY_ACTION",
        title="Perpetrator risk is not managed",
        criteria=("ESN-27",),
        agency_kinds=("probation",),
        evidence_from=("hmip",),
    )
    create_finding(gql, team, kind="STRENGTH", title="A draft strength")
    assert write_report(gql, team)["errors"] == []

    report = gql(REPORT, {"id": team.inspection}, team.lead).ok()["node"]["report"]
    assert report["status"] == "DRAFT" and report["statementDueOn"] == "2027-02-26"
    assert [s["heading"] for s in report["sections"]] == HEADINGS
    sections = {s["key"]: s for s in report["sections"]}
    assert sections["CONTEXT"]["paragraphs"] == [
        "Northvale is a synthetic area.",
        "Its agencies do not exist.",
    ]
    titles = {key: [f["title"] for f in s["findings"]] for key, s in sections.items()}
    assert titles["HEADLINE_FINDINGS"] == ["Schools protect children"]
    assert titles["WHAT_NEEDS_TO_IMPROVE"] == [
        "Perpetrator risk is not managed",  # priority actions first
        "Police reports miss children",
    ]
    assert titles["STRENGTHS"] == ["Schools protect children", "A draft strength"]
    assert titles["MAIN_FINDINGS"][0] == "Schools protect children"
    assert sections["NEXT_STEPS"]["paragraphs"][-1].endswith("is due by 26 February 2027.")
    draft = next(f for f in sections["STRENGTHS"]["findings"] if f["status"] == "DRAFT")
    assert draft["title"] == "A draft strength"

    status, page = html(gql, "JTAI-DEMO-001", team.lead)
    assert status == 200
    positions = [page.index(f"<h2>{h}</h2>") for h in HEADINGS]
    assert positions == sorted(positions)
    assert "DRAFT: not published" in page and "(draft, not yet agreed and published)" in page
    assert "26 February 2027" in page
    assert EVIDENCE_TEXT not in page and "DEMO0" not in page
    assert report["htmlPath"] == "/inspections/JTAI-DEMO-001/report.html"


def test_every_value_is_escaped_in_the_page(gql: GraphQLClient, team: Team) -> None:
    publish_new(gql, team, title='<script>alert("x")</script> & more')
    write_report(gql, team, context="<b>bold</b>")
    _, page = html(gql, "JTAI-DEMO-001", team.lead)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; more" in page
    assert "<b>bold</b>" not in page


def test_publishing_the_report_and_who_reads_it(
    gql: GraphQLClient, database: Database, team: Team, make_token: TokenFactory
) -> None:
    integrator = make_token(Role.INTEGRATOR)
    agency = make_token(Role.AGENCY_USER, agency_id=team.agencies["police"][0])
    publish_new(gql, team)
    draft = create_finding(gql, team, title="Still a draft")
    not_yet = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    messages = " ".join(e["message"] for e in not_yet["errors"])
    assert "write the context first" in messages and "statement of action is due" in messages
    assert "1 finding(s) are still drafts" in messages
    write_report(gql, team)
    refused = gql(PUBLISH_REPORT, {"id": team.inspection}, team.by_inspectorate["cqc"]).ok()
    assert refused["publishReport"]["errors"][0]["code"] == "NOT_ALLOWED"
    # Before publication: the area and integrators see nothing; anonymous is refused.
    assert html(gql, "JTAI-DEMO-001", integrator)[0] == 404
    assert html(gql, "JTAI-DEMO-001", agency)[0] == 404
    assert html(gql, "JTAI-DEMO-001", None)[0] == 401
    assert gql(REPORT, {"id": team.inspection}, agency).ok()["node"]["report"] is None

    agree(gql, team, draft["id"])
    gql(
        "mutation($id: ID!) { withdrawFinding(findingId: $id) { errors { message } } }",
        {"id": draft["id"]},
        team.lead,
    ).ok()
    published = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    assert published["errors"] == [] and published["report"]["status"] == "PUBLISHED"
    status, page = html(gql, "JTAI-DEMO-001", integrator)
    assert status == 200 and "Published" in page and "DRAFT" not in page
    assert "Still a draft" not in page
    assert gql(REPORT, {"id": team.inspection}, agency).ok()["node"]["report"]["status"] == (
        "PUBLISHED"
    )
    # The global ID works as the path too.
    assert html(gql, team.inspection, integrator)[0] == 200
    # A published letter does not change.
    again = write_report(gql, team, context="Rewritten")
    assert "a published letter does not change" in again["errors"][0]["message"]


def test_jtai_report_prints_the_letter(
    gql: GraphQLClient, database: Database, team: Team, tmp_path: Path
) -> None:
    publish_new(gql, team, title="A synthetic published strength", kind="STRENGTH")
    write_report(gql, team)
    env = {"JTAI_DATABASE_URL": database.url}
    printed = CliRunner().invoke(main, ["report", "JTAI-DEMO-001"], env=env)
    assert printed.exit_code == 0, printed.output
    headings = re.findall(r"<h2>(.*?)</h2>", printed.output)
    assert headings[: len(HEADINGS)] == HEADINGS
    assert "A synthetic published strength" in printed.output
    out = tmp_path / "letter.html"
    written = CliRunner().invoke(main, ["report", "JTAI-DEMO-001", "-o", str(out)], env=env)
    assert "Wrote the draft report" in written.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    missing = CliRunner().invoke(main, ["report", "NO-SUCH"], env=env)
    assert missing.exit_code == 1 and "No inspection with reference 'NO-SUCH'" in missing.output
