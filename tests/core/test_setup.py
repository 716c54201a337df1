"""Setting up an inspection as an admin does, and its timetable, through the graph."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.database import Database
from core.models import Inspection, LocalArea
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory


@pytest.fixture
def admin(make_token: TokenFactory) -> str:
    return make_token(Role.ADMIN)


def mutate(gql: GraphQLClient, token: str, name: str, input_: dict[str, Any], fields: str) -> Any:
    query = f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{ {fields} errors {{ field code message }} }} }}"  # noqa: E501
    return gql(query, {"input": input_}, token).ok()[name]


def make_inspector(gql: GraphQLClient, admin: str, name: str, inspectorate: str) -> str:
    email = name.lower().replace(" ", ".") + "@example.org"
    payload = mutate(
        gql,
        admin,
        "createInspector",
        {"name": name, "email": email, "inspectorate": inspectorate},
        "inspector { id }",
    )
    assert payload["errors"] == []
    return str(payload["inspector"]["id"])


@pytest.fixture
def area(gql: GraphQLClient, admin: str) -> str:
    payload = mutate(
        gql, admin, "createLocalArea", {"code": "ZZ-S1", "name": "Setup area"}, "area { id }"
    )
    assert payload["errors"] == []
    area_id = str(payload["area"]["id"])
    for kind, name in (("LOCAL_AUTHORITY", "Setup council"), ("POLICE", "Setup police")):
        agency = mutate(
            gql,
            admin,
            "createAgency",
            {"areaId": area_id, "kind": kind, "name": name},
            "agency { kind area { code } }",
        )
        assert agency["errors"] == [] and agency["agency"]["area"] == {"code": "ZZ-S1"}
    return area_id


def inspection_input(area: str, lead: str, team: list[str], **overrides: Any) -> dict[str, Any]:
    return {
        "areaId": area,
        "framework": "da-2016",
        "notificationDate": "2016-11-08",
        "reference": "JTAI-SETUP-1",
        "leadInspectorId": lead,
        "inspectorIds": team,
        **overrides,
    }


def test_an_admin_sets_up_an_inspection_with_a_team_from_all_four(
    gql: GraphQLClient, admin: str, area: str
) -> None:
    lead = make_inspector(gql, admin, "Lee Lead", "ofsted")
    team = [
        make_inspector(gql, admin, f"Member {code}", code) for code in ("cqc", "hmicfrs", "hmip")
    ]
    payload = mutate(
        gql,
        admin,
        "createInspection",
        inspection_input(area, lead, team),
        "inspection { reference framework { code } leadInspector { name } "
        "team { inspector { inspectorate { code } } } agencies { name } }",
    )
    assert payload["errors"] == []
    inspection = payload["inspection"]
    assert inspection["leadInspector"] == {"name": "Lee Lead"}
    assert [m["inspector"]["inspectorate"]["code"] for m in inspection["team"]] == [
        "ofsted", "cqc", "hmicfrs", "hmip"
    ]  # fmt: skip
    assert [a["name"] for a in inspection["agencies"]] == ["Setup council", "Setup police"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"framework": "da-1999"}, "input.framework", "'da-1999' is not one of"),
        ({"notificationDate": "2016-11-12"}, "input.notificationDate", "weekend or bank holiday"),
        ({"notificationDate": "2016-12-26"}, "input.notificationDate", "weekend or bank holiday"),
        ({"framework": "front-door-2024", "notificationDate": "2024-06-03"},
         "input.inspectorIds[0]", "which does not take part in inspection JTAI-SETUP-1"),
    ],
)  # fmt: skip
def test_a_bad_inspection_is_refused_by_field_and_nothing_is_created(
    gql: GraphQLClient,
    database: Database,
    admin: str,
    area: str,
    overrides: dict[str, Any],
    field: str,
    words: str,
) -> None:
    lead = make_inspector(gql, admin, "Lee Lead", "ofsted")
    probation = make_inspector(gql, admin, "Pat Probation", "hmip")
    payload = mutate(
        gql,
        admin,
        "createInspection",
        inspection_input(area, lead, [probation], **overrides),
        "inspection { id }",
    )
    assert payload["inspection"] is None
    [error] = payload["errors"]
    assert error["field"] == field and words in error["message"], error
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_the_lead_inspector_comes_from_the_lead_inspectorate(
    gql: GraphQLClient, admin: str, area: str
) -> None:
    not_ofsted = make_inspector(gql, admin, "Cam Cqc", "cqc")
    payload = mutate(
        gql,
        admin,
        "createInspection",
        inspection_input(area, not_ofsted, []),
        "inspection { id }",
    )
    assert payload["errors"][0]["field"] == "input.leadInspectorId"
    assert "is from 'ofsted'" in payload["errors"][0]["message"]


def test_the_timetable_gives_every_deadline_of_the_guidance_as_a_time(
    gql: GraphQLClient, admin: str, area: str
) -> None:
    lead = make_inspector(gql, admin, "Lee Lead", "ofsted")
    mutate(gql, admin, "createInspection", inspection_input(area, lead, []), "inspection { id }")
    timetable = gql(
        "{ inspections { nodes { timetable { notificationDate weeks { number starts onSite } "
        "days { number date } deadlines { kind reference dueAt rule owner { code } } } } } }",
        token=admin,
    ).ok()["inspections"]["nodes"][0]["timetable"]
    assert [w["onSite"] for w in timetable["weeks"]] == [False, False, True]
    assert timetable["weeks"][0]["starts"] == "2016-11-07"
    days = {d["number"]: d["date"] for d in timetable["days"]}
    # Notified Tuesday 8 November 2016: day one is Wednesday, day five Tuesday of week two.
    assert (days[0], days[1], days[2], days[5], days[7]) == (
        "2016-11-08", "2016-11-09", "2016-11-10", "2016-11-15", "2016-11-17"
    )  # fmt: skip
    due = {d["reference"]: d["dueAt"] for d in timetable["deadlines"]}
    assert due["list.children-in-need"] == "2016-11-08T17:00:00+00:00"  # end of notification day
    assert due["select-children"] == "2016-11-09T12:00:00+00:00"  # midday day one
    assert due["7.1"] == "2016-11-09T17:00:00+00:00"  # Cafcass, end of day one
    assert due["list.selected-children"] == "2016-11-10T15:00:00+00:00"  # mid-afternoon day two
    assert due["3.2"] == "2016-11-15T17:00:00+00:00"  # end of day five
    assert due["joint-evaluation"] == "2016-11-17T17:00:00+00:00"  # end of day seven
    assert due["cqc.health-documents"] == "2016-11-18T17:00:00+00:00"  # Friday of week two
    assert due["consent"] == "2016-11-18T17:00:00+00:00"  # end of week two
    owners = {d["reference"]: d["owner"]["code"] for d in timetable["deadlines"]}
    assert (owners["7.1"], owners["cqc.health-documents"]) == ("ofsted", "cqc")
    assert timetable["deadlines"] == sorted(timetable["deadlines"], key=lambda d: d["dueAt"])


def test_issued_tokens_work_until_revoked(gql: GraphQLClient, admin: str) -> None:
    issued = gql(
        'mutation { issueToken(input: {role: INTEGRATOR, label: "nightly job", expiresInHours: 2})'
        " { tokenId token expiresAt errors { code } } }",
        token=admin,
    ).ok()["issueToken"]
    assert issued["errors"] == [] and issued["token"].startswith("jtai_")
    assert gql("{ viewer { role } }", token=issued["token"]).ok() == {
        "viewer": {"role": "INTEGRATOR"}
    }
    # The token is a node an admin reads (never its secret), and only an admin.
    node = gql(
        "query($id: ID!) { node(id: $id) { ... on Token { id label role revokedAt } } }",
        {"id": issued["tokenId"]},
        admin,
    ).ok()["node"]
    assert node == {
        "id": issued["tokenId"], "label": "nightly job", "role": "INTEGRATOR", "revokedAt": None
    }  # fmt: skip
    own = gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": issued["tokenId"]}, issued["token"]
    )
    assert own.errors or own.ok() == {"node": None}
    revoke = "mutation($id: ID!) { revokeToken(tokenId: $id) { revoked errors { code message } } }"
    revoked = gql(revoke, {"id": issued["tokenId"]}, admin).ok()["revokeToken"]
    assert revoked == {"revoked": True, "errors": []}
    assert gql("{ viewer { role } }", token=issued["token"]).status == 401
    again = gql(revoke, {"id": issued["tokenId"]}, admin).ok()["revokeToken"]
    assert again["errors"][0]["code"] == "NOT_FOUND"
    assert repr(issued["tokenId"]) in again["errors"][0]["message"]


def test_database_errors_never_carry_the_values(database: Database) -> None:
    with pytest.raises(IntegrityError) as raised, database.write() as session:
        session.add(LocalArea(code="ZZ-SECRET", name="Secret value one"))
        session.flush()
        session.add(LocalArea(code="ZZ-SECRET", name="Secret value two"))
        session.flush()
    # The statement's parameters are hidden. PostgreSQL's own DETAIL line still quotes the
    # duplicated key, which is why logs carry an exception's type and stack, never its message
    # (tests/core/test_errors.py).
    assert "Secret value" not in str(raised.value)
    assert "[parameters: [" not in str(raised.value) and "hidden due to hide_parameters" in str(
        raised.value
    )
