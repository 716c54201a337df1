"""Fixtures: a real database (a SQLite file, and PostgreSQL when JTAI_TEST_POSTGRES_URL is set),
the real plugins, the real ASGI app over HTTP, and tokens for each role.

Every test that takes ``database`` runs once per backend. The schema is migrated once per backend
with the project's own Alembic migrations; rows are deleted after each test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection, load_demo
from core.migrate import upgrade
from core.models import Agency, Base, Inspection, LocalArea, TeamMember
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.settings import Settings
from core.tokens import create_token
from core.viewer import Role

POSTGRES_URL = os.environ.get("JTAI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(scope="session")
def registry() -> Registry:
    return build_registry(make_plugin_manager())


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
    return create_app(settings, database=migrated_database)


@dataclass
class StatementCounter:
    statements: list[str] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@dataclass
class Response:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    def ok(self) -> Any:
        assert self.status == 200, self.body
        assert not self.errors, self.errors
        return self.data


class GraphQLClient:
    """Posts GraphQL over HTTP to the real ASGI app (no server socket, no mocks)."""

    def __init__(self, app: Starlette, database: Database) -> None:
        self.app = app
        self.database = database

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.request(method, url, **kwargs)

        return asyncio.run(send())

    def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        counter: StatementCounter | None = None,
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if counter is not None:
            event.listen(self.database.engine, "before_cursor_execute", counter)
        try:
            response = self.request(
                "POST", "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        finally:
            if counter is not None:
                event.remove(self.database.engine, "before_cursor_execute", counter)
        return Response(response.status_code, response.json())


@pytest.fixture
def gql(app: Starlette, database: Database) -> GraphQLClient:
    return GraphQLClient(app, database)


@pytest.fixture
def demo(database: Database) -> DemoInspection:
    with database.write() as session:
        return load_demo(session, today=dt.date(2026, 11, 24))


TokenFactory = Callable[..., str]


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


REPO_ROOT = Path(__file__).resolve().parents[1]


def add_led_inspection(session: Session, lead_inspector_id: int, code: str) -> Inspection:
    """Another da-2016 inspection led by ``lead_inspector_id``, in its own area with three
    agencies; for tests that show a query costs the same however many inspections there are."""
    area = LocalArea(code=f"ZZ-{code}", name=f"Area {code}")
    session.add(area)
    session.flush()
    session.add_all(
        Agency(area_id=area.id, kind=kind, name=f"{kind} {code}")
        for kind in ("local_authority", "police", "health")
    )
    inspection = Inspection(
        reference=f"JTAI-{code}",
        area_id=area.id,
        framework="da-2016",
        notification_date=dt.date(2026, 11, 17),
    )
    session.add(inspection)
    session.flush()
    session.add(
        TeamMember(inspection_id=inspection.id, inspector_id=lead_inspector_id, is_lead=True)
    )
    return inspection
