"""Who CQC is in a JTAI: it inspects health partners and takes part in all three frameworks."""

from core.contributions import AgencyKind, Inspectorate

INSPECTORATE = Inspectorate(
    code="cqc",
    name="Care Quality Commission",
    short_name="CQC",
    graphql_prefix="Cqc",
    agency_kinds=(AgencyKind.HEALTH,),
    # The 2016 and 2024-25 domestic-abuse deep dives and the April 2024 front-door JTAI are all
    # carried out by Ofsted, CQC and HMICFRS (HMI Probation joins the deep dives only).
    frameworks=("da-2016", "da-2024", "front-door-2024"),
)
