"""Integrators pull published findings through the graph, the change feed and the exports, and
read the thematic view. Nothing unpublished and nothing about a child ever reaches them: every
response is checked as raw text for child ids, local ids, evidence ids and evidence text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select, update

from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.integrations import feed
from core.integrations.exports import CSV_COLUMNS
from core.models import Child, EvidenceRecord, Finding
from core.registry import Registry
from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.findings_world import (
    EVIDENCE_TEXT,
    UPDATE,
    WITHDRAW,
    Team,
    create_finding,
    publish_new,
    record_final_evidence,
    second_inspection,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number

FINDINGS = """
query($first: Int, $after: String, $framework: String, $criterion: String,
      $inspectorate: String, $agencyKind: AgencyKind, $area: String,
      $publishedFrom: Date, $publishedTo: Date) {
  findings(first: $first, after: $after, framework: $framework, criterion: $criterion,
           inspectorate: $inspectorate, agencyKind: $agencyKind, area: $area,
           publishedFrom: $publishedFrom, publishedTo: $publishedTo) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id kind headline title text publishedAt updatedAt inspectionReference framework { code }
      area { code name } agencies { kind name } agreedBy
      criteria { code title lead { code } }
      framework { code }
    }
  }
}
"""
CHANGES = """
query($after: String, $first: Int) { findingChanges(after: $after, first: $first) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { change occurredAt findingId finding { id title kind } }
} }
"""


@dataclass
class Round:
    team: Team
    other: Team
    integrator: str
    admin: str
    published: dict[str, str]  # label -> finding global ID
    draft: str
    forbidden: list[str]  # strings no integrator response may contain


@pytest.fixture
def round_(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> Round:
    """Two areas of a round, four published findings and one draft."""
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    record_final_evidence(gql, database, team)
    other = team_of(database, second_inspection(database, demo), make_token, lead_token)
    record_final_evidence(gql, database, other)
    published = {
        "police-demo": publish_new(gql, team)["id"],
        "midwives": publish_new(
            gql,
            team,
            kind="STRENGTH",
            title="Midwives are curious about domestic abuse",
            criteria=("ESN-28",),
            agency_kinds=("health",),
            evidence_from=("cqc",),
            headline=True,
        )["id"],
        "perpetrators": publish_new(
            gql,
            other,
            kind="PRIORITY_ACTION",
            title="Perpetrator risk is not managed",
            criteria=("ESN-27",),
            agency_kinds=("probation",),
            evidence_from=("hmip",),
        )["id"],
        "police-second": publish_new(gql, other, title="Police reports in Southmere")["id"],
    }
    draft = create_finding(gql, team, title="A draft integrators must not see")["id"]
    with database.session() as session:
        children = session.execute(select(Child.id, Child.local_id)).all()
        evidence = session.execute(select(EvidenceRecord.id, EvidenceRecord.form)).all()
    forms = {"case-tracking": "OfstedCaseTrackingEvidence"}
    forbidden = [EVIDENCE_TEXT, "A draft integrators must not see", draft]
    forbidden += [gid("Child", child_id) for child_id, _ in children]
    forbidden += [local_id for _, local_id in children]
    forbidden += list(team.evidence.values()) + list(other.evidence.values())
    forbidden += [gid(forms.get(form, "X"), row) for row, form in evidence]
    return Round(
        team=team,
        other=other,
        integrator=make_token(Role.INTEGRATOR),
        admin=make_token(Role.ADMIN),
        published=published,
        draft=draft,
        forbidden=forbidden,
    )


def assert_clean(world: Round, raw: str) -> None:
    leaked = [s for s in world.forbidden if s in raw]
    assert leaked == [], f"child-level or unpublished data reached an integrator: {leaked}"
    assert not re.search(r"Child:\d", raw)


def pull(gql: GraphQLClient, world: Round, **variables: Any) -> dict[str, Any]:
    response = gql(FINDINGS, variables, world.integrator)
    assert_clean(world, json.dumps(response.body))
    findings: dict[str, Any] = response.ok()["findings"]
    return findings


def titles(page: dict[str, Any]) -> list[str]:
    return [n["title"] for n in page["nodes"]]


def test_integrators_see_published_findings_only_and_nothing_about_a_child(
    gql: GraphQLClient, round_: Round
) -> None:
    world = round_
    page = pull(gql, world)
    assert page["totalCount"] == 4
    assert titles(page) == [
        "Police reports do not always record children's experiences",
        "Midwives are curious about domestic abuse",
        "Perpetrator risk is not managed",
        "Police reports in Southmere",
    ]
    first = page["nodes"][0]
    assert first["kind"] == "AREA_FOR_IMPROVEMENT" and first["framework"] == {"code": "da-2016"}
    assert first["area"] == {"code": "ZZ-DEMO-1", "name": "Northvale (synthetic demo area)"}
    assert [c["code"] for c in first["criteria"]] == ["ESN-23", "ESN-31"]
    assert {c["lead"]["code"] for c in first["criteria"]} == {"ofsted", "hmicfrs"}
    assert first["agencies"] == [{"kind": "POLICE", "name": "Northvale Constabulary"}]
    assert first["agreedBy"] == ["cqc", "hmicfrs", "hmip", "ofsted"]
    assert first["id"] == world.published["police-demo"]

    # Through node(id:), a Finding is the team's and the area's working object: an integrator
    # finds neither a draft nor a published one (its evidence, inspection and agreeing
    # inspectors stay out of reach); `findings` gives them what is published.
    probe = """query($draft: ID!, $published: ID!) {
      draft: node(id: $draft) { id }
      published: node(id: $published) { ... on Finding { title evidence { id } inspection { id }
        agencies { id } agreements { inspector { name } } } }
      inspections { totalCount }
    }"""
    response = gql(
        probe,
        {"draft": world.draft, "published": world.published["police-demo"]},
        world.integrator,
    )
    assert_clean(world, json.dumps(response.body))
    data = response.ok()
    assert data == {"draft": None, "published": None, "inspections": {"totalCount": 0}}

    changes = gql(CHANGES, {}, world.integrator)
    assert_clean(world, json.dumps(changes.body))
    assert [n["change"] for n in changes.ok()["findingChanges"]["nodes"]] == ["PUBLISHED"] * 4


def test_other_roles_do_not_use_the_integrator_fields(
    gql: GraphQLClient, round_: Round, make_token: TokenFactory
) -> None:
    agency = make_token(Role.AGENCY_USER, agency_id=round_.team.agencies["police"][0])
    for token in (agency, round_.team.lead):
        response = gql("{ findings { totalCount } findingChanges { totalCount } }", token=token)
        assert response.data is None
        assert response.errors[0]["extensions"]["code"] == "FORBIDDEN"
    admin = gql("{ findings { totalCount } }", token=round_.admin).ok()
    assert admin == {"findings": {"totalCount": 4}}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"framework": "da-2016"}, ["police-demo", "midwives", "perpetrators", "police-second"]),
        ({"framework": "da-2024"}, []),
        ({"criterion": "ESN-31"}, ["police-demo", "police-second"]),
        ({"inspectorate": "hmicfrs"}, ["police-demo", "police-second"]),  # leads ESN 29, 31
        ({"inspectorate": "cqc"}, ["midwives"]),  # leads ESN 28, 34
        ({"inspectorate": "hmip", "framework": "da-2016"}, ["perpetrators"]),  # leads ESN 27
        ({"agencyKind": "POLICE"}, ["police-demo", "police-second"]),
        ({"agencyKind": "HEALTH", "area": "ZZ-SECOND"}, []),
        ({"area": "ZZ-SECOND"}, ["perpetrators", "police-second"]),
        ({"publishedTo": "2026-10-31"}, ["midwives"]),
        ({"publishedFrom": "2026-10-01", "publishedTo": "2026-10-01"}, ["midwives"]),
        ({"publishedFrom": "2026-11-01"}, ["police-demo", "perpetrators", "police-second"]),
    ],
)
def test_filters(
    gql: GraphQLClient,
    database: Database,
    round_: Round,
    variables: dict[str, Any],
    expected: list[str],
) -> None:
    midwives = int(gid_number(round_.published["midwives"]))
    with database.write() as session:  # fixed publication times, whatever today is
        session.execute(
            update(Finding).values(published_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC))
        )
        session.execute(
            update(Finding)
            .where(Finding.id == midwives)
            .values(published_at=dt.datetime(2026, 10, 1, 23, 30, tzinfo=dt.UTC))
        )
    page = pull(gql, round_, **variables)
    labels = {v: k for k, v in round_.published.items()}
    assert [labels[n["id"]] for n in page["nodes"]] == expected
    assert page["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"framework": "da-1999"}, "framework: 'da-1999' is not a framework"),
        ({"criterion": "ESN-99"}, "criterion: 'ESN-99' is not a criterion of any framework"),
        ({"criterion": "DA24-1", "framework": "da-2016"}, "of framework 'da-2016'"),
        ({"inspectorate": "ofstead"}, "inspectorate: 'ofstead' is not an inspectorate"),
        ({"publishedFrom": "2026-12-01", "publishedTo": "2026-11-01"}, "is after publishedTo"),
        ({"after": "not-a-cursor"}, "is not a cursor this API issued"),
    ],
)
def test_a_bad_filter_is_an_error_naming_it(
    gql: GraphQLClient, round_: Round, variables: dict[str, Any], words: str
) -> None:
    response = gql(FINDINGS, variables, round_.integrator)
    assert response.data is None
    assert words in response.errors[0]["message"]


def test_paging_follows_the_end_cursor(gql: GraphQLClient, round_: Round) -> None:
    first = pull(gql, round_, first=3)
    assert first["totalCount"] == 4 and len(first["nodes"]) == 3
    assert first["pageInfo"]["hasNextPage"] is True
    rest = pull(gql, round_, first=3, after=first["pageInfo"]["endCursor"])
    assert titles(rest) == ["Police reports in Southmere"]
    assert rest["pageInfo"]["hasNextPage"] is False
    filtered = pull(gql, round_, first=1, criterion="ESN-31")
    after = pull(gql, round_, first=1, criterion="ESN-31", after=filtered["pageInfo"]["endCursor"])
    assert titles(filtered) + titles(after) == [
        "Police reports do not always record children's experiences",
        "Police reports in Southmere",
    ]


def test_the_change_feed_picks_up_only_what_is_new_after_a_cursor(
    gql: GraphQLClient, round_: Round
) -> None:
    night_one = gql(CHANGES, {}, round_.integrator).ok()["findingChanges"]
    assert night_one["totalCount"] == 4 and not night_one["pageInfo"]["hasNextPage"]
    cursor = night_one["pageInfo"]["endCursor"]
    # The next day: one new finding, one corrected, one withdrawn.
    team = round_.team
    new = publish_new(
        gql,
        team,
        kind="STRENGTH",
        title="Schools help to protect children",
        criteria=("ESN-24",),
        agency_kinds=("school",),
        evidence_from=("ofsted",),
    )
    gql(
        UPDATE,
        {"input": {"findingId": round_.published["police-demo"], "text": "Corrected."}},
        team.lead,
    ).ok()
    gql(WITHDRAW, {"id": round_.published["midwives"]}, team.lead).ok()
    night_two = gql(CHANGES, {"after": cursor}, round_.integrator)
    assert_clean(round_, json.dumps(night_two.body))
    feed = night_two.ok()["findingChanges"]
    assert feed["totalCount"] == 3
    assert [(n["change"], n["findingId"]) for n in feed["nodes"]] == [
        ("PUBLISHED", new["id"]),
        ("UPDATED", round_.published["police-demo"]),
        ("WITHDRAWN", round_.published["midwives"]),
    ]
    assert feed["nodes"][0]["finding"]["title"] == "Schools help to protect children"
    assert feed["nodes"][2]["finding"] is None  # withdrawn: no longer published
    # Paged one at a time, the same three.
    page = gql(CHANGES, {"after": cursor, "first": 1}, round_.integrator).ok()["findingChanges"]
    assert page["pageInfo"]["hasNextPage"] and page["nodes"][0]["change"] == "PUBLISHED"
    # Nothing new after the last cursor: an empty page and no cursor to move to.
    night_three = gql(CHANGES, {"after": feed["pageInfo"]["endCursor"]}, round_.integrator).ok()
    assert night_three["findingChanges"]["nodes"] == []
    assert night_three["findingChanges"]["pageInfo"]["endCursor"] is None
    # The withdrawn finding has left the findings integrators pull.
    assert "Midwives are curious about domestic abuse" not in titles(pull(gql, round_))


def export(gql: GraphQLClient, path: str, token: str | None, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return gql.request("GET", path, params=params, headers=headers)


def test_exports_as_csv_and_json_with_the_same_filters(gql: GraphQLClient, round_: Round) -> None:
    publish_new(
        gql,
        round_.team,
        kind="STRENGTH",
        title='=HYPERLINK("x") looks like a formula',
        criteria=("ESN-24",),
        agency_kinds=("school",),
        evidence_from=("ofsted",),
    )
    response = export(gql, "/exports/findings.csv", round_.integrator)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert_clean(round_, response.text)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 5
    assert rows[0]["kind"] == "AREA_FOR_IMPROVEMENT" and rows[0]["criteria"] == "ESN-23; ESN-31"
    assert rows[0]["agency_kinds"] == "POLICE" and rows[0]["area_code"] == "ZZ-DEMO-1"
    assert rows[0]["agreed_by"] == "cqc; hmicfrs; hmip; ofsted"
    assert rows[4]["title"].startswith("'=HYPERLINK")  # a spreadsheet will not run it

    police = export(gql, "/exports/findings.csv", round_.integrator, agencyKind="police")
    assert len(list(csv.DictReader(io.StringIO(police.text)))) == 2

    as_json = export(gql, "/exports/findings.json", round_.admin, area="ZZ-SECOND")
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert_clean(round_, as_json.text)
    document = as_json.json()
    assert document["count"] == 2
    assert [f["title"] for f in document["findings"]] == [
        "Perpetrator risk is not managed",
        "Police reports in Southmere",
    ]
    # The JSON export and the graph give the same fields.
    graph = pull(gql, round_, area="ZZ-SECOND")["nodes"][0]
    exported = document["findings"][0]
    for key in ("id", "kind", "title", "text", "headline", "inspectionReference", "area"):
        assert exported[key] == graph[key]

    assert export(gql, "/exports/findings.csv", None).status_code == 401
    assert export(gql, "/exports/findings.json", round_.team.lead).status_code == 403
    bad = export(gql, "/exports/findings.csv", round_.integrator, agencykind="police")
    assert bad.status_code == 400 and "agencykind: not a filter" in bad.text
    bad_date = export(gql, "/exports/findings.json", round_.integrator, publishedFrom="24/11/2026")
    assert bad_date.status_code == 400 and "publishedFrom" in bad_date.text


THEMATIC = """
query($code: String!) { thematicView(framework: $code) {
  inspections findings areas { code }
  totals { strengths areasForImprovement priorityActions areas }
  byCriterion { criterion { code } counts { strengths areasForImprovement priorityActions areas
    areasWithAreasForImprovement } }
  byAgencyKind { agencyKind counts { strengths areasForImprovement priorityActions areas
    areasWithAreasForImprovement } }
} }
"""


def test_the_thematic_view_counts_across_the_round(gql: GraphQLClient, round_: Round) -> None:
    response = gql(THEMATIC, {"code": "da-2016"}, round_.integrator)
    assert_clean(round_, json.dumps(response.body))
    view = response.ok()["thematicView"]
    assert (view["inspections"], view["findings"]) == (2, 4)  # the draft does not count
    assert [a["code"] for a in view["areas"]] == ["ZZ-DEMO-1", "ZZ-SECOND"]
    assert view["totals"] == {
        "strengths": 1,
        "areasForImprovement": 2,
        "priorityActions": 1,
        "areas": 2,
    }
    criteria = {row["criterion"]["code"]: row["counts"] for row in view["byCriterion"]}
    assert len(criteria) == 37  # every criterion of the framework, zeros too
    assert criteria["ESN-31"]["areasForImprovement"] == 2
    assert criteria["ESN-31"]["areasWithAreasForImprovement"] == 2
    assert criteria["ESN-28"]["strengths"] == 1 and criteria["ESN-28"]["areas"] == 1
    assert criteria["ESN-27"]["priorityActions"] == 1
    assert criteria["ESN-32"] == {
        "strengths": 0,
        "areasForImprovement": 0,
        "priorityActions": 0,
        "areas": 0,
        "areasWithAreasForImprovement": 0,
    }
    kinds = {row["agencyKind"]: row["counts"] for row in view["byAgencyKind"]}
    assert kinds["POLICE"]["areasForImprovement"] == 2 and kinds["POLICE"]["areas"] == 2
    assert kinds["HEALTH"]["strengths"] == 1 and kinds["PROBATION"]["priorityActions"] == 1
    assert kinds["CAFCASS"]["areas"] == 0
    unknown = gql(THEMATIC, {"code": "nope"}, round_.integrator)
    assert "framework: 'nope' is not a framework" in unknown.errors[0]["message"]


def docs_blocks(language: str) -> list[str]:
    text = (REPO_ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_the_docs_examples_run_against_the_demo(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    registry: Registry,
    make_token: TokenFactory,
) -> None:
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
        assert load_demo_findings(session, registry, demo) == 0  # idempotent
    integrator, admin = make_token(Role.INTEGRATOR), make_token(Role.ADMIN)
    blocks = docs_blocks("graphql")
    assert len(blocks) >= 6
    for block in blocks:
        token = admin if "ebhook" in block else integrator
        response = gql(block, token=token)
        assert response.status == 200 and not response.errors, (block, response.body)
    everything = gql(blocks[0], token=integrator).ok()["findings"]
    assert everything["totalCount"] == 4
    police = gql(blocks[1], token=integrator).ok()["findings"]
    assert [n["title"] for n in police["nodes"]] == [
        "Police reports do not always record children's experiences",
        "The risk perpetrators pose to children is not consistently understood and managed",
    ]
    page = gql.request(
        "GET",
        "/inspections/JTAI-DEMO-001/report.html",
        headers={"Authorization": f"Bearer {integrator}"},
    )
    assert page.status_code == 200 and "Published" in page.text


def documented_csv_columns() -> list[str]:
    """The CSV columns, in order, as the table in docs/integrators.md section 5 lists them."""
    text = (REPO_ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    table = text.split("| column | holds |", 1)[1].split("\n\n", 1)[0]
    cells = [line.split("|")[1] for line in table.strip().splitlines()[1:]]
    return [name for cell in cells for name in re.findall(r"`([a-z_]+)`", cell)]


def test_the_csv_columns_are_documented_leads_align_and_excel_gets_a_bom(
    gql: GraphQLClient, round_: Round, registry: Registry
) -> None:
    plain = export(gql, "/exports/findings.csv", round_.integrator)
    rows = list(csv.DictReader(io.StringIO(plain.text)))
    assert list(rows[0]) == list(CSV_COLUMNS) == documented_csv_columns()
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    for row in rows:
        criteria, leads = row["criteria"].split("; "), row["criteria_leads"].split("; ")
        owners = {o.item.code: o.owner for o in registry.criteria_of(row["framework"])}
        assert leads == [owners[code] for code in criteria], row  # the n-th lead, n-th criterion
    assert rows[0]["criteria"] == "ESN-23; ESN-31"
    assert rows[0]["criteria_leads"] == "ofsted; hmicfrs"

    for_excel = export(gql, "/exports/findings.csv", round_.integrator, bom="1")
    assert for_excel.status_code == 200
    assert for_excel.content == b"\xef\xbb\xbf" + plain.content
    bad = export(gql, "/exports/findings.csv", round_.integrator, bom="yes")
    assert bad.status_code == 400 and "bom: 'yes' is not 0 or 1" in bad.text
    not_json = export(gql, "/exports/findings.json", round_.integrator, bom="1")
    assert not_json.status_code == 400 and "bom: not a filter" in not_json.text


def test_the_page_reads_the_values_sqlalchemy_would(
    database: Database, registry: Registry, demo: DemoInspection
) -> None:
    """``feed._fetched`` converts only what needs it, column by column: the values must be those
    SQLAlchemy's own rows hold (UTC-aware datetimes, booleans), on SQLite and PostgreSQL."""
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
        at = dt.datetime(2026, 11, 24, 12, 30, 15, 123456, tzinfo=dt.UTC)
        session.execute(update(Finding).values(status="published", headline=True, published_at=at))
        session.execute(update(Finding).where(Finding.id % 2 == 0).values(headline=False))
    with database.read_once() as session:
        connection = session.connection()
        chosen = feed.published().limit(10)
        statement = chosen.with_only_columns(*feed.FINDING_COLUMNS)
        expected = [tuple(row) for row in connection.execute(statement).all()]
        fetched = [tuple(row) for row in feed._fetched(connection, statement)]
        assert fetched == expected and len(expected) == 4
        assert {type(row[4]) for row in fetched} == {bool}
        assert all(row[5].tzinfo is dt.UTC and row[6].tzinfo is dt.UTC for row in fetched)
        found = feed._read(session, chosen, with_agreements=False)
        assert found is not None and sum(map(len, found.criteria.values())) > 0
        assert sum(map(len, found.agencies.values())) > 0


def test_a_page_s_statements_are_built_once_and_bind_the_cursor_and_limit(
    database: Database, registry: Registry, demo: DemoInspection
) -> None:
    """``feed.page_rows_of_published`` builds its statements once per registry, backend, filters
    and first page or not, with the cursor and the limit bound: every page, cursor and filter
    reads what statements built afresh for it read, and a bad filter is refused every time."""
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
        at = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
        session.execute(update(Finding).values(status="published", published_at=at))
    feed._PAGES.pop(registry, None)
    framework = registry.frameworks[0].code
    cases = [
        (feed.FindingFilters(), None, 10),
        (feed.FindingFilters(), None, 2),
        (feed.FindingFilters(), 0, 2),
        (feed.FindingFilters(framework=framework), 1, 1),
        (feed.FindingFilters(framework=framework), 2, 5),
        (feed.FindingFilters(published_to=at.date() - dt.timedelta(days=1)), None, 3),
    ]
    with database.read_once() as session:
        ids = sorted(session.scalars(select(Finding.id)))
        for filters, after, limit in cases:
            cursor = None if after is None else ids[after]
            found, total = feed.page_rows_of_published(session, registry, filters, cursor, limit)
            clauses = feed.filter_clauses(registry, filters)
            fresh = feed.published(*clauses)
            if cursor is not None:
                fresh = fresh.where(Finding.id > cursor)
            expected = feed._read(session, fresh.limit(limit + 1), with_agreements=False)
            matching = len(session.scalars(feed.published(*clauses)).all())
            if expected is None:
                assert found is None and total == 0, (filters, after, limit)
                continue
            assert found is not None, (filters, after, limit)
            assert [tuple(r) for r in found.rows] == [tuple(r) for r in expected.rows]
            assert found.criteria == expected.criteria and found.agencies == expected.agencies
            assert total == matching, (filters, after, limit)
        kept = feed._PAGES[registry]
        statements = dict(kept)
        feed.page_rows_of_published(session, registry, feed.FindingFilters(), ids[0], 3)
        assert kept == statements and all(kept[k] is statements[k] for k in statements)
        assert len(kept) == 4  # (no filters, framework, published_to) x (first page or not)
        for _ in range(2):
            with pytest.raises(feed.FilterError, match="framework: 'nope' is not a framework"):
                feed.page_rows_of_published(
                    session, registry, feed.FindingFilters(framework="nope"), None, 3
                )
        assert len(kept) == 4
