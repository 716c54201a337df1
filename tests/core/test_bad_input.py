"""Malformed input that used to reach the client as a 500: each is now a 4xx (or an error as data)
naming the problem, over HTTP against the real app; and the headers every response carries."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.database import Database
from core.demo import DemoInspection
from core.models import Inspection
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid


def post_raw(gql: GraphQLClient, token: str, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return gql.request("POST", "/graphql", content=body, headers=headers)


def the_error(response: httpx.Response) -> dict[str, Any]:
    (error,) = response.json()["errors"]
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b'"hello"', "string"), (b"5", "number"), (b"null", "null"), (b"true", "boolean")],
)
def test_a_json_body_that_is_not_an_object_is_refused(
    gql: GraphQLClient, lead_token: str, body: bytes, kind: str
) -> None:
    response = post_raw(gql, lead_token, body)
    assert response.status_code == 400
    error = the_error(response)
    assert error["extensions"] == {"code": "BODY_NOT_AN_OBJECT"}
    assert error["message"].startswith(f"The JSON body is a {kind}, not an object.")


def test_json_nested_thousands_deep_is_refused_before_decoding(
    gql: GraphQLClient, lead_token: str
) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    for body in (deep, b'{"query": "{ viewer { role } }", "variables": {"v": ' + deep + b"}}"):
        response = post_raw(gql, lead_token, body)
        assert response.status_code == 400
        error = the_error(response)
        assert error["extensions"] == {"code": "JSON_TOO_DEEP"}
        assert "JTAI_MAX_JSON_NESTING" in error["message"]
    response = gql.request(
        "GET",
        "/graphql",
        params={"query": "{ viewer { role } }", "variables": deep.decode()},
        headers={"Authorization": f"Bearer {lead_token}"},
    )
    assert response.status_code == 400
    assert the_error(response)["extensions"] == {"code": "JSON_TOO_DEEP"}


def test_json_at_the_nesting_limit_and_brackets_in_strings_go_through(
    gql: GraphQLClient, lead_token: str
) -> None:
    def body(lists: int) -> bytes:
        # The body's own object and its variables object make two levels more.
        variables = {"v": json.loads("[" * lists + "]" * lists)}
        query = "{ viewer { role } } # " + "{[" * 500
        return json.dumps({"query": query, "variables": variables}).encode()

    response = post_raw(gql, lead_token, body(62))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"viewer": {"role": "INSPECTOR"}}}
    assert post_raw(gql, lead_token, body(63)).status_code == 400


def test_a_report_reference_that_is_not_ascii_is_not_found(
    gql: GraphQLClient, database: Database, make_token: TokenFactory
) -> None:
    admin = make_token(Role.ADMIN)
    response = gql.request(
        "GET", "/inspections/%C3%A9/report.html", headers={"Authorization": f"Bearer {admin}"}
    )
    assert response.status_code == 404


FINDINGS = "query($to: Date) { findings(publishedTo: $to) { totalCount } }"


def test_a_date_filter_past_the_range_is_refused_naming_it(
    gql: GraphQLClient, database: Database, make_token: TokenFactory
) -> None:
    integrator = make_token(Role.INTEGRATOR)
    response = gql(FINDINGS, {"to": "9999-12-31"}, integrator)
    (error,) = response.errors
    assert "publishedTo" in error["message"] or "$to" in error["message"]
    assert "9999-12-31 is outside 1900-01-01..2100-12-31" in error["message"]
    literal = gql('{ findings(publishedTo: "9999-12-31") { totalCount } }', token=integrator)
    assert "9999-12-31 is outside 1900-01-01..2100-12-31" in literal.errors[0]["message"]
    assert gql(FINDINGS, {"to": "2100-12-31"}, integrator).ok() == {"findings": {"totalCount": 0}}
    for export in ("/exports/findings.csv", "/exports/findings.json"):
        refused = gql.request(
            "GET",
            export,
            params={"publishedTo": "9999-12-31"},
            headers={"Authorization": f"Bearer {integrator}"},
        )
        assert refused.status_code == 400
        assert the_error(refused) == {
            "message": "publishedTo: 9999-12-31 is outside 1900-01-01..2100-12-31, the dates "
            "this service accepts.",
            "extensions": {"code": "BAD_REQUEST"},
        }


CREATE = (
    "mutation($input: CreateInspectionInput!) { createInspection(input: $input) "
    "{ inspection { id } errors { message } } }"
)


def test_an_inspection_notified_past_the_range_is_refused_and_not_created(
    gql: GraphQLClient, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    admin = make_token(Role.ADMIN)
    with database.session() as session:
        area_id = session.scalar(
            select(Inspection.area_id).where(Inspection.id == demo.inspection_id)
        )
        before = session.scalar(select(func.count()).select_from(Inspection))
    assert area_id is not None
    response = gql(
        CREATE,
        {
            "input": {
                "areaId": gid("LocalArea", area_id),
                "framework": "da-2024",
                "notificationDate": "9999-12-31",
                "reference": "JTAI-FAR-1",
                "leadInspectorId": gid("Inspector", demo.lead_inspector_id),
            }
        },
        admin,
    )
    assert response.data is None
    (error,) = response.errors
    assert "'$input' has invalid value at .notificationDate" in error["message"]
    assert "9999-12-31 is outside 1900-01-01..2100-12-31" in error["message"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == before


def test_the_api_and_the_pages_forbid_sniffing_caching_and_framing(
    gql: GraphQLClient, demo: DemoInspection, lead_token: str
) -> None:
    headers = {"Authorization": f"Bearer {lead_token}"}
    api = gql.request("POST", "/graphql", json={"query": "{ viewer { role } }"}, headers=headers)
    refused = gql.request("POST", "/graphql", json={"query": "{ viewer { role } }"})
    page = gql.request("GET", "/inspections/JTAI-DEMO-001/report.html", headers=headers)
    assert page.status_code == 200
    for response in (api, refused, page):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
