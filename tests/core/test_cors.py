"""CORS: a front end on an allowed origin (a UI on another host, a local dev server) can call the
API from a browser; every other origin gets no CORS headers, so the browser refuses to let its
script read the answer. Off by default (JTAI_CORS_ORIGINS)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from core.app import create_app
from core.database import Database
from core.settings import Settings, SettingsError

UI = "http://localhost:5173"


def _send(app: object, method: str, headers: dict[str, str], body: bytes = b"") -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, "/graphql", headers=headers, content=body)

    return asyncio.run(send())


@pytest.fixture
def cors_app(migrated_database: Database, tmp_path: Path) -> object:
    settings = Settings(
        database_url=migrated_database.url,
        storage_dir=tmp_path / "documents",
        cors_origins=(UI,),
    )
    return create_app(settings, database=migrated_database)


PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, graphql-require-preflight",
}


def test_a_preflight_from_an_allowed_origin_allows_the_token_and_the_preflight_header(
    cors_app: object,
) -> None:
    response = _send(cors_app, "OPTIONS", {"Origin": UI, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "graphql-require-preflight"} <= {
        header.strip() for header in allowed.split(",")
    }
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Origin" in response.headers["vary"]


def test_answers_to_an_allowed_origin_carry_cors_headers_even_when_refused(
    cors_app: object,
) -> None:
    body = b'{"query": "{ viewer { role } }"}'
    response = _send(cors_app, "POST", {"Origin": UI, "Content-Type": "application/json"}, body)
    assert response.status_code == 401  # no token: the browser's script can read why
    assert response.headers["access-control-allow-origin"] == UI
    assert "Origin" in response.headers["vary"]


def test_another_origin_gets_no_cors_headers(cors_app: object) -> None:
    preflight = _send(cors_app, "OPTIONS", {"Origin": "https://evil.example", **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    # Refused in the API's error format, like every other 4xx.
    assert preflight.headers["content-type"].startswith("application/json")
    [error] = preflight.json()["errors"]
    assert error["extensions"]["code"] == "CORS_REFUSED"
    assert "origin" in error["message"] and "JTAI_CORS_ORIGINS" in error["message"]
    body = b'{"query": "{ viewer { role } }"}'
    response = _send(
        cors_app,
        "POST",
        {"Origin": "https://evil.example", "Content-Type": "application/json"},
        body,
    )
    assert "access-control-allow-origin" not in response.headers


def test_cors_is_off_by_default(app: object) -> None:
    response = _send(app, "OPTIONS", {"Origin": UI, **PREFLIGHT})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("value", ["*", "localhost:5173", "https://ui.example.org/app"])
def test_the_setting_takes_only_origins(value: str) -> None:
    with pytest.raises(SettingsError, match="JTAI_CORS_ORIGINS has value"):
        Settings.from_env({"JTAI_CORS_ORIGINS": value})


def test_the_setting_reads_a_comma_separated_list() -> None:
    settings = Settings.from_env({"JTAI_CORS_ORIGINS": f"{UI}, https://ui.example.org/"})
    assert settings.cors_origins == (UI, "https://ui.example.org")
