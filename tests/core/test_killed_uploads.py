"""An upload killed with SIGKILL at the worst moments leaves nothing behind for good.

A real process (tests/core/killed_upload.py) sends a document through the real app and stops
mid-stream, or with every byte stored and the row written but not committed; the test kills it
there. With local files, what it left is removed by the next sweep once older than the grace
period (the test ages the files instead of waiting): at ``jtai serve``'s start-up, or by
``jtai documents sweep``. With the database store (PostgreSQL) nothing is ever left.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import Document, DocumentChunk, Inspection, utc_now
from core.registry import Registry
from core.viewer import Role
from core.workflow.requests import issue_area_requests
from core.workflow.storage import TEMP_PREFIX
from tests.helpers.environment import REPO_ROOT
from tests.helpers.graphql import TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import agency_id, request_id
from tests.helpers.server import free_port

CHILD = REPO_ROOT / "tests" / "core" / "killed_upload.py"


def kill_at(moment: str, env: dict[str, str], token: str, request: str) -> None:
    """Run the upload until ``moment``, then kill it there with SIGKILL."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), moment, token, request],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the child pauses (or dies)
        assert line.strip() == "PAUSED", line + process.stdout.read()
    finally:
        process.kill()  # SIGKILL: no handler, no cleanup runs
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def age_all(root: Path, seconds: int = 3600) -> None:
    then = (utc_now() - dt.timedelta(seconds=seconds)).timestamp()
    for path in root.iterdir():
        os.utime(path, (then, then))


def rows(database: Database) -> tuple[int, int]:
    with database.session() as session:
        documents = session.scalar(select(func.count()).select_from(Document)) or 0
        chunks = session.scalar(select(func.count()).select_from(DocumentChunk)) or 0
    return documents, chunks


@pytest.fixture
def upload_env(
    database: Database,
    demo: DemoInspection,
    registry: Registry,
    make_token: TokenFactory,
    tmp_path: Path,
) -> tuple[dict[str, str], str, str]:
    with database.write() as session:
        issue_area_requests(session, registry, session.get_one(Inspection, demo.inspection_id))
    token = make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority"))
    env = {
        **os.environ,
        "JTAI_DATABASE_URL": database.url,
        "JTAI_STORAGE_DIR": str(tmp_path / "documents"),
    }
    return env, token, gid("IssuedRequest", request_id(database, "1.6"))


def sweep(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "documents", "sweep"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_file_complete_but_never_committed_is_swept(
    database: Database, upload_env: tuple[dict[str, str], str, str], tmp_path: Path
) -> None:
    env, token, request = upload_env
    env = {**env, "JTAI_DOCUMENT_STORE": "local"}
    root = tmp_path / "documents"
    kill_at("before-commit", env, token, request)
    [left] = leftovers(root)  # the whole file, under its key, and no row names it
    assert not left.startswith(TEMP_PREFIX) and rows(database) == (0, 0)
    assert "removed 0 temporary files and 0 unreferenced" in sweep(env)  # too young yet
    assert leftovers(root) == [left]
    age_all(root)
    assert sweep(env) == (
        "Documents swept: removed 0 temporary files and 1 unreferenced document; "
        "0 documents without bytes.\n"
    )
    assert leftovers(root) == [] and rows(database) == (0, 0)


def test_a_temporary_file_of_an_upload_killed_mid_stream_is_swept_at_start_up(
    database: Database, upload_env: tuple[dict[str, str], str, str], tmp_path: Path
) -> None:
    env, token, request = upload_env
    env = {**env, "JTAI_DOCUMENT_STORE": "local"}
    root = tmp_path / "documents"
    kill_at("mid-stream", env, token, request)
    [left] = leftovers(root)
    assert left.startswith(TEMP_PREFIX) and (root / left).stat().st_size >= 2 * 1024 * 1024
    age_all(root)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert "Documents swept: removed 1 temporary file and 0 unreferenced" in log.read_text()
    assert leftovers(root) == [] and rows(database) == (0, 0)


@pytest.mark.parametrize("moment", ["mid-stream", "before-commit"])
def test_the_database_store_leaves_nothing_whenever_it_is_killed(
    database: Database,
    upload_env: tuple[dict[str, str], str, str],
    tmp_path: Path,
    moment: str,
) -> None:
    env, token, request = upload_env
    env = {**env, "JTAI_DOCUMENT_STORE": "database"}
    kill_at(moment, env, token, request)
    assert rows(database) == (0, 0)  # the transaction died with the process
    assert leftovers(tmp_path / "documents") == []
    assert "removed 0 temporary files and 0 unreferenced documents" in sweep(env)
