"""Document requests over GraphQL: issuing, the tracker, uploads of documents and lists.

- ``issueDocumentRequests(inspectionId)``: the lead inspector (or an admin) issues the framework's
  once-per-area requests to the area's agencies; issuing again changes nothing.
- ``Inspection.requests(agencyId, status, first, after)``: the tracker. Inspectors on the inspection
  and admins see every agency's requests; an agency user only its own agency's. ``myRequests``: an
  agency user's requests across the inspections of its area, soonest due first. A request's status
  is derived when asked, never stored.
- ``uploadDocument(requestId, file)``: the agency asked (or an admin) sends a file. It streams to
  the document store inside the transaction that records it, with a size cap and its SHA-256
  computed on the way; the same bytes sent twice for one request are recognised
  (``duplicate: true``) and kept once.
- ``uploadList(requestId, file)``: the agency sends an Annex A list (CSV or XLSX). It is checked
  against the list's columns and code sets; a list with any ERROR changes nothing and comes back
  with its problems summarised (counted and grouped by what to fix) and paged; an accepted list
  records its children once each, keeps its rows and its QUERY problems for the inspectors,
  removes the children the list it replaces named and nothing needs, and marks the request
  received.

Files come as GraphQL multipart requests; see ``core/app.py`` for the CSRF protection they need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

import strawberry
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.file_uploads import Upload

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.enums import RequestScope, RequestStatus, Severity
from core.graphql.base.errors import BadArgument, MutationFailed, UserError, invalid
from core.graphql.base.inputs import in_order, node_id, row_id, row_ids
from core.graphql.base.mutations import run, run_service, user_errors
from core.graphql.base.pagination import (
    Connection,
    decode_cursor,
    keyset_page,
    make_connection,
    page_size,
    sequence_page,
)
from core.graphql.base.permissions import roles, scoped_by, signed_in
from core.graphql.context import Info
from core.graphql.loaders import PageKey, RequestPageKey, after_request
from core.graphql.nodes import Agency, Child, InspectionCore, InspectionRef
from core.graphql.reference import (
    DocumentRequest,
    Inspectorate,
    ListSpec,
    inspectorate_of,
)
from core.lists import Problem, read_list
from core.models import utc_now
from core.registry import Owned
from core.viewer import Role
from core.workflow import documents
from core.workflow.list_problems import (
    NO_PROBLEMS,
    ProblemGroup,
    ProblemSummary,
    summarise,
    summary_from_json,
)
from core.workflow.lists import (
    RecordedList,
    accept_list,
    query_problem,
    storage_problems,
)
from core.workflow.requests import issue, request_status
from core.workflow.rules import Ref, Refused
from core.workflow.storage import FileTooLarge, StoredFile

# --- Types ---------------------------------------------------------------------------------------


@strawberry.type(description="A problem found in an uploaded list, by row, column and value.")
class ListProblem:
    severity: Severity
    code: str = strawberry.field(description="Stable, for machines, e.g. 'invalid_date'.")
    message: str = strawberry.field(description="For the person who has to fix the file.")
    row: int | None = strawberry.field(
        description="The row as the file shows it; null for the whole file."
    )
    column: str | None = strawberry.field(description="The header as the file writes it.")
    value: str | None = strawberry.field(description="The cell as the file writes it.")
    field: str | None = strawberry.field(description="The list field's name, when there is one.")

    @staticmethod
    def of(problem: Problem) -> ListProblem:
        return ListProblem(
            severity=problem.severity,
            code=problem.code,
            message=problem.message,
            row=problem.row,
            column=problem.column,
            value=problem.value,
            field=problem.field,
        )


@strawberry.type(
    description="Problems of one kind in one column of a list: one fix, however many rows."
)
class ListProblemGroup:
    severity: Severity
    code: str = strawberry.field(description="Stable, for machines, e.g. 'invalid_date'.")
    column: str | None = strawberry.field(
        description="The header as the file writes it (or the missing column's name); null for "
        "the whole file."
    )
    field: str | None = strawberry.field(description="The list field's name, when there is one.")
    count: int = strawberry.field(description="How many problems of this kind the column has.")
    first_rows: list[int] = strawberry.field(
        description="The first rows it is on (at most 10), as the file numbers them."
    )
    message: str = strawberry.field(
        description="What to change in the file: how many rows, which, and the first one's message."
    )

    @staticmethod
    def of(group: ProblemGroup) -> ListProblemGroup:
        return ListProblemGroup(
            severity=group.severity,
            code=group.code,
            column=group.column,
            field=group.field,
            count=group.count,
            first_rows=list(group.first_rows),
            message=group.message,
        )


@strawberry.type(
    description="Every problem of a list counted, and grouped by severity, code and column: "
    "what a person has to fix, before reading the problems a page at a time."
)
class ListProblemSummary:
    total: int = strawberry.field(description="Every problem found, ERRORs and QUERYs.")
    error_count: int
    query_count: int
    group_count: int = strawberry.field(description="Every group, listed in `groups` or not.")
    groups: list[ListProblemGroup] = strawberry.field(
        description="ERRORs first, then in the order the file shows them; at most "
        "JTAI_MAX_PAGE_SIZE of them (groupCount says how many there are)."
    )

    @staticmethod
    def of(summary: ProblemSummary, max_groups: int) -> ListProblemSummary:
        return ListProblemSummary(
            total=summary.total,
            error_count=summary.errors,
            query_count=summary.queries,
            group_count=summary.group_count,
            groups=[ListProblemGroup.of(g) for g in summary.groups[:max_groups]],
        )


async def stored_queries(
    info: Info, upload_id: int, first: int | None, after: str | None
) -> Connection[ListProblem]:
    """A page of the QUERY problems kept with an accepted list, in the order found."""
    key = PageKey(
        parent_id=upload_id,
        limit=page_size(first, info.context.settings.max_page_size),
        after_id=decode_cursor(after) if after else None,
    )
    page = await info.context.loaders.requests.queries_page.load(key)
    return make_connection(
        page.rows,
        key.limit,
        page.total,
        lambda row: row.id,
        lambda row: ListProblem.of(query_problem(row)),
        after is not None,
    )


@strawberry.type(description="A file an agency sent in answer to a request.")
class Document(relay.Node):
    id: relay.NodeID[int]
    filename: str = strawberry.field(description="The name it was sent with.")
    content_type: str
    size_bytes: int
    sha256: str = strawberry.field(description="SHA-256 of the bytes, in hex.")
    uploaded_at: dt.datetime
    request_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Document) -> Document:
        return Document(
            id=row.id,
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            uploaded_at=row.uploaded_at,
            request_id=row.request_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Document | None]:
        ids = list(node_ids)
        rows = await info.context.loaders.requests.document.load_many(row_ids(ids))
        return in_order(ids, {row.id: Document.of(row) for row in rows if row is not None})

    @strawberry.field(description="The request it answers.")
    async def request(self, info: Info) -> IssuedRequest | None:
        row = await info.context.loaders.requests.request.load(self.request_id)
        return IssuedRequest.of(*row) if row else None


@strawberry.type(
    description="An accepted list, with the queries (problems of severity QUERY) flagged for the "
    "inspectors: counted and grouped in `querySummary`, read a page at a time in `queries`."
)
class ListUpload(relay.Node):
    id: relay.NodeID[int]
    list_code: str
    filename: str
    sha256: str
    row_count: int
    uploaded_at: dt.datetime
    current: bool = strawberry.field(
        description="True for the latest list sent for its request; an earlier one's rows were "
        "replaced by it."
    )
    request_id: strawberry.Private[int]
    framework_code: strawberry.Private[str]
    summary: strawberry.Private[ProblemSummary]

    @staticmethod
    def of(row: m.ListUpload, framework: str, current: bool) -> ListUpload:
        return ListUpload(
            id=row.id,
            list_code=row.list_code,
            filename=row.filename,
            sha256=row.sha256,
            row_count=row.row_count,
            uploaded_at=row.uploaded_at,
            current=current,
            request_id=row.request_id,
            framework_code=framework,
            summary=summary_from_json(row.query_summary),
        )

    @strawberry.field(
        description="Every query of the list counted and grouped, including any beyond those "
        "kept (JTAI_MAX_LIST_QUERIES). A replaced list keeps its counts, codes, columns and rows, "
        "not the cells its messages quoted."
    )
    def query_summary(self, info: Info) -> ListProblemSummary:
        return ListProblemSummary.of(self.summary, info.context.settings.max_page_size)

    @strawberry.field(
        description="The queries kept with the list, in the order found: the first "
        "JTAI_MAX_LIST_QUERIES of them (querySummary counts all); none once the list is replaced.",
        extensions=scoped_by(access.list_uploads_visible_to),
    )
    async def queries(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ListProblem]:
        return await stored_queries(info, self.id, first, after)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ListUpload | None]:
        ids = list(node_ids)
        rows = await info.context.loaders.requests.list_upload.load_many(row_ids(ids))
        return in_order(ids, {row[0].id: ListUpload.of(*row) for row in rows if row is not None})

    @strawberry.field
    def list_title(self, info: Info) -> str | None:
        spec = info.context.registry.list_spec(self.framework_code, self.list_code)
        return spec.title if spec else None

    @strawberry.field(description="The request it answers.")
    async def request(self, info: Info) -> IssuedRequest | None:
        row = await info.context.loaders.requests.request.load(self.request_id)
        return IssuedRequest.of(*row) if row else None


@strawberry.type(
    description="A request issued to one agency (and, for per-child requests, about one child)."
)
class IssuedRequest(relay.Node):
    id: relay.NodeID[int]
    reference: str = strawberry.field(description="The request's reference, e.g. '1.4'.")
    due_at: dt.datetime = strawberry.field(description="In UTC.")
    issued_at: dt.datetime
    received_at: dt.datetime | None = strawberry.field(
        description="When the first document or accepted list arrived."
    )
    inspection_id: strawberry.Private[int]
    agency_id: strawberry.Private[int]
    child_id: strawberry.Private[int | None]
    framework_code: strawberry.Private[str]

    @staticmethod
    def of(row: m.IssuedRequest, framework: str) -> IssuedRequest:
        return IssuedRequest(
            id=row.id,
            reference=row.reference,
            due_at=row.due_at,
            issued_at=row.issued_at,
            received_at=row.received_at,
            inspection_id=row.inspection_id,
            agency_id=row.agency_id,
            child_id=row.child_id,
            framework_code=framework,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[IssuedRequest | None]:
        ids = list(node_ids)
        rows = await info.context.loaders.requests.request.load_many(row_ids(ids))
        return in_order(ids, {row[0].id: IssuedRequest.of(*row) for row in rows if row is not None})

    def _owned(self, info: Info) -> Owned[c.DocumentRequest] | None:
        return info.context.registry.document_request(self.framework_code, self.reference)

    @strawberry.field(description="Where it stands now: outstanding, overdue, received (late).")
    def status(self, info: Info) -> RequestStatus:
        return _status(self.due_at, self.received_at, info.context.asked_at)

    @strawberry.field(description="What is asked for, from the framework.")
    def title(self, info: Info) -> str:
        owned = self._owned(info)
        return owned.item.title if owned else self.reference

    @strawberry.field
    def description(self, info: Info) -> str:
        owned = self._owned(info)
        return owned.item.description if owned else ""

    @strawberry.field
    def scope(self, info: Info) -> RequestScope | None:
        owned = self._owned(info)
        return owned.item.scope if owned else None

    @strawberry.field(description="The columns asked for, when the request is for a list.")
    def list_spec(self, info: Info) -> ListSpec | None:
        owned = self._owned(info)
        spec = owned.item.list_spec if owned else None
        return ListSpec.of(spec) if spec else None

    @strawberry.field(description="The inspectorate whose request it is.")
    def owner(self, info: Info) -> Inspectorate | None:
        owned = self._owned(info)
        return inspectorate_of(info, owned.owner) if owned else None

    @strawberry.field(description="The framework's request, with its deadline rule.")
    def document_request(self, info: Info) -> DocumentRequest | None:
        owned = self._owned(info)
        return DocumentRequest.of(owned) if owned else None

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef | None:
        row = await info.context.loaders.inspection.load(self.inspection_id)
        return InspectionCore.of(row) if row else None

    @strawberry.field(description="The agency it is issued to.")
    async def agency(self, info: Info) -> Agency | None:
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.of(row) if row else None

    @strawberry.field(
        description="The child a per-child request is about (inspectors); null for area requests.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def child(self, info: Info) -> Child | None:
        if self.child_id is None:
            return None
        row = await info.context.loaders.child.load(self.child_id)
        return Child.of(row) if row else None

    @strawberry.field(
        description="The local authority's ID of the child a per-child request is about, for the "
        "agency that must find the child's documents; null for area requests."
    )
    async def child_local_id(self, info: Info) -> str | None:
        if self.child_id is None:
            return None
        return await info.context.loaders.requests.child_local_id.load(self.child_id)

    @strawberry.field(
        description="The files sent in answer, oldest first.",
        extensions=scoped_by(access.documents_visible_to),
    )
    async def documents(self, info: Info) -> list[Document]:
        rows = await info.context.loaders.requests.documents_of_request.load(self.id)
        return [Document.of(row) for row in rows]

    @strawberry.field(
        description="The lists sent in answer, oldest first; the last one is current.",
        extensions=scoped_by(access.list_uploads_visible_to),
    )
    async def list_uploads(self, info: Info) -> list[ListUpload]:
        rows = await info.context.loaders.requests.list_uploads_of_request.load(self.id)
        return [ListUpload.of(*row) for row in rows]


def _status(
    due_at: dt.datetime, received_at: dt.datetime | None, now: dt.datetime
) -> RequestStatus:
    return request_status(m.IssuedRequest(due_at=due_at, received_at=received_at), now)


# --- Reading: the tracker, my requests, lists --------------------------------------------------


def _agency_argument(agency_id: relay.GlobalID | None) -> int | None:
    if agency_id is None:
        return None
    parsed = row_id(agency_id.node_id) if agency_id.type_name == "Agency" else None
    if parsed is None:
        raise BadArgument(f"agencyId: {str(agency_id)!r} is not the ID of an Agency.")
    return parsed


async def inspection_requests(
    info: Info,
    inspection_id: int,
    agency_id: relay.GlobalID | None,
    status: RequestStatus | None,
    first: int | None,
    after: str | None,
) -> Connection[IssuedRequest]:
    """The tracker's page of one inspection's requests, soonest due first."""
    limit = page_size(first, info.context.settings.max_page_size)
    key = RequestPageKey(
        inspection_id=inspection_id,
        agency_id=_agency_argument(agency_id),
        status=status,
        limit=limit,
        after_id=decode_cursor(after) if after else None,
    )
    page = await info.context.loaders.requests.page.load(key)
    return make_connection(
        page.rows,
        limit,
        page.total,
        lambda row: row[0].id,
        lambda row: IssuedRequest.of(*row),
        after is not None,
    )


def my_requests(info: Info, first: int | None, after: str | None) -> Connection[IssuedRequest]:
    """An agency user's requests across the inspections of its area, soonest due first."""
    context = info.context
    viewer = context.viewer
    filters = [
        m.IssuedRequest.agency_id == viewer.agency_id,
        access.requests_visible_to(viewer),
        access.inspections_visible_to(viewer),
    ]
    return keyset_page(
        context.session,
        select(m.IssuedRequest, m.Inspection.framework)
        .join(m.Inspection, m.Inspection.id == m.IssuedRequest.inspection_id)
        .where(*filters),
        select(func.count())
        .select_from(m.IssuedRequest)
        .join(m.Inspection, m.Inspection.id == m.IssuedRequest.inspection_id)
        .where(*filters),
        key=m.IssuedRequest.id,
        first=first,
        after=after,
        maximum=context.settings.max_page_size,
        to_node=IssuedRequest.of,
        order=(m.IssuedRequest.due_at,),
        seek=after_request,
    )


async def inspection_list_uploads(info: Info, inspection_id: int) -> list[ListUpload]:
    rows = await info.context.loaders.requests.list_uploads_of_inspection.load(inspection_id)
    return [ListUpload.of(*row) for row in rows]


# --- Payloads ------------------------------------------------------------------------------------


@strawberry.type
class IssueDocumentRequestsPayload:
    issued_count: int = strawberry.field(
        description="How many requests this call issued; 0 when every one stood already."
    )
    requests: list[IssuedRequest] = strawberry.field(
        description="All the inspection's requests, soonest due first."
    )
    inspection: InspectionRef | None
    errors: list[UserError]


@strawberry.type
class UploadDocumentPayload:
    document: Document | None
    duplicate: bool = strawberry.field(
        description="True when these exact bytes were sent for this request before: the document "
        "returned is that earlier one, and no second copy was kept."
    )
    request: IssuedRequest | None
    errors: list[UserError]


@strawberry.type
class UploadListPayload:
    accepted: bool = strawberry.field(
        description="False when the list has any ERROR: then nothing was changed."
    )
    duplicate: bool = strawberry.field(
        description="True when these exact bytes are the list already current for this request."
    )
    list_upload: ListUpload | None
    request: IssuedRequest | None
    problem_summary: ListProblemSummary = strawberry.field(
        description="Every problem found, counted and grouped by what to fix: read this first."
    )
    row_count: int
    children_added: int = strawberry.field(description="Children not known before this list.")
    children_updated: int = strawberry.field(
        description="Known children whose details the list changed."
    )
    children_removed: int = strawberry.field(
        description="Children deleted because no list of the inspection names them any more and "
        "nothing in it needs them: those only the replaced list named, and any kept before "
        "(`onAList` false) whom nothing needs now."
    )
    children_delisted: int = strawberry.field(
        description="Children the replaced list named and no list names now, kept (`onAList` "
        "false) because the inspection needs them: chosen, asked about, cited by evidence, with "
        "consent recorded or named in a meeting."
    )
    errors: list[UserError]
    found: strawberry.Private[list[Problem]]  # a refused list's problems, for this response only
    upload_id: strawberry.Private[int | None]  # an accepted list's, whose queries are stored

    @strawberry.field(
        description="The problems a page at a time, in the order found. Refused: every ERROR and "
        "QUERY, held for this response only; to read on, send the same file again with `after` "
        "(the same file gives the same problems in the same order). Accepted: the QUERYs kept "
        "with the list, as `listUpload.queries`."
    )
    async def problems(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ListProblem]:
        if self.upload_id is not None:
            return await stored_queries(info, self.upload_id, first, after)
        maximum = info.context.settings.max_page_size
        return sequence_page(self.found, first, after, maximum, ListProblem.of)


# --- Mutations -----------------------------------------------------------------------------------


def _request_to_answer(
    info: Info, request_id: relay.GlobalID, *, list_wanted: bool
) -> tuple[int, str, c.DocumentRequest]:
    """``documents.request_to_answer`` in the request's session, outside any write."""
    context = info.context
    ref = Ref(node_id("requestId", request_id, "IssuedRequest"), str(request_id))
    try:
        return documents.request_to_answer(
            context.session, context.registry, context.viewer, ref, list_wanted=list_wanted
        )
    except Refused as refused:
        raise MutationFailed(*user_errors(refused, under=None)) from None


def _upload_of(file: object) -> UploadFile:
    if not isinstance(file, UploadFile):
        raise MutationFailed(
            invalid(
                "file",
                "send the file itself as a multipart request (the GraphQL multipart request "
                "specification), with the variable set to null and mapped to the file part.",
            )
        )
    return file


def _too_large(limit: int) -> UserError:
    return invalid(
        "file",
        f"the file is larger than {limit} bytes ({limit / 1_000_000:g} MB), the most one file may "
        "be. Nothing was kept: send a smaller file, or split it.",
    )


def _answered(session: Session, request_id: int, framework: str) -> IssuedRequest | None:
    request = session.get(m.IssuedRequest, request_id)
    return IssuedRequest.of(request, framework) if request else None


@strawberry.type
class RequestMutations:
    """Mutations of the request workflow; the schema's Mutation type inherits them."""

    @strawberry.mutation(
        description="Issue the framework's once-per-area document requests to the area's "
        "agencies (the lead inspector or an admin). Issuing again issues only what is missing.",
        extensions=signed_in(),
    )
    def issue_document_requests(
        self, info: Info, inspection_id: relay.GlobalID
    ) -> IssueDocumentRequestsPayload:
        def call(session: Session) -> tuple[m.Inspection, int, list[m.IssuedRequest]]:
            ref = Ref(node_id("inspectionId", inspection_id, "Inspection"), str(inspection_id))
            inspection, issued, rows = issue(
                session, info.context.registry, info.context.viewer, ref
            )
            info.context.touch("IssuedRequest", (r.id for r in issued))
            return inspection, len(issued), rows

        done, errors = run_service(info, call, under=None)
        if done is None:
            return IssueDocumentRequestsPayload(
                issued_count=0, requests=[], inspection=None, errors=errors
            )
        inspection, count, rows = done
        return IssueDocumentRequestsPayload(
            issued_count=count,
            requests=[IssuedRequest.of(r, inspection.framework) for r in rows],
            inspection=InspectionCore.of(inspection),
            errors=[],
        )

    @strawberry.mutation(
        description="Send a file in answer to a request (the agency it is issued to, or an "
        "admin), as a GraphQL multipart request. The same bytes sent twice are kept once.",
        extensions=signed_in(),
    )
    async def upload_document(
        self, info: Info, request_id: relay.GlobalID, file: Upload
    ) -> UploadDocumentPayload:
        context = info.context
        store = context.documents
        limit = context.settings.max_upload_bytes
        try:
            answered_id, framework, _ = _request_to_answer(info, request_id, list_wanted=False)
            upload = _upload_of(file)
        except MutationFailed as failed:
            context.rejected = True
            return UploadDocumentPayload(
                document=None, duplicate=False, request=None, errors=failed.errors
            )
        saved: list[StoredFile] = []

        def work(session: Session) -> tuple[m.Document, bool]:
            # The bytes are stored in this transaction, so they and the row commit together (or,
            # in local files, only a sweep's leftover can remain: core/workflow/storage.py).
            try:
                stored = store.save(session, upload.file, max_bytes=limit)
            except FileTooLarge as too_large:
                raise MutationFailed(_too_large(too_large.limit)) from None
            saved.append(stored)
            document, duplicate = documents.record_document(
                session,
                context.viewer,
                answered_id,
                stored,
                given_name=upload.filename,
                content_type=upload.content_type,
            )
            if duplicate:  # the bytes are kept once, under the first document
                store.discard(session, stored.key)
            else:
                context.touch("Document", [document.id])
                context.touch("IssuedRequest", [answered_id])
            return document, duplicate

        committed = False
        try:
            # Off the event loop: the bytes are copied while the transaction is open.
            done, errors = await run_in_threadpool(run, info, work)
            committed = done is not None
        except IntegrityError:
            # The same bytes arrived for this request at the same moment: the other copy stands.
            context.session.rollback()
            existing = documents.same_document(context.session, answered_id, saved[-1].sha256)
            if existing is None:
                raise
            done, errors = (existing, True), []
        finally:
            if not committed and not context.commit_unknown:
                for stored in saved:
                    store.rolled_back(stored.key)
        if done is None:
            return UploadDocumentPayload(
                document=None, duplicate=False, request=None, errors=errors
            )
        document, duplicate = done
        return UploadDocumentPayload(
            document=Document.of(document),
            duplicate=duplicate,
            request=_answered(context.session, answered_id, framework),
            errors=[],
        )

    @strawberry.mutation(
        description="Send an Annex A list (CSV or XLSX) in answer to a list request (the agency "
        "it is issued to, or an admin). A list with any ERROR changes nothing and comes back with "
        "its problems counted and grouped (problemSummary) and paged (problems); an accepted one "
        "records its children and rows, and removes the children only the list it replaces "
        "named, in one transaction.",
        extensions=signed_in(),
    )
    async def upload_list(
        self, info: Info, request_id: relay.GlobalID, file: Upload
    ) -> UploadListPayload:
        context = info.context
        registry = context.registry
        limit = context.settings.max_upload_bytes
        try:
            answered_id, framework, asked = _request_to_answer(info, request_id, list_wanted=True)
            assert asked.list_spec is not None
            spec = asked.list_spec
            upload = _upload_of(file)
            as_of = context.session.execute(  # the date the list is for: ages are checked on it
                select(m.Inspection.notification_date)
                .join(m.IssuedRequest)
                .where(m.IssuedRequest.id == answered_id)
            ).scalar_one()
            context.session.rollback()
            data = await upload.read(limit + 1)
            if len(data) > limit:
                raise MutationFailed(_too_large(limit))
        except MutationFailed as failed:
            context.rejected = True
            return _list_refused(info, failed.errors, [])
        filename = documents.filename(upload.filename)
        code_sets = {code_set.code: code_set for code_set in registry.code_sets}
        limits = context.settings.list_limits
        result = await run_in_threadpool(
            lambda: read_list(data, filename, spec, code_sets, as_of=as_of, limits=limits)
        )
        max_queries = context.settings.max_list_queries

        def checked() -> ProblemSummary:
            result.problems.extend(storage_problems(spec, result))
            return summarise(result.problems, max_queries)

        # Off the event loop too: a file of 25,000 bad rows has 25,000 problems to count.
        summary = await run_in_threadpool(checked)
        if not result.accepted:
            context.rejected = True
            count = summary.errors
            error = invalid(
                "file",
                f"the list was not accepted: {count} error{'s' if count != 1 else ''} to fix "
                "(see problemSummary, then problems). Nothing was changed; correct the file and "
                "send it again.",
            )
            return _list_refused(info, [error], result.problems, summary)
        sha256 = hashlib.sha256(data).hexdigest()

        def work(session: Session) -> tuple[m.ListUpload, RecordedList | None]:
            upload_row, recorded = accept_list(
                session,
                answered_id,
                spec,
                result,
                filename=filename,
                sha256=sha256,
                received_at=utc_now(),
                max_queries=max_queries,
            )
            if recorded is not None:
                touched = (*recorded.child_ids, *recorded.removed_ids, *recorded.delisted_ids)
                context.touch("Child", sorted(set(touched)))
                context.touch("ListUpload", [recorded.upload.id])
                context.touch("IssuedRequest", [answered_id])
            return upload_row, recorded

        done, errors = run(info, work)
        if done is None:
            return _list_refused(info, errors, result.problems, summary)
        upload_row, recorded = done
        duplicate = recorded is None
        added = recorded.children_added if recorded else 0
        updated = recorded.children_updated if recorded else 0
        removed = len(recorded.removed_ids) if recorded else 0
        delisted = len(recorded.delisted_ids) if recorded else 0
        listed = ListUpload.of(upload_row, framework, current=True)
        return UploadListPayload(
            accepted=True,
            duplicate=duplicate,
            list_upload=listed,
            request=_answered(context.session, answered_id, framework),
            # A duplicate shows what was recorded with the list, as its queries do.
            problem_summary=ListProblemSummary.of(listed.summary, context.settings.max_page_size),
            row_count=upload_row.row_count,
            children_added=added,
            children_updated=updated,
            children_removed=removed,
            children_delisted=delisted,
            errors=[],
            found=[],
            upload_id=upload_row.id,
        )


def _list_refused(
    info: Info,
    errors: list[UserError],
    problems: list[Problem],
    summary: ProblemSummary = NO_PROBLEMS,
) -> UploadListPayload:
    return UploadListPayload(
        accepted=False,
        duplicate=False,
        list_upload=None,
        request=None,
        problem_summary=ListProblemSummary.of(summary, info.context.settings.max_page_size),
        row_count=0,
        children_added=0,
        children_updated=0,
        children_removed=0,
        children_delisted=0,
        errors=errors,
        found=problems,
        upload_id=None,
    )


__all__ = [
    "Document",
    "IssuedRequest",
    "ListProblem",
    "ListProblemGroup",
    "ListProblemSummary",
    "ListUpload",
    "RequestMutations",
    "inspection_list_uploads",
    "inspection_requests",
    "my_requests",
]


@strawberry.type
class RequestFields(InspectionCore):
    """The hub's fields resolved here: requests and the lists the area sent."""

    @strawberry.field(
        description="The tracker: the requests issued for this inspection, soonest due first. "
        "Inspectors on the inspection and admins see every agency's; an agency user its own.",
        extensions=scoped_by(access.requests_visible_to),
    )
    async def requests(
        self,
        info: Info,
        agency_id: relay.GlobalID | None = None,
        status: RequestStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[IssuedRequest]:
        return await inspection_requests(info, self.id, agency_id, status, first, after)

    @strawberry.field(
        description="The lists the area sent for this inspection, oldest first, with the "
        "queries flagged for inspectors.",
        extensions=scoped_by(access.list_uploads_visible_to),
    )
    async def list_uploads(self, info: Info) -> list[ListUpload]:
        return await inspection_list_uploads(info, self.id)


@strawberry.type
class RequestQueries:
    """The root fields of the request workflow."""

    @strawberry.field(
        description="Your agency's requests across the inspections of your area, soonest due "
        "first (agency users).",
        extensions=roles(Role.AGENCY_USER),
    )
    def my_requests(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[IssuedRequest]:
        return my_requests(info, first, after)
