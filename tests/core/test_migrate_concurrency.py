"""Two ``jtai db upgrade`` at once on an empty database: both succeed, one after the other.

Without a lock, SQLite refused the second ('database is locked') and PostgreSQL failed it on a
duplicate key in ``alembic_version``. Real processes, real databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from core.database import Database
from core.migrate import current_revision, head_revision
from tests.helpers.environment import POSTGRES_URL

ROUNDS = 3  # the race is lost often, not always: a few empty databases make it certain


def upgrade_twice_at_once(url: str) -> None:
    env = {**os.environ, "JTAI_DATABASE_URL": url}
    command = [sys.executable, "-m", "core.cli", "db", "upgrade"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
    database = Database(url)
    try:
        assert current_revision(database) == head_revision(database)
    finally:
        database.dispose()


@pytest.mark.long
def test_two_upgrades_at_once_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        upgrade_twice_at_once(f"sqlite:///{tmp_path / f'empty-{round_}.db'}")


@pytest.fixture
def empty_postgres_urls() -> Iterator[list[str]]:
    if POSTGRES_URL is None:
        pytest.skip("set JTAI_TEST_POSTGRES_URL to run against PostgreSQL")
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"jtai_migrate_{uuid.uuid4().hex[:12]}" for _ in range(ROUNDS)]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield [server.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.long
def test_two_upgrades_at_once_on_an_empty_postgres_database(
    empty_postgres_urls: list[str],
) -> None:
    for url in empty_postgres_urls:
        upgrade_twice_at_once(url)
