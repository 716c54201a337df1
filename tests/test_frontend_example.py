"""docs/frontend-example stays true: its operations answer with data from the server, and its
TypeScript compiles strictly against types generated from schema.graphql.

The compile test (marked ``npm``) copies the example to a temporary directory, installs its pinned
packages with ``npm ci`` (node_modules cached under ~/.cache/jtai-frontend-example, keyed on
package.json and package-lock.json), runs GraphQL Code Generator and ``tsc --strict --noEmit``.
It skips, saying why, on a machine without node and npm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
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

EXAMPLE = REPO_ROOT / "docs" / "frontend-example"
OPERATIONS = EXAMPLE / "src" / "operations.ts"


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


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"the frontend example's compile test needs {name} (Node.js 20+) on PATH")
    return found


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def _cached_node_modules(npm: str) -> Path:
    """node_modules for the example's lock file, installed once per lock by ``npm ci``."""
    lock = (EXAMPLE / "package.json").read_bytes() + (EXAMPLE / "package-lock.json").read_bytes()
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = cache_root / "jtai-frontend-example" / hashlib.sha256(lock).hexdigest()[:16]
    if (cached / "node_modules").is_dir():
        return cached / "node_modules"
    staging = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(EXAMPLE / name, staging / name)
    installed = _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], staging)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    try:
        staging.rename(cached)  # whole or not at all: an interrupted install is never reused
    except OSError:  # another run finished first; use its copy
        shutil.rmtree(staging, ignore_errors=True)
    return cached / "node_modules"


@pytest.mark.npm
@pytest.mark.long
def test_the_example_generates_types_and_compiles_strictly(tmp_path: Path) -> None:
    _tool("node")
    npm = _tool("npm")
    # The example reads ../../schema.graphql, as it does in the repository.
    project = tmp_path / "docs" / "frontend-example"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "gql"))
    shutil.copy(REPO_ROOT / "schema.graphql", tmp_path / "schema.graphql")
    (project / "node_modules").symlink_to(_cached_node_modules(npm), target_is_directory=True)

    generated = _run([npm, "run", "--silent", "codegen"], project)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    types = (project / "src" / "gql" / "graphql.ts").read_text(encoding="utf-8")
    for name in ("DashboardQuery", "EvidenceFormsQuery", "TrackerQuery", "MyRequestsQuery"):
        assert f"export type {name} " in types

    compiled = _run([npm, "run", "--silent", "typecheck"], project)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    # The check has teeth: a field used as the wrong type fails the compile, naming it.
    app = project / "src" / "app.ts"
    app.write_text(
        app.read_text(encoding="utf-8").replace("badge(request.status)", "badge(request.title)")
    )
    broken = _run([npm, "run", "--silent", "typecheck"], project)
    assert broken.returncode != 0
    assert "not assignable to parameter of type 'RequestStatus'" in broken.stdout


# --- docs/frontend.md ----------------------------------------------------------------------------

FRONTEND_DOC = REPO_ROOT / "docs" / "frontend.md"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_frontend_guide_quotes_the_example_and_its_queries_run(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    text = FRONTEND_DOC.read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    operations = example_operations()
    quoted = [b for b in blocks if re.search(r"query (\w+)", b) and _name(b) in operations]
    assert {_name(b) for b in quoted} == {"Dashboard", "EvidenceForms"}
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
    found = re.search(r"(?:query|mutation) (\w+)", block)
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
