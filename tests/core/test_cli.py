"""The jtai command line, run as a user runs it, against a real SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.cli import main
from core.database import Database
from core.ids import global_id, row_of_global_id
from core.migrate import head_revision
from core.models import Agency, ApiToken, Inspector
from core.readiness import database_problem

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"JTAI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_plugins_lists_the_four_inspectorates_with_versions(env: dict[str, str]) -> None:
    output = run(env, "plugins")
    for line in ("cqc 0.1.0: CQC (cqc)", "hmicfrs 0.1.0: HMICFRS (hmicfrs)",
                 "hmip 0.1.0: HMI Probation (hmip)", "ofsted 0.1.0: Ofsted (ofsted)"):  # fmt: skip
        assert line in output
    assert "frameworks: da-2016, da-2024\n" in output  # HMI Probation sits the front door out
    assert "criteria: 45" in output and "evidence forms: 4" in output


def test_db_upgrade_then_demo_is_idempotent(env: dict[str, str]) -> None:
    database = Database(env["JTAI_DATABASE_URL"])
    head = head_revision(database)
    database.dispose()
    assert f"Database at revision {head}" in run(env, "db", "upgrade")
    first = run(env, "demo")
    assert "Loaded the demo inspection JTAI-DEMO-001." in first
    progress = r"Issued \d+ requests, uploaded 7 lists, selected 20 children and tracked 6\."
    assert re.search(progress, first)
    assert "Published 4 demo findings and the demo report." in first
    assert "Lead inspector token (12 hours): jtai_" in first
    assert "Found the demo inspection" in run(env, "demo", "--no-token")


def test_token_create_and_revoke(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")
    created = run(env, "token", "create", "--role", "admin", "--expires-in", "2h")
    token_id = created.split()[1]
    assert row_of_global_id(token_id, "Token") is not None  # the graph's Token.id
    assert created.splitlines()[1].startswith("jtai_")
    assert f"Token {token_id} revoked." in run(env, "token", "revoke", token_id)
    again = CliRunner().invoke(main, ["token", "revoke", token_id], env=env)
    assert again.exit_code == 1 and "No active token" in again.output


def test_token_create_takes_the_ids_the_graph_shows(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")
    run(env, "demo", "--no-token")
    database = Database(env["JTAI_DATABASE_URL"])
    with database.session() as session:
        agency = session.scalars(select(Agency).order_by(Agency.id)).first()
        inspector = session.scalars(select(Inspector).order_by(Inspector.id)).first()
        assert agency is not None and inspector is not None
        agency_id, inspector_id = agency.id, inspector.id
    database.dispose()
    for option, row, type_name, role in [
        ("--agency", agency_id, "Agency", "agency_user"),
        ("--inspector", inspector_id, "Inspector", "inspector"),
    ]:
        # The graph's global ID, and the row number as before, name the same row.
        for given in (global_id(type_name, row), str(row)):
            created = run(env, "token", "create", "--role", role, option, given)
            token_id = created.split()[1]
            database = Database(env["JTAI_DATABASE_URL"])
            with database.session() as session:
                token = session.get(ApiToken, row_of_global_id(token_id, "Token"))
                assert token is not None
                assert (token.agency_id, token.inspector_id) == (
                    (row, None) if type_name == "Agency" else (None, row)
                )
            database.dispose()
    # Another type's ID is refused in one line naming the type wanted.
    wrong = CliRunner().invoke(
        main,
        ["token", "create", "--role", "agency_user", "--agency", global_id("Inspector", 1)],
        env=env,
    )
    assert wrong.exit_code == 2 and "is not the ID of an Agency" in wrong.output
    garbled = CliRunner().invoke(
        main, ["token", "create", "--role", "inspector", "--inspector", "not an id!"], env=env
    )
    assert garbled.exit_code == 2 and "is not the ID of an Inspector" in garbled.output


def test_token_create_explains_a_bad_request(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")
    missing = CliRunner().invoke(main, ["token", "create", "--role", "inspector"], env=env)
    assert missing.exit_code == 1 and "Pass --inspector" in missing.output
    bad = CliRunner().invoke(
        main, ["token", "create", "--role", "admin", "--expires-in", "soon"], env=env
    )
    assert bad.exit_code == 2 and "e.g. 30m, 12h, 7d" in bad.output


# Every command that uses the database without migrating it, as a cron job would run it.
NEEDS_A_MIGRATED_DATABASE = (
    ("report", "JTAI-DEMO-001"),
    ("token", "create", "--role", "admin"),
    ("token", "revoke", "1"),
    ("documents", "sweep"),
    ("webhooks", "deliver"),
    ("serve", "--port", "1"),
)


@pytest.mark.parametrize("command", NEEDS_A_MIGRATED_DATABASE, ids=" ".join)
def test_an_unmigrated_database_is_refused_in_one_line_and_no_file_is_made(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JTAI_")}
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", *command],
        cwd=tmp_path,  # an empty directory: the default database would be ./var/jtai.db
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"Error: No database at {tmp_path / 'var' / 'jtai.db'}")
    assert "'jtai db upgrade'" in line and "JTAI_DATABASE_URL" in line
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_tables_is_refused_then_accepted_once_upgraded(
    env: dict[str, str],
) -> None:
    url = env["JTAI_DATABASE_URL"]
    Path(url.removeprefix("sqlite:///")).write_bytes(b"")  # a file, but no tables
    refused = CliRunner().invoke(main, ["token", "create", "--role", "admin"], env=env)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: The database at {url} is not migrated (no tables yet): run 'jtai db upgrade' "
        "first, with JTAI_DATABASE_URL naming the database this command should use.\n"
    )
    run(env, "db", "upgrade")
    assert f"Token {global_id('Token', 1)} " in run(env, "token", "create", "--role", "admin")


DOWN = "postgresql://jtai:secret@127.0.0.1:1/jtai"


def test_a_database_that_does_not_answer_is_named_without_its_password() -> None:
    problem = database_problem(DOWN)
    assert problem is not None and "secret" not in problem
    assert problem.startswith("Cannot connect to the database at postgresql://jtai:***@127.0.0.1")
    assert "check JTAI_DATABASE_URL" in problem and "'jtai db upgrade'" in problem
    # A server started during an outage starts, and answers 503 until the database is back.
    assert database_problem(DOWN, unreachable_is_a_problem=False) is None


def test_a_migrated_database_has_no_problem(database: Database) -> None:
    assert database_problem(database.url) is None


@pytest.mark.long
def test_schema_breaking_since_tells_a_plugin_upgrade_what_it_breaks(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "JTAI_PLUGINS": "ofsted,cqc,hmicfrs,hmip"}
    now = run(env, "schema")
    same = tmp_path / "same.graphql"
    same.write_text(now, encoding="utf-8")
    assert run(env, "schema", "--breaking-since", str(same)).endswith(
        f"0 breaking change(s) since {same}.\n"
    )

    # Before the "upgrade" Ofsted's case-tracking form had a question the plugin has since dropped.
    before = tmp_path / "before.graphql"
    opening = "type OfstedCaseTrackingEvidence implements Evidence & Node {\n"
    before.write_text(
        now.replace(opening, opening + "  retiredQuestion: String\n"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["schema", "--breaking-since", str(before)], env=env)
    assert result.exit_code == 1
    assert "BREAKING   OfstedCaseTrackingEvidence.retiredQuestion: " in result.output
    assert f"1 breaking change(s) since {before}" in result.output
