"""Who HMI Probation is in a JTAI: it inspects probation and youth offending teams.

It takes part in the two domestic-abuse deep dives (2016 and 2024-25) and sits out the April 2024
front-door JTAI, which Ofsted, CQC and HMICFRS carry out without it.
"""

from core.contributions import AgencyKind, Inspectorate

INSPECTORATE = Inspectorate(
    code="hmip",
    name="His Majesty's Inspectorate of Probation",
    short_name="HMI Probation",
    graphql_prefix="Hmip",
    # PROBATION covers the National Probation Service and the community rehabilitation companies
    # of the 2016 guidance (the unified Probation Service since 2021).
    agency_kinds=(AgencyKind.PROBATION, AgencyKind.YOUTH_OFFENDING_TEAM),
    frameworks=("da-2016", "da-2024"),
)
