"""Documents and Annex A lists sent by the area, over real GraphQL multipart HTTP.

Every upload goes through the ASGI app as a browser or a script would send it: a multipart body
with 'operations', 'map' and the file part (httpx builds it), a bearer token and the preflight
header. Files land in a temporary directory (the app fixture's storage_dir).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from starlette.applications import Starlette

import core.workflow.documents as documents
from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import (
    Child,
    ChildSelection,
    Document,
    DocumentChunk,
    IssuedRequest,
    ListRow,
    ListUpload,
)
from core.settings import Settings
from core.viewer import Role
from core.workflow.storage import DocumentStore, LocalFileStore
from plugins.ofsted.requests import CHILD_PROTECTION_PLANS
from tests.helpers.annex_a_rows import BORN, NOTIFIED, cin_csv, cin_row, cp_row, cp_xlsx, today, uk
from tests.helpers.council_files import council_list, far_cell_xlsx
from tests.helpers.graphql import GraphQLClient, Response, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id, set_times

UPLOAD_DOCUMENT = """
mutation Upload($request: ID!, $file: Upload!) {
  uploadDocument(requestId: $request, file: $file) {
    duplicate
    document { id filename contentType sizeBytes sha256 request { reference } }
    request { status receivedAt documents { id } }
    errors { field code message }
  }
}
"""

UPLOAD_LIST = """
mutation UploadList($request: ID!, $file: Upload!) {
  uploadList(requestId: $request, file: $file) {
    accepted duplicate rowCount childrenAdded childrenUpdated childrenRemoved childrenDelisted
    problemSummary {
      total errorCount queryCount groupCount
      groups { severity code column field count firstRows message }
    }
    problems(first: 100) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { row column value severity code message field }
    }
    listUpload {
      id listCode listTitle rowCount current
      querySummary { total queryCount groups { code count } }
      queries(first: 100) { nodes { code row column } }
    }
    request { status receivedAt }
    errors { field code message }
  }
}
"""

CHILD_LISTS = """
query($id: ID!) { node(id: $id) { ... on Child {
  localId dateOfBirth expectedDateOfBirth isUnborn gender { code label } ethnicity { code label }
  livesWithDomesticAbuse hasDisability
  lists { listCode listTitle rowNumber values { name label value } }
} } }
"""

PDF = b"%PDF-1.4\n% synthetic test document, no real child\n" + bytes(range(256)) * 40


def send(
    gql: GraphQLClient,
    token: str,
    query: str,
    variables: dict[str, Any],
    file: tuple[str, bytes, str],
    *,
    preflight: bool = True,
) -> Response:
    """A GraphQL multipart request: the 'file' variable is null in 'operations' and mapped to
    the file part, as the GraphQL multipart request specification has it."""
    operations = {"query": query, "variables": {**variables, "file": None}}
    headers = {"Authorization": f"Bearer {token}"}
    if preflight:
        headers["GraphQL-Require-Preflight"] = "1"
    response = gql.request(
        "POST",
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": file},
        headers=headers,
    )
    return Response(response.status_code, response.json())


def upload_document(
    gql: GraphQLClient, token: str, request: int, content: bytes, name: str = "minutes.pdf"
) -> dict[str, Any]:
    data = send(
        gql,
        token,
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", request)},
        (name, content, "application/pdf"),
    ).ok()
    result: dict[str, Any] = data["uploadDocument"]
    return result


def upload_list(
    gql: GraphQLClient, token: str, request: int, content: bytes, name: str
) -> dict[str, Any]:
    kind = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if name.endswith(".xlsx")
        else "text/csv"
    )
    data = send(
        gql, token, UPLOAD_LIST, {"request": gid("IssuedRequest", request)}, (name, content, kind)
    ).ok()
    result: dict[str, Any] = data["uploadList"]
    # Each of these lists fits one page: the tests below read the problems as a plain list.
    assert result["problems"]["pageInfo"]["hasNextPage"] is False
    result["problems"] = result["problems"]["nodes"]
    if result["listUpload"] is not None:
        result["listUpload"]["queries"] = result["listUpload"]["queries"]["nodes"]
    return result


def count(database: Database, model: Any) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class Kept:
    """What a document store holds, whichever it is: files (temporary ones too) or the keys of
    documents stored in the database."""

    def __init__(self, store: DocumentStore, database: Database) -> None:
        self.store = store
        self.database = database

    def everything(self) -> list[str]:
        if isinstance(self.store, LocalFileStore):
            root = self.store.root
            return sorted(p.name for p in root.iterdir()) if root.exists() else []
        with self.database.session() as session:
            return sorted(set(session.scalars(select(DocumentChunk.storage_key))))

    def read(self, key: str) -> bytes:
        with self.database.session() as session, self.store.open(session, key) as stored:
            return stored.read()

    def clear(self) -> None:
        if isinstance(self.store, LocalFileStore):
            for name in self.everything():
                (self.store.root / name).unlink()
        else:
            with self.database.write() as session:
                session.execute(delete(DocumentChunk))


@pytest.fixture
def issued(gql: GraphQLClient, lead_token: str, demo: DemoInspection, database: Database) -> None:
    result = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    assert result["issueDocumentRequests"]["errors"] == []
    # Everything due in three days: statuses do not depend on when the suite runs.
    set_times(database, due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))


@pytest.fixture
def la_token(make_token: TokenFactory, database: Database, demo: DemoInspection) -> str:
    return make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority"))


@pytest.fixture
def store(app: Starlette, database: Database) -> Iterator[Kept]:
    kept = Kept(app.state.document_store, database)
    kept.clear()
    yield kept
    kept.clear()


# --- Documents -----------------------------------------------------------------------------------


def test_an_agency_uploads_a_document_over_multipart_http(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    lead_token: str,
    store: Kept,
    issued: None,
) -> None:
    asked = request_id(database, "1.6")
    result = upload_document(gql, la_token, asked, PDF, "MASH terms of reference.pdf")
    assert result["errors"] == []
    assert result["duplicate"] is False
    document = result["document"]
    assert document["filename"] == "MASH terms of reference.pdf"
    assert document["contentType"] == "application/pdf"
    assert document["sizeBytes"] == len(PDF)
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["request"] == {"reference": "1.6"}
    assert result["request"]["status"] == "RECEIVED"
    assert result["request"]["documents"] == [{"id": document["id"]}]

    with database.session() as session:
        row = session.scalar(select(Document))
        assert row is not None
        key = row.storage_key
    assert store.read(key) == PDF
    assert store.everything() == [key]  # no temporary file left over

    # The inspectors see it arrive in the tracker.
    seen = gql(
        "query($id: ID!) { node(id: $id) { ... on IssuedRequest { status "
        "documents { sha256 } } } }",
        {"id": gid("IssuedRequest", asked)},
        lead_token,
    ).ok()["node"]
    assert seen == {"status": "RECEIVED", "documents": [{"sha256": document["sha256"]}]}


def test_the_same_bytes_twice_are_recognised_and_kept_once(
    gql: GraphQLClient, database: Database, la_token: str, store: Kept, issued: None
) -> None:
    asked = request_id(database, "1.3")
    first = upload_document(gql, la_token, asked, PDF, "thresholds.pdf")
    again = upload_document(gql, la_token, asked, PDF, "thresholds (copy).pdf")
    assert again["errors"] == []
    assert again["duplicate"] is True
    assert again["document"]["id"] == first["document"]["id"]
    assert again["document"]["filename"] == "thresholds.pdf"
    assert count(database, Document) == 1
    assert len(store.everything()) == 1

    other = upload_document(gql, la_token, asked, PDF + b"v2", "thresholds v2.pdf")
    assert other["duplicate"] is False
    assert count(database, Document) == 2
    assert len(store.everything()) == 2
    # Received when the first document came; a second one does not move it.
    assert other["request"]["receivedAt"] == first["request"]["receivedAt"]


def test_a_document_after_the_deadline_is_received_late(
    gql: GraphQLClient, database: Database, la_token: str, store: Kept, issued: None
) -> None:
    asked = request_id(database, "1.9")
    set_times(database, [asked], due_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    result = upload_document(gql, la_token, asked, PDF)
    assert result["request"]["status"] == "RECEIVED_LATE"


@pytest.fixture
def small_app(database: Database, tmp_path: Path) -> Starlette:
    settings = Settings(
        database_url=database.url, max_upload_bytes=1000, storage_dir=tmp_path / "documents"
    )
    return create_app(settings, database=database)


def test_an_over_size_upload_names_the_limit_and_leaves_nothing(
    small_app: Starlette, database: Database, la_token: str, issued: None
) -> None:
    gql = GraphQLClient(small_app, database)
    root = Kept(small_app.state.document_store, database)
    asked = request_id(database, "1.2")
    result = upload_document(gql, la_token, asked, b"x" * 5000)
    assert result["document"] is None
    [error] = result["errors"]
    assert (error["field"], error["code"]) == ("file", "TOO_LARGE")
    assert "larger than 1000 bytes" in error["message"]
    assert count(database, Document) == 0
    assert root.everything() == []  # not even a temporary file
    with database.session() as session:
        assert session.get(IssuedRequest, asked).received_at is None  # type: ignore[union-attr]

    # Far beyond the cap, the body is refused before it is read, naming the same limit.
    huge = send(
        gql,
        la_token,
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", asked)},
        ("huge.pdf", b"x" * 1_200_000, "application/pdf"),
    )
    assert huge.status == 413
    assert "larger than 1000 bytes" in huge.errors[0]["message"]
    assert root.everything() == []

    fits = upload_document(gql, la_token, asked, b"y" * 1000)
    assert fits["errors"] == [] and fits["document"]["sizeBytes"] == 1000


def test_a_failed_transaction_keeps_no_file(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    store: Kept,
    issued: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded = documents.record_document

    def fails_after_writing(*args: Any, **kwargs: Any) -> Any:
        recorded(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(documents, "record_document", fails_after_writing)
    data = send(
        gql,
        la_token,
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", request_id(database, "1.4"))},
        ("audit.pdf", PDF, "application/pdf"),
    )
    assert data.errors[0]["extensions"]["code"] == "INTERNAL"
    assert count(database, Document) == 0
    assert store.everything() == []


def test_a_multipart_request_without_the_preflight_header_is_refused(
    gql: GraphQLClient, database: Database, la_token: str, store: Kept, issued: None
) -> None:
    response = send(
        gql,
        la_token,
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", request_id(database, "1.1"))},
        ("forged.pdf", PDF, "application/pdf"),
        preflight=False,
    )
    assert response.status == 400
    assert response.errors[0]["extensions"]["code"] == "PREFLIGHT_REQUIRED"
    assert "GraphQL-Require-Preflight" in response.errors[0]["message"]
    assert count(database, Document) == 0
    assert store.everything() == []


@pytest.mark.parametrize(
    ("who", "reference", "code", "words"),
    [
        ("police", "1.1", "NOT_FOUND", "no request with id"),
        ("lead", "1.1", "NOT_ALLOWED", "Only the agency the request is issued to"),
        ("council", "list.children-in-need", "WRONG_REQUEST_KIND", "send it with uploadList"),
    ],
)
def test_only_the_agency_asked_sends_documents(
    gql: GraphQLClient,
    database: Database,
    make_token: TokenFactory,
    lead_token: str,
    la_token: str,
    store: Kept,
    issued: None,
    who: str,
    reference: str,
    code: str,
    words: str,
) -> None:
    tokens = {
        "police": make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police")),
        "lead": lead_token,
        "council": la_token,
    }
    result = upload_document(gql, tokens[who], request_id(database, reference), PDF)
    assert result["document"] is None
    [error] = result["errors"]
    assert (error["field"], error["code"]) == ("requestId", code)
    assert words in error["message"]
    assert count(database, Document) == 0
    assert store.everything() == []


def test_an_admin_may_upload_for_an_agency(
    gql: GraphQLClient,
    database: Database,
    make_token: TokenFactory,
    store: Kept,
    issued: None,
) -> None:
    result = upload_document(gql, make_token(Role.ADMIN), request_id(database, "1.1"), PDF)
    assert result["errors"] == [] and result["document"] is not None


def test_a_file_must_come_as_a_multipart_part(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    response = gql(
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", request_id(database, "1.1")), "file": "not a file"},
        la_token,
    ).ok()["uploadDocument"]
    assert response["errors"][0]["field"] == "file"
    assert "multipart" in response["errors"][0]["message"]


# --- Lists ---------------------------------------------------------------------------------------

UNBORN_DUE = today() + dt.timedelta(days=70)


def realistic_cin() -> bytes:
    return cin_csv(
        cin_row("DEMO00001", BORN, gender="Male", da="Y", disabled="Y"),
        cin_row("CIN-1001", BORN - dt.timedelta(days=400), da="Y"),
        cin_row("CIN-1002", None, gender="Unknown", expected=UNBORN_DUE, da="Y"),
        cin_row("CIN-1003", BORN + dt.timedelta(days=200), gender="Male", da="N"),
    )


def child_row(database: Database, local_id: str) -> Child:
    with database.session() as session:
        child = session.scalar(select(Child).where(Child.local_id == local_id))
    assert child is not None
    return child


def test_a_realistic_csv_list_records_its_children_and_rows(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    lead_token: str,
    demo: DemoInspection,
    issued: None,
) -> None:
    demo_child = child_row(database, "DEMO00001")
    with database.write() as session:  # the lead selected this child before the list came
        session.add(
            ChildSelection(
                inspection_id=demo.inspection_id, child_id=demo_child.id, kind="selected"
            )
        )
    children_before = count(database, Child)
    asked = request_id(database, "list.children-in-need")

    result = upload_list(gql, la_token, asked, realistic_cin(), "CIN list (Nov).csv")

    assert result["errors"] == []
    assert result["accepted"] is True and result["duplicate"] is False
    assert result["rowCount"] == 4
    assert (result["childrenAdded"], result["childrenUpdated"]) == (3, 1)
    assert [(p["severity"], p["code"], p["column"]) for p in result["problems"]] == [
        ("QUERY", "unknown_column", "Notes")
    ]
    upload = result["listUpload"]
    assert upload["listCode"] == "children-in-need"
    assert upload["listTitle"] == "Children identified as a child in need"
    assert upload["current"] is True
    assert upload["queries"] == [{"code": "unknown_column", "row": None, "column": "Notes"}]
    assert result["request"]["status"] == "RECEIVED"
    assert count(database, Child) == children_before + 3
    assert count(database, ListRow) == 4

    # The demo child kept its id (and its selection), and took the list's facts.
    updated = child_row(database, "DEMO00001")
    assert updated.id == demo_child.id
    assert (updated.gender, updated.date_of_birth, updated.has_disability) == ("M", BORN, True)
    with database.session() as session:
        assert session.scalar(select(ChildSelection.child_id)) == demo_child.id

    lists = gql(CHILD_LISTS, {"id": gid("Child", demo_child.id)}, lead_token).ok()["node"]
    # The child's gender is the code the list's 'Male' became, with the code set's label.
    assert lists["gender"] == {"code": "M", "label": "Male"}
    [membership] = lists["lists"]
    assert membership["listCode"] == "children-in-need"
    assert membership["rowNumber"] == 2
    values = {v["name"]: v["value"] for v in membership["values"]}
    assert values["date_of_birth"] == BORN.isoformat()
    assert values["primary_need"] == "N1"
    assert values["domestic_abuse"] == "Y"
    assert values["disability"] == "Y"
    assert values["cin_closure_date"] is None
    labels = [v["label"] for v in membership["values"]]
    assert labels[0] == "Child unique ID"

    # The inspection's lists, with the queries kept for the inspectors.
    listed = gql(
        "query($id: ID!) { inspection(id: $id) { listUploads { listCode rowCount current "
        "querySummary { queryCount } queries { nodes { code } } request { reference } } } }",
        {"id": gid("Inspection", demo.inspection_id)},
        lead_token,
    ).ok()["inspection"]["listUploads"]
    assert listed == [
        {
            "listCode": "children-in-need",
            "rowCount": 4,
            "current": True,
            "querySummary": {"queryCount": 1},
            "queries": {"nodes": [{"code": "unknown_column"}]},
            "request": {"reference": "list.children-in-need"},
        }
    ]


def test_an_unborn_child_has_an_expected_date_of_birth_and_no_date_of_birth(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    lead_token: str,
    issued: None,
) -> None:
    result = upload_list(
        gql, la_token, request_id(database, "list.children-in-need"), realistic_cin(), "cin.csv"
    )
    assert result["accepted"] is True
    unborn = child_row(database, "CIN-1002")
    node = gql(CHILD_LISTS, {"id": gid("Child", unborn.id)}, lead_token).ok()["node"]
    assert node["dateOfBirth"] is None
    assert node["expectedDateOfBirth"] == UNBORN_DUE.isoformat()
    assert node["isUnborn"] is True
    assert node["gender"] == {"code": "U", "label": "Not known, not stated or indeterminate"}
    values = {v["name"]: v["value"] for v in node["lists"][0]["values"]}
    assert (values["date_of_birth"], values["age_years"]) == (None, None)


def test_a_child_on_two_lists_is_recorded_once_with_both_rows(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    lead_token: str,
    issued: None,
) -> None:
    cin = upload_list(
        gql, la_token, request_id(database, "list.children-in-need"), realistic_cin(), "cin.csv"
    )
    assert cin["accepted"] is True
    children = count(database, Child)
    workbook = cp_xlsx(
        [
            cp_row("CIN-1001", BORN - dt.timedelta(days=400)),
            cp_row("CP-2001", BORN + dt.timedelta(days=30)),
            cp_row("CP-2002", None, UNBORN_DUE + dt.timedelta(days=7)),
        ]
    )
    cp = upload_list(
        gql, la_token, request_id(database, "list.child-protection-plans"), workbook, "CP.xlsx"
    )
    assert cp["errors"] == [], cp["problems"]
    assert cp["accepted"] is True
    assert cp["problems"] == []
    assert (cp["rowCount"], cp["childrenAdded"]) == (3, 2)
    assert count(database, Child) == children + 2
    with database.session() as session:
        assert session.scalar(select(func.count()).where(Child.local_id == "CIN-1001")) == 1

    both = child_row(database, "CIN-1001")
    node = gql(CHILD_LISTS, {"id": gid("Child", both.id)}, lead_token).ok()["node"]
    assert [m["listCode"] for m in node["lists"]] == ["child-protection-plans", "children-in-need"]
    cp_values = {v["name"]: v["value"] for v in node["lists"][0]["values"]}
    assert cp_values["initial_category_of_abuse"] == "EMO"
    assert cp_values["cp_plan_start_date"] == (today() - dt.timedelta(days=120)).isoformat()
    assert cp_values["previous_cp_plans"] == "1"
    assert node["lists"][0]["rowNumber"] == 4  # under a title row and a blank row
    unborn = child_row(database, "CP-2002")
    assert (unborn.date_of_birth, unborn.expected_date_of_birth) == (
        None,
        UNBORN_DUE + dt.timedelta(days=7),
    )


def test_a_broken_list_comes_back_by_row_column_and_value_and_changes_nothing(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    asked = request_id(database, "list.children-in-need")
    good = upload_list(gql, la_token, asked, realistic_cin(), "cin.csv")
    assert good["accepted"] is True
    before = {model: count(database, model) for model in (Child, ListRow, ListUpload)}
    with database.session() as session:
        received = session.get(IssuedRequest, asked).received_at  # type: ignore[union-attr]

    broken = cin_csv(
        cin_row("CIN-1001", BORN).replace(uk(BORN), "31/02/2019"),
        cin_row("CIN-3001", BORN).replace("N1 - Abuse or neglect", "N99"),
        cin_row("", BORN),
        cin_row("CIN-3002", BORN, da="Maybe"),
    )
    result = upload_list(gql, la_token, asked, broken, "cin corrected.csv")

    assert result["accepted"] is False
    assert result["listUpload"] is None and result["request"] is None
    assert result["errors"][0]["field"] == "file"
    assert result["errors"][0]["code"] == "LIST_NOT_ACCEPTED"
    assert "not accepted" in result["errors"][0]["message"]
    errors = {
        (p["row"], p["column"], p["value"], p["code"])
        for p in result["problems"]
        if p["severity"] == "ERROR"
    }
    assert {
        (2, "DOB", "31/02/2019", "invalid_date"),
        (3, "Primary need", "N99", "unknown_code"),
        (4, "Child ID", None, "missing_value"),
        (5, "DA flag", "Maybe", "invalid_yes_no"),
    } <= errors
    assert all(p["message"] for p in result["problems"])
    assert {model: count(database, model) for model in (Child, ListRow, ListUpload)} == before
    with database.session() as session:
        assert session.get(IssuedRequest, asked).received_at == received  # type: ignore[union-attr]
    assert child_row(database, "CIN-1001").date_of_birth == BORN - dt.timedelta(days=400)


def test_a_new_list_replaces_the_rows_of_the_last_and_the_same_bytes_change_nothing(
    gql: GraphQLClient, database: Database, la_token: str, lead_token: str, issued: None
) -> None:
    asked = request_id(database, "list.children-in-need")
    first = upload_list(gql, la_token, asked, realistic_cin(), "cin.csv")
    second = upload_list(
        gql,
        la_token,
        asked,
        cin_csv(cin_row("CIN-1001", BORN - dt.timedelta(days=400)), cin_row("CIN-4001", BORN)),
        "cin v2.csv",
    )
    assert second["accepted"] is True and second["duplicate"] is False
    assert count(database, ListRow) == 2
    assert count(database, ListUpload) == 2
    uploads = gql(
        "query($id: ID!) { node(id: $id) { ... on IssuedRequest { listUploads { id current } } } }",
        {"id": gid("IssuedRequest", asked)},
        lead_token,
    ).ok()["node"]["listUploads"]
    assert uploads == [
        {"id": first["listUpload"]["id"], "current": False},
        {"id": second["listUpload"]["id"], "current": True},
    ]
    # Children only the first list named, and nothing needs, went with it (see
    # test_a_shorter_list_removes_the_children_only_the_longer_one_named); CIN-1001 stays.
    assert (second["childrenRemoved"], second["childrenDelisted"]) == (3, 0)
    with database.session() as session:
        left = set(
            session.scalars(
                select(Child.local_id).where(
                    Child.local_id.in_(
                        ["DEMO00001", "CIN-1001", "CIN-1002", "CIN-1003", "CIN-4001"]
                    )
                )
            )
        )
    assert left == {"CIN-1001", "CIN-4001"}

    again = upload_list(
        gql,
        la_token,
        asked,
        cin_csv(cin_row("CIN-1001", BORN - dt.timedelta(days=400)), cin_row("CIN-4001", BORN)),
        "cin v2 (resent).csv",
    )
    assert again["accepted"] is True and again["duplicate"] is True
    assert again["listUpload"]["id"] == second["listUpload"]["id"]
    assert (count(database, ListRow), count(database, ListUpload)) == (2, 2)


def test_a_list_without_child_ids_keeps_its_rows(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    week_three = today() + dt.timedelta(days=10)
    meetings = (
        "Meeting type,Date,Time,Child IDs,Venue\n"
        f"ICPC,{uk(week_three)},10:00,CIN-1001,Civic Centre room 2\n"
        f"MARAC,{uk(week_three)},14:00,CIN-1001; CIN-1002,Police HQ\n"
    ).encode()
    children = count(database, Child)
    result = upload_list(gql, la_token, request_id(database, "list.meetings"), meetings, "m.csv")
    assert result["errors"] == [], result["problems"]
    assert (result["accepted"], result["rowCount"], result["childrenAdded"]) == (True, 2, 0)
    assert count(database, Child) == children
    with database.session() as session:
        assert list(session.scalars(select(ListRow.child_id))) == [None, None]


def test_only_the_agency_asked_sends_its_list(
    gql: GraphQLClient,
    database: Database,
    make_token: TokenFactory,
    lead_token: str,
    la_token: str,
    issued: None,
) -> None:
    police = make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police"))
    cin = request_id(database, "list.children-in-need")
    for token, code in ((police, "NOT_FOUND"), (lead_token, "NOT_ALLOWED")):
        result = upload_list(gql, token, cin, realistic_cin(), "cin.csv")
        assert result["accepted"] is False
        assert result["errors"][0]["code"] == code
    not_a_list = upload_list(gql, la_token, request_id(database, "1.1"), realistic_cin(), "x.csv")
    assert "uploadDocument" in not_a_list["errors"][0]["message"]
    assert not_a_list["errors"][0]["code"] == "WRONG_REQUEST_KIND"
    assert count(database, ListUpload) == 0


def test_ten_thousand_rows_import(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    rows = [
        cin_row(f"BULK{number:05d}", BORN - dt.timedelta(days=number % 3000), da="YN"[number % 2])
        for number in range(10_000)
    ]
    children = count(database, Child)
    result = upload_list(
        gql, la_token, request_id(database, "list.children-in-need"), cin_csv(*rows), "big.csv"
    )
    assert result["errors"] == []
    assert (result["accepted"], result["rowCount"], result["childrenAdded"]) == (
        True,
        10_000,
        10_000,
    )
    assert count(database, ListRow) == 10_000
    assert count(database, Child) == children + 10_000
    with database.session() as session:
        flagged = session.scalar(
            select(func.count()).where(
                Child.local_id.like("BULK%"), Child.lives_with_domestic_abuse.is_(True)
            )
        )
    assert flagged == 5_000


def test_uploads_are_audited_with_the_children_touched(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    from core.models import AuditEvent

    upload_list(
        gql, la_token, request_id(database, "list.children-in-need"), realistic_cin(), "cin.csv"
    )
    with database.session() as session:
        event = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.operation_name == "UploadList")
            .order_by(AuditEvent.id.desc())
        )
        children = set(session.scalars(select(Child.id).where(Child.local_id.like("CIN-%"))))
    assert event is not None and event.outcome == "ok"
    assert set(event.touched["Child"]) >= children
    assert event.touched["ListUpload"]


def test_an_agency_sees_its_own_lists_and_queries_but_no_child_and_no_other_agencys(
    gql: GraphQLClient,
    database: Database,
    make_token: TokenFactory,
    la_token: str,
    demo: DemoInspection,
    issued: None,
) -> None:
    upload_list(
        gql, la_token, request_id(database, "list.children-in-need"), realistic_cin(), "cin.csv"
    )
    query = (
        "query($id: ID!) { inspection(id: $id) { listUploads { listCode "
        "queries { nodes { code } } } } }"
    )
    variables = {"id": gid("Inspection", demo.inspection_id)}
    own = gql(query, variables, la_token).ok()["inspection"]["listUploads"]
    assert own == [
        {"listCode": "children-in-need", "queries": {"nodes": [{"code": "unknown_column"}]}}
    ]
    police = make_token(Role.AGENCY_USER, agency_id=agency_id(database, "police"))
    assert gql(query, variables, police).ok()["inspection"]["listUploads"] == []
    child = child_row(database, "CIN-1001")
    assert gql(CHILD_LISTS, {"id": gid("Child", child.id)}, la_token).ok() == {"node": None}


# --- Lists as councils send them, and a file no list is (tests/helpers/council_files.py) ---------


def test_a_template_worded_workbook_is_accepted_with_each_header_mapping_queried(
    gql: GraphQLClient, database: Database, la_token: str, lead_token: str, issued: None
) -> None:
    council = council_list(
        CHILD_PROTECTION_PLANS, file_format="xlsx", wording="shortened", as_of=NOTIFIED, count=12
    )
    asked = request_id(database, "list.child-protection-plans")

    result = upload_list(gql, la_token, asked, council.data, "CP list (Annex A template).xlsx")

    assert result["errors"] == [] and result["accepted"] is True
    assert (result["rowCount"], result["childrenAdded"]) == (12, 12)
    read_as = {p["column"]: p["field"] for p in result["problems"]}
    assert {p["code"] for p in result["problems"]} == {"header_read_as"}
    assert read_as["Living or has lived with domestic abuse (Y/N)"] == "domestic_abuse"
    assert read_as["Seen in accordance with timescales"] == "seen_within_plan_timescales"
    assert {q["code"] for q in result["listUpload"]["queries"]} == {"header_read_as"}
    first = council.expected[0]
    child = child_row(database, str(first["child_id"]))
    node = gql(CHILD_LISTS, {"id": gid("Child", child.id)}, lead_token).ok()["node"]
    values = {v["name"]: v["value"] for v in node["lists"][0]["values"]}
    assert values["domestic_abuse"] == ("Y" if first["domestic_abuse"] else "N")
    assert values["seen_within_plan_timescales"] == (
        "Y" if first["seen_within_plan_timescales"] else "N"
    )
    assert values["age_years"] == str(first["age_years"])


def test_a_workbook_with_a_cell_at_xfd1048576_is_refused_and_the_server_carries_on(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    asked = request_id(database, "list.child-protection-plans")
    before = {model: count(database, model) for model in (Child, ListRow, ListUpload)}

    result = upload_list(gql, la_token, asked, far_cell_xlsx(), "cp.xlsx")

    assert result["accepted"] is False and result["errors"][0]["field"] == "file"
    [problem] = result["problems"]
    assert (problem["severity"], problem["code"], problem["row"]) == (
        "ERROR",
        "too_many_rows",
        None,
    )
    assert "JTAI_LIST_MAX_ROWS" in problem["message"]
    assert {model: count(database, model) for model in (Child, ListRow, ListUpload)} == before
    # The same process answers the next upload.
    good = council_list(CHILD_PROTECTION_PLANS, file_format="xlsx", as_of=NOTIFIED, count=3)
    assert upload_list(gql, la_token, asked, good.data, "cp.xlsx")["accepted"] is True
