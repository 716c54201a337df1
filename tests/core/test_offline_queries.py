"""Queries that read nothing from the database (core/graphql/offline.py) run on the event loop,
and, once proven clean, from their plan (or else straight through graphql-core), answered by the
HTTP front (core/http_front.py) when POSTed: with the same answer, byte for byte and header for
header, as the whole of strawberry gives, and no database round trip."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import ExecutionResult, execute, parse
from starlette.applications import Starlette
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import core.app
import core.graphql.offline
from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.graphql.context import Context
from core.graphql.offline import compile_offline, reads_no_database
from core.graphql.schema import BuiltSchema
from core.settings import Settings
from core.viewer import ANONYMOUS, Role, Viewer
from tests.helpers.graphql import TokenFactory
from tests.helpers.round_trips import count_round_trips

OFFLINE = [
    "{ viewer { role } }",
    "{ viewer { role expiresAt inspectorate { code name shortName agencyKinds } } }",
    "query Who { __typename viewer { __typename role } }",
    "query { ...Me } fragment Me on Query { viewer { ... on Viewer { role } } }",
    "{ me: viewer { when: expiresAt role kind: __typename } viewer { role } }",
]
# Planned: a resolver at the root, plain fields below it (a resolver below, inspectorate, is not).
PLANNED = [query for query in OFFLINE if "inspectorate" not in query]
VIEWERS = [
    Viewer(role=Role.INSPECTOR, token_id=1, inspector_id=1, inspectorate="ofsted"),
    Viewer(role=Role.ADMIN, token_id=2, expires_at=dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
    Viewer(role=Role.AGENCY_USER, token_id=3, agency_id=1, area_id=1),
    Viewer(role=Role.INTEGRATOR, token_id=4),
    ANONYMOUS,  # refused by signed_in(): an error, which a plan leaves to graphql-core
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


def _but_connection(answer: httpx.Response) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in answer.headers.raw if name != b"connection"]


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
    executor_runs = 0

    def counted_executor(*args: Any, **kwargs: Any) -> Any:
        nonlocal executor_runs
        executor_runs += 1
        return execute(*args, **kwargs)

    monkeypatch.setattr(core.app, "execute", counted_executor)
    with count_round_trips(database) as trips:
        later = _answers(app, query, token, accept, 4)  # proven: planned, or graphql-core's
    assert trips.count == 0, trips.sent
    assert strawberry_runs == 0
    assert executor_runs == (0 if query in PLANNED else 4)
    for answer in later:
        assert answer.status_code == 200
        assert answer.content == first.content
        # Every header, in order (but the connection's recycling, core/connections.py): POSTs
        # are answered by the HTTP front, GETs by the view.
        assert _but_connection(answer) == _but_connection(first)
        assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda viewer: viewer.describe())
@pytest.mark.parametrize("query", OFFLINE)
def test_a_plan_answers_as_graphql_core_does_or_raises_where_it_errs(
    app: Starlette, database: Database, query: str, viewer: Viewer
) -> None:
    """The plan against graphql-core's executor (what it replaces) on the same document and
    context: the same data, or, where graphql-core answers with an error, the plan raises (and
    the view lets graphql-core answer)."""
    built: BuiltSchema = app.state.schema
    schema = built.schema._schema
    document = parse(query)
    plan = compile_offline(schema, document, None)
    assert (plan is not None) == (query in PLANNED)
    if plan is None:
        return

    def context() -> Context:
        return Context(
            viewer=viewer,
            registry=app.state.registry,
            database=database,
            settings=Settings(database_url=database.url),
            evidence_types=built.evidence_types,
            offline=True,
        )

    expected = execute(
        schema,
        document,
        context_value=context(),
        executor_class=StrawberryGraphQLCoreExecutionContext,
        operation_extensions=None,
    )
    assert isinstance(expected, ExecutionResult)  # synchronous resolvers
    if expected.errors:
        # Whatever the resolver raised: graphql-core made the error of it.
        with pytest.raises(Exception):  # noqa: B017
            plan.run(context())
        return
    assert expected.data is not None
    assert plan.run(context()) == expected.data
    assert list(plan.run(context())) == list(expected.data)  # in the same order


def test_a_plan_that_meets_more_than_the_plain_case_hands_over_to_graphql_core(
    app: Starlette,
    demo: DemoInspection,
    make_token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    query = PLANNED[0]
    first, _proving = _answers(app, query, token, "application/json", 2)
    executor_runs = 0

    def counted_executor(*args: Any, **kwargs: Any) -> Any:
        nonlocal executor_runs
        executor_runs += 1
        return execute(*args, **kwargs)

    def not_plain(self: Any, context: Any) -> Any:
        raise ValueError("not the plain case")

    monkeypatch.setattr(core.app, "execute", counted_executor)
    monkeypatch.setattr(core.graphql.offline.OfflinePlan, "run", not_plain)
    later = _answers(app, query, token, "application/json", 2)
    assert executor_runs == 2
    assert [answer.content for answer in later] == [first.content] * 2


def test_a_json_body_is_parsed_once(
    app: Starlette,
    demo: DemoInspection,
    make_token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The HTTP front parses the body; neither the view's offline check nor strawberry's
    parsing decodes it again."""
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)

    def decoded_again(self: Any, data: Any) -> Any:
        raise AssertionError("the JSON body was decoded a second time")

    monkeypatch.setattr(core.app.GraphQLView, "decode_json", decoded_again)
    for query in ("{ viewer { role } }", "{ inspections(first: 1) { totalCount } }"):
        [answer] = _answers(app, query, token, "application/json", 1)
        assert answer.status_code == 200 and b"errors" not in answer.content, answer.text


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


def test_a_direct_answer_carries_the_cors_headers_of_the_ordinary_one(
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    tmp_path: Path,
) -> None:
    origin = "http://localhost:5173"
    settings = Settings(
        database_url=database.url, storage_dir=tmp_path / "documents", cors_origins=(origin,)
    )
    cors_app = create_app(settings, database=database)
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    headers = {"Authorization": f"Bearer {token}", "Origin": origin}

    async def ask(times: int) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=cors_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [
                await client.post("/graphql", json={"query": PLANNED[0]}, headers=headers)
                for _ in range(times)
            ]

    first, _proving, *direct = asyncio.run(ask(4))
    assert first.headers["access-control-allow-origin"] == origin
    for answer in direct:
        assert answer.content == first.content
        assert _but_connection(answer) == _but_connection(first)
