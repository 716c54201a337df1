"""The request tracker, an agency user's requests across inspections, and the lists an area sent."""

from __future__ import annotations

from sqlalchemy import func, select
from strawberry import relay

from core import access
from core import models as m
from core.graphql.base.enums import RequestStatus
from core.graphql.base.errors import BadArgument
from core.graphql.base.inputs import row_id
from core.graphql.base.pagination import (
    Connection,
    decode_cursor,
    keyset_page,
    make_connection,
    page_size,
)
from core.graphql.context import Info
from core.graphql.loaders import RequestPageKey, after_request
from core.graphql.requests.types import IssuedRequest, ListUpload

# --- Reading: the tracker, my requests, lists --------------------------------------------------


def _agency_argument(agency_id: relay.GlobalID | None) -> int | None:
    if agency_id is None:
        return None
    parsed = row_id(agency_id.node_id) if agency_id.type_name == "Agency" else None
    if parsed is None:
        raise BadArgument(
            f"agencyId: {str(agency_id)!r} is not the ID of an Agency. Pass an Agency.id.",
            "BAD_GLOBAL_ID",
        )
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
