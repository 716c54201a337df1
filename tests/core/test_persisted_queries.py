"""Persisted queries over real HTTP through the ASGI app: Apollo's automatic persisted queries
(GET and POST, miss, hit, hash mismatch, the LRU bound) and trusted documents (the manifest
formats of GraphQL Code Generator and Relay, ``documentId``, the trusted-only mode)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.database import Database
from core.persisted import ManifestError, PersistedQueries
from core.settings import Settings, SettingsError
from tests.helpers.graphql import GraphQLClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
VIEWER = "query Viewer { viewer { role } }"
FRAMEWORKS = "query Frameworks { frameworks { code } }"
COUNT = "query Count { inspections { totalCount } }"
REVOKE = "mutation Revoke { revokeToken(tokenId: 0) { errors { message } } }"


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def apq(query: str, *, send_query: bool = False, version: int = 1) -> dict[str, Any]:
    body: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": version, "sha256Hash": sha(query)}}
    }
    if send_query:
        body["query"] = query
    return body


class Client:
    def __init__(self, database: Database, token: str, **settings: Any) -> None:
        app = create_app(Settings(database_url=database.url, **settings), database=database)
        self.http = GraphQLClient(app, database)
        self.persisted: PersistedQueries = app.state.persisted
        self.token = token

    def post(self, body: Any, accept: str = "application/json") -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept}
        return self.http.request("POST", "/graphql", json=body, headers=headers)

    def get(self, body: dict[str, Any], accept: str = "application/json") -> httpx.Response:
        params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()}
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept}
        return self.http.request("GET", "/graphql", params=params, headers=headers)


def error_of(response: httpx.Response, status: int, code: str, accept: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert "data" not in response.json()
    message: str = error["message"]
    return message


def role_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    role: str = response.json()["data"]["viewer"]["role"]
    return role


# --- automatic persisted queries ---------------------------------------------------------------


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
@pytest.mark.parametrize("method", ["post", "get"])
def test_apq_miss_then_register_then_hit(
    database: Database, lead_token: str, method: str, accept: str
) -> None:
    client = Client(database, lead_token)
    send = getattr(client, method)
    # A hash the server has never seen: 200 with the code Apollo's link retries on.
    missed = error_of(send(apq(VIEWER), accept), 200, "PERSISTED_QUERY_NOT_FOUND", accept)
    assert sha(VIEWER) in missed
    # The link then sends the query with its hash: it runs, and is stored.
    assert role_of(send(apq(VIEWER, send_query=True), accept)) == "INSPECTOR"
    assert len(client.persisted) == 1
    # From now on the hash alone is enough, by either method.
    assert role_of(client.post(apq(VIEWER), accept)) == "INSPECTOR"
    assert role_of(client.get(apq(VIEWER), accept)) == "INSPECTOR"


def test_apq_refuses_a_hash_that_is_not_the_querys(database: Database, lead_token: str) -> None:
    client = Client(database, lead_token)
    body = apq(FRAMEWORKS)
    body["query"] = VIEWER  # the hash of another query
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        message = error_of(client.post(body, accept), 400, "BAD_REQUEST", accept)
        assert sha(FRAMEWORKS) in message and sha(VIEWER) in message
    assert len(client.persisted) == 0  # nothing stored under the wrong hash
    error_of(client.post(apq(FRAMEWORKS)), 200, "PERSISTED_QUERY_NOT_FOUND", "application/json")


@pytest.mark.parametrize(
    "extension",
    [{"version": 2, "sha256Hash": sha(VIEWER)}, {"version": 1}, {"version": 1, "sha256Hash": 5}, 7],
    ids=["version", "no hash", "hash not a string", "not an object"],
)
def test_apq_refuses_a_malformed_extension(
    database: Database, lead_token: str, extension: Any
) -> None:
    client = Client(database, lead_token)
    response = client.post({"query": VIEWER, "extensions": {"persistedQuery": extension}})
    message = error_of(response, 400, "BAD_REQUEST", "application/json")
    assert "extensions.persistedQuery" in message


def test_apq_over_get_still_refuses_a_mutation(database: Database, lead_token: str) -> None:
    client = Client(database, lead_token)
    client.post(apq(REVOKE, send_query=True))  # registered over POST
    response = client.get(apq(REVOKE))
    error_of(response, 405, "BAD_REQUEST", "application/json")
    assert response.headers["allow"] == "POST"


def test_the_apq_cache_keeps_the_most_recently_used(database: Database, lead_token: str) -> None:
    client = Client(database, lead_token, apq_cache_size=2)
    for query in (VIEWER, FRAMEWORKS):
        assert client.post(apq(query, send_query=True)).status_code == 200
    assert role_of(client.post(apq(VIEWER))) == "INSPECTOR"  # VIEWER is now the most recent
    assert client.post(apq(COUNT, send_query=True)).status_code == 200  # evicts FRAMEWORKS
    assert len(client.persisted) == 2
    error_of(client.post(apq(FRAMEWORKS)), 200, "PERSISTED_QUERY_NOT_FOUND", "application/json")
    assert role_of(client.post(apq(VIEWER))) == "INSPECTOR"
    assert client.post(apq(COUNT)).json()["data"]["inspections"]["totalCount"] == 1


# --- trusted documents -------------------------------------------------------------------------


@pytest.fixture
def codegen_manifest(tmp_path: Path) -> Path:
    """GraphQL Code Generator's client preset: ``persisted-documents.json``, sha256 ids."""
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({sha(VIEWER): VIEWER, sha(REVOKE): REVOKE}))
    return path


@pytest.fixture
def relay_manifest(tmp_path: Path) -> Path:
    """Relay's ``--persist-output``: its own ids (md5 of the text), the same shape."""
    path = tmp_path / "relay-queries.json"
    path.write_text(json.dumps({"2e7f5c7b0e6d4f6b9d1c1a3e4b5c6d7e": FRAMEWORKS}))
    return path


def test_a_trusted_document_runs_by_its_document_id(
    database: Database, lead_token: str, codegen_manifest: Path, relay_manifest: Path
) -> None:
    client = Client(database, lead_token, trusted_documents=codegen_manifest)
    for document_id in (f"sha256:{sha(VIEWER)}", sha(VIEWER), sha(VIEWER).upper()):
        assert role_of(client.post({"documentId": document_id})) == "INSPECTOR"
        assert role_of(client.get({"documentId": document_id})) == "INSPECTOR"
    # Apollo's APQ hash finds a listed document too, with nothing registered first.
    assert role_of(client.post(apq(VIEWER))) == "INSPECTOR"
    relay = Client(database, lead_token, trusted_documents=relay_manifest)
    response = relay.post({"documentId": "2e7f5c7b0e6d4f6b9d1c1a3e4b5c6d7e"})
    assert response.json()["data"]["frameworks"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_an_unknown_or_malformed_document_id_is_refused(
    database: Database, lead_token: str, codegen_manifest: Path, accept: str
) -> None:
    client = Client(database, lead_token, trusted_documents=codegen_manifest)
    unknown = client.post({"documentId": f"sha256:{sha(COUNT)}"}, accept)
    assert "JTAI_TRUSTED_DOCUMENTS" in error_of(unknown, 400, "PERSISTED_QUERY_NOT_FOUND", accept)
    both = client.post({"documentId": sha(VIEWER), "query": VIEWER}, accept)
    assert "not both" in error_of(both, 400, "BAD_REQUEST", accept)
    error_of(client.post({"documentId": 5}, accept), 400, "BAD_REQUEST", accept)


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_trusted_only_mode_runs_only_listed_operations(
    database: Database, lead_token: str, codegen_manifest: Path, accept: str
) -> None:
    client = Client(
        database, lead_token, trusted_documents=codegen_manifest, trusted_documents_only=True
    )
    assert role_of(client.post({"documentId": sha(VIEWER)}, accept)) == "INSPECTOR"
    assert role_of(client.post({"query": VIEWER}, accept)) == "INSPECTOR"  # the listed text
    assert role_of(client.post(apq(VIEWER), accept)) == "INSPECTOR"
    assert role_of(client.post(apq(VIEWER, send_query=True), accept)) == "INSPECTOR"
    refused = client.post({"query": COUNT}, accept)
    assert "JTAI_TRUSTED_DOCUMENTS_ONLY" in error_of(refused, 400, "OPERATION_NOT_TRUSTED", accept)
    # Apollo's link: a miss, then the query with its hash, which is refused and not stored.
    error_of(client.post(apq(COUNT), accept), 200, "PERSISTED_QUERY_NOT_FOUND", accept)
    error_of(client.post(apq(COUNT, send_query=True), accept), 400, "OPERATION_NOT_TRUSTED", accept)
    error_of(client.post(apq(COUNT), accept), 200, "PERSISTED_QUERY_NOT_FOUND", accept)
    assert len(client.persisted) == 0
    error_of(client.get({"query": COUNT}, accept), 400, "OPERATION_NOT_TRUSTED", accept)


def test_production_with_a_manifest_runs_only_listed_operations(
    database: Database, lead_token: str, codegen_manifest: Path
) -> None:
    production = Client(database, lead_token, production=True, trusted_documents=codegen_manifest)
    error_of(production.post({"query": COUNT}), 400, "OPERATION_NOT_TRUSTED", "application/json")
    assert role_of(production.post({"documentId": sha(VIEWER)})) == "INSPECTOR"
    opted_out = Client(
        database,
        lead_token,
        production=True,
        trusted_documents=codegen_manifest,
        trusted_documents_only=False,
    )
    assert opted_out.post({"query": COUNT}).json()["data"]["inspections"]["totalCount"] == 1
    without_manifest = Client(database, lead_token, production=True)
    assert without_manifest.post({"query": COUNT}).status_code == 200


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "No such file"),
        ("not json", "is not JSON"),
        ('["query { a }"]', "one JSON object"),
        ('{"abc": 5}', "one JSON object"),
    ],
)
def test_a_manifest_the_app_cannot_use_stops_start_up(
    database: Database, tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "manifest.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ManifestError, match=expected):
        create_app(Settings(database_url=database.url, trusted_documents=path), database=database)


def test_the_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "JTAI_APQ_CACHE_SIZE": "7",
            "JTAI_TRUSTED_DOCUMENTS": str(tmp_path / "m.json"),
            "JTAI_TRUSTED_DOCUMENTS_ONLY": "0",
        }
    )
    assert settings.apq_cache_size == 7
    assert settings.trusted_documents == tmp_path / "m.json"
    assert settings.trusted_documents_only is False
    defaults = Settings.from_env({})
    assert (defaults.apq_cache_size, defaults.trusted_documents) == (1000, None)
    assert defaults.trusted_documents_only is None
    with pytest.raises(SettingsError, match="JTAI_APQ_CACHE_SIZE"):
        Settings.from_env({"JTAI_APQ_CACHE_SIZE": "0"})
