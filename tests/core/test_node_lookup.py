"""``node(id:)`` finds an object of every type implementing ``Node``, and nothing for a missing row.

The types come from the committed schema, so a new node type fails here until the world below
holds one of it: every generated evidence type, ``Document`` and ``ListUpload`` included.
"""

from __future__ import annotations

import datetime as dt

from graphql import GraphQLInterfaceType
from graphql import build_schema as parse_sdl

from core import models as m
from core.audit import append as append_to_trail
from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.ids import MAX_ROW_ID, global_id
from core.registry import Registry, form_type_name
from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.graphql import GraphQLClient, TokenFactory

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
WHEN = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)


def node_types() -> set[str]:
    schema = parse_sdl((REPO_ROOT / "schema.graphql").read_text(encoding="utf-8"))
    node = schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    return {t.name for t in schema.get_implementations(node).objects}


def one_of_each(database: Database, registry: Registry, demo: DemoInspection) -> dict[str, int]:
    """A row of every node type: the demo's, a request with a document and an accepted list, a
    finding, and a record of every evidence form (on an inspection of the form's framework)."""
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
        inspection = session.get(m.Inspection, demo.inspection_id)
        assert inspection is not None
        agency = session.query(m.Agency).filter_by(area_id=inspection.area_id).first()
        child = session.query(m.Child).filter_by(inspection_id=inspection.id).first()
        finding = session.query(m.Finding).filter_by(inspection_id=inspection.id).first()
        assert agency is not None and child is not None and finding is not None
        list_request = next(
            o.item for o in registry.document_requests_of(inspection.framework) if o.item.list_spec
        )
        assert list_request.list_spec is not None
        request = m.IssuedRequest(
            inspection_id=inspection.id,
            reference=list_request.reference,
            agency_id=agency.id,
            due_at=WHEN,
        )
        session.add(request)
        session.flush()
        document = m.Document(
            request_id=request.id,
            filename="plan.pdf",
            content_type="application/pdf",
            size_bytes=3,
            sha256="0" * 64,
            storage_key="00/plan",
        )
        upload = m.ListUpload(
            inspection_id=inspection.id,
            request_id=request.id,
            list_code=list_request.list_spec.code,
            filename="plans.csv",
            sha256="1" * 64,
            row_count=0,
            query_summary={},
        )
        inspections = {inspection.framework: inspection.id}
        for framework in registry.frameworks:
            if framework.code not in inspections:
                other = m.Inspection(
                    reference=f"JTAI-NODE-{framework.code}",
                    area_id=inspection.area_id,
                    framework=framework.code,
                    notification_date=WHEN.date(),
                )
                session.add(other)
                session.flush()
                inspections[framework.code] = other.id
        evidence = {}
        for owned in registry.evidence_forms:
            record = m.EvidenceRecord(
                inspection_id=inspections[owned.item.framework],
                inspectorate=owned.owner,
                form=owned.item.code,
                status="final",
                answers={},
                recorded_by_id=demo.lead_inspector_id,
            )
            session.add(record)
            inspectorate = registry.inspectorate(owned.owner)
            assert inspectorate is not None
            evidence[form_type_name(inspectorate, owned.item)] = record
        change = m.FindingChange(finding_id=finding.id, change="published", occurred_at=WHEN)
        webhook = m.Webhook(url="https://receiver.example.org/", secret="s", label="node test")
        meeting = m.Meeting(
            inspection_id=inspection.id, meeting_type="ICPC", starts_at=WHEN, child_ids=[]
        )
        person = m.PersonToMeet(inspection_id=inspection.id, role="idva", organisation="Refuge")
        session.add_all([document, upload, change, webhook, meeting, person])
        session.flush()
        delivery = m.WebhookDelivery(webhook_id=webhook.id, change_id=change.id, body="{}")
        token = m.ApiToken(token_hash="2" * 64, label="node", role="admin", expires_at=WHEN)
        audit = m.AuditEvent(
            request_id="node-test",
            operation_type="query",
            document_hash="3" * 64,
            touched={},
            outcome="ok",
        )
        session.add_all([delivery, token])
        append_to_trail(session, audit)  # chained, as every event is (jtai audit verify)
        return {
            "Webhook": webhook.id,
            "WebhookDelivery": delivery.id,
            "Token": token.id,
            "AuditEvent": audit.id,
            "Meeting": meeting.id,
            "PersonToMeet": person.id,
            "Inspection": inspection.id,
            "LocalArea": inspection.area_id,
            "Agency": agency.id,
            "Inspector": demo.lead_inspector_id,
            "Child": child.id,
            "Finding": finding.id,
            "IssuedRequest": request.id,
            "Document": document.id,
            "ListUpload": upload.id,
            **{name: record.id for name, record in evidence.items()},
        }


def test_node_resolves_every_node_type_by_global_id(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    make_token: TokenFactory,
) -> None:
    rows = one_of_each(database, registry, demo)
    assert set(rows) == node_types(), "add a row of the new node type to one_of_each()"
    admin = make_token(Role.ADMIN)
    for type_name, row in sorted(rows.items()):
        wanted = global_id(type_name, row)
        node = gql(NODE, {"id": wanted}, admin).ok()["node"]
        assert node == {"__typename": type_name, "id": wanted}, type_name


ADMINS_ONLY = ("AuditEvent", "Token", "Webhook", "WebhookDelivery")


def test_node_finds_the_admins_nodes_for_admins_only(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    make_token: TokenFactory,
) -> None:
    rows = one_of_each(database, registry, demo)
    others = [make_token(Role.INTEGRATOR), make_token(Role.INSPECTOR, demo.lead_inspector_id)]
    for type_name in ADMINS_ONLY:
        for token in others:
            found = gql(NODE, {"id": global_id(type_name, rows[type_name])}, token).ok()
            assert found == {"node": None}, type_name


def test_node_is_null_for_a_row_that_does_not_exist(
    gql: GraphQLClient, demo: DemoInspection, make_token: TokenFactory
) -> None:
    admin = make_token(Role.ADMIN)
    for type_name in sorted(node_types()):
        missing = gql(NODE, {"id": global_id(type_name, MAX_ROW_ID)}, admin).ok()
        assert missing == {"node": None}, type_name
