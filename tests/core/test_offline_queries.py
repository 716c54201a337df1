"""Queries that read nothing from the database (core/graphql/offline.py) run on the event loop,
and, once proven clean, straight through graphql-core: with the same answer, byte for byte and
header for header, as the whole of strawberry gives, and no database round trip."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from graphql import parse
from starlette.applications import Starlette

from core.database import Database
from core.demo import DemoInspection
from core.graphql.context import Context
from core.graphql.offline import reads_no_database
from core.graphql.schema import BuiltSchema
from core.settings import Settings
from core.viewer import ANONYMOUS, Role
from tests.helpers.graphql import TokenFactory
from tests.helpers.round_trips import count_round_trips

OFFLINE = [
    "{ viewer { role } }",
    "{ viewer { role expiresAt inspectorate { code name shortName agencyKinds } } }",
    "query Who { __typename viewer { __typename role } }",
    "query { ...Me } fragment Me on Query { viewer { ... on Viewer { role } } }",
]
ONLINE = [
    "{ viewer { inspector { name } } }",  # a loader
    "{ viewer { inspectorate { frameworks { code } } } }",  # a resolver not marked
    "{ inspections(first: 1) { totalCount } }",
    "{ viewer { role @include(if: true) } }",
    "{ __schema { queryType { name } } }",
    'mutation { revokeToken(tokenId: "x") { revoked } }',
    "query A { viewer { role } } query B { inspections(first: 1) { totalCount } }",
    "{ viewer { role } ",  # no document at all
]


@pytest.mark.parametrize("query", OFFLINE)
def test_reads_no_database(app: Starlette, query: str) -> None:
    built: BuiltSchema = app.state.schema
    query_type = built.schema._schema.query_type
    assert query_type is not None
    assert reads_no_database(query_type, parse(query), None, 12)


@pytest.mark.parametrize("query", ONLINE)
def test_reads_the_database_or_is_left_to_the_ordinary_path(app: Starlette, query: str) -> None:
    built: BuiltSchema = app.state.schema
    query_type = built.schema._schema.query_type
    assert query_type is not None
    try:
        document = parse(query)
    except Exception:
        return  # the view leaves what does not parse to the ordinary path too
    assert not reads_no_database(query_type, document, None, 12)


def test_an_offline_operation_named_among_others(app: Starlette) -> None:
    built: BuiltSchema = app.state.schema
    query_type = built.schema._schema.query_type
    assert query_type is not None
    document = parse(ONLINE[-2])
    assert reads_no_database(query_type, document, "A", 12)
    assert not reads_no_database(query_type, document, "B", 12)


def _answers(
    app: Starlette, query: str, token: str, accept: str, times: int
) -> list[httpx.Response]:
    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}", "Accept": accept}
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = []
            for number in range(times):
                if number % 2:
                    answers.append(
                        await client.get("/graphql", params={"query": query}, headers=headers)
                    )
                else:
                    answers.append(
                        await client.post("/graphql", json={"query": query}, headers=headers)
                    )
            return answers

    return asyncio.run(ask())


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
@pytest.mark.parametrize("query", OFFLINE)
def test_the_proven_path_answers_as_strawberry_does_without_the_database(
    app: Starlette,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    query: str,
    accept: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    # Signs in (in a worker thread), then proves the document (on the event loop): both
    # through strawberry's whole path.
    first, proving = _answers(app, query, token, accept, 2)
    assert first.status_code == 200 and b"errors" not in first.content, first.text
    assert proving.content == first.content
    schema = app.state.schema.schema
    strawberry_runs = 0
    whole_path = schema.execute

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal strawberry_runs
        strawberry_runs += 1
        return await whole_path(*args, **kwargs)

    monkeypatch.setattr(schema, "execute", counted)
    with count_round_trips(database) as trips:
        later = _answers(app, query, token, accept, 4)  # proven: graphql-core's executor
    assert trips.count == 0, trips.sent
    assert strawberry_runs == 0
    for answer in later:
        assert answer.status_code == 200
        assert answer.content == first.content
        assert answer.headers["content-type"] == first.headers["content-type"]
        assert answer.headers["cache-control"] == "no-store"


def test_a_session_opened_by_an_offline_operation_fails_loudly(
    app: Starlette, database: Database
) -> None:
    built: BuiltSchema = app.state.schema
    context = Context(
        viewer=ANONYMOUS,
        registry=app.state.registry,
        database=database,
        settings=Settings(database_url=database.url),
        evidence_types=built.evidence_types,
        offline=True,
    )
    with pytest.raises(RuntimeError, match="judged to read nothing from the database"):
        context.session  # noqa: B018
