"""What HMI Probation asks probation and the youth offending team for (2016, Annex A, para 19).

4.1-4.5 go to the National Probation Service and the community rehabilitation company or companies
(agency kind PROBATION), 5.1-5.4 to the youth offending team; all are 'other information', due by
the end of day five (Tuesday of week two), titled as the guidance words them.
"""

from core.contributions import AgencyKind, Deadline, DocumentRequest, RequestScope, TimeOfDay

_END_OF_DAY_FIVE = Deadline.working_day(5, TimeOfDay.END_OF_DAY)


def _other_information(reference: str, title: str, kind: AgencyKind, who: str) -> DocumentRequest:
    return DocumentRequest(
        framework="da-2016",
        reference=reference,
        title=title,
        addressed_to=(kind,),
        scope=RequestScope.AREA,
        deadline=_END_OF_DAY_FIVE,
        description=(
            f"Other information to support the inspection (Annex A, paragraph 19), from {who}: "
            "the area's best and most recent examples relating to the scope of the inspection, not "
            "everything held, provided electronically."
        ),
    )


def _probation(reference: str, title: str) -> DocumentRequest:
    return _other_information(
        reference,
        title,
        AgencyKind.PROBATION,
        "the National Probation Service and community rehabilitation company/companies",
    )


def _yot(reference: str, title: str) -> DocumentRequest:
    return _other_information(
        reference, title, AgencyKind.YOUTH_OFFENDING_TEAM, "the youth offending team"
    )


DOCUMENT_REQUESTS: tuple[DocumentRequest, ...] = (
    _probation("4.1", "organisational structures showing lines of reporting and accountability"),
    _probation("4.2", "policy/procedures about child protection and domestic abuse"),
    _probation("4.3", "policy/procedures for the management of risk of harm to others"),
    _probation(
        "4.4", "record of staff trained in child protection (with dates training completed)"
    ),
    _probation("4.5", "information about the presence of approved premises in the area"),
    _yot("5.1", "organisational structures showing lines of reporting and accountability"),
    _yot("5.2", "policy/procedures with regard to child protection and domestic abuse"),
    _yot("5.3", "policy/procedures for the management of risk of harm to others"),
    _yot("5.4", "record of staff trained in child protection (with dates training completed)"),
)
