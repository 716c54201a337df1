"""Downloading documents: ``GET /documents/<global id>`` over real HTTP, from both stores, for
exactly those who see the document in the graph, every download and every read of a document's
metadata in the audit trail."""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.integrations.downloads import content_disposition
from core.models import AuditEvent, Document, DocumentChunk, Inspector
from core.settings import Settings
from core.viewer import Role
from tests.core.test_uploads import upload_document
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id, set_times

# Over two of the database store's 1 MB rows, so the stream crosses rows.
CASE_FILE = b"%PDF-1.4\n% synthetic case file, no real child\n" + os.urandom(2_500_000)
NAME = "Case notes é;x.pdf"


@dataclass
class Sent:
    gql: GraphQLClient
    tokens: dict[str, str]
    document_id: str
    download_url: str
    store_dir: Path


@pytest.fixture(params=["local", "database"])
def sent(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> Sent:
    settings = Settings(
        database_url=database.url, storage_dir=tmp_path / "store", document_store=request.param
    )
    gql = GraphQLClient(create_app(settings, database=database), database)
    issued = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    assert issued["issueDocumentRequests"]["errors"] == []
    set_times(database, due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    with database.write() as session:
        outsider = Inspector(name="Out Sider", email="out.sider@example.org", inspectorate="cqc")
        session.add(outsider)
        session.flush()
        outsider_id = outsider.id
    tokens = {
        "lead": lead_token,
        "admin": make_token(Role.ADMIN),
        "sender": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority")),
        "other_agency": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police")),
        "outsider": make_token(Role.INSPECTOR, inspector_id=outsider_id),
        "integrator": make_token(Role.INTEGRATOR),
    }
    request_row = request_id(database, "1.6")
    uploaded = upload_document(gql, tokens["sender"], request_row, CASE_FILE, name=NAME)
    document_id = uploaded["document"]["id"]
    url = gql(
        "query($id: ID!) { node(id: $id) { ... on Document { downloadUrl } } }",
        {"id": document_id},
        lead_token,
    ).ok()["node"]["downloadUrl"]
    return Sent(gql, tokens, document_id, url, tmp_path / "store")


def get(sent: Sent, url: str, role: str | None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": f"Bearer {sent.tokens[role]}"} if role else {}
    response = sent.gql.request("GET", url, headers=headers)
    return response.status_code, dict(response.headers), response.content


def last_audit_id(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(database: Database, start: int) -> list[AuditEvent]:
    with database.session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id))
        )


@pytest.mark.parametrize("role", ["lead", "admin", "sender"])
def test_the_team_admins_and_the_sending_agency_download_the_exact_bytes(
    sent: Sent, database: Database, role: str
) -> None:
    assert sent.download_url == f"/documents/{sent.document_id}"
    start = last_audit_id(database)
    status, headers, body = get(sent, sent.download_url, role)
    assert status == 200
    assert body == CASE_FILE
    assert headers["content-type"] == "application/pdf"
    assert headers["content-length"] == str(len(CASE_FILE))
    assert headers["content-disposition"] == (
        'attachment; filename="Case notes __x.pdf"; '
        "filename*=UTF-8''Case%20notes%20%C3%A9%3Bx.pdf"
    )
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    [event] = events_since(database, start)
    row = int(base64.b64decode(sent.document_id).decode().partition(":")[2])
    assert (event.operation_type, event.outcome, event.touched) == (
        "download",
        "ok",
        {"Document": [row]},
    )


@pytest.mark.parametrize("role", ["other_agency", "outsider", "integrator"])
def test_anyone_else_gets_the_404_of_an_id_that_names_nothing(
    sent: Sent, database: Database, role: str
) -> None:
    start = last_audit_id(database)
    status, headers, body = get(sent, sent.download_url, role)
    missing = get(sent, "/documents/" + gid("Document", 999_999), role)
    garbage = get(sent, "/documents/%E2%98%83not-an-id", role)
    wrong_kind = get(sent, "/documents/" + gid("Child", 1), role)
    assert status == 404 and headers["content-type"] == "application/json"
    assert b"NOT_FOUND" in body and b"%PDF" not in body
    assert missing[0] == garbage[0] == wrong_kind[0] == 404
    assert missing[2] == garbage[2] == wrong_kind[2] == body
    events = events_since(database, start)
    assert [(e.operation_type, e.outcome, e.touched) for e in events] == [
        ("download", "rejected", {})
    ] * 4


def test_a_download_needs_a_token(sent: Sent) -> None:
    status, headers, body = get(sent, sent.download_url, None)
    assert status == 401 and headers["www-authenticate"] == 'Bearer realm="jtai"'
    assert b"UNAUTHENTICATED" in body


DOCUMENT_READS = {
    "lead": (
        "query Tracker { inspections { nodes { requests(first: 50) { nodes "
        "{ documents { filename } } } } } }"
    ),
    "sender": "query Mine { myRequests(first: 50) { nodes { documents { filename sizeBytes } } } }",
}


@pytest.mark.parametrize("role", sorted(DOCUMENT_READS))
def test_reading_documents_metadata_is_audited(sent: Sent, database: Database, role: str) -> None:
    start = last_audit_id(database)
    body = str(sent.gql(DOCUMENT_READS[role], token=sent.tokens[role]).ok())
    assert NAME in body
    [event] = events_since(database, start)
    assert event.outcome == "ok" and len(event.touched["Document"]) == 1


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("plain.pdf", "plain.pdf"),
        ("\u202egnp.exe", "_gnp.exe"),
        ("résumé\r\n.docx", "r_sum___.docx"),
        ('"', "_"),
    ],
)
def test_the_fallback_name_is_printable_ascii_and_cannot_break_the_header(
    name: str, fallback: str
) -> None:
    header = content_disposition(name)
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert header.isascii() and "\r" not in header and "\n" not in header


def test_a_document_whose_bytes_are_gone_is_an_error_that_says_so(
    sent: Sent, database: Database
) -> None:
    with database.write() as session:
        key = session.scalar(select(Document.storage_key))
        assert key is not None
        session.execute(delete(DocumentChunk))
    for path in Path(sent.store_dir).glob(key):
        path.unlink()
    status, headers, body = get(sent, sent.download_url, "lead")
    assert status == 500 and headers["content-type"] == "application/json"
    assert b"bytes are missing from the document store" in body and b"%PDF" not in body
