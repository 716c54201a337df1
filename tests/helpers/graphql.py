"""The GraphQL client the tests speak through: real HTTP to the ASGI app, no server socket."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
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
