"""The report: written by the lead, assembled in the published order through the graph, served as
an HTML page over HTTP and printed by `jtai report`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete

from core.cli import main
from core.database import Database
from core.demo import DemoInspection
from core.models import ReportVersion
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


def html(gql: GraphQLClient, reference: str, token: str | None, query: str = "") -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    path = f"/inspections/{reference}/report.html{query}"
    response = gql.request("GET", path, headers=headers)
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


VERSIONS = """
query($id: ID!, $version: Int) { node(id: $id) { ... on Inspection {
  report(version: $version) {
    status version publishedAt htmlPath
    versions { number publishedAt htmlPath }
    sections { key findings { title } }
} } } }
"""
WITHDRAW = "mutation($id: ID!) { withdrawFinding(findingId: $id) { errors { message } } }"


def titles_of(report: dict[str, Any]) -> list[str]:
    [main] = [s for s in report["sections"] if s["key"] == "MAIN_FINDINGS"]
    return [f["title"] for f in main["findings"]]


def test_a_published_letter_is_frozen_and_each_publication_makes_a_version(
    gql: GraphQLClient, team: Team, make_token: TokenFactory
) -> None:
    agency = make_token(Role.AGENCY_USER, agency_id=team.agencies["police"][0])
    publish_new(gql, team, kind="STRENGTH", title="First strength")
    write_report(gql, team)
    first = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    assert first["errors"] == []
    read = gql(VERSIONS, {"id": team.inspection}, agency).ok()["node"]["report"]
    assert read["version"] == 1 and titles_of(read) == ["First strength"]
    assert read["htmlPath"] == "/inspections/JTAI-DEMO-001/report.html"
    published_on = read["publishedAt"]
    _, page_1 = html(gql, "JTAI-DEMO-001", agency)
    assert "Version 1 · Published" in page_1 and "Versions of this letter" not in page_1

    # A finding published after the letter goes to the feed, but the letter does not move.
    late = publish_new(gql, team, kind="STRENGTH", title="Late strength")
    again = gql(VERSIONS, {"id": team.inspection}, agency).ok()["node"]["report"]
    assert again == read
    assert html(gql, "JTAI-DEMO-001", agency) == (200, page_1)

    # The lead publishes the report again: version 2, with its own date; version 1 unchanged.
    second = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    assert second["errors"] == [] and second["report"]["status"] == "PUBLISHED"
    latest = gql(VERSIONS, {"id": team.inspection}, agency).ok()["node"]["report"]
    assert latest["version"] == 2 and titles_of(latest) == ["First strength", "Late strength"]
    assert [v["number"] for v in latest["versions"]] == [1, 2]
    assert latest["versions"][0]["publishedAt"] == published_on
    assert latest["publishedAt"] == latest["versions"][1]["publishedAt"] >= published_on
    assert latest["versions"][0]["htmlPath"] == "/inspections/JTAI-DEMO-001/report.html?version=1"
    old = gql(VERSIONS, {"id": team.inspection, "version": 1}, agency).ok()["node"]["report"]
    assert {k: v for k, v in old.items() if k not in ("versions", "htmlPath")} == {
        k: v for k, v in read.items() if k not in ("versions", "htmlPath")
    }
    assert old["htmlPath"] == "/inspections/JTAI-DEMO-001/report.html?version=1"
    status, page_2 = html(gql, "JTAI-DEMO-001", agency)
    assert status == 200 and "Late strength" in page_2 and "Version 2 · Published" in page_2
    assert '<a href="?version=1">Version 1, published' in page_2
    status, old_page = html(gql, "JTAI-DEMO-001", agency, "?version=1")
    assert status == 200 and "Late strength" not in old_page and "First strength" in old_page
    assert "It was replaced by version 2" in old_page
    # Byte for byte the page first published, but for the list of versions put in when served.
    before, _, rest = old_page.partition('<p class="banner">This is version 1.')
    assert before + rest.partition("</nav>")[2] == page_1

    # Nothing new to say: refused, and nothing written.
    same = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    assert "version 2 of the letter, published on" in same["errors"][0]["message"]
    assert "already says this" in same["errors"][0]["message"]
    # A withdrawal is a change too: version 3 no longer holds the finding, version 2 still does.
    assert gql(WITHDRAW, {"id": late["id"]}, team.lead).ok()["withdrawFinding"]["errors"] == []
    assert (
        gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]["errors"]
        == []
    )
    third = gql(VERSIONS, {"id": team.inspection}, agency).ok()["node"]["report"]
    assert third["version"] == 3 and titles_of(third) == ["First strength"]
    two = gql(VERSIONS, {"id": team.inspection, "version": 2}, agency).ok()["node"]["report"]
    assert titles_of(two) == ["First strength", "Late strength"]
    # No such version: null, and 404 for the page.
    assert gql(VERSIONS, {"id": team.inspection, "version": 9}, agency).ok()["node"]["report"] is (
        None
    )
    assert html(gql, "JTAI-DEMO-001", agency, "?version=9")[0] == 404
    assert html(gql, "JTAI-DEMO-001", agency, "?version=first")[0] == 404
    # A browser gets a page; a program gets the API's JSON error with its code.
    as_page = gql.request(
        "GET",
        "/inspections/JTAI-DEMO-001/report.html?version=9",
        headers={"Authorization": f"Bearer {agency}", "Accept": "text/html,*/*;q=0.8"},
    )
    assert as_page.status_code == 404 and as_page.headers["content-type"].startswith("text/html")
    as_data = gql.request(
        "GET",
        "/inspections/JTAI-DEMO-001/report.html?version=9",
        headers={"Authorization": f"Bearer {agency}", "Accept": "application/json"},
    )
    assert as_data.status_code == 404
    assert as_data.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # The letter's own parts stay as published.
    refused = write_report(gql, team, context="Rewritten")
    assert "publishReport again for a new version" in refused["errors"][0]["message"]


def test_a_draft_has_no_versions(gql: GraphQLClient, team: Team) -> None:
    publish_new(gql, team)
    draft = gql(VERSIONS, {"id": team.inspection}, team.lead).ok()["node"]["report"]
    assert draft["status"] == "DRAFT" and draft["version"] is None and draft["versions"] == []
    asked = gql(VERSIONS, {"id": team.inspection, "version": 1}, team.lead).ok()["node"]
    assert asked["report"] is None
    status, page = html(gql, "JTAI-DEMO-001", team.lead)
    assert status == 200 and "jtai:versions" not in page


def test_a_report_published_before_versions_is_assembled_until_published_again(
    gql: GraphQLClient, database: Database, team: Team
) -> None:
    publish_new(gql, team, title="Before versions")
    write_report(gql, team)
    gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()
    with database.write() as session:  # as revision 0010 finds a report published before it
        session.execute(delete(ReportVersion))
    legacy = gql(VERSIONS, {"id": team.inspection}, team.lead).ok()["node"]["report"]
    assert legacy["status"] == "PUBLISHED" and legacy["version"] is None
    assert titles_of(legacy) == ["Before versions"] and legacy["versions"] == []
    assert "Before versions" in html(gql, "JTAI-DEMO-001", team.lead)[1]
    republished = gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()["publishReport"]
    assert republished["errors"] == []
    now = gql(VERSIONS, {"id": team.inspection}, team.lead).ok()["node"]["report"]
    assert now["version"] == 1


def test_jtai_report_prints_a_published_version(
    gql: GraphQLClient, database: Database, team: Team, tmp_path: Path
) -> None:
    publish_new(gql, team, title="In version one", kind="STRENGTH")
    write_report(gql, team)
    gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()
    publish_new(gql, team, title="In version two", kind="STRENGTH")
    gql(PUBLISH_REPORT, {"id": team.inspection}, team.lead).ok()
    env = {"JTAI_DATABASE_URL": database.url}
    latest = CliRunner().invoke(main, ["report", "JTAI-DEMO-001"], env=env)
    assert latest.exit_code == 0 and "In version two" in latest.output
    out = tmp_path / "v1.html"
    first = CliRunner().invoke(
        main, ["report", "JTAI-DEMO-001", "--version", "1", "-o", str(out)], env=env
    )
    assert "Wrote version 1 of the report of JTAI-DEMO-001" in first.output
    assert "In version two" not in out.read_text(encoding="utf-8")
    missing = CliRunner().invoke(main, ["report", "JTAI-DEMO-001", "--version", "7"], env=env)
    assert missing.exit_code == 1 and "has no published version 7" in missing.output
