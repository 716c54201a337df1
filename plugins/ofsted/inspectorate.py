"""Who Ofsted is in a JTAI: the lead inspectorate, inspecting children's social care, the
safeguarding partnership, Cafcass and schools, and taking part in every framework it declares."""

from core.contributions import AgencyKind, Inspectorate

INSPECTORATE = Inspectorate(
    code="ofsted",
    name="Office for Standards in Education, Children's Services and Skills",
    short_name="Ofsted",
    graphql_prefix="Ofsted",
    agency_kinds=(
        AgencyKind.LOCAL_AUTHORITY,
        AgencyKind.SAFEGUARDING_PARTNERSHIP,
        AgencyKind.CAFCASS,
        AgencyKind.SCHOOL,
    ),
    frameworks=("da-2016", "da-2024", "front-door-2024"),
)
