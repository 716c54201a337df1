"""Who HMICFRS is in a JTAI: it inspects the police force and takes part in all three frameworks.

In the 2016 guidance it is HMIC (Her Majesty's Inspectorate of Constabulary); it took on fire and
rescue services in 2017. The code stays ``hmicfrs`` for every framework.
"""

from core.contributions import AgencyKind, Inspectorate

INSPECTORATE = Inspectorate(
    code="hmicfrs",
    name="His Majesty's Inspectorate of Constabulary and Fire & Rescue Services",
    short_name="HMICFRS",
    graphql_prefix="Hmicfrs",
    agency_kinds=(AgencyKind.POLICE,),
    frameworks=("da-2016", "da-2024", "front-door-2024"),
)
