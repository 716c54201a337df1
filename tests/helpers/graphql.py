"""The GraphQL client the tests speak through: real HTTP to the ASGI app, no server socket."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_nullable_type,
    parse,
)
from sqlalchemy import event
from starlette.applications import Starlette

from core.database import Database

# make_token(role, inspector_id=..., agency_id=..., expires_in=...) -> a bearer token
TokenFactory = Callable[..., str]


@dataclass
class StatementCounter:
    """Every SQL statement sent while it listens: what the statement-count tests assert on."""

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

    def forget_tokens(self) -> None:
        """Empty the app's token cache (core/token_cache.py): the next request signs in with its
        one statement, so a count that includes it is the same whenever it is taken."""
        cache = getattr(self.app.state, "token_cache", None)
        if cache is not None:
            cache.clear()

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
            self.forget_tokens()

            event.listen(self.database.engine, "before_cursor_execute", counter)
        try:
            response = self.request(
                "POST", "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        finally:
            if counter is not None:
                event.remove(self.database.engine, "before_cursor_execute", counter)
        body = response.json()
        schema = getattr(self.app.state, "schema", None)
        if schema is not None and isinstance(body.get("data"), dict):
            check_error_fields(schema.schema._schema, query, body["data"])
        return Response(response.status_code, body)


_PATH_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")


def error_field_problem(mutation: GraphQLField, path: str) -> str | None:
    """Why ``path`` (``input.childIds[2]``) names no argument or input field of ``mutation``."""
    parts = path.split(".")
    first = _PATH_PART.fullmatch(parts[0])
    if first is None or first.group(1) not in mutation.args:
        return f"{parts[0]!r} is not an argument (it has {sorted(mutation.args)})"
    current: GraphQLInputType = mutation.args[first.group(1)].type
    for index, part in enumerate(parts):
        matched = _PATH_PART.fullmatch(part)
        if matched is None:
            return f"{part!r} is not a field name"
        if index > 0:
            named = get_nullable_type(current)
            if not isinstance(named, GraphQLInputObjectType):
                return f"{part!r} is below {named}, which has no fields"
            if matched.group(1) not in named.fields:
                return f"{named.name} has no field {matched.group(1)!r}"
            current = named.fields[matched.group(1)].type
        for _ in range(matched.group(2).count("[")):
            listed = get_nullable_type(current)
            if not isinstance(listed, GraphQLList):
                return f"{part!r} indexes {listed}, which is not a list"
            current = listed.of_type
    return None


def check_error_fields(schema: GraphQLSchema, query: str, data: dict[str, Any]) -> None:
    """Every mutation error's ``field`` names an argument or input field the mutation has."""
    try:
        document = parse(query)
    except GraphQLError:
        return
    mutation_type = schema.mutation_type
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or mutation_type is None:
            continue
        if definition.operation is not OperationType.MUTATION:
            continue
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            payload = data.get((selection.alias or selection.name).value)
            mutation = mutation_type.fields.get(selection.name.value)
            if not isinstance(payload, dict) or mutation is None:
                continue
            for error in payload.get("errors") or []:
                path = error.get("field") if isinstance(error, dict) else None
                if path is None:
                    continue
                problem = error_field_problem(mutation, path)
                assert problem is None, (
                    f"{selection.name.value}: error field {path!r}: {problem} ({error})"
                )
