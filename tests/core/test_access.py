"""Who may see and do what: the schema walk, the role matrix, and the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError
from strawberry.permission import PermissionExtension
from strawberry.types.base import (
    StrawberryList,
    StrawberryObjectDefinition,
    StrawberryOptional,
    get_object_definition,
)

from core.database import Database
from core.demo import DemoInspection
from core.graphql.base.permissions import SCOPED_IN_SQL, ScopedBy, audited_as
from core.graphql.schema import build_schema
from core.models import Agency, AuditEvent, Child, Inspector, LocalArea
from core.registry import Registry
from core.synthetic import Scale, generate
from core.viewer import Role
from tests.helpers.evidence import RECORD_CASE_TRACKING, case_tracking_input, choose_child
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid, gid_number

# Types that hold child-level or evidence data; any field returning one must declare its rule.
SENSITIVE = {"Child", "Evidence", "AuditEvent"}
# Plain fields (no extension: the compiled builders read them as attributes) whose rows the
# statement making their parent scoped in SQL and noted for the audit trail (``scoped_in_sql``);
# test_the_chosen_children_read_are_audited proves the notes.
SCOPED_BY_THEIR_PARENT = {"SelectedChild.child", "TrackedChild.child"}


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, StrawberryOptional | StrawberryList):
        type_ = type_.of_type
    return type_


def _graphql_name(type_: Any) -> str | None:
    definition = get_object_definition(type_)
    if definition is None:
        return None
    if definition.type_var_map:
        # Connection[Child] and the like are as sensitive as what they page over.
        for argument in definition.type_var_map.values():
            name = _graphql_name(argument)
            if name in SENSITIVE or (name or "").endswith("Evidence"):
                return name
    return definition.name


def test_every_field_returning_child_or_evidence_data_declares_its_rule(
    registry: Registry,
) -> None:
    type_map = build_schema(registry).schema.schema_converter.type_map
    sensitive = SENSITIVE | {name for name in type_map if name.endswith("Evidence")}
    unguarded = []
    checked = 0
    for concrete in type_map.values():
        definition = concrete.definition
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        if definition.type_var_map:
            continue  # Connection[X] and Edge[X] carry rows the field returning them scoped
        for field in definition.fields:
            if _graphql_name(_unwrap(field.type)) not in sensitive:
                continue
            checked += 1
            name = f"{definition.name}.{field.python_name}"
            if name in SCOPED_BY_THEIR_PARENT and SCOPED_IN_SQL in (field.metadata or {}):
                continue
            if not any(isinstance(e, PermissionExtension | ScopedBy) for e in field.extensions):
                unguarded.append(name)
    assert checked >= 6, "the walk found too few fields: is it still looking at the schema?"
    assert unguarded == [], (
        f"fields returning child or evidence data with no access rule: {unguarded}. "
        "Add extensions=scoped_by(core.access.<rule>) or a permission rule."
    )


def test_every_field_returning_child_level_data_audits_what_it_returns(
    registry: Registry,
) -> None:
    """Documents, lists, consent, children and evidence: whatever field returns them, the ids it
    returns reach the request's audit event (ScopedBy notes them, core/graphql/base/permissions.py).
    A new field returning such data without a ScopedBy that audits it fails here."""
    type_map = build_schema(registry).schema.schema_converter.type_map
    unaudited = []
    kinds: set[str] = set()
    for concrete in type_map.values():
        definition = concrete.definition
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        if definition.type_var_map:
            continue  # Connection[X] and Edge[X]: the field returning the connection audits
        for field in definition.fields:
            returned = audited_as(_graphql_name(_unwrap(field.type)))
            if returned is None:
                continue
            kinds.add(returned[0])
            audits = [e.audits for e in field.extensions if isinstance(e, ScopedBy)]
            name = f"{definition.name}.{field.python_name}"
            if name in SCOPED_BY_THEIR_PARENT and SCOPED_IN_SQL in (field.metadata or {}):
                audits.append(returned)  # noted as their parent is made: see the test below
            if returned not in audits:
                unaudited.append(f"{definition.name}.{field.python_name}")
    assert kinds == {"Child", "Document", "ListUpload", "EvidenceRecord"}, kinds
    assert unaudited == [], (
        f"fields returning child-level data that no audit event would name: {unaudited}. "
        "Declare extensions=scoped_by(core.access.<rule>): it notes the ids for the audit trail."
    )


# --- The role matrix ----------------------------------------------------------------------------


@dataclass
class World:
    tokens: dict[str, str]
    inspection: str
    child: str
    evidence: str


@pytest.fixture
def world(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> World:
    with database.write() as session:
        other_area = LocalArea(code="ZZ-OTHER", name="Another synthetic area")
        session.add(other_area)
        session.flush()
        other_agency = Agency(area_id=other_area.id, kind="police", name="Other police")
        outsider = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add_all([other_agency, outsider])
        session.flush()
        police = session.scalar(select(Agency.id).where(Agency.name == "Northvale Constabulary"))
        cqc = session.scalar(select(Inspector.id).where(Inspector.name == "Priya Placeholder"))
        child = session.scalar(select(Child.id).order_by(Child.id))
        ids = (other_agency.id, outsider.id)
    assert police and cqc and child
    tokens = {
        "admin": make_token(Role.ADMIN),
        "lead": lead_token,
        "team_cqc": make_token(Role.INSPECTOR, inspector_id=cqc),
        "outsider": make_token(Role.INSPECTOR, inspector_id=ids[1]),
        "agency": make_token(Role.AGENCY_USER, agency_id=police),
        "other_agency": make_token(Role.AGENCY_USER, agency_id=ids[0]),
        "integrator": make_token(Role.INTEGRATOR),
    }
    choose_child(database, demo.inspection_id, child, "tracked")
    recorded = gql(
        RECORD_CASE_TRACKING,
        {"input": case_tracking_input(demo.inspection_id, child)},
        lead_token,
    ).ok()["recordOfstedCaseTrackingEvidence"]["evidence"]
    return World(tokens, gid("Inspection", demo.inspection_id), gid("Child", child), recorded["id"])


CHILD_LEVEL_QUERIES = {
    "children": "{ inspections { edges { node { children { nodes { id localId } } } } } }",
    "evidence": "{ inspections { edges { node { evidence { nodes { id } } } } } }",
    "child_node": 'query { node(id: "%(child)s") { id ... on Child { localId } } }',
    "evidence_node": 'query { node(id: "%(evidence)s") { id } }',
}
# Who may read child-level data: admins and inspectors on the inspection's team.
CHILD_READERS = {"admin", "lead", "team_cqc"}


@pytest.mark.parametrize("query_name", sorted(CHILD_LEVEL_QUERIES))
@pytest.mark.parametrize(
    "role", ["admin", "lead", "team_cqc", "outsider", "agency", "other_agency", "integrator"]
)
def test_child_level_data_reaches_only_the_team_and_admins(
    gql: GraphQLClient, world: World, role: str, query_name: str
) -> None:
    query = CHILD_LEVEL_QUERIES[query_name] % {"child": world.child, "evidence": world.evidence}
    response = gql(query, token=world.tokens[role])
    body = str(response.body)
    if role in CHILD_READERS:
        data = response.ok()
        assert world.child in body or world.evidence in body or "DEMO0" in body, data
    else:
        # Denied: no error to probe with, and nothing of the child's in the response.
        assert response.status == 200
        assert "DEMO0" not in body and world.child not in body and world.evidence not in body


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("lead", True),
        ("team_cqc", True),
        ("outsider", False),
        ("agency", True),
        ("other_agency", False),
        ("integrator", False),
    ],
)
def test_inspections_are_scoped_in_sql_to_the_viewer(
    gql: GraphQLClient, world: World, role: str, sees: bool
) -> None:
    data = gql(
        "{ inspections { totalCount } "
        f'inspectionNode: node(id: "{world.inspection}") {{ id }} }}',
        token=world.tokens[role],
    ).ok()
    assert data["inspections"]["totalCount"] == (1 if sees else 0)
    assert (data["inspectionNode"] is not None) == sees


@pytest.mark.parametrize("role", ["lead", "team_cqc", "agency", "integrator"])
def test_only_admins_read_the_audit_trail(gql: GraphQLClient, world: World, role: str) -> None:
    response = gql("{ auditEvents { totalCount } }", token=world.tokens[role])
    assert response.data is None
    assert response.errors[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", ["lead", "team_cqc", "agency", "integrator"])
def test_only_admins_set_up_inspections_and_nothing_changes_otherwise(
    gql: GraphQLClient, database: Database, world: World, role: str
) -> None:
    with database.session() as session:
        before = session.scalar(select(func.count()).select_from(LocalArea))
    payload = gql(
        'mutation { createLocalArea(input: {code: "ZZ-NEW", name: "New"}) '
        "{ area { id } errors { code message } } }",
        token=world.tokens[role],
    ).ok()["createLocalArea"]
    assert payload["area"] is None
    assert payload["errors"][0]["code"] == "NOT_ALLOWED"
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(LocalArea)) == before


@pytest.mark.parametrize("role", ["team_cqc", "outsider", "agency", "integrator", "admin"])
def test_only_the_inspectorates_own_inspectors_write_its_evidence(
    gql: GraphQLClient, world: World, demo: DemoInspection, database: Database, role: str
) -> None:
    with database.session() as session:
        child = session.scalar(select(Child.id).order_by(Child.id))
    payload = gql(
        RECORD_CASE_TRACKING,
        {"input": case_tracking_input(demo.inspection_id, child)},
        world.tokens[role],
    ).ok()["recordOfstedCaseTrackingEvidence"]
    assert payload["evidence"] is None
    assert payload["errors"][0]["code"] == "NOT_ALLOWED"


# --- The audit trail ----------------------------------------------------------------------------


def audit_events_since(database: Database, since_id: int) -> list[AuditEvent]:
    with database.session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.id > since_id).order_by(AuditEvent.id)
            )
        )


def last_audit_id(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def test_reading_children_is_audited_with_ids_and_no_values(
    gql: GraphQLClient, database: Database, world: World
) -> None:
    start = last_audit_id(database)
    gql(
        "query ReadChildren { inspections { edges { node { children(first: 3) "
        "{ nodes { localId gender { code } } } } } } }",
        token=world.tokens["lead"],
    ).ok()
    gql("{ frameworks { code } }", token=world.tokens["lead"]).ok()  # reference data: no event
    [event] = audit_events_since(database, start)
    assert event.operation_type == "query"
    assert event.operation_name == "ReadChildren"
    assert event.role == "inspector" and event.outcome == "ok"
    assert len(event.touched["Child"]) == 3
    assert len(event.document_hash) == 64
    assert event.occurred_at.tzinfo is not None
    assert "DEMO0" not in str(event.touched)


def test_the_chosen_children_read_are_audited(
    gql: GraphQLClient, database: Database, registry: Registry, make_token: TokenFactory
) -> None:
    first = generate(database, registry, inspections=1, seed=7, scale=Scale.SMALL).inspections[0]
    lead = make_token(Role.INSPECTOR, inspector_id=first.lead_inspector_id)
    query = (
        "query Chosen($id: ID!) { inspection(id: $id) { selectedChildren { child { id } } "
        "trackedChildren { child { id } } } }"
    )
    start = last_audit_id(database)
    seen = gql(query, {"id": gid("Inspection", first.inspection_id)}, lead).ok()["inspection"]
    chosen = seen["selectedChildren"] + seen["trackedChildren"]
    assert seen["selectedChildren"] and seen["trackedChildren"]
    [event] = audit_events_since(database, start)
    assert event.touched["Child"] == sorted({int(gid_number(c["child"]["id"])) for c in chosen})


def test_mutations_are_audited_even_when_rejected(
    gql: GraphQLClient, database: Database, world: World
) -> None:
    start = last_audit_id(database)
    gql(
        'mutation Denied { createLocalArea(input: {code: "ZZ-X", name: "X"}) { errors { code } } }',
        token=world.tokens["lead"],
    ).ok()
    [event] = audit_events_since(database, start)
    assert (event.operation_type, event.operation_name, event.outcome) == (
        "mutation",
        "Denied",
        "rejected",
    )


def test_the_audit_trail_holds_no_answer_text(
    gql: GraphQLClient, database: Database, world: World
) -> None:
    with database.engine.connect() as connection:
        dump = str(connection.execute(text("SELECT * FROM audit_events")).all())
    assert "Synthetic summary" not in dump and "CASE-1" not in dump
    assert "EvidenceRecord" in dump


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET outcome = 'ok'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_the_audit_trail(
    database: Database, world: World, statement: str
) -> None:
    assert last_audit_id(database) > 0
    with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(statement))


def test_admins_page_through_the_audit_trail(
    gql: GraphQLClient, database: Database, world: World
) -> None:
    gql(
        'mutation PagedDenied { createLocalArea(input: {code: "ZZ-X", name: "X"}) '
        "{ errors { code } } }",
        token=world.tokens["lead"],
    ).ok()
    fields = "id role operationType operationName outcome tokenId inspectorId agencyId"
    data = gql(
        '{ auditEvents(first: 1, operationName: "PagedDenied") { totalCount '
        f"pageInfo {{ hasNextPage }} nodes {{ {fields} touched {{ kind ids }} }} }} }}",
        token=world.tokens["admin"],
    ).ok()["auditEvents"]
    assert data["totalCount"] == 1 and len(data["nodes"]) == 1
    [event] = data["nodes"]
    assert (event["role"], event["operationType"], event["outcome"]) == (
        "INSPECTOR",
        "MUTATION",
        "REJECTED",
    )
    assert event["agencyId"] is None and event["tokenId"] is not None
    # The ids it names are the graph's: the inspector is the lead's Inspector node.
    lead = gql("{ viewer { inspector { id } } }", token=world.tokens["lead"]).ok()
    assert event["inspectorId"] == lead["viewer"]["inspector"]["id"]
    # The event is a node, for admins only, as its list is.
    node = "query($id: ID!) { node(id: $id) { ... on AuditEvent { id operationName } } }"
    found = gql(node, {"id": event["id"]}, world.tokens["admin"]).ok()["node"]
    assert found == {"id": event["id"], "operationName": "PagedDenied"}
    assert gql(node, {"id": event["id"]}, world.tokens["lead"]).ok() == {"node": None}


def test_token_expiry_is_enforced_at_the_moment_of_use(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory
) -> None:
    token = make_token(Role.ADMIN, expires_in=dt.timedelta(hours=1))
    assert gql("{ viewer { role } }", token=token).ok() == {"viewer": {"role": "ADMIN"}}
