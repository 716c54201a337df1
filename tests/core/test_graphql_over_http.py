"""The GraphQL-over-HTTP points that matter, checked over HTTP against the real ASGI app: media
types and status codes, GET, what is refused before parsing, the query-shape limits, the validation
cache, and what production mode hides.

The full conformance audit of the spec (the ``graphql-http`` package's own) runs against a live
server in ``scripts/graphql-http-audit.sh``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from sqlalchemy import func, select
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import AuditEvent, Child, ChildSelection, EvidenceRecord
from core.settings import Settings
from tests.helpers.graphql import GraphQLClient
from tests.helpers.ids import gid

GRAPHQL_RESPONSE = "application/graphql-response+json"
VIEWER = "{ viewer { role } }"


def post(
    gql: GraphQLClient, token: str, query: str, accept: str | None = None, **extra: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if accept is not None:
        headers["Accept"] = accept
    return gql.request("POST", "/graphql", json={"query": query, **extra}, headers=headers)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def production(database: Database) -> GraphQLClient:
    settings = Settings(database_url=database.url, production=True)
    return GraphQLClient(create_app(settings, database=database), database)


# --- media types and status codes ----------------------------------------------------------------


def test_graphql_response_json_is_answered_in_that_media_type(
    gql: GraphQLClient, lead_token: str
) -> None:
    response = post(gql, lead_token, VIEWER, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"viewer": {"role": "INSPECTOR"}}}


@pytest.mark.parametrize(
    ("query", "message", "code"),
    [
        ("{ viewer { role ", "Syntax Error", "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { rol } }", "Cannot query field 'rol'", "GRAPHQL_VALIDATION_FAILED"),
        pytest.param(
            "query ($n: Int!) { inspections(first: $n) { totalCount } }", "$n", "BAD_USER_INPUT"
        ),
    ],
    ids=["parse", "validation", "variables"],
)
def test_a_request_that_never_executes_is_a_400_without_data(
    gql: GraphQLClient, lead_token: str, query: str, message: str, code: str
) -> None:
    response = post(gql, lead_token, query, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == code


def test_an_execution_error_is_a_200_with_data(gql: GraphQLClient, lead_token: str) -> None:
    query = '{ viewer { role } node(id: "not a global id") { id } }'
    response = post(gql, lead_token, query, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert body["data"] == {"viewer": {"role": "INSPECTOR"}, "node": None}
    assert body["errors"][0]["path"] == ["node"]
    # A field error that nulls the whole result still executed: 200, with "data": null.
    capped = post(gql, lead_token, "{ inspections(first: 1000) { totalCount } }", GRAPHQL_RESPONSE)
    assert capped.status_code == 200
    assert "data" in capped.json() and capped.json()["data"] is None


@pytest.mark.parametrize("accept", ["application/json", None, "*/*"])
def test_plain_json_keeps_200_for_every_graphql_result(
    gql: GraphQLClient, lead_token: str, accept: str | None
) -> None:
    for query in (VIEWER, "{ viewer { role ", "{ viewer { rol } }"):
        response = post(gql, lead_token, query, accept=accept)
        assert response.status_code == 200, query
        assert media_type(response) == "application/json"
        body = response.json()
        assert body.get("data") is not None or body["errors"]
    # Still no data entry when nothing executed.
    assert "data" not in post(gql, lead_token, "{ viewer { rol } }", accept=accept).json()


# --- GET -----------------------------------------------------------------------------------------


def test_a_query_works_over_get(gql: GraphQLClient, lead_token: str) -> None:
    response = gql.request(
        "GET",
        "/graphql",
        params={
            "query": "query Who($n: Int) { viewer { role } inspections(first: $n) { totalCount } }",
            "variables": json.dumps({"n": 1}),
            "operationName": "Who",
        },
        headers={"Authorization": f"Bearer {lead_token}", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json() == {
        "data": {"viewer": {"role": "INSPECTOR"}, "inspections": {"totalCount": 1}}
    }


RECORD = """
mutation Record($input: OfstedCaseTrackingEvidenceInput!) {
  recordOfstedCaseTrackingEvidence(input: $input) { errors { message } evidence { id } }
}
"""


def test_a_mutation_over_get_is_refused_and_changes_nothing(
    gql: GraphQLClient, database: Database, demo: DemoInspection, lead_token: str
) -> None:
    with database.session() as session:
        child_id = session.scalar(
            select(Child.id).where(Child.inspection_id == demo.inspection_id).order_by(Child.id)
        )
    assert child_id is not None
    with database.write() as session:  # case tracking is recorded for a tracked child only
        session.add(
            ChildSelection(inspection_id=demo.inspection_id, child_id=child_id, kind="tracked")
        )
    answer = "Synthetic answer written for a test; no real child."
    variables = {
        "input": {
            "inspectionId": gid("Inspection", demo.inspection_id),
            "childId": gid("Child", child_id),
            "caseNumber": "CASE-GET",
            "childAge": "6",
            "partnershipEvaluation": "PARTLY",
            **dict.fromkeys(
                (
                    "referralTimely",
                    "riskUnderstood",
                    "decisionMaking",
                    "assessmentQuality",
                    "planEffective",
                    "involvement",
                    "individualNeedsConsidered",
                    "jointWorking",
                ),
                answer,
            ),
        }
    }
    evidence, audit = count(database, EvidenceRecord), count(database, AuditEvent)
    headers = {"Authorization": f"Bearer {lead_token}"}
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        refused = gql.request(
            "GET",
            "/graphql",
            params={"query": RECORD, "variables": json.dumps(variables)},
            headers={**headers, "Accept": accept},
        )
        assert refused.status_code == 405, refused.text
        assert refused.headers["allow"] == "POST"
        assert media_type(refused) == accept
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert "mutation" in refused.text.lower()
    assert count(database, EvidenceRecord) == evidence
    assert count(database, AuditEvent) == audit
    # The same request over POST is a valid mutation that records the evidence.
    posted = gql(RECORD, variables, token=lead_token).ok()["recordOfstedCaseTrackingEvidence"]
    assert posted["errors"] == [] and posted["evidence"]["id"]
    assert count(database, EvidenceRecord) == evidence + 1


# --- refused before parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded", ""]
)
def test_an_unsupported_content_type_is_a_client_error(
    gql: GraphQLClient, lead_token: str, content_type: str
) -> None:
    response = gql.request(
        "POST",
        "/graphql",
        content=json.dumps({"query": VIEWER}),
        headers={"Authorization": f"Bearer {lead_token}", "Content-Type": content_type},
    )
    assert response.status_code == 415
    assert media_type(response) == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "INSPECTOR" not in response.text


def test_a_json_batch_is_refused(gql: GraphQLClient, lead_token: str) -> None:
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = gql.request(
            "POST",
            "/graphql",
            json=[{"query": VIEWER}, {"query": "{ frameworks { code } }"}],
            headers={"Authorization": f"Bearer {lead_token}", "Accept": accept},
        )
        assert response.status_code == 400
        assert media_type(response) == accept
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert "INSPECTOR" not in response.text and "da-2016" not in response.text


@pytest.mark.parametrize(
    "body",
    [{"query": 5}, {"query": VIEWER, "variables": "x"}, {"query": VIEWER, "operationName": 1}],
    ids=["query", "variables", "operationName"],
)
def test_a_malformed_request_is_a_400(
    gql: GraphQLClient, lead_token: str, body: dict[str, Any]
) -> None:
    response = gql.request(
        "POST",
        "/graphql",
        json=body,
        headers={"Authorization": f"Bearer {lead_token}", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "INSPECTOR" not in response.text


@pytest.fixture
def small_cap(database: Database) -> Starlette:
    return create_app(Settings(database_url=database.url, max_body_bytes=2000), database=database)


def test_a_body_over_the_cap_is_a_413(
    small_cap: Starlette, database: Database, lead_token: str
) -> None:
    client = GraphQLClient(small_cap, database)
    headers = {"Authorization": f"Bearer {lead_token}"}
    assert post(client, lead_token, VIEWER).status_code == 200  # under the cap
    padded = VIEWER + " " * 2000
    declared = client.request("POST", "/graphql", json={"query": padded}, headers=headers)
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "2000 bytes" in declared.json()["errors"][0]["message"]

    # Streamed without a Content-Length, the body is counted as it arrives.
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { role } }'
        for _ in range(10):
            yield b" " * 500
        yield b'"}'

    streamed = client.request(
        "POST",
        "/graphql",
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert "content-length" not in {k.lower() for k in streamed.request.headers}


# --- query-shape limits --------------------------------------------------------------------------


def nested(depth: int) -> str:
    """A query ``depth`` deep as the depth limiter counts it: ``depth`` fields with a selection
    set, one in another (inspections > edges > node > area > agencies > area > ...), then a leaf."""
    path = ["inspections", "edges", "node"]
    while len(path) < depth:
        path.append("agencies" if path[-1] == "area" else "area")
    return "{ " + " { ".join(path) + " { name" + " }" * (len(path) + 1)


@pytest.mark.parametrize(
    ("query", "limit_named"),
    [
        (nested(13), "nests fields 13 deep; the most allowed is 12"),
        (
            "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(31)) + " }",
            "uses 31 aliases (each spread of a fragment counts its aliases again); the most "
            "allowed is 30",
        ),
        ("{ viewer { " + "role " * 5001 + "} }", "more than 5000 tokens"),
    ],
    ids=["depth", "aliases", "tokens"],
)
def test_queries_over_a_shape_limit_fail_validation_naming_it(
    gql: GraphQLClient, lead_token: str, query: str, limit_named: str
) -> None:
    response = post(gql, lead_token, query, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert any(limit_named in error["message"] for error in body["errors"]), body


def test_queries_at_each_limit_still_run(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    for query in (
        nested(12),
        "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(30)) + " }",
    ):
        response = post(gql, lead_token, query, accept=GRAPHQL_RESPONSE)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()


# --- the validation cache ------------------------------------------------------------------------


def test_the_same_query_is_validated_once(
    gql: GraphQLClient, lead_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Strawberry's ValidationCache memoises strawberry.schema.schema.validate_document, which calls
    # the module's `validate` on a miss; count those calls for a query no other test sends.
    alias = f"who_{uuid.uuid4().hex}"
    query = f"{{ {alias}: viewer {{ role }} }}"
    calls: list[str] = []
    real_validate = strawberry_schema.validate  # type: ignore[attr-defined]

    def counting_validate(schema: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
        if document.loc is not None and alias in document.loc.source.body:
            calls.append(alias)
        return real_validate(schema, document, *args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    for _ in range(3):
        response = post(gql, lead_token, query)
        assert response.json() == {"data": {alias: {"role": "INSPECTOR"}}}
    assert len(calls) == 1


# --- production mode -----------------------------------------------------------------------------


def test_production_refuses_introspection(production: GraphQLClient, lead_token: str) -> None:
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Query") { name } }'):
        response = post(production, lead_token, query, accept=GRAPHQL_RESPONSE)
        assert response.status_code == 400
        body = response.json()
        assert "data" not in body
        assert "introspection has been disabled" in body["errors"][0]["message"]
    # __typename is not introspection of the schema, and stays allowed.
    assert post(production, lead_token, "{ __typename }").json() == {
        "data": {"__typename": "Query"}
    }


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ viewr { role } }", id="field"),
        pytest.param("{ viewer { rol } }", id="subfield"),
        pytest.param(
            "{ inspections(frist: 1) { totalCount } }",
            id="argument",
        ),
        pytest.param(
            "{ viewer { ...F } } fragment F on Viewr { role }",
            id="type",
        ),
        pytest.param(
            "query ($n: Itn) { inspections(first: $n) { totalCount } }",
            id="variable-type",
        ),
        pytest.param(
            "mutation { recordOfstedCaseTrackingEvidence(input: {partnershipEvaluation: PARTLYY})"
            " { errors { message } } }",
            id="enum-value",
        ),
        pytest.param(
            'mutation { recordOfstedCaseTrackingEvidence(input: {caseNumbr: "C"})'
            " { errors { message } } }",
            id="input-field",
        ),
    ],
)
def test_production_suggests_no_names(
    gql: GraphQLClient, production: GraphQLClient, lead_token: str, query: str
) -> None:
    body = post(production, lead_token, query).json()
    assert body["errors"], query
    assert not any("Did you mean" in error["message"] for error in body["errors"]), body


def test_suggestions_are_given_outside_production(gql: GraphQLClient, lead_token: str) -> None:
    # So that the production checks above mean something.
    for query in ("{ viewr { role } }", "{ inspections(frist: 1) { totalCount } }"):
        assert "Did you mean" in post(gql, lead_token, query).json()["errors"][0]["message"]


def test_production_serves_no_graphiql(production: GraphQLClient, lead_token: str) -> None:
    for headers in (
        {"Accept": "text/html", "Authorization": f"Bearer {lead_token}"},
        {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    ):
        page = production.request("GET", "/graphql", headers=headers)
        assert page.status_code in (401, 404)
        assert "<html" not in page.text.lower()
    signed_in = production.request(
        "GET", "/graphql", headers={"Accept": "text/html", "Authorization": f"Bearer {lead_token}"}
    )
    assert signed_in.status_code == 404
    for path in ("/graphiql-assets/graphiql.min.js", "/graphiql-assets/"):
        assert production.request("GET", path).status_code == 404
