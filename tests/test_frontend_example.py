"""docs/frontend-example stays true: its operations answer with data from the server, and its
TypeScript compiles strictly against types generated from schema.graphql.

The compile test (marked ``npm``) copies the example to a temporary directory, installs its pinned
packages with ``npm ci`` (node_modules cached under ~/.cache/jtai-frontend-example, keyed on
package.json and package-lock.json), runs GraphQL Code Generator and ``tsc --strict --noEmit``.
It skips, saying why, on a machine without node and npm.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.models import IssuedRequest
from core.registry import Registry
from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id
from tests.helpers.node_live import EXAMPLE, cached_node_modules, run, tool

OPERATIONS = EXAMPLE / "src" / "operations.ts"


def live_operations() -> dict[str, str]:
    """Each subscription of src/live.ts, by name."""
    source = (EXAMPLE / "src" / "live.ts").read_text(encoding="utf-8")
    documents = re.findall(r"graphql\(`(.*?)`\)", source, re.S)
    named = {re.search(r"subscription (\w+)", d).group(1): d for d in documents}  # type: ignore[union-attr]
    assert set(named) == {"InspectionLive", "FindingFeed"}
    return named


def example_operations() -> dict[str, str]:
    """Each ``graphql(`...`)`` document of src/operations.ts, by operation name."""
    documents = re.findall(r"graphql\(`(.*?)`\)", OPERATIONS.read_text(encoding="utf-8"), re.S)
    named = {re.search(r"query (\w+)", d).group(1): d for d in documents}  # type: ignore[union-attr]
    assert set(named) == {"Dashboard", "EvidenceForms", "Tracker", "MyRequests"}
    return named


def test_the_example_operations_answer_with_data(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    registry: Registry,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    operations = example_operations()
    inspection = gid("Inspection", demo.inspection_id)
    issued = gql(ISSUE, {"id": inspection}, lead_token).ok()["issueDocumentRequests"]
    assert issued["errors"] == [] and issued["issuedCount"] > 0
    with database.write() as session:  # some requests due, some overdue, whatever today is
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        session.execute(update(IssuedRequest).values(due_at=future))
        session.execute(
            update(IssuedRequest)
            .where(IssuedRequest.reference == "1.1")
            .values(due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        )
        load_demo_findings(session, registry, demo)
    agency_user = make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority"))

    def run(name: str, token: str, **variables: Any) -> dict[str, Any]:
        response = gql(operations[name], variables, token)
        assert response.status == 200 and not response.errors, (name, response.body)
        data: dict[str, Any] = response.ok()
        return data

    dashboard = run("Dashboard", lead_token, inspectionId=inspection)["inspection"]
    assert dashboard["reference"] == "JTAI-DEMO-001"
    assert dashboard["overdue"]["totalCount"] >= 1 and dashboard["outstanding"]["totalCount"] > 0
    assert dashboard["evidenceCoverage"] is not None and dashboard["findings"]
    assert dashboard["timetable"]["deadlines"]

    forms = run("EvidenceForms", lead_token, framework="da-2016", inspectorate="ofsted")
    questions = [q for f in forms["framework"]["evidenceForms"] for q in f["questions"]]
    assert questions and any(q["choices"] for q in questions)

    tracker = run("Tracker", lead_token, inspectionId=inspection, status=None, after=None)
    requests = tracker["inspection"]["requests"]
    assert requests["totalCount"] == issued["issuedCount"]
    assert {n["status"] for n in requests["nodes"]} >= {"OVERDUE", "OUTSTANDING"}

    mine = run("MyRequests", agency_user)
    assert mine["viewer"]["role"] == "AGENCY_USER" and mine["myRequests"]["totalCount"] > 0
    assert {n["inspection"]["reference"] for n in mine["myRequests"]["nodes"]} == {"JTAI-DEMO-001"}


# --- the TypeScript side -------------------------------------------------------------------------


@pytest.mark.npm
@pytest.mark.long
def test_the_example_generates_types_and_compiles_strictly(tmp_path: Path) -> None:
    tool("node")
    npm = tool("npm")
    # The example reads ../../schema.graphql, as it does in the repository.
    project = tmp_path / "docs" / "frontend-example"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "gql"))
    shutil.copy(REPO_ROOT / "schema.graphql", tmp_path / "schema.graphql")
    (project / "node_modules").symlink_to(cached_node_modules(npm), target_is_directory=True)

    generated = run([npm, "run", "--silent", "codegen"], project)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    types = (project / "src" / "gql" / "graphql.ts").read_text(encoding="utf-8")
    for name in (
        "DashboardQuery",
        "EvidenceFormsQuery",
        "TrackerQuery",
        "MyRequestsQuery",
        "InspectionLiveSubscription",  # src/live.ts: graphql-ws and Apollo's GraphQLWsLink
        "FindingFeedSubscription",
    ):
        assert f"export type {name} " in types

    compiled = run([npm, "run", "--silent", "typecheck"], project)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    # The check has teeth: a field used as the wrong type fails the compile, naming it.
    app = project / "src" / "app.ts"
    app.write_text(
        app.read_text(encoding="utf-8").replace("badge(request.status)", "badge(request.title)")
    )
    broken = run([npm, "run", "--silent", "typecheck"], project)
    assert broken.returncode != 0
    assert "not assignable to parameter of type 'RequestStatus'" in broken.stdout

    # So does the live module: an event's kind is the schema's enum, checked exhaustively.
    app.write_text(
        app.read_text(encoding="utf-8").replace("badge(request.title)", "badge(request.status)")
    )
    live = project / "src" / "live.ts"
    live.write_text(
        live.read_text(encoding="utf-8").replace('case "LETTER_PUBLISHED":', 'case "LETTER_SENT":')
    )
    broken = run([npm, "run", "--silent", "typecheck"], project)
    assert broken.returncode != 0
    assert "'\"LETTER_SENT\"' is not comparable to type 'InspectionEventKind'" in broken.stdout


# --- docs/frontend.md ----------------------------------------------------------------------------

FRONTEND_DOC = REPO_ROOT / "docs" / "frontend.md"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_frontend_guide_quotes_the_example_and_its_queries_run(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    text = FRONTEND_DOC.read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    operations = example_operations() | live_operations()
    quoted = [
        b
        for b in blocks
        if re.search(r"(?:query|subscription) (\w+)", b) and _name(b) in operations
    ]
    assert {_name(b) for b in quoted} == {"Dashboard", "EvidenceForms", "InspectionLive"}
    for block in quoted:  # word for word what the compiled example holds
        assert _words(block) == _words(operations[_name(block)])

    runnable = {_name(b): b for b in blocks if b not in quoted}
    assert set(runnable) == {"Me", "Agree", "Inspections"}
    me = gql(runnable["Me"], token=lead_token).ok()["viewer"]
    assert me["role"] == "INSPECTOR" and me["inspector"]["inspectorate"]["code"] == "ofsted"
    page = gql(runnable["Inspections"], {"after": None}, lead_token).ok()["inspections"]
    assert page["nodes"][0]["reference"] == "JTAI-DEMO-001" and page["totalCount"] == 1
    # A mutation's problem is data, with a code from the schema's ErrorCode.
    agree = gql(runnable["Agree"], {"findingId": gid("Finding", 999_999)}, lead_token).ok()
    [problem] = agree["agreeFinding"]["errors"]
    assert problem["field"] == "findingId" and problem["code"] == "NOT_FOUND"


def _name(block: str) -> str:
    found = re.search(r"(?:query|mutation|subscription) (\w+)", block)
    assert found, block
    return found.group(1)


def test_every_error_code_the_guide_lists_is_one_the_server_sends() -> None:
    text = FRONTEND_DOC.read_text(encoding="utf-8")
    table = text.split("| code | HTTP | what to do |", 1)[1].split("\n\n", 1)[0]
    listed = {
        c for line in table.splitlines()[2:] for c in re.findall(r"`([A-Z_]+)`", line.split("|")[1])
    }
    assert len(listed) >= 15
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "core").rglob("*.py"))
    unsent = sorted(c for c in listed if f'"{c}"' not in source)
    assert unsent == [], f"docs/frontend.md lists codes the server never sends: {unsent}"


# --- live updates from Node ----------------------------------------------------------------------

CREATE_FINDING = """mutation Create($input: CreateFindingInput!) {
  createFinding(input: $input) { errors { field code message } finding { id } }
}"""


@pytest.mark.npm
def test_the_node_example_receives_live_events_and_resumes_from_its_cursor(
    tmp_path: Path,
) -> None:
    """scripts/live-events.mjs, a real graphql-ws client, follows the demo inspection on a real
    server; a finding created over HTTP reaches it; started again with its last cursor, it gets
    what happened while it was away and nothing it had already seen."""
    import httpx

    from tests.helpers.node_live import LiveEvents, node_with_example_packages
    from tests.helpers.server import jtai_serve

    node, node_modules = node_with_example_packages()
    env = {"JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}
    log = tmp_path / "serve.log"
    with jtai_serve(env, args=("--demo",), log=log) as base:
        token = re.search(r"#token=(jtai_\S+)", log.read_text())
        assert token, log.read_text()
        auth = {"Authorization": f"Bearer {token.group(1)}"}
        ws_url = base.replace("http://", "ws://") + "/graphql"
        query = "{ inspections { nodes { id framework { criteria { code } } } } }"
        found = httpx.post(f"{base}/graphql", json={"query": query}, headers=auth).json()
        inspection = found["data"]["inspections"]["nodes"][0]
        criterion = inspection["framework"]["criteria"][0]["code"]

        def create(title: str) -> str:
            variables = {
                "input": {
                    "inspectionId": inspection["id"],
                    "kind": "STRENGTH",
                    "title": title,
                    "text": "Synthetic text.",
                    "criteria": [criterion],
                }
            }
            answer = httpx.post(
                f"{base}/graphql",
                json={"query": CREATE_FINDING, "variables": variables},
                headers=auth,
            ).json()
            assert answer["data"]["createFinding"]["errors"] == [], answer
            finding_id: str = answer["data"]["createFinding"]["finding"]["id"]
            return finding_id

        def follow(name: str, *after: str) -> LiveEvents:
            return LiveEvents(
                node,
                node_modules,
                tmp_path / "node",
                ws_url,
                auth["Authorization"][7:],
                ["inspection", inspection["id"], *after],
                name=name,
            )

        first = follow("first")
        try:
            first.wait_for("connected")
            # Live only: create findings until one arrives (the subscribe may still be on its
            # way to the server when the first is created); a bounded number of tries.
            created: list[str] = []

            def ours(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
                live = [e["inspectionEvents"] for e in events]
                return [
                    e
                    for e in live
                    if e["kind"] == "FINDING_CREATED" and e["finding"]["id"] in created
                ]

            for attempt in range(10):
                created.append(create(f"Live from Node {attempt}"))
                try:
                    first.wait_until(lambda events: bool(ours(events)), timeout=2)
                    break
                except AssertionError:
                    continue
            # The last one created is the last to arrive: resume after it.
            last = created[-1]
            first.wait_until(lambda events: any(e["finding"]["id"] == last for e in ours(events)))
            event = next(e for e in ours(first.events()) if e["finding"]["id"] == last)
            assert event["finding"]["status"] and event["cursor"]
        finally:
            first.stop()

        # Away: two more findings. Back with the last cursor: exactly those two, in order.
        missed = [create("Missed while away 1"), create("Missed while away 2")]
        again = follow("again", event["cursor"])
        try:

            def created_in(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
                kinds = [e["inspectionEvents"] for e in events]
                return [e for e in kinds if e["kind"] == "FINDING_CREATED"]

            again.wait_until(lambda events: len(created_in(events)) >= 2)
            time.sleep(0.5)  # room for a wrong third one to show; not a timing assertion
            received = [e["inspectionEvents"] for e in again.events()]
            created_events = created_in(again.events())
            assert [e["finding"]["id"] for e in created_events] == missed, received
            assert event["cursor"] not in {e["cursor"] for e in received}
        finally:
            again.stop()


def test_the_live_updates_guide_quotes_the_compiled_example_word_for_word() -> None:
    """The TypeScript of "Live updates" is src/live.ts's, which the npm test compiles."""
    section = FRONTEND_DOC.read_text(encoding="utf-8").split("## Live updates", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```ts\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    source = _words((EXAMPLE / "src" / "live.ts").read_text(encoding="utf-8"))
    for block in blocks:
        assert _words(block) in source, block[:200]
    joined = "\n".join(blocks)
    for needed in ("connectionParams", "authorization", "GraphQLWsLink", "split(", "after"):
        assert needed in joined
    # The table covers each close code the server sends (the subscriptions contract).
    table = section.split("| what | meaning | what to do |", 1)[1].split("\n\n", 1)[0]
    codes = set(re.findall(r"close `(\d{4})`", table))
    assert codes == {"4401", "4403", "1013", "1001", "1006"}
