"""Retention: an inspection's child-level data deleted once its period after the letter is over,
and nothing of it left anywhere: tables, document store, files, exports, webhook bodies, the graph.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from core.app import create_app
from core.cli import main
from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.models import (
    AuditEvent,
    Base,
    Child,
    Consent,
    Document,
    Finding,
    Inspection,
    ListQuery,
    ListRow,
    ListUpload,
    Meeting,
    Webhook,
    WebhookDelivery,
    utc_now,
)
from core.registry import Registry
from core.settings import Settings, SettingsError
from core.viewer import Role
from tests.core.test_uploads import upload_document
from tests.helpers.evidence import RECORD_CASE_TRACKING, case_tracking_input, choose_child
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id

CASE_FILE = b"%PDF-1.4\n% synthetic case file of DEMO00001, no real child\n" + bytes(2000)
SYNTHETIC = "DEMO0"  # every demo child's local ID starts so


@dataclass
class Inspected:
    gql: GraphQLClient
    env: dict[str, str]
    store_dir: Path
    tokens: dict[str, str]
    inspection_id: int


@pytest.fixture(params=["local", "database"])
def inspected(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database: Database,
    demo: DemoInspection,
    registry: Registry,
    make_token: TokenFactory,
    lead_token: str,
) -> Inspected:
    """The demo inspection with every kind of child-level data, and its letter published 400
    days ago."""
    store_dir = tmp_path / "store"
    settings = Settings(
        database_url=database.url, storage_dir=store_dir, document_store=request.param
    )
    gql = GraphQLClient(create_app(settings, database=database), database)
    tokens = {
        "lead": lead_token,
        "admin": make_token(Role.ADMIN),
        "integrator": make_token(Role.INTEGRATOR),
        "la": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority")),
    }
    assert (
        gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()[
            "issueDocumentRequests"
        ]["errors"]
        == []
    )
    sent = upload_document(
        gql, tokens["la"], request_id(database, "1.6"), CASE_FILE, "DEMO00001.pdf"
    )
    assert sent["errors"] == []
    with database.session() as session:
        first, second = session.scalars(select(Child.id).order_by(Child.id).limit(2)).all()
    choose_child(database, demo.inspection_id, first, "tracked")
    recorded = gql(
        RECORD_CASE_TRACKING, {"input": case_tracking_input(demo.inspection_id, first)}, lead_token
    ).ok()["recordOfstedCaseTrackingEvidence"]
    assert recorded["errors"] == []
    long_ago = utc_now() - dt.timedelta(days=400)
    with database.write() as session:
        session.add(
            Consent(
                inspection_id=demo.inspection_id,
                child_id=first,
                person="child",
                outcome="refused",
                reason="DEMO00001 said no",
            )
        )
        session.add(
            Meeting(
                inspection_id=demo.inspection_id,
                meeting_type="strategy",
                starts_at=long_ago,
                child_ids=[first, second],
            )
        )
        upload = ListUpload(
            inspection_id=demo.inspection_id,
            request_id=request_id(database, "1.6"),
            list_code="cin",
            filename="DEMO00002 list.csv",
            sha256="0" * 64,
            row_count=1,
        )
        session.add(upload)
        session.flush()
        session.add(
            ListRow(
                inspection_id=demo.inspection_id,
                child_id=second,
                upload_id=upload.id,
                list_code="cin",
                row_number=2,
                values={"child_id": "DEMO00002"},
            )
        )
        session.add(
            ListQuery(
                upload_id=upload.id, code="odd", message="DEMO00002 looks odd", value="DEMO00002"
            )
        )
        session.add(Webhook(url="https://receiver.example.org/hook", secret="s" * 32, label="test"))
    with database.write() as session:
        assert load_demo_findings(session, registry, demo, now=long_ago) == 4
    env = {
        "JTAI_DATABASE_URL": database.url,
        "JTAI_STORAGE_DIR": str(store_dir),
        "JTAI_DOCUMENT_STORE": request.param,
        "JTAI_RETENTION_DAYS_AFTER_LETTER": "365",
    }
    return Inspected(gql, env, store_dir, tokens, demo.inspection_id)


def jtai(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def everything_stored(database: Database) -> str:
    """Every row of every table, as text."""
    dumped = []
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            dumped.append(str(connection.execute(select(table)).all()))
    return "\n".join(dumped)


def test_a_purge_leaves_nothing_of_the_inspections_children_anywhere(
    inspected: Inspected, database: Database
) -> None:
    assert SYNTHETIC in everything_stored(database)
    assert count(database, WebhookDelivery) > 0
    start = database_last_audit(database)

    result = jtai(inspected.env, "retention", "purge")

    assert result.exit_code == 0, result.output
    assert "Purged 1 inspection." in result.output and "JTAI-DEMO-001: 1 documents" in result.output
    stored = everything_stored(database)
    assert SYNTHETIC not in stored
    assert "synthetic case file" not in stored
    for model in (Child, Consent, Document, ListRow, ListUpload, ListQuery):
        assert count(database, model) == 0, model
    with database.session() as session:
        links = session.scalars(select(Meeting.child_ids)).all()
        purged_at = session.scalar(select(Inspection.child_data_purged_at))
        published = session.scalar(
            select(func.count()).select_from(Finding).where(Finding.status == "published")
        )
    assert links == [[]] and purged_at is not None and published == 4
    on_disk = [p for p in inspected.store_dir.rglob("*") if p.is_file()]
    assert on_disk == []

    # The graph, the exports, the webhook bodies and the letter.
    admin = inspected.gql(
        "{ inspections { nodes { children { totalCount } evidence { totalCount } "
        "requests(first: 100) { nodes { documents { id } childLocalId } } } } }",
        token=inspected.tokens["admin"],
    ).ok()
    assert SYNTHETIC not in str(admin)
    assert admin["inspections"]["nodes"][0]["children"]["totalCount"] == 0
    for path in ("/exports/findings.csv", "/exports/findings.json"):
        response = inspected.gql.request(
            "GET", path, headers={"Authorization": f"Bearer {inspected.tokens['integrator']}"}
        )
        assert response.status_code == 200 and SYNTHETIC not in response.text
        assert response.text.count("JTAI-DEMO-001") == 4  # the published findings are kept
    letter = inspected.gql.request(
        "GET",
        "/inspections/JTAI-DEMO-001/report.html",
        headers={"Authorization": f"Bearer {inspected.tokens['integrator']}"},
    )
    assert letter.status_code == 200 and SYNTHETIC not in letter.text

    # The audit: one event with counts, no values, and the chain still whole.
    with database.session() as session:
        [event] = session.scalars(
            select(AuditEvent).where(
                AuditEvent.id > start, AuditEvent.operation_type == "retention"
            )
        ).all()
    assert event.counts is not None
    assert event.counts["children"] == 40 and event.counts["documents"] == 1
    assert event.touched == {"Inspection": [inspected.inspection_id]}
    assert SYNTHETIC not in str(event.counts)
    verified = jtai(inspected.env, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    trail = inspected.gql(
        "{ auditEvents(first: 100) { totalCount nodes { operationType touched { kind ids } } } }",
        token=inspected.tokens["admin"],
    ).ok()["auditEvents"]
    assert trail["totalCount"] > 0
    late = upload_document(
        inspected.gql, inspected.tokens["la"], request_id(database, "1.6"), CASE_FILE, "late.pdf"
    )
    assert (
        late["document"] is None
        and "child-level data was deleted on" in (late["errors"][0]["message"])
    )
    evidence = inspected.gql(
        RECORD_CASE_TRACKING,
        {"input": case_tracking_input(inspected.inspection_id, 1)},
        inspected.tokens["lead"],
    ).ok()["recordOfstedCaseTrackingEvidence"]
    assert evidence["evidence"] is None
    assert "child-level data was deleted on" in evidence["errors"][0]["message"]
    again = jtai(inspected.env, "retention", "purge")
    assert "Purged 0 inspections." in again.output
    status = jtai(inspected.env, "retention", "status")
    assert "JTAI-DEMO-001: letter" in status.output and "purged" in status.output


def database_last_audit(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def test_a_dry_run_counts_and_deletes_nothing(inspected: Inspected, database: Database) -> None:
    before = everything_stored(database)
    status = jtai(inspected.env, "retention", "status")
    assert "JTAI-DEMO-001" in status.output and "due now" in status.output
    result = jtai(inspected.env, "retention", "purge", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would purge 1 inspection." in result.output
    assert "40 children" in result.output and "1 consents" in result.output
    assert everything_stored(database) == before
    if inspected.env["JTAI_DOCUMENT_STORE"] == "local":
        assert [p for p in inspected.store_dir.rglob("*") if p.is_file()] != []


def test_an_inspection_inside_its_period_is_kept(inspected: Inspected, database: Database) -> None:
    env = {**inspected.env, "JTAI_RETENTION_DAYS_AFTER_LETTER": "1000"}
    assert "kept until" in jtai(env, "retention", "status").output
    assert "Purged 0 inspections." in jtai(env, "retention", "purge").output
    assert count(database, Child) == 40


def test_without_the_setting_nothing_is_purged_and_status_says_so(
    inspected: Inspected, database: Database
) -> None:
    env = {k: v for k, v in inspected.env.items() if k != "JTAI_RETENTION_DAYS_AFTER_LETTER"}
    status = jtai(env, "retention", "status")
    assert status.exit_code == 0 and "is not set, so no child-level data is ever purged" in (
        status.output
    )
    refused = jtai(env, "retention", "purge")
    assert refused.exit_code == 1 and "JTAI_RETENTION_DAYS_AFTER_LETTER is not set" in (
        refused.output
    )
    assert count(database, Child) == 40


def test_the_retention_setting_is_read_and_checked() -> None:
    assert Settings.from_env({}).retention_days_after_letter is None
    assert (
        Settings.from_env({"JTAI_RETENTION_DAYS_AFTER_LETTER": "730"}).retention_days_after_letter
        == 730
    )
    with pytest.raises(
        SettingsError, match="JTAI_RETENTION_DAYS_AFTER_LETTER has value 'two years'"
    ):
        Settings.from_env({"JTAI_RETENTION_DAYS_AFTER_LETTER": "two years"})
