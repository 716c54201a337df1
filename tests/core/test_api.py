"""The graph over HTTP: reference data, inspections, node IDs, paging, and who sees what."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, ApiToken, Inspector
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import agency_id

INSPECTIONS = """
{ inspections { totalCount edges { node { id reference framework { code }
    area { name agencies { kind } } team { isLead inspector { name inspectorate { code } } }
    leadInspector { name } } } } }
"""


def test_anonymous_requests_read_nothing_about_inspections(
    gql: GraphQLClient, demo: DemoInspection
) -> None:
    response = gql(INSPECTIONS)
    assert response.status == 401
    assert "data" not in response.body
    assert response.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in response.errors[0]["message"]


def test_without_a_token_no_query_runs_at_all(gql: GraphQLClient) -> None:
    for query in (
        "{ viewer { role } }",
        "{ __schema { types { name } } }",
        "{ frameworks { code } }",
    ):
        response = gql(query)
        assert response.status == 401 and "data" not in response.body
    raw = gql.request("POST", "/graphql", json={"query": "{ frameworks { code } }"})
    assert raw.headers["www-authenticate"] == 'Bearer realm="jtai"'


VIEWER = """{ viewer { role inspectorateCode inspectorate { code shortName } inspector { name }
    agency { kind name } expiresAt } }"""


def test_the_viewer_says_who_is_signed_in(gql: GraphQLClient, lead_token: str) -> None:
    data = gql(VIEWER, token=lead_token).ok()
    expires = dt.datetime.fromisoformat(data["viewer"].pop("expiresAt"))
    assert data == {
        "viewer": {
            "role": "INSPECTOR",
            "inspectorateCode": "ofsted",
            "inspectorate": {"code": "ofsted", "shortName": "Ofsted"},
            "inspector": {"name": "Alex Demo-Lead"},
            "agency": None,
        }
    }
    with gql.database.session() as session:
        token = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token is not None and expires == token.expires_at


def test_the_viewer_of_an_agency_user_names_the_agency(
    gql: GraphQLClient, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    token = make_token(
        Role.AGENCY_USER, agency_id=agency_id(database, "police"), expires_in=dt.timedelta(hours=2)
    )
    viewer = gql(VIEWER, token=token).ok()["viewer"]
    assert viewer["role"] == "AGENCY_USER" and viewer["agency"]["kind"] == "POLICE"
    assert viewer["inspector"] is None and viewer["inspectorate"] is None
    assert viewer["inspectorateCode"] is None


def test_lead_inspector_reads_the_demo_inspection(gql: GraphQLClient, lead_token: str) -> None:
    data = gql(INSPECTIONS, token=lead_token).ok()["inspections"]
    assert data["totalCount"] == 1
    node = data["edges"][0]["node"]
    assert node["reference"] == "JTAI-DEMO-001"
    assert node["framework"]["code"] == "da-2016"
    assert node["leadInspector"]["name"] == "Alex Demo-Lead"
    assert node["team"][0]["isLead"] is True
    inspectorates = {m["inspector"]["inspectorate"]["code"] for m in node["team"]}
    assert inspectorates == {"ofsted", "cqc", "hmicfrs", "hmip"}
    assert len(node["area"]["agencies"]) == 10


def test_inspector_not_on_the_team_sees_no_inspection(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory, database: object
) -> None:
    from core.database import Database

    assert isinstance(database, Database)
    with database.write() as session:
        outsider = Inspector(name="Out Sider", email="out@example.org", inspectorate="cqc")
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id
    token = make_token(Role.INSPECTOR, inspector_id=outsider_id)
    data = gql(INSPECTIONS, token=token).ok()["inspections"]
    assert data == {"totalCount": 0, "edges": []}
    inspection_id = gid("Inspection", demo.inspection_id)
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": inspection_id}, token).ok() == {
        "node": None
    }


def test_integrator_reads_reference_data_but_no_inspection(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory
) -> None:
    token = make_token(Role.INTEGRATOR)
    data = gql("{ frameworks { code } inspections { totalCount } }", token=token).ok()
    assert [f["code"] for f in data["frameworks"]] == ["da-2016", "da-2024", "front-door-2024"]
    assert data["inspections"]["totalCount"] == 0


def test_children_page_by_cursor_to_the_end(gql: GraphQLClient, lead_token: str) -> None:
    query = """query($after: String) { inspections { edges { node {
        children(first: 15, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { localId isUnborn dateOfBirth expectedDateOfBirth } } } } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = gql(query, {"after": after}, lead_token).ok()["inspections"]["edges"][0]["node"][
            "children"
        ]
        assert page["totalCount"] == 40
        seen.extend(n["localId"] for n in page["nodes"])
        for child in page["nodes"]:
            # Unborn children carry an expected date of birth and no date of birth.
            assert (child["dateOfBirth"] is None) == child["isUnborn"]
            assert (child["expectedDateOfBirth"] is not None) == child["isUnborn"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"DEMO{n:05d}" for n in range(1, 41)]


def test_page_size_is_capped_with_a_clear_error(gql: GraphQLClient, lead_token: str) -> None:
    response = gql("{ inspections(first: 1000) { totalCount } }", token=lead_token)
    assert response.data is None
    message = response.errors[0]["message"]
    assert "first: 1000" in message and "at most 100" in message


def test_a_forged_cursor_is_refused_by_name(gql: GraphQLClient, lead_token: str) -> None:
    response = gql('{ inspections(after: "not-a-cursor") { totalCount } }', token=lead_token)
    assert "after: 'not-a-cursor' is not a cursor this API issued" in response.errors[0]["message"]


def test_an_expired_or_unknown_token_is_anonymous(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory
) -> None:
    import datetime as dt

    expired = make_token(
        Role.INSPECTOR, inspector_id=demo.lead_inspector_id, expires_in=dt.timedelta(seconds=1)
    )
    from core.database import Database

    del Database
    import time

    time.sleep(1.1)
    assert gql("{ viewer { role } }", token=expired).status == 401
    assert gql("{ viewer { role } }", token="jtai_made-up").status == 401


def test_agency_user_sees_its_area_agencies_but_no_children(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory, database: object
) -> None:
    from core.database import Database

    assert isinstance(database, Database)
    with database.session() as session:
        agency_id = session.scalar(select(Agency.id).where(Agency.kind == "police"))
    token = make_token(Role.AGENCY_USER, agency_id=agency_id)
    data = gql(
        "{ inspections { edges { node { reference children { totalCount nodes { id } } } } } }",
        token=token,
    ).ok()
    node = data["inspections"]["edges"][0]["node"]
    assert node["reference"] == "JTAI-DEMO-001"
    assert node["children"] == {"totalCount": 0, "nodes": []}


def test_graphiql_page_is_served_without_any_cdn(gql: GraphQLClient) -> None:
    page = gql.request("GET", "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    asset = gql.request("GET", "/graphiql-assets/graphiql.min.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_healthz_answers_without_a_token(gql: GraphQLClient) -> None:
    response = gql.request("GET", "/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_mutations_are_refused_over_get(gql: GraphQLClient, lead_token: str) -> None:
    response = gql.request(
        "GET",
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Authorization": f"Bearer {lead_token}"},
    )
    # Refused before anything runs; issue 4 tightens the status to the GraphQL-over-HTTP 405.
    assert response.status_code in (400, 405)
    assert "mutation" in response.text.lower()
