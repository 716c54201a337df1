"""Choosing children through the graph: the 20 selected, the tracked 5-7, sampling, suggestions,
the extra fields, and who may do and see each. World: ``tests/helpers/selection_world.py``."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.app import create_app
from core.contributions import (
    AgencyKind,
    Deadline,
    DocumentRequest,
    Inspectorate,
    RequestScope,
    TimeOfDay,
)
from core.database import Database
from core.demo import DemoInspection
from core.hookspecs import hookimpl
from core.models import (
    Agency,
    AuditEvent,
    Child,
    ChildSelection,
    Inspection,
    Inspector,
    IssuedRequest,
)
from core.plugins import make_plugin_manager
from core.registry import Registry
from core.settings import Settings
from core.viewer import Role
from plugins.ofsted.requests import CHILDREN_IN_NEED
from tests.helpers.environment import FIRST_PARTY
from tests.helpers.graphql import GraphQLClient, StatementCounter, TokenFactory
from tests.helpers.ids import gid, gid_text
from tests.helpers.selection_world import (
    ELIGIBLE,
    EXTRA_FIELDS,
    SELECT,
    World,
    born,
    build_world,
    cin_values,
    future_tuesday,
    milestone_passed,
    put_list,
    select_children,
    track,
)

SELECTED = """
query Selected($id: ID!) { inspection(id: $id) {
  trackingComplete selectionComplete
  selectedChildren { child { localId } late reason tracked missingExtraFields
    extraFields { name label value } chosenBy { name } }
  trackedChildren { child { localId } late }
  sampledChildren { child { localId } listCode listTitle reason chosenBy { name } }
  extraFieldsDue { childId localId missingExtraFields }
} }
"""

SAMPLE = """
mutation Sample($input: SampleChildInput!) {
  sampleChild(input: $input) {
    errors { field code message }
    sampled { child { localId } listCode listTitle reason }
  }
}
"""

SUGGEST = """
query Suggest($id: ID!, $seed: Int) { suggestSample(inspectionId: $id, seed: $seed) {
  seed eligibleCount alreadySelected
  suggestions { child { id localId } reason list ageBand gender ethnicity disability }
  spread { dimension value count }
} }
"""


@pytest.fixture
def world(database: Database, registry: Registry, demo: DemoInspection) -> World:
    return build_world(database, registry, demo, future_tuesday())


def selections(database: Database, kind: str | None = None) -> list[tuple[int, str]]:
    with database.session() as session:
        statement = select(ChildSelection.child_id, ChildSelection.kind).order_by(ChildSelection.id)
        if kind is not None:
            statement = statement.where(ChildSelection.kind == kind)
        return [(row[0], row[1]) for row in session.execute(statement)]


def inspector_id(database: Database, name: str) -> int:
    with database.session() as session:
        found = session.scalar(select(Inspector.id).where(Inspector.name == name))
    assert found is not None
    return found


def agency_id(database: Database, name: str) -> int:
    with database.session() as session:
        found = session.scalar(select(Agency.id).where(Agency.name == name))
    assert found is not None
    return found


def the_error(payload: dict[str, Any]) -> dict[str, Any]:
    assert len(payload["errors"]) == 1, payload["errors"]
    error: dict[str, Any] = payload["errors"][0]
    return error


def read(gql: GraphQLClient, token: str, world: World) -> Any:
    return gql(SELECTED, {"id": world.inspection}, token).ok()["inspection"]


# --- Selecting ------------------------------------------------------------------------------------


def test_the_lead_selects_children_on_time_with_reasons(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    payload = select_children(
        gql, lead_token, world, [0, 1, 2], reasons=["first reason", None, "third"]
    )
    assert payload["errors"] == []
    assert [s["child"]["localId"] for s in payload["selected"]] == world.local_ids[:3]
    assert [s["reason"] for s in payload["selected"]] == ["first reason", None, "third"]
    assert {s["late"] for s in payload["selected"]} == {False}  # notified weeks from now
    assert len(selections(database, "selected")) == 3

    again = select_children(gql, lead_token, world, [2, 3])  # selecting again keeps the first
    assert again["errors"] == []
    assert [s["reason"] for s in again["selected"]] == ["third", None]
    seen = read(gql, lead_token, world)
    assert [s["child"]["localId"] for s in seen["selectedChildren"]] == world.local_ids[:4]
    assert seen["selectedChildren"][0]["chosenBy"] == {"name": "Alex Demo-Lead"}
    assert seen["trackingComplete"] is False
    assert seen["selectionComplete"] is False


def test_the_selection_is_complete_at_twenty_and_not_at_nineteen(
    gql: GraphQLClient, world: World, lead_token: str
) -> None:
    assert select_children(gql, lead_token, world, list(range(19)))["errors"] == []
    seen = read(gql, lead_token, world)
    assert (len(seen["selectedChildren"]), seen["selectionComplete"]) == (19, False)

    assert select_children(gql, lead_token, world, [19])["errors"] == []
    assert read(gql, lead_token, world)["selectionComplete"] is True

    query = (
        "mutation($input: DeselectChildInput!) { deselectChild(input: $input) "
        "{ errors { message } inspection { selectionComplete } } }"
    )
    variables = {"input": {"inspectionId": world.inspection, "childId": world.child(0)}}
    deselected = gql(query, variables, lead_token).ok()["deselectChild"]
    assert deselected == {"errors": [], "inspection": {"selectionComplete": False}}


def test_a_twenty_first_child_breaks_the_twenty_children_rule_and_changes_nothing(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    assert select_children(gql, lead_token, world, list(range(20)))["errors"] == []
    payload = select_children(gql, lead_token, world, [20])
    error = the_error(payload)
    assert error["code"] == "TWENTY_CHILDREN" and error["field"] == "input.childIds"
    assert error["message"].startswith("Rule 'twenty children': 20 children are selected already")
    assert payload["selected"] == []
    assert len(selections(database, "selected")) == 20
    assert world.children[20] not in {c for c, _ in selections(database)}


def test_twenty_one_at_once_are_refused_whole(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    payload = select_children(gql, lead_token, world, list(range(21)))
    assert the_error(payload)["message"].startswith("Rule 'twenty children'")
    assert selections(database) == []


def test_a_child_not_flagged_breaks_the_domestic_abuse_rule_and_the_call_changes_nothing(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    payload = select_children(gql, lead_token, world, [0, 1, 30, 2])
    error = the_error(payload)
    assert error["code"] == "DOMESTIC_ABUSE" and error["field"] == "input.childIds[2]"
    assert error["message"].startswith("Rule 'living with domestic abuse': child DEMO00031")
    assert "'children-in-need' list" in error["message"]
    assert selections(database) == []  # the three good children were not selected either


def test_a_child_on_neither_selection_list_breaks_the_list_rule(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    payload = select_children(gql, lead_token, world, [34, 5])
    error = the_error(payload)
    assert error["field"] == "input.childIds[0]"
    assert error["message"].startswith(
        "Rule 'on a selection list': child DEMO00035 is on none of the selection lists"
    )
    assert selections(database) == []


def test_every_broken_rule_is_reported_at_once(
    gql: GraphQLClient, world: World, lead_token: str
) -> None:
    select_children(gql, lead_token, world, list(range(19)))
    payload = select_children(gql, lead_token, world, [19, 31, 35])
    rules = sorted(re.match(r"Rule '([^']+)'", e["message"])[1] for e in payload["errors"])  # type: ignore[index]
    assert rules == ["living with domestic abuse", "on a selection list", "twenty children"]


def test_a_child_of_another_inspection_is_not_found(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    payload = select_children(
        gql, lead_token, world, [0], childIds=[world.child(0), gid("Child", 999_999)]
    )
    error = the_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", "input.childIds[1]")
    assert selections(database) == []


def test_selecting_after_the_deadline_is_allowed_and_recorded_as_late(
    gql: GraphQLClient,
    registry: Registry,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
) -> None:
    notified = dt.date(2016, 11, 8)  # a Tuesday long past: midday on day one has gone
    assert milestone_passed(registry, "da-2016", "select-children", notified)
    world = build_world(database, registry, demo, notified)
    payload = select_children(gql, lead_token, world, [0, 1])
    assert payload["errors"] == []
    assert [s["late"] for s in payload["selected"]] == [True, True]
    assert [s["late"] for s in read(gql, lead_token, world)["selectedChildren"]] == [True, True]


def test_the_lead_deselects_a_child_but_not_a_tracked_one(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    select_children(gql, lead_token, world, [0, 1, 2])
    track(gql, lead_token, world, [1])
    query = (
        "mutation($input: DeselectChildInput!) { deselectChild(input: $input) "
        "{ errors { field code message } inspection { selectedChildren { child { localId } } } } }"
    )

    def deselect(position: int) -> Any:
        variables = {"input": {"inspectionId": world.inspection, "childId": world.child(position)}}
        return gql(query, variables, lead_token).ok()["deselectChild"]

    done = deselect(0)
    assert done["errors"] == []
    assert [s["child"]["localId"] for s in done["inspection"]["selectedChildren"]] == [
        world.local_ids[1],
        world.local_ids[2],
    ]
    refused = deselect(1)
    assert the_error(refused)["message"].startswith("Rule 'tracked children stay selected'")
    assert the_error(deselect(0))["message"] == "input.childId: child DEMO00001 is not selected."
    assert len(selections(database, "selected")) == 2


@pytest.mark.parametrize("who", ["team_cqc", "police", "council", "admin", "integrator"])
def test_only_the_lead_inspector_selects_and_nothing_changes_otherwise(
    gql: GraphQLClient,
    world: World,
    database: Database,
    make_token: TokenFactory,
    who: str,
) -> None:
    tokens = {
        "team_cqc": lambda: make_token(
            Role.INSPECTOR, inspector_id=inspector_id(database, "Priya Placeholder")
        ),
        "police": lambda: make_token(
            Role.AGENCY_USER, agency_id=agency_id(database, "Northvale Constabulary")
        ),
        "council": lambda: make_token(
            Role.AGENCY_USER,
            agency_id=agency_id(database, "Northvale Council children's services"),
        ),
        "admin": lambda: make_token(Role.ADMIN),
        "integrator": lambda: make_token(Role.INTEGRATOR),
    }
    payload = select_children(gql, tokens[who](), world, [0])
    error = the_error(payload)
    expected = "NOT_FOUND" if who == "integrator" else "NOT_ALLOWED"  # it sees no inspection
    assert error["code"] == expected, error
    if who != "integrator":
        assert error["message"].startswith("Only the lead inspector of JTAI-DEMO-001 selects")
    assert selections(database) == []


# --- The age scope (da-2024: unborn to 7) -------------------------------------------------------


class Da2024SelectionList:
    """A test plugin asking for a selection list under da-2024, whose guidance (seed 002) names
    none: core finds selection lists by role, so the age scope rule is reached through it."""

    @hookimpl
    def jtai_inspectorate(self) -> Inspectorate:
        return Inspectorate("lists", "Lists (test)", "Lists", "Lists", (), ("da-2024",))

    @hookimpl
    def jtai_document_requests(self) -> tuple[DocumentRequest, ...]:
        return (
            DocumentRequest(
                framework="da-2024",
                reference="list.children-in-need",
                title=CHILDREN_IN_NEED.title,
                addressed_to=(AgencyKind.LOCAL_AUTHORITY,),
                scope=RequestScope.AREA,
                deadline=Deadline.working_day(0, TimeOfDay.END_OF_DAY),
                list_spec=CHILDREN_IN_NEED,
            ),
        )


def test_children_outside_the_framework_age_scope_break_the_age_scope_rule(
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
    tmp_path: Path,
) -> None:
    manager = make_plugin_manager(
        only=FIRST_PARTY, extra_plugins=[("lists", Da2024SelectionList())]
    )
    settings = Settings(database_url=database.url, storage_dir=tmp_path)
    gql = GraphQLClient(create_app(settings, plugin_manager=manager, database=database), database)
    admin = make_token(Role.ADMIN)
    with database.session() as session:
        area_id = session.scalar(
            select(Inspection.area_id).where(Inspection.id == demo.inspection_id)
        )
    assert area_id is not None
    notified = dt.date(2024, 11, 4)  # a Monday, as 2024-25 notifications are
    created = gql(
        "mutation($input: CreateInspectionInput!) { createInspection(input: $input) "
        "{ inspection { id framework { ageScope { includesUnborn maxAgeYears } } } "
        "errors { message } } }",
        {
            "input": {
                "areaId": gid("LocalArea", area_id),
                "framework": "da-2024",
                "notificationDate": notified.isoformat(),
                "reference": "JTAI-DA24-1",
                "leadInspectorId": gid("Inspector", demo.lead_inspector_id),
            }
        },
        admin,
    ).ok()["createInspection"]
    assert created["errors"] == []
    assert created["inspection"]["framework"]["ageScope"] == {
        "includesUnborn": True,
        "maxAgeYears": 7,
    }
    inspection_gid = created["inspection"]["id"]
    ages: dict[str, int | None] = {"U1": None, "A3": 3, "A7": 7, "A8": 8, "A12": 12}
    with database.write() as session:
        inspection = session.scalars(
            select(Inspection).where(Inspection.reference == "JTAI-DA24-1")
        ).one()
        children = {}
        for local_id, age in ages.items():
            dob, expected = born(notified, age)
            child = Child(
                inspection_id=inspection.id,
                local_id=local_id,
                gender="F",
                ethnicity="WBRI",
                date_of_birth=dob,
                expected_date_of_birth=expected,
                has_disability=False,
            )
            session.add(child)
            session.flush()
            children[local_id] = child
        no_dates = Child(inspection_id=inspection.id, local_id="ND", gender="M")
        session.add(no_dates)
        session.flush()
        children["ND"] = no_dates
        put_list(
            session,
            inspection,
            "children-in-need",
            [(child, cin_values(child, True)) for child in children.values()],
        )
        ids = {local_id: gid("Child", child.id) for local_id, child in children.items()}

    def attempt(*local_ids: str) -> Any:
        variables = {
            "input": {"inspectionId": inspection_gid, "childIds": [ids[i] for i in local_ids]}
        }
        return gql(SELECT, variables, lead_token).ok()["selectChildren"]

    refused = attempt("U1", "A3", "A8", "A12", "ND")
    assert [e["field"] for e in refused["errors"]] == [
        "input.childIds[2]",
        "input.childIds[3]",
        "input.childIds[4]",
    ]
    assert all(e["message"].startswith("Rule 'age scope': child ") for e in refused["errors"])
    assert (
        "A8 was 8 at notification; the framework covers unborn children and children aged 0 to 7"
        in refused["errors"][0]["message"]
    )
    assert "no date of birth" in refused["errors"][2]["message"]
    assert selections(database) == []
    accepted = attempt("U1", "A3", "A7")
    assert accepted["errors"] == []
    assert [s["late"] for s in accepted["selected"]] == [False] * 3  # da-2024 sets no deadline


# --- Tracking -------------------------------------------------------------------------------------


def per_child_requests_expected(
    registry: Registry, database: Database, demo: DemoInspection
) -> int:
    with database.session() as session:
        kinds = list(
            session.scalars(
                select(Agency.kind)
                .join(Inspection, Inspection.area_id == Agency.area_id)
                .where(Inspection.id == demo.inspection_id)
            )
        )
    return sum(
        sum(1 for kind in kinds if kind in request.item.addressed_to)
        for request in registry.document_requests_of("da-2016")
        if request.item.scope is RequestScope.TRACKED_CHILD
    )


def test_tracking_issues_each_childs_requests_and_completes_at_five(
    gql: GraphQLClient,
    world: World,
    lead_token: str,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
) -> None:
    select_children(gql, lead_token, world, list(range(10)), reasons=[f"r{i}" for i in range(10)])
    first = track(gql, lead_token, world, [0, 1, 2, 3])
    assert first["errors"] == []
    assert first["inspection"]["trackingComplete"] is False  # four: still building up
    assert [t["reason"] for t in first["tracked"]] == ["r0", "r1", "r2", "r3"]
    assert {t["late"] for t in first["tracked"]} == {False}
    fifth = track(gql, lead_token, world, [4])
    assert fifth["inspection"]["trackingComplete"] is True

    expected = per_child_requests_expected(registry, database, demo)
    assert expected >= 20  # case files, the joint evaluation and consent, to several agencies
    with database.session() as session:
        per_child = Counter(
            session.scalars(
                select(IssuedRequest.child_id).where(IssuedRequest.child_id.is_not(None))
            )
        )
        references = set(
            session.scalars(
                select(IssuedRequest.reference).where(IssuedRequest.child_id == world.children[0])
            )
        )
    assert per_child == {world.children[i]: expected for i in range(5)}
    assert {"joint-evaluation", "consent", "case-file.chronology"} <= references
    assert track(gql, lead_token, world, [4])["errors"] == []  # again: nothing new is issued
    with database.session() as session:
        total = session.scalar(
            select(func.count())
            .select_from(IssuedRequest)
            .where(IssuedRequest.child_id.is_not(None))
        )
    assert total == 5 * expected
    seen = read(gql, lead_token, world)
    assert [t["child"]["localId"] for t in seen["trackedChildren"]] == world.local_ids[:5]
    assert [s["tracked"] for s in seen["selectedChildren"]] == [True] * 5 + [False] * 5


def test_an_eighth_tracked_child_breaks_the_rule_and_changes_nothing(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    select_children(gql, lead_token, world, list(range(10)))
    assert track(gql, lead_token, world, list(range(7)))["errors"] == []
    with database.session() as session:
        before = session.scalar(select(func.count()).select_from(IssuedRequest))
    payload = track(gql, lead_token, world, [7])
    error = the_error(payload)
    assert error["code"] == "SEVEN_TRACKED"
    assert error["message"].startswith(
        "Rule 'five to seven tracked': 7 children are tracked already and this would add 1"
    )
    assert len(selections(database, "tracked")) == 7
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuedRequest)) == before


def test_only_selected_children_are_tracked(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    select_children(gql, lead_token, world, [0])
    payload = track(gql, lead_token, world, [0, 1])
    error = the_error(payload)
    assert error["field"] == "input.childIds[1]"
    assert error["message"].startswith("Rule 'tracked from the twenty': child DEMO00002")
    assert selections(database, "tracked") == []


def test_tracking_after_the_end_of_day_two_is_late(
    gql: GraphQLClient,
    registry: Registry,
    database: Database,
    demo: DemoInspection,
    lead_token: str,
) -> None:
    world = build_world(database, registry, demo, dt.date(2016, 11, 8))
    select_children(gql, lead_token, world, [0])
    assert [t["late"] for t in track(gql, lead_token, world, [0])["tracked"]] == [True]


def test_only_the_lead_tracks(
    gql: GraphQLClient, world: World, lead_token: str, database: Database, make_token: TokenFactory
) -> None:
    select_children(gql, lead_token, world, [0])
    cqc = make_token(Role.INSPECTOR, inspector_id=inspector_id(database, "Priya Placeholder"))
    assert the_error(track(gql, cqc, world, [0]))["code"] == "NOT_ALLOWED"
    with database.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(IssuedRequest)
                .where(IssuedRequest.child_id.is_not(None))
            )
            == 0
        )


# --- Sampling -------------------------------------------------------------------------------------


def sample(gql: GraphQLClient, token: str, world: World, position: int, list_code: str) -> Any:
    variables = {
        "input": {
            "inspectionId": world.inspection,
            "childId": world.child(position),
            "listCode": list_code,
            "reason": "Contact from a school: was the threshold decision right?",
        }
    }
    return gql(SAMPLE, variables, token).ok()["sampleChild"]


def test_an_inspector_on_the_team_samples_from_a_child_level_list(
    gql: GraphQLClient, world: World, database: Database, make_token: TokenFactory, lead_token: str
) -> None:
    cqc = make_token(Role.INSPECTOR, inspector_id=inspector_id(database, "Priya Placeholder"))
    payload = sample(gql, cqc, world, 34, "contacts")
    assert payload["errors"] == []
    assert payload["sampled"] == {
        "child": {"localId": "DEMO00035"},
        "listCode": "contacts",
        "listTitle": "Contacts",
        "reason": "Contact from a school: was the threshold decision right?",
    }
    seen = read(gql, lead_token, world)["sampledChildren"]
    assert [(s["child"]["localId"], s["chosenBy"]["name"]) for s in seen] == [
        ("DEMO00035", "Priya Placeholder")
    ]
    again = sample(gql, cqc, world, 34, "contacts")
    assert "is sampled already, from the 'contacts' list" in the_error(again)["message"]


def test_sampling_needs_a_child_level_list_the_child_is_on(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    not_on = sample(gql, lead_token, world, 36, "contacts")  # 36 is on referrals only
    assert the_error(not_on)["message"].startswith(
        "Rule 'on the sampling list': child DEMO00037 is not on the 'contacts' list"
    )
    wrong_list = sample(gql, lead_token, world, 0, "children-in-need")
    error = the_error(wrong_list)
    assert (error["field"], error["code"]) == ("input.listCode", "SAMPLING_LIST")
    assert error["message"].startswith("Rule 'child-level list': 'children-in-need' is not one")
    assert sample(gql, lead_token, world, 36, "referrals")["errors"] == []
    assert selections(database, "sampled") == [(world.children[36], "sampled")]


def test_agency_users_and_admins_do_not_sample(
    gql: GraphQLClient, world: World, database: Database, make_token: TokenFactory
) -> None:
    council = make_token(
        Role.AGENCY_USER, agency_id=agency_id(database, "Northvale Council children's services")
    )
    for token in (council, make_token(Role.ADMIN)):
        assert the_error(sample(gql, token, world, 34, "contacts"))["code"] == "NOT_ALLOWED"
    assert selections(database) == []


# --- The extra fields ---------------------------------------------------------------------------


def test_extra_fields_show_once_the_local_authority_sends_them(
    gql: GraphQLClient,
    world: World,
    lead_token: str,
    database: Database,
    make_token: TokenFactory,
) -> None:
    select_children(gql, lead_token, world, [0, 1, 2])
    before = read(gql, lead_token, world)["selectedChildren"]
    assert [(s["missingExtraFields"], s["extraFields"]) for s in before] == [(True, None)] * 3
    with database.write() as session:
        inspection = session.get_one(Inspection, world.inspection_id)
        child = session.get_one(Child, world.children[1])
        put_list(session, inspection, "selected-children", [(child, EXTRA_FIELDS)])
    after = read(gql, lead_token, world)
    assert [s["missingExtraFields"] for s in after["selectedChildren"]] == [True, False, True]
    fields = {f["name"]: f for f in after["selectedChildren"][1]["extraFields"]}
    assert len(fields) == 8
    assert fields["nps_working_with_adult"]["value"] == "Y"
    assert fields["known_to_yot"]["value"] == "N"
    assert fields["looking_after_authority"]["value"] is None
    assert fields["postcode"] == {
        "name": "postcode",
        "label": "the postcode where the child is living",
        "value": "ZZ1 1ZZ",
    }

    # The area's local authority sees which children are selected and what is still missing,
    # by its own IDs; not the children's records, nor what the inspectors chose and why.
    council = make_token(
        Role.AGENCY_USER, agency_id=agency_id(database, "Northvale Council children's services")
    )
    seen = read(gql, council, world)
    assert seen["selectedChildren"] == [] and seen["trackedChildren"] == []
    assert seen["sampledChildren"] == []
    assert [(d["localId"], d["missingExtraFields"]) for d in seen["extraFieldsDue"]] == [
        (world.local_ids[0], True),
        (world.local_ids[1], False),
        (world.local_ids[2], True),
    ]
    assert seen["extraFieldsDue"][0]["childId"] == world.child(0)
    police = make_token(Role.AGENCY_USER, agency_id=agency_id(database, "Northvale Constabulary"))
    assert read(gql, police, world)["extraFieldsDue"] == []


# --- Suggesting a sample ------------------------------------------------------------------------


def suggest(gql: GraphQLClient, token: str, world: World, seed: int | None) -> Any:
    return gql(SUGGEST, {"id": world.inspection, "seed": seed}, token).ok()["suggestSample"]


def test_a_suggestion_is_reproducible_balanced_reasoned_and_writes_nothing(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    first = suggest(gql, lead_token, world, 7)
    assert first["seed"] == 7
    assert first["eligibleCount"] == len(ELIGIBLE) and first["alreadySelected"] == 0
    suggestions = first["suggestions"]
    assert len(suggestions) == 20
    eligible = {world.local_ids[i] for i in ELIGIBLE}
    assert {s["child"]["localId"] for s in suggestions} <= eligible
    assert suggest(gql, lead_token, world, 7) == first  # same seed, same data: same children
    others = [suggest(gql, lead_token, world, seed)["suggestions"] for seed in (8, 9, 10)]
    assert any(o != suggestions for o in others)  # another seed, another draw
    assert selections(database) == []

    # Balanced: every group of every dimension is in, each near its fair share of the 20: equal
    # shares, capped by what the lists hold. The world has 6 children in each age band (share 4),
    # 20 on a CP plan and 10 only in need (10 each), 10 of each gender (6.67), 7 or 8 of each
    # ethnicity (5), and 9 disabled children (9, and 11 without a disability).
    def spread(dimension: str) -> Counter[str]:
        return Counter(s[dimension] for s in suggestions)

    def near(counts: Counter[str], shares: dict[str, float]) -> bool:
        return set(counts) == set(shares) and all(
            abs(counts[group] - share) <= 1 for group, share in shares.items()
        )

    assert spread("ageBand") == {"unborn": 4, "0-4": 4, "5-10": 4, "11-15": 4, "16+": 4}
    assert near(
        spread("list"),
        {"Children on a child protection plan": 10, "Children identified as a child in need": 10},
    )
    assert near(spread("gender"), {"M": 20 / 3, "F": 20 / 3, "U": 20 / 3})
    assert near(spread("ethnicity"), {"WBRI": 5, "APKN": 5, "BAFR": 5, "MWBC": 5})
    assert near(spread("disability"), {"disability": 9, "no disability": 11})
    reported = {(c["dimension"], c["value"]): c["count"] for c in first["spread"]}
    assert reported == {
        (dimension, group): count
        for dimension, field in (
            ("LIST", "list"),
            ("AGE_BAND", "ageBand"),
            ("GENDER", "gender"),
            ("ETHNICITY", "ethnicity"),
            ("DISABILITY", "disability"),
        )
        for group, count in spread(field).items()
    }

    # Each says why: its groups, then the group it fills.
    pattern = re.compile(
        r"^(Children on a child protection plan|Children identified as a child in need); "
        r"(unborn|age \d+-\d+|age 16\+); [MFU]; "
        r"(WBRI|APKN|BAFR|MWBC); (no disability|disability) — .+$"
    )
    assert all(pattern.match(s["reason"]) for s in suggestions), suggestions
    assert suggestions[0]["reason"].endswith("starts the sample: first in the seeded order")
    assert any("fills the under-represented" in s["reason"] for s in suggestions)

    # Selecting is a separate call, which may take the suggestion's reasons.
    payload = select_children(
        gql,
        lead_token,
        world,
        [],
        childIds=[s["child"]["id"] for s in suggestions],
        reasons=[s["reason"] for s in suggestions],
    )
    assert payload["errors"] == []
    assert [s["reason"] for s in payload["selected"]] == [s["reason"] for s in suggestions]


def test_a_suggestion_fills_only_the_places_left(
    gql: GraphQLClient, world: World, lead_token: str
) -> None:
    select_children(gql, lead_token, world, list(range(15)))
    suggested = suggest(gql, lead_token, world, 1)
    assert suggested["alreadySelected"] == 15
    assert len(suggested["suggestions"]) == 5
    # Every suggestion is one of the 15 eligible children not yet selected.
    assert {s["child"]["localId"] for s in suggested["suggestions"]} <= set(world.local_ids[15:30])
    assert sum(c["count"] for c in suggested["spread"] if c["dimension"] == "LIST") == 20


def test_without_a_seed_one_is_drawn_and_returned(
    gql: GraphQLClient, world: World, lead_token: str
) -> None:
    drawn = suggest(gql, lead_token, world, None)
    assert isinstance(drawn["seed"], int)
    assert suggest(gql, lead_token, world, drawn["seed"]) == drawn


@pytest.mark.parametrize("role", [Role.AGENCY_USER, Role.INTEGRATOR])
def test_only_inspectors_and_admins_get_suggestions(
    gql: GraphQLClient, world: World, database: Database, make_token: TokenFactory, role: Role
) -> None:
    council = agency_id(database, "Northvale Council children's services")
    token = make_token(role, agency_id=council if role is Role.AGENCY_USER else None)
    response = gql(SUGGEST, {"id": world.inspection, "seed": 1}, token)
    assert response.data == {"suggestSample": None}
    assert response.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert "DEMO0" not in str(response.body)


def test_an_inspector_off_the_team_gets_no_suggestion(
    gql: GraphQLClient, world: World, database: Database, make_token: TokenFactory
) -> None:
    with database.write() as session:
        outsider = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id
    token = make_token(Role.INSPECTOR, inspector_id=outsider_id)
    assert gql(SUGGEST, {"id": world.inspection, "seed": 1}, token).ok() == {"suggestSample": None}


# --- Who sees the children chosen, and the audit trail -----------------------------------------


def test_an_integrator_sees_no_children_and_an_agency_user_only_its_view(
    gql: GraphQLClient, world: World, lead_token: str, database: Database, make_token: TokenFactory
) -> None:
    select_children(gql, lead_token, world, list(range(6)))
    track(gql, lead_token, world, list(range(5)))
    integrator = make_token(Role.INTEGRATOR)
    response = gql(SELECTED, {"id": world.inspection}, integrator).ok()
    assert response == {"inspection": None}
    police = make_token(Role.AGENCY_USER, agency_id=agency_id(database, "Northvale Constabulary"))
    seen = read(gql, police, world)
    assert seen["selectedChildren"] == seen["trackedChildren"] == seen["extraFieldsDue"] == []
    assert seen["trackingComplete"] is True  # a number, not a child


def test_selecting_and_reading_are_audited_with_the_childrens_ids(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    with database.session() as session:
        start = session.scalar(select(func.max(AuditEvent.id))) or 0
    select_children(gql, lead_token, world, [0, 1])
    read(gql, lead_token, world)
    with database.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.id > start)))
    assert [(e.operation_name, e.operation_type) for e in events] == [
        ("Select", "mutation"),
        ("Selected", "query"),
    ]
    assert sorted(events[0].touched["Child"]) == sorted(world.children[:2])
    assert set(world.children[:2]) <= set(events[1].touched["Child"])


def test_a_reupload_replaces_a_selection_list(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    """The latest upload of a list is the list: a child flagged N in it can no longer be chosen."""
    with database.write() as session:
        inspection = session.get_one(Inspection, world.inspection_id)
        child = session.get_one(Child, world.children[2])  # on children-in-need only, flagged Y
        put_list(session, inspection, "children-in-need", [(child, cin_values(child, False))])
    payload = select_children(gql, lead_token, world, [2])
    assert the_error(payload)["message"].startswith("Rule 'living with domestic abuse'")


def test_ids_no_row_can_have_are_refused_as_data(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    for bad in (
        gid("Child", 2**31),
        gid("Child", 2**70),
        gid_text("Child", "\u00b2"),
        gid("Agency", 1),
    ):
        payload = select_children(gql, lead_token, world, [], childIds=[world.child(0), bad])
        error = the_error(payload)
        assert (error["field"], error["code"]) == ("input.childIds[1]", "INVALID_ID"), error
    assert selections(database) == []
    assert gql(SUGGEST, {"id": gid("Inspection", 2**63), "seed": 1}, lead_token).ok() == {
        "suggestSample": None
    }


CHOSEN = """
{ inspections { nodes {
  selectedChildren { child { localId } tracked missingExtraFields extraFields { value }
    chosenBy { name } }
  trackedChildren { child { localId } chosenBy { name } }
  extraFieldsDue { localId missingExtraFields }
  consents { localId child { localId } forChild { status recordedBy { name } } }
  meetings { type { code } attendingInspector { name } children { localId } }
  peopleToMeet { agency { name } }
  trackingComplete
} } }
"""


def test_the_children_chosen_cost_the_same_statements_however_many(
    gql: GraphQLClient, world: World, lead_token: str, database: Database
) -> None:
    select_children(gql, lead_token, world, [0, 1])
    track(gql, lead_token, world, [0])
    few = StatementCounter()
    gql(CHOSEN, token=lead_token, counter=few).ok()
    select_children(gql, lead_token, world, list(range(2, 20)))
    track(gql, lead_token, world, [1, 2, 3, 4, 5])
    with database.write() as session:
        inspection = session.get_one(Inspection, world.inspection_id)
        rows = [(session.get_one(Child, world.children[i]), EXTRA_FIELDS) for i in range(12)]
        put_list(session, inspection, "selected-children", rows)
    many = StatementCounter()
    data = gql(CHOSEN, token=lead_token, counter=many).ok()
    assert len(data["inspections"]["nodes"][0]["selectedChildren"]) == 20
    assert many.count == few.count, "a resolver issues a query per child: batch it in a loader"
