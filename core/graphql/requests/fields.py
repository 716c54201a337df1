"""The request workflow's fields on the Inspection hub and at the root."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from core import access
from core.graphql.base.enums import RequestStatus
from core.graphql.base.orders import RequestOrder
from core.graphql.base.pagination import PAGING, Connection, page_args
from core.graphql.base.permissions import roles, scoped_by
from core.graphql.context import Info
from core.graphql.nodes import InspectionCore
from core.graphql.requests.resolvers import (
    inspection_list_uploads,
    inspection_requests,
    my_requests,
)
from core.graphql.requests.types import IssuedRequest, ListUpload
from core.viewer import Role


@strawberry.type
class RequestFields(InspectionCore):
    """The hub's fields resolved here: requests and the lists the area sent."""

    @strawberry.field(
        description="The tracker: the requests issued for this inspection, soonest due first "
        "unless `orderBy` says otherwise. Inspectors on the inspection and admins see every "
        f"agency's; an agency user its own. {PAGING}",
        extensions=scoped_by(access.requests_visible_to),
    )
    async def requests(
        self,
        info: Info,
        agency_id: relay.GlobalID | None = None,
        status: RequestStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: RequestOrder = RequestOrder.DUE_AT_ASC,
    ) -> Connection[IssuedRequest]:
        args = page_args(first, after, last, before, info.context.settings.max_page_size)
        return await inspection_requests(info, self.id, agency_id, status, args, order_by)

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
        f"first unless `orderBy` says otherwise (agency users). {PAGING}",
        extensions=roles(Role.AGENCY_USER),
    )
    def my_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: RequestOrder = RequestOrder.DUE_AT_ASC,
        status: RequestStatus | None = None,
        inspection_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only the requests of this inspection."),
        ] = None,
    ) -> Connection[IssuedRequest]:
        args = page_args(first, after, last, before, info.context.settings.max_page_size)
        return my_requests(info, args, order_by, status, inspection_id)
