"""Fixtures: a real database (a SQLite file, and PostgreSQL when JTAI_TEST_POSTGRES_URL is set),
the real plugins, the real ASGI app over HTTP, and tokens for each role.

Every test that takes ``database`` runs once per backend. The schema is migrated once per backend
with the project's own Alembic migrations; rows are deleted after each test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import text
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
from tests.helpers.environment import FIRST_PARTY, POSTGRES_URL
from tests.helpers.graphql import GraphQLClient, TokenFactory

BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


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
    with database.engine.begin() as connection:
        if database.is_sqlite:
            for table in reversed(CLEANED_TABLES):
                connection.execute(table.delete())
        else:
            names = ", ".join(t.name for t in CLEANED_TABLES)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


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
