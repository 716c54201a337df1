"""What CQC asks health partners for under the 2016 guidance (Annex A, paragraphs 17 and 19).

6.1-6.5 are the health partners' 'other information', due by the end of day five, titled as the
guidance words them. ``cqc.health-documents`` is CQC's own request for health documents about the
tracked children, which the guidance says CQC makes on the Friday of week two, once inspectors have
read the partnership's joint evaluations and chosen which health agencies to ask. The guidance gives
that Friday and no return date, so the request carries that Friday as its deadline (the README
explains why).
"""

from core.contributions import (
    AgencyKind,
    Deadline,
    DocumentRequest,
    RequestScope,
    TimeOfDay,
    Weekday,
)

_END_OF_DAY_FIVE = Deadline.working_day(5, TimeOfDay.END_OF_DAY)

_OTHER_INFORMATION = (
    "Other information to support the inspection (Annex A, paragraph 19), from health partners: "
    "the area's best and most recent examples relating to the scope of the inspection, not "
    "everything held, provided electronically."
)


def _health(reference: str, title: str) -> DocumentRequest:
    return DocumentRequest(
        framework="da-2016",
        reference=reference,
        title=title,
        addressed_to=(AgencyKind.HEALTH,),
        scope=RequestScope.AREA,
        deadline=_END_OF_DAY_FIVE,
        description=_OTHER_INFORMATION,
    )


DOCUMENT_REQUESTS: tuple[DocumentRequest, ...] = (
    DocumentRequest(
        framework="da-2016",
        reference="cqc.health-documents",
        title="documents about the children whose experiences inspectors will track",
        addressed_to=(AgencyKind.HEALTH,),
        scope=RequestScope.TRACKED_CHILD,
        deadline=Deadline.week_day(2, Weekday.FRIDAY, TimeOfDay.END_OF_DAY),
        description=(
            "Annex A, paragraph 17: 'The CQC will request documents about the children whose "
            "experiences inspectors will track.' The health agencies involved vary, so CQC decides "
            "which to ask after inspectors have reviewed the partnership's joint evaluations (due "
            "end of day seven), and makes the request on the Friday of week two. The guidance "
            "gives no return date; the deadline here is the Friday of week two, when the request "
            "is made, and only the health agencies CQC selects need answer it."
        ),
    ),
    _health(
        "6.1",
        "organisational structures showing lines of reporting and accountability including "
        "details of local health commissioning and/or provider representation at MARAC",
    ),
    _health(
        "6.2",
        "Clinical Commissioning Group (CCG) and provider services with details of who is providing "
        "commissioned services, including health visiting and school nursing",
    ),
    _health(
        "6.3",
        "CCG and provider services annual reports on safeguarding and child protection, including "
        "for children looked after",
    ),
    _health(
        "6.4",
        "provider policies relating to children living with domestic abuse including local primary "
        "care policies",
    ),
    _health(
        "6.5",
        "any commissioner or provider audits and action plans relating to children living with "
        "domestic abuse",
    ),
)
