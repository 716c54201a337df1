"""Fixtures: a real database (a SQLite file, and PostgreSQL when JTAI_TEST_POSTGRES_URL is set),
the real plugins, the real ASGI app over HTTP, and tokens for each role.

Every test that takes ``database`` runs once per backend. The schema is migrated once per backend
with the project's own Alembic migrations; rows are deleted after each test.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection, load_demo
from core.migrate import upgrade
from core.models import Base
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.settings import Settings
from core.tokens import create_token
from core.viewer import Role
from tests.helpers.environment import FIRST_PARTY, POSTGRES_URL, SERVER_POSTGRES_URL
from tests.helpers.graphql import GraphQLClient, TokenFactory

BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]

# The test database need not outlive a crash: without waiting for each commit's WAL flush (about
# 3 ms each, two commits a mutation) the PostgreSQL half runs in a fraction of the time. What
# every other connection sees is unchanged. libpq reads PGOPTIONS, so the `jtai` subprocesses the
# tests start inherit it too.
if POSTGRES_URL:
    os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} -c synchronous_commit=off"


def _on_server(statement: str, **params: str) -> object:
    """Run ``statement`` outside a transaction, connected to the database the URL names."""
    assert SERVER_POSTGRES_URL is not None
    url = make_url(SERVER_POSTGRES_URL).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            result = connection.execute(text(statement), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def _worker_database() -> str | None:
    """This xdist worker's own database (tests/helpers/environment.py), or None: not a worker,
    or no PostgreSQL."""
    if POSTGRES_URL is None or POSTGRES_URL == SERVER_POSTGRES_URL:
        return None
    return make_url(POSTGRES_URL).database


def pytest_configure(config: pytest.Config) -> None:
    name = _worker_database()
    if name and not _on_server("SELECT 1 FROM pg_database WHERE datname = :n", n=name):
        _on_server(f'CREATE DATABASE "{name}"')


@pytest.hookimpl(trylast=True)  # after the session fixtures' teardown
def pytest_sessionfinish(session: pytest.Session) -> None:
    # Not in pytest_unconfigure: xdist may end a worker's process once its session has finished.
    if name := _worker_database():
        _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by backend
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``long`` first: under pytest-xdist they would otherwise come last (they are
    in the last files) and leave one worker running them alone at the end. Only those without
    the test database move: moving the others would interleave the backends, and each switch
    migrates a database again."""
    first = [
        item
        for item in items
        if item.get_closest_marker("long")
        and "migrated_database" not in getattr(item, "fixturenames", ())
    ]
    moved = {id(item) for item in first}
    items[:] = first + [item for item in items if id(item) not in moved]


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The first-party plugins' registry, whatever else is installed."""
    return build_registry(make_plugin_manager(only=FIRST_PARTY))


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'jtai-test.db'}"
        database = Database(url)
    else:
        assert POSTGRES_URL is not None
        database = Database(POSTGRES_URL)
        with database.engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            connection.execute(text("DROP FUNCTION IF EXISTS audit_events_append_only()"))
    upgrade(database)
    yield database
    database.dispose()


# Audit events are append-only, in the database itself: tests count them relative to a start.
CLEANED_TABLES = [t for t in Base.metadata.sorted_tables if t.name != "audit_events"]


def _delete_all_rows(database: Database) -> None:
    """Empty every table but the audit trail, and on PostgreSQL start their ids at 1 again (as
    SQLite's do once a table is empty). DELETE, not TRUNCATE: the few rows a test leaves cost
    microseconds to delete, while TRUNCATE makes new files for ~30 tables and their indexes
    (0.1-0.7 s a test, the largest cost of the PostgreSQL half of the suite)."""
    with database.engine.begin() as connection:
        for table in reversed(CLEANED_TABLES):
            connection.execute(table.delete())
        if not database.is_sqlite:
            sequences = connection.scalars(
                text(
                    "SELECT seq.oid::regclass::text FROM pg_class seq"
                    " JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype IN ('a', 'i')"
                    " JOIN pg_class tab ON tab.oid = dep.refobjid"
                    " WHERE seq.relkind = 'S' AND tab.relname = ANY(:names)"
                ),
                {"names": [t.name for t in CLEANED_TABLES]},
            ).all()
            restart = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
            connection.execute(text(f"SELECT {restart}"))


@pytest.fixture
def database(migrated_database: Database) -> Iterator[Database]:
    yield migrated_database
    _delete_all_rows(migrated_database)


@pytest.fixture(scope="session")
def app(migrated_database: Database, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    settings = Settings(
        database_url=migrated_database.url,
        max_page_size=100,
        storage_dir=tmp_path_factory.mktemp("documents"),  # never the working tree's var/
    )
    manager = make_plugin_manager(only=FIRST_PARTY)  # the suite's world: the first-party four
    return create_app(settings, plugin_manager=manager, database=migrated_database)


@pytest.fixture
def gql(app: Starlette, database: Database) -> GraphQLClient:
    return GraphQLClient(app, database)


@pytest.fixture
def demo(database: Database) -> DemoInspection:
    with database.write() as session:
        return load_demo(session, today=dt.date(2026, 11, 24))


@pytest.fixture
def make_token(database: Database) -> TokenFactory:
    def make(
        role: Role,
        inspector_id: int | None = None,
        agency_id: int | None = None,
        expires_in: dt.timedelta = dt.timedelta(hours=1),
    ) -> str:
        with database.write() as session:
            return create_token(
                session,
                role=role,
                label=f"test {role.value}",
                expires_in=expires_in,
                inspector_id=inspector_id,
                agency_id=agency_id,
            ).token

    return make


@pytest.fixture
def lead_token(demo: DemoInspection, make_token: TokenFactory) -> str:
    return make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
