"""What HMICFRS asks the police force for under the 2016 guidance (Annex A, paragraph 19).

3.1-3.9 are the police force's 'other information', due by the end of day five (Tuesday of week
two), titled as the guidance words them.
"""

from core.contributions import AgencyKind, Deadline, DocumentRequest, RequestScope, TimeOfDay

_END_OF_DAY_FIVE = Deadline.working_day(5, TimeOfDay.END_OF_DAY)

_OTHER_INFORMATION = (
    "Other information to support the inspection (Annex A, paragraph 19), from the police force: "
    "the area's best and most recent examples relating to the scope of the inspection, not "
    "everything held, provided electronically."
)


def _police(reference: str, title: str) -> DocumentRequest:
    return DocumentRequest(
        framework="da-2016",
        reference=reference,
        title=title,
        addressed_to=(AgencyKind.POLICE,),
        scope=RequestScope.AREA,
        deadline=_END_OF_DAY_FIVE,
        description=_OTHER_INFORMATION,
    )


DOCUMENT_REQUESTS: tuple[DocumentRequest, ...] = (
    _police("3.1", "organisational structures showing lines of reporting and accountability"),
    _police("3.2", "risk assessments for adult victims and children living with domestic abuse"),
    _police(
        "3.3",
        "information about learning and development on vulnerability, domestic abuse and child "
        "protection",
    ),
    _police("3.4", "child protection referral document"),
    _police("3.5", "strategy, policies and guidance relating to domestic abuse"),
    _police("3.6", "domestic abuse action plan and self assessments"),
    _police(
        "3.7",
        "any audits and action plan(s) relating to adult victims and children living with domestic "
        "abuse",
    ),
    _police(
        "3.8",
        "performance management information relating to domestic abuse, including on children "
        "living with domestic abuse, and available data about outcomes for the victims and/or "
        "children living with domestic abuse",
    ),
    _police("3.9", "minutes of multi-agency risk assessment conferences (MARAC)"),
)
