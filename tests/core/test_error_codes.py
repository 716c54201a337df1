"""Every error /graphql answers carries ``extensions.code`` and comes as JSON, in
``application/graphql-response+json`` when the client asks for it: each path walked over HTTP
through the real ASGI app, asserting the status, the media type and the code."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core.demo import DemoInspection
from core.settings import Settings
from tests.helpers.graphql import GraphQLClient
from tests.helpers.ids import gid

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ACCEPTS = [GRAPHQL_RESPONSE, JSON]


@dataclass(frozen=True)
class Case:
    """One request; ``status`` for plain JSON, ``response_status`` for graphql-response+json."""

    send: Callable[[GraphQLClient, dict[str, str], DemoInspection], httpx.Response]
    code: str
    status: int
    response_status: int | None = None
    message: str = ""


def _post(body: Any, **extra: Any) -> Callable[..., httpx.Response]:
    def send(
        client: GraphQLClient, headers: dict[str, str], demo: DemoInspection
    ) -> httpx.Response:
        payload = body(demo) if callable(body) else body
        return client.request("POST", "/graphql", json=payload, headers=headers, **extra)

    return send


def _raw(content: bytes, content_type: str) -> Callable[..., httpx.Response]:
    def send(
        client: GraphQLClient, headers: dict[str, str], demo: DemoInspection
    ) -> httpx.Response:
        return client.request(
            "POST", "/graphql", content=content, headers={**headers, "Content-Type": content_type}
        )

    return send


def _get(params: dict[str, str]) -> Callable[..., httpx.Response]:
    def send(
        client: GraphQLClient, headers: dict[str, str], demo: DemoInspection
    ) -> httpx.Response:
        return client.request("GET", "/graphql", params=params, headers=headers)

    return send


def _query(query: str, variables: Any = None) -> Callable[..., httpx.Response]:
    return _post(lambda demo: {"query": query, "variables": variables(demo) if variables else {}})


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(count)) + " }"


def _nested(depth: int) -> str:
    return "{ " + "inspections { nodes { " * depth + "id" + " } }" * depth + " }"


CASES: dict[str, Case] = {
    "malformed JSON": Case(_raw(b'{"query": ', JSON), "BAD_REQUEST", 400, message="valid JSON"),
    "JSON not an object": Case(_raw(b'"hello"', JSON), "BODY_NOT_AN_OBJECT", 400),
    "JSON nested too deep": Case(
        _raw(
            b'{"query": "{ viewer { role } }", "variables": ' + b"[" * 70 + b"]" * 70 + b"}", JSON
        ),
        "JSON_TOO_DEEP",
        400,
        message="JTAI_MAX_JSON_NESTING",
    ),
    "batched array": Case(
        _post([{"query": "{ viewer { role } }"}, {"query": "{ viewer { role } }"}]),
        "BAD_REQUEST",
        400,
        message="one operation per request",
    ),
    "unsupported content type": Case(
        _raw(b'{"query": "{ viewer { role } }"}', "text/plain"),
        "BAD_REQUEST",
        415,
        message="application/json",
    ),
    "query not a string": Case(_post({"query": 5}), "BAD_REQUEST", 400, message="query: 5"),
    "variables not an object": Case(
        _post({"query": "{ viewer { role } }", "variables": "x"}), "BAD_REQUEST", 400
    ),
    "no query": Case(_post({"variables": {}}), "BAD_REQUEST", 400, message="No GraphQL query"),
    "unknown operationName": Case(
        _post({"query": "query A { viewer { role } }", "operationName": "B"}),
        "OPERATION_RESOLUTION_FAILURE",
        400,
        message="'B'",
    ),
    "no operation in the document": Case(
        _post({"query": "fragment F on Query { viewer { role } }"}),
        "OPERATION_RESOLUTION_FAILURE",
        400,
        message="no operation to run",
    ),
    "mutation over GET": Case(
        _get({"query": "mutation { revokeToken(tokenId: 0) { errors { message } } }"}),
        "BAD_REQUEST",
        405,
        message="POST",
    ),
    "multipart without the preflight header": Case(
        _raw(b"--b\r\n\r\n--b--\r\n", "multipart/form-data; boundary=b"),
        "PREFLIGHT_REQUIRED",
        400,
    ),
    "parse error": Case(_query("{ viewer { role "), "GRAPHQL_PARSE_FAILED", 200, 400),
    "unknown field": Case(_query("{ viewer { rol } }"), "GRAPHQL_VALIDATION_FAILED", 200, 400),
    "variable of the wrong type": Case(
        _query("query ($n: Int!) { inspections(first: $n) { totalCount } }", lambda d: {"n": "x"}),
        "BAD_USER_INPUT",
        200,
        400,
    ),
    "missing variable": Case(
        _query("query ($n: Int!) { inspections(first: $n) { totalCount } }"),
        "BAD_USER_INPUT",
        200,
        400,
    ),
    "too deep": Case(_query(_nested(13)), "QUERY_TOO_DEEP", 200, 400, "JTAI_MAX_QUERY_DEPTH"),
    "too many aliases": Case(
        _query(_aliases(31)), "TOO_MANY_ALIASES", 200, 400, "JTAI_MAX_ALIASES"
    ),
    "too costly": Case(
        _query(
            "{ inspections(first: 100) { nodes { children(first: 100) { nodes { "
            + " ".join(f"i{n}: id" for n in range(25))
            + " } } } } }"
        ),
        "QUERY_TOO_COSTLY",
        200,
        400,
        "JTAI_MAX_QUERY_COST",
    ),
    "too many tokens": Case(
        _query("{ " + "viewer { role } " * 2000 + "}"),
        "QUERY_TOO_LARGE",
        200,
        400,
        "JTAI_MAX_TOKENS",
    ),
    "first out of range": Case(
        _query("{ inspections(first: 1000) { totalCount } }"),
        "PAGE_SIZE_OUT_OF_RANGE",
        200,
        200,
        "JTAI_MAX_PAGE_SIZE",
    ),
    "bad cursor": Case(
        _query('{ inspections(after: "not-a-cursor") { totalCount } }'), "BAD_CURSOR", 200, 200
    ),
    "bad global id": Case(
        _query(
            "query ($id: ID!, $agency: ID) { inspection(id: $id) { "
            "requests(agencyId: $agency) { totalCount } } }",
            lambda demo: {"id": gid("Inspection", demo.inspection_id), "agency": gid("Child", 1)},
        ),
        "BAD_GLOBAL_ID",
        200,
        200,
    ),
    "malformed global id": Case(
        _query('{ node(id: "not a global id") { id } }'), "BAD_GLOBAL_ID", 200, 200
    ),
    "unknown filter value": Case(
        _query('{ thematicView(framework: "nope") { findings } }'), "BAD_FILTER", 200, 200
    ),
    "not allowed for the role": Case(_query("{ webhooks { url } }"), "FORBIDDEN", 200, 200),
}


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("name", list(CASES))
def test_every_error_has_a_code_and_a_json_body(
    gql: GraphQLClient, lead_token: str, demo: DemoInspection, name: str, accept: str
) -> None:
    case = CASES[name]
    headers = {"Authorization": f"Bearer {lead_token}", "Accept": accept}
    response = case.send(gql, headers, demo)
    expected_status = case.status
    if accept == GRAPHQL_RESPONSE and case.response_status is not None:
        expected_status = case.response_status
    assert response.status_code == expected_status, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    errors = response.json()["errors"]
    assert errors, response.text
    assert all(error["extensions"]["code"] for error in errors), errors
    assert errors[0]["extensions"]["code"] == case.code, errors
    assert case.message in errors[0]["message"]
    if response.status_code == 405:
        assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_refused_in_json(gql: GraphQLClient, method: str) -> None:
    for accept in ACCEPTS:
        response = gql.request(method, "/graphql", headers={"Accept": accept})
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"
        assert response.headers["content-type"].split(";")[0] == accept
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_unknown_paths_and_methods_outside_graphql_are_refused_in_json(gql: GraphQLClient) -> None:
    for accept in ACCEPTS:
        missing = gql.request("GET", "/graphq", headers={"Accept": accept})
        assert missing.status_code == 404
        assert missing.headers["content-type"].split(";")[0] == accept
        [error] = missing.json()["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND" and "/graphq" in error["message"]
        wrong_method = gql.request("DELETE", "/exports/findings.csv", headers={"Accept": accept})
        assert wrong_method.status_code == 405 and "allow" in wrong_method.headers
        assert wrong_method.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("accept", ACCEPTS)
def test_refusals_before_sign_in_and_over_the_body_cap_have_codes_too(
    gql: GraphQLClient, database: Any, accept: str
) -> None:
    anonymous = gql.request(
        "POST", "/graphql", json={"query": "{ viewer { role } }"}, headers={"Accept": accept}
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].split(";")[0] == accept
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    from core.app import create_app

    small = GraphQLClient(
        create_app(Settings(database_url=database.url, max_body_bytes=100), database=database),
        database,
    )
    too_large = small.request(
        "POST",
        "/graphql",
        content=json.dumps({"query": "{ " + "viewer { role } " * 20 + "}"}),
        headers={"Accept": accept, "Content-Type": JSON, "Authorization": "Bearer x"},
    )
    assert too_large.status_code == 413
    assert too_large.headers["content-type"].split(";")[0] == accept
    assert too_large.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_errors_raised_while_resolving_keep_their_path_and_data(
    gql: GraphQLClient, lead_token: str
) -> None:
    response = gql('{ inspections(after: "x") { totalCount } }', token=lead_token)
    assert response.status == 200 and "data" in response.body
    [error] = response.errors
    assert error["path"] == ["inspections"]
    assert error["extensions"] == {"code": "BAD_CURSOR"}
