"""The request tracker, an agency user's requests across inspections, and the lists an area sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from strawberry import relay

from core import access
from core import models as m
from core.graphql.base.enums import AgencyKind, RequestStatus
from core.graphql.base.errors import BadArgument
from core.graphql.base.inputs import row_id
from core.graphql.base.orders import RequestOrder
from core.graphql.base.pagination import Connection, PageArgs, keyset_page, page_connection
from core.graphql.context import Info
from core.graphql.loaders import RequestPageKey, request_filters
from core.graphql.nodes import Agency
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


def _inspection_argument(inspection_id: relay.GlobalID | None) -> int | None:
    if inspection_id is None:
        return None
    parsed = row_id(inspection_id.node_id) if inspection_id.type_name == "Inspection" else None
    if parsed is None:
        raise BadArgument(
            f"inspectionId: {str(inspection_id)!r} is not the ID of an Inspection. "
            "Pass an Inspection.id.",
            "BAD_GLOBAL_ID",
        )
    return parsed


async def inspection_requests(
    info: Info,
    inspection_id: int,
    agency_id: relay.GlobalID | None,
    status: RequestStatus | None,
    args: PageArgs,
    order: RequestOrder,
) -> Connection[IssuedRequest]:
    """The tracker's page of one inspection's requests, soonest due first unless ``order``."""
    key = RequestPageKey(
        inspection_id=inspection_id,
        agency_id=_agency_argument(agency_id),
        status=status,
        args=args,
        order=order,
    )
    page = await info.context.loaders.requests.page.load(key)
    agencies: dict[int, Agency] = {}  # one node per agency per page

    def node(found: tuple[Any, str]) -> IssuedRequest:
        row, framework = found
        agency = None
        if row.agency_kind is not None:  # joined: the viewer may see it
            agency = agencies.get(row.agency_id)
            if agency is None:
                agency = agencies[row.agency_id] = Agency(
                    id=row.agency_id,
                    kind=AgencyKind(row.agency_kind),
                    name=row.agency_name,
                    area_id=row.agency_area_id,
                )
        return IssuedRequest.of(row, framework, info.context, agency)

    return page_connection(page.rows, args, page.counts, lambda row: row[0].id, node)


def my_requests(
    info: Info,
    args: PageArgs,
    order: RequestOrder,
    status: RequestStatus | None,
    inspection_id: relay.GlobalID | None,
) -> Connection[IssuedRequest]:
    """An agency user's requests across the inspections of its area, soonest due first unless
    ``order``; ``status`` and ``inspection_id`` narrow them."""
    context = info.context
    viewer = context.viewer
    filters = [
        access.requests_visible_to(viewer),
        access.inspections_visible_to(viewer),
        *request_filters(viewer.agency_id, status, context.asked_at),
    ]
    inspection = _inspection_argument(inspection_id)
    if inspection is not None:
        filters.append(m.IssuedRequest.inspection_id == inspection)
    return keyset_page(
        context.session,
        select(m.IssuedRequest, m.Inspection.framework)
        .join(m.Inspection, m.Inspection.id == m.IssuedRequest.inspection_id)
        .where(*filters),
        select(func.count())
        .select_from(m.IssuedRequest)
        .join(m.Inspection, m.Inspection.id == m.IssuedRequest.inspection_id)
        .where(*filters),
        ordering=order.ordering,
        args=args,
        to_node=lambda row, framework: IssuedRequest.of(row, framework, context),
    )


async def inspection_list_uploads(info: Info, inspection_id: int) -> list[ListUpload]:
    rows = await info.context.loaders.requests.list_uploads_of_inspection.load(inspection_id)
    return [ListUpload.of(*row) for row in rows]
