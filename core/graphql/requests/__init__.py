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

from core.graphql.requests.fields import RequestFields, RequestQueries
from core.graphql.requests.mutations import (
    IssueDocumentRequestsPayload,
    RequestMutations,
    UploadDocumentPayload,
    UploadListPayload,
)
from core.graphql.requests.resolvers import (
    inspection_list_uploads,
    inspection_requests,
    my_requests,
)
from core.graphql.requests.types import (
    Document,
    IssuedRequest,
    ListProblem,
    ListProblemGroup,
    ListProblemSummary,
    ListUpload,
    stored_queries,
)

__all__ = [
    "Document",
    "IssueDocumentRequestsPayload",
    "IssuedRequest",
    "ListProblem",
    "ListProblemGroup",
    "ListProblemSummary",
    "ListUpload",
    "RequestFields",
    "RequestMutations",
    "RequestQueries",
    "UploadDocumentPayload",
    "UploadListPayload",
    "inspection_list_uploads",
    "inspection_requests",
    "my_requests",
    "stored_queries",
]
