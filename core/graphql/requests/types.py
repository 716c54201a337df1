"""The request workflow's types: issued requests, the files sent, a list's problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterable
from typing import Any, cast

import strawberry
from strawberry import relay

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.enums import RequestScope, RequestStatus, Severity
from core.graphql.base.inputs import in_order, row_ids
from core.graphql.base.pagination import Connection, decode_cursor, make_connection, page_size
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Context, Info
from core.graphql.loaders import PageKey, RequestRow
from core.graphql.nodes import Agency, Child, InspectionRef, load_inspection
from core.graphql.reference import (
    DocumentRequest,
    Inspectorate,
    ListSpec,
    NotInstalled,
    inspectorate_of,
)
from core.integrations.downloads import download_path
from core.lists import Problem
from core.registry import Owned
from core.workflow import documents
from core.workflow.list_problems import ProblemGroup, ProblemSummary, summary_from_json
from core.workflow.lists import query_problem
from core.workflow.requests import request_status
from core.workflow.rules import Ref, Refused

# --- Types ---------------------------------------------------------------------------------------


class _AgencyLater:
    """A request's agency its statement did not join: loaded only if the field is read, when
    graphql-core awaits it as it would a resolver's coroutine (made only then, so an unread one
    leaves no coroutine behind)."""

    __slots__ = ("_agency_id", "_context")

    def __init__(self, context: Context, agency_id: int) -> None:
        self._context = context
        self._agency_id = agency_id

    def __await__(self) -> Generator[Any, None, Agency]:
        return self._load().__await__()

    async def _load(self) -> Agency:
        row = await self._context.loaders.agency.load(self._agency_id)
        if row is None:  # whoever sees a request sees the agencies of its area
            raise LookupError(f"agency {self._agency_id} is out of the viewer's scope")
        return Agency.of(row)


def _agency_later(context: Context, agency_id: int) -> Agency:
    # Typed as the field's type: strawberry reads the attribute, graphql-core awaits it.
    return cast(Agency, _AgencyLater(context, agency_id))


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
        return IssuedRequest.of(*row, info.context) if row else None

    @strawberry.field(
        description="Where to download its bytes, relative to the API's origin: GET it with the "
        "same bearer token. Each download is recorded in the audit trail."
    )
    def download_url(self) -> str:
        return download_path(self.id)


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
        return IssuedRequest.of(*row, info.context) if row else None


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
    cancelled_at: dt.datetime | None = strawberry.field(
        description="When it was cancelled, because the child it is about was untracked before "
        "it was answered (status CANCELLED); null while it stands."
    )
    # Plain fields, their values given when the node is made (the compiled builders of
    # core/graphql/execution.py then take a page of requests whole): the status at the request's
    # time of asking, and the agency (`agency` below).
    status: RequestStatus = strawberry.field(
        description="Where it stands now: outstanding, overdue, received (late), or cancelled."
    )
    inspection_id: strawberry.Private[int]
    agency_id: strawberry.Private[int]
    child_id: strawberry.Private[int | None]
    framework_code: strawberry.Private[str]

    @staticmethod
    def of(
        row: RequestRow, framework: str, context: Context, agency: Agency | None = None
    ) -> IssuedRequest:
        """The request's node; ``agency`` when its statement joined it, else it is loaded if the
        field is read."""
        return IssuedRequest(  # type: ignore[call-arg]  # agency: see its declaration
            id=row.id,
            reference=row.reference,
            due_at=row.due_at,
            issued_at=row.issued_at,
            received_at=row.received_at,
            cancelled_at=row.cancelled_at,
            status=request_status(row, context.asked_at),
            inspection_id=row.inspection_id,
            agency_id=row.agency_id,
            child_id=row.child_id,
            framework_code=framework,
            agency=agency if agency is not None else _agency_later(context, row.agency_id),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[IssuedRequest | None]:
        ids = list(node_ids)
        rows = await info.context.loaders.requests.request.load_many(row_ids(ids))
        return in_order(
            ids,
            {row[0].id: IssuedRequest.of(*row, info.context) for row in rows if row is not None},
        )

    def _owned(self, info: Info) -> Owned[c.DocumentRequest] | None:
        return info.context.registry.document_request(self.framework_code, self.reference)

    def _installed(self, info: Info) -> Owned[c.DocumentRequest]:
        owned = self._owned(info)
        if owned is None:
            raise NotInstalled(f"document request of {self.framework_code}", self.reference)
        return owned

    @strawberry.field(
        description="Whether you may send what it asks: uploadDocument, or uploadList for a "
        "list request (the rule those mutations apply before reading the file): the agency it "
        "is issued to, or an admin."
    )
    def viewer_can_upload(self, info: Info) -> bool:
        context = info.context
        owned = self._owned(info)
        wants_list = owned is not None and owned.item.list_spec is not None
        try:
            documents.request_to_answer(
                context.session,
                context.registry,
                context.viewer,
                Ref(self.id, self.id),
                list_wanted=wants_list,
            )
        except Refused:
            return False
        return True

    @strawberry.field(description="What is asked for, from the framework.")
    def title(self, info: Info) -> str:
        owned = self._owned(info)
        return owned.item.title if owned else self.reference

    @strawberry.field
    def description(self, info: Info) -> str:
        owned = self._owned(info)
        return owned.item.description if owned else ""

    @strawberry.field
    def scope(self, info: Info) -> RequestScope:
        return self._installed(info).item.scope

    @strawberry.field(description="The columns asked for, when the request is for a list.")
    def list_spec(self, info: Info) -> ListSpec | None:
        owned = self._owned(info)
        spec = owned.item.list_spec if owned else None
        return ListSpec.of(spec) if spec else None

    @strawberry.field(description="The inspectorate whose request it is.")
    def owner(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self._installed(info).owner)

    @strawberry.field(description="The framework's request, with its deadline rule.")
    def document_request(self, info: Info) -> DocumentRequest | None:
        owned = self._owned(info)
        return DocumentRequest.of(owned) if owned else None

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef:
        return await load_inspection(info, self.inspection_id)

    # A plain field declared here (no annotation), so that the schema keeps its place.
    agency = strawberry.field(graphql_type=Agency, description="The agency it is issued to.")

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
