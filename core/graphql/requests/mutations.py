"""Issuing document requests and receiving documents and Annex A lists."""

from __future__ import annotations

import hashlib
import logging

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.file_uploads import Upload

from core import access
from core import contributions as c
from core import models as m
from core.database import Database
from core.graphql.base.domain_errors import ListError, RequestError, as_domain
from core.graphql.base.errors import MutationFailed, UserError, invalid
from core.graphql.base.inputs import node_id
from core.graphql.base.mutations import run, run_service, user_errors
from core.graphql.base.pagination import Connection, sequence_page
from core.graphql.base.permissions import scoped_by, signed_in
from core.graphql.context import Context, Info
from core.graphql.nodes import InspectionCore, InspectionRef
from core.graphql.requests.types import (
    Document,
    IssuedRequest,
    ListProblem,
    ListProblemSummary,
    ListUpload,
    stored_queries,
)
from core.lists import Problem, read_list
from core.models import utc_now
from core.workflow import documents
from core.workflow.list_problems import NO_PROBLEMS, ProblemSummary, summarise
from core.workflow.lists import RecordedList, accept_list, announce_refused, storage_problems
from core.workflow.meetings_list import add_list_queries, make_meetings, meetings_list
from core.workflow.requests import issue
from core.workflow.rules import Ref, Refused
from core.workflow.storage import FileTooLarge, StoredFile

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
    errors: list[RequestError]


@strawberry.type
class UploadDocumentPayload:
    document: Document | None = strawberry.field(
        extensions=scoped_by(access.documents_visible_to)  # the uploader's own, audited
    )
    duplicate: bool = strawberry.field(
        description="True when these exact bytes were sent for this request before: the document "
        "returned is that earlier one, and no second copy was kept."
    )
    request: IssuedRequest | None
    errors: list[RequestError]


@strawberry.type
class UploadListPayload:
    accepted: bool = strawberry.field(
        description="False when the list has any ERROR: then nothing was changed."
    )
    duplicate: bool = strawberry.field(
        description="True when these exact bytes are the list already current for this request."
    )
    list_upload: ListUpload | None = strawberry.field(
        extensions=scoped_by(access.list_uploads_visible_to)  # the uploader's own, audited
    )
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
    errors: list[ListError]
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
        "be (setting JTAI_MAX_UPLOAD_BYTES). Nothing was kept: send a smaller file, or split it.",
        reason="TOO_LARGE",
    )


def _answered(context: Context, request_id: int, framework: str) -> IssuedRequest | None:
    request = context.session.get(m.IssuedRequest, request_id)
    return IssuedRequest.of(request, framework, context) if request else None


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

        done, errors = run_service(info, call, under=None, errors=RequestError)
        if done is None:
            return IssueDocumentRequestsPayload(
                issued_count=0, requests=[], inspection=None, errors=errors
            )
        inspection, count, rows = done
        return IssueDocumentRequestsPayload(
            issued_count=count,
            requests=[IssuedRequest.of(r, inspection.framework, info.context) for r in rows],
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
                document=None,
                duplicate=False,
                request=None,
                errors=as_domain(failed.errors, RequestError),
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
            done, errors = await run_in_threadpool(lambda: run(info, work, errors=RequestError))
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
            request=_answered(context, answered_id, framework),
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
            # Announced in a transaction of its own: the refusal itself changes nothing.
            await run_in_threadpool(_announce_refused, context.database, answered_id)
            count = summary.errors
            error = invalid(
                "file",
                f"the list was not accepted: {count} error{'s' if count != 1 else ''} to fix "
                "(see problemSummary, then problems). Nothing was changed; correct the file and "
                "send it again.",
                reason="LIST_NOT_ACCEPTED",
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
            meetings = meetings_list(registry, framework)
            if recorded is not None and meetings is not None and meetings.code == spec.code:
                # The meetings list becomes the fieldwork week's meetings, in the same commit.
                made = make_meetings(session, registry, spec, recorded.upload, utc_now())
                add_list_queries(
                    session, recorded.upload, result.queries, made.queries, max_queries
                )
                context.touch("Meeting", made.touched)
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
            request=_answered(context, answered_id, framework),
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


def _announce_refused(database: Database, request_id: int) -> None:
    try:
        with database.write() as session:
            announce_refused(session, request_id)
    except Exception as error:  # the refusal is the answer; its announcement is a courtesy
        logging.getLogger("jtai.events").warning(
            "LIST_REFUSED not announced: %s", type(error).__name__
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
        errors=as_domain(errors, ListError),
        found=problems,
        upload_id=None,
    )
