"""The orders a client may ask of the lists a UI shows, as enums: an unknown value is refused by
GraphQL validation before any resolver runs. Each value names the ``Ordering`` that pages it."""

from __future__ import annotations

from enum import Enum

import strawberry

from core import models as m
from core.graphql.base.pagination import Ordering


@strawberry.enum(description="The order of a list of inspections; ties go to the oldest created.")
class InspectionOrder(Enum):
    CREATED_ASC = "created_asc"
    CREATED_DESC = "created_desc"
    NOTIFICATION_DATE_ASC = "notification_date_asc"
    NOTIFICATION_DATE_DESC = "notification_date_desc"
    REFERENCE_ASC = "reference_asc"
    REFERENCE_DESC = "reference_desc"

    @property
    def ordering(self) -> Ordering:
        return _INSPECTION_ORDERS[self]


@strawberry.enum(description="The order of an inspection's children; ties go to the oldest added.")
class ChildOrder(Enum):
    CREATED_ASC = "created_asc"
    CREATED_DESC = "created_desc"
    LOCAL_ID_ASC = "local_id_asc"
    LOCAL_ID_DESC = "local_id_desc"

    @property
    def ordering(self) -> Ordering:
        return _CHILD_ORDERS[self]


@strawberry.enum(description="The order of an inspection's evidence; ties go to the first made.")
class EvidenceOrder(Enum):
    RECORDED_ASC = "recorded_asc"
    RECORDED_DESC = "recorded_desc"
    UPDATED_AT_ASC = "updated_at_asc"
    UPDATED_AT_DESC = "updated_at_desc"

    @property
    def ordering(self) -> Ordering:
        return _EVIDENCE_ORDERS[self]


@strawberry.enum(description="The order of a list of requests; ties go to the first issued.")
class RequestOrder(Enum):
    DUE_AT_ASC = "due_at_asc"
    DUE_AT_DESC = "due_at_desc"
    ISSUED_AT_ASC = "issued_at_asc"
    ISSUED_AT_DESC = "issued_at_desc"

    @property
    def ordering(self) -> Ordering:
        return _REQUEST_ORDERS[self]


_INSPECTION_ORDERS = {
    InspectionOrder.CREATED_ASC: Ordering(m.Inspection),
    InspectionOrder.CREATED_DESC: Ordering(m.Inspection, descending_id=True),
    InspectionOrder.NOTIFICATION_DATE_ASC: Ordering(
        m.Inspection, ((m.Inspection.notification_date, False),)
    ),
    InspectionOrder.NOTIFICATION_DATE_DESC: Ordering(
        m.Inspection, ((m.Inspection.notification_date, True),)
    ),
    InspectionOrder.REFERENCE_ASC: Ordering(m.Inspection, ((m.Inspection.reference, False),)),
    InspectionOrder.REFERENCE_DESC: Ordering(m.Inspection, ((m.Inspection.reference, True),)),
}
_CHILD_ORDERS = {
    ChildOrder.CREATED_ASC: Ordering(m.Child),
    ChildOrder.CREATED_DESC: Ordering(m.Child, descending_id=True),
    ChildOrder.LOCAL_ID_ASC: Ordering(m.Child, ((m.Child.local_id, False),)),
    ChildOrder.LOCAL_ID_DESC: Ordering(m.Child, ((m.Child.local_id, True),)),
}
_EVIDENCE_ORDERS = {
    EvidenceOrder.RECORDED_ASC: Ordering(m.EvidenceRecord),
    EvidenceOrder.RECORDED_DESC: Ordering(m.EvidenceRecord, descending_id=True),
    EvidenceOrder.UPDATED_AT_ASC: Ordering(
        m.EvidenceRecord, ((m.EvidenceRecord.updated_at, False),)
    ),
    EvidenceOrder.UPDATED_AT_DESC: Ordering(
        m.EvidenceRecord, ((m.EvidenceRecord.updated_at, True),)
    ),
}
_REQUEST_ORDERS = {
    RequestOrder.DUE_AT_ASC: Ordering(m.IssuedRequest, ((m.IssuedRequest.due_at, False),)),
    RequestOrder.DUE_AT_DESC: Ordering(m.IssuedRequest, ((m.IssuedRequest.due_at, True),)),
    RequestOrder.ISSUED_AT_ASC: Ordering(m.IssuedRequest, ((m.IssuedRequest.issued_at, False),)),
    RequestOrder.ISSUED_AT_DESC: Ordering(m.IssuedRequest, ((m.IssuedRequest.issued_at, True),)),
}
