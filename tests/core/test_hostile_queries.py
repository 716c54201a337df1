"""Documents built to cost the server far more than they cost the client: refused by validation
that is linear in the document, with an error naming the limit and its setting.

The wall-clock bounds here are hang guards only: before the fix, strawberry's depth and alias
limiters took ~20 s on the 22-fragment document and doubled with each fragment more.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.settings import Settings
from tests.helpers.graphql import GraphQLClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
LIMIT = Settings().max_query_cost


def post(
    gql: GraphQLClient, token: str, query: str, accept: str = GRAPHQL_RESPONSE, **extra: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    return gql.request("POST", "/graphql", json={"query": query, **extra}, headers=headers)


def doubling_fragments(count: int) -> str:
    """``F0`` spreads ``F1`` twice, ``F1`` spreads ``F2`` twice...: 2^count spreads if expanded."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count - 1)]
    last = f"fragment F{count - 1} on Query {{ viewer {{ role }} }}"
    return " ".join(["query Q { ...F0 }", *fragments, last])


def chained_fragments(count: int) -> str:
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(count - 1)]
    last = f"fragment F{count - 1} on Query {{ viewer {{ role }} }}"
    return " ".join(["query Q { ...F0 }", *fragments, last])


def test_a_document_doubling_through_fragments_is_refused_at_once(
    gql: GraphQLClient, lead_token: str
) -> None:
    document = doubling_fragments(22)
    assert len(document) < 1000
    started = time.monotonic()
    response = post(gql, lead_token, document)
    assert time.monotonic() - started < 5, "hang guard: validation must not expand fragments"
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 2**21 * 2,  # every spread counted: 2^21 copies of `viewer { role }`
        "limit": LIMIT,
        "setting": "JTAI_MAX_QUERY_COST",
    }
    assert "JTAI_MAX_QUERY_COST" in error["message"]


def area_fragments(levels: int) -> str:
    """inspections > edges > node > area (4), then ``levels`` fragments each adding agencies >
    area (2) and spreading the next twice, then name: 4 + 2 x levels deep."""
    fragments = [
        f"fragment A{i} on LocalArea {{ agencies {{ area {{ ...A{i + 1} ...A{i + 1} }} }} }}"
        for i in range(levels)
    ]
    return " ".join(
        [
            "query Deep { inspections { edges { node { area { ...A0 } } } } }",
            *fragments,
            f"fragment A{levels} on LocalArea {{ name }}",
        ]
    )


def test_depth_through_fragments_counts_each_level_once(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    assert post(gql, lead_token, area_fragments(4)).status_code == 200  # 12 deep: the limit
    response = post(gql, lead_token, area_fragments(5))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 14, "limit": 12}
    assert error["message"].startswith("Operation 'Deep' nests fields 14 deep")
    assert "JTAI_MAX_QUERY_DEPTH" in error["message"]


def test_aliases_count_at_every_spread_of_their_fragment(
    gql: GraphQLClient, lead_token: str
) -> None:
    aliases = " ".join(f"a{i}: viewer {{ role }}" for i in range(4))
    document = (
        "query Q { ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(3))
        + f" fragment F3 on Query {{ {aliases} }}"
    )
    response = post(gql, lead_token, document)  # 4 aliases x 2^3 spreads = 32 > 30
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "aliases": 32, "limit": 30}
    assert "JTAI_MAX_ALIASES" in error["message"]


def test_a_fragment_cycle_is_refused_by_validation_without_looping(
    gql: GraphQLClient, lead_token: str
) -> None:
    document = (
        "query Q { ...A } fragment A on Query { viewer { role } ...B } fragment B on Query { ...A }"
    )
    response = post(gql, lead_token, document)
    assert response.status_code == 400
    assert any("Cannot spread fragment 'A'" in e["message"] for e in response.json()["errors"])


def test_a_long_chain_of_fragments_is_refused_naming_the_limit(
    gql: GraphQLClient, lead_token: str
) -> None:
    response = post(gql, lead_token, chained_fragments(400))
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "recursion" not in error["message"]
    assert error["extensions"] == {"code": "FRAGMENTS_TOO_NESTED", "nesting": 400, "limit": 50}
    assert "JTAI_MAX_FRAGMENT_NESTING" in error["message"]


def test_a_chain_of_fragments_at_the_limit_runs(gql: GraphQLClient, lead_token: str) -> None:
    response = post(gql, lead_token, chained_fragments(50))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"viewer": {"role": "INSPECTOR"}}}


PAGE = "{ inspections(first: %s) { pageInfo { hasNextPage } edges { node { reference } } } }"


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        # inspections 1 + pageInfo 2 + 10 x (edges 1 + node 1 + reference 1)
        (PAGE % "10", None, 33),
        ("query P($n: Int) " + PAGE % "$n", {"n": 4}, 15),
        # no first: the default page of 50
        ("{ inspections { edges { node { reference } } } }", None, 151),
        # first above the page-size limit counts as the limit (the resolver refuses it anyway)
        (PAGE % "5000", None, 303),
        ("{ viewer { role } }", None, 2),
    ],
    ids=["literal", "variable", "default-page", "capped", "no-list"],
)
def test_the_cost_is_reported_when_the_request_asks(
    gql: GraphQLClient,
    demo: DemoInspection,
    lead_token: str,
    query: str,
    variables: dict[str, Any] | None,
    cost: int,
) -> None:
    response = post(
        gql,
        lead_token,
        query,
        accept="application/json",
        variables=variables,
        extensions={"cost": True},
    )
    assert response.status_code == 200
    assert response.json()["extensions"] == {"cost": {"requested": cost, "limit": LIMIT}}
    plain = post(gql, lead_token, query, accept="application/json", variables=variables)
    assert "extensions" not in plain.json()


def test_nested_pages_over_the_cost_limit_are_refused_before_running(
    database: Database, demo: DemoInspection, lead_token: str
) -> None:
    settings = Settings(database_url=database.url, max_query_cost=1000)
    gql = GraphQLClient(create_app(settings, database=database), database)
    query = (
        "query Big($n: Int) { inspections(first: $n) { edges { node { "
        "children(first: $n) { edges { node { id } } } "
        "evidence(first: $n) { edges { node { id } } } } } } }"
    )
    # 1 + n x (edges + node + children (1 + n x 3) + evidence (1 + n x 3)) = 1 + 4n + 6n^2
    refused = post(gql, lead_token, query, variables={"n": 20})
    assert refused.status_code == 400
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 2481,
        "limit": 1000,
        "setting": "JTAI_MAX_QUERY_COST",
    }
    assert "data" not in refused.json()
    smaller = post(gql, lead_token, query, variables={"n": 12}, extensions={"cost": True})
    assert smaller.status_code == 200, smaller.text
    assert smaller.json()["extensions"] == {"cost": {"requested": 913, "limit": 1000}}


def test_the_cost_is_reported_over_get_too(gql: GraphQLClient, lead_token: str) -> None:
    response = gql.request(
        "GET",
        "/graphql",
        params={"query": "{ viewer { role } }", "extensions": '{"cost": true}'},
        headers={"Authorization": f"Bearer {lead_token}"},
    )
    assert response.json()["extensions"] == {"cost": {"requested": 2, "limit": LIMIT}}
