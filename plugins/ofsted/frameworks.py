"""The JTAI frameworks Ofsted declares as lead inspectorate.

Three editions run side by side in the system: the 2016-17 domestic-abuse deep dive (seed 003,
Ofsted guidance No. 160046), the 2024-25 deep dive on children who are victims of domestic abuse
(seed 002) and the standalone front-door JTAI (gov.uk guidance updated 5 April 2024). Every other
plugin takes part in them by code.
"""

import datetime as dt

from core.contributions import AgeScope, Framework, FrameworkArea, Weekday

DA_2016 = "da-2016"
DA_2024 = "da-2024"
FRONT_DOOR_2024 = "front-door-2024"

SOURCE_DA_2016 = (
    "Joint targeted area inspections on the theme: children living with domestic abuse, "
    "Ofsted guidance No. 160046, August 2016"
)
SOURCE_DA_2024 = (
    "Joint targeted area inspection of the multi-agency response to children who are victims of "
    "domestic abuse (2024-25 framework), as summarised in Leeds City Council's one minute guide "
    "No. 210, November 2024"
)
SOURCE_FRONT_DOOR_2024 = (
    "Joint targeted area inspections of the multi-agency response at the front door, guidance, "
    "updated 5 April 2024 (gov.uk)"
)

FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        code=DA_2016,
        title="Children living with domestic abuse (JTAI deep dive, September 2016 to March 2017)",
        theme="children living with domestic abuse",
        source=SOURCE_DA_2016,
        period_start=dt.date(2016, 9, 1),
        period_end=dt.date(2017, 3, 31),
        notification_weekday=Weekday.TUESDAY,
        summary=(
            "The multi-agency 'front door' evaluation that is part of every JTAI, with a deep "
            "dive into the response to children living with domestic abuse. Inspectors track five "
            "to seven children end to end and sample more children at particular points in their "
            "journeys. 'Living with domestic abuse' includes children currently living where "
            "there are incidents of domestic abuse or a risk of them, children seeing or hearing "
            "domestic abuse outside their home, and children witnessing the effects of domestic "
            "abuse on others. Inspectors also evaluate interventions for victims of domestic "
            "abuse and adult perpetrators for their impact on the welfare and protection of "
            "children."
        ),
        age_scope=AgeScope(includes_unborn=True),
        out_of_scope=(
            "Services and practice for young people aged 16 and 17 years old experiencing domestic "
            "abuse through peer relationships are not a specific focus; inspectors report on this "
            "area only where there are specific strengths or weaknesses (paragraph 5).",
        ),
    ),
    Framework(
        code=DA_2024,
        title="Children who are victims of domestic abuse (JTAI deep dive, 2024-25)",
        theme="children who are victims of domestic abuse",
        source=SOURCE_DA_2024,
        period_start=dt.date(2024, 9, 1),
        period_end=dt.date(2025, 5, 31),
        notification_weekday=Weekday.MONDAY,
        summary=(
            "A deep dive into the multi-agency response to children who are victims of domestic "
            "abuse, alongside the ongoing programme of front-door JTAIs. It takes the definition "
            "of domestic abuse in the Domestic Abuse Act 2021: children are victims in their own "
            "right if they have seen, heard or experienced the effects of abuse between relatives "
            "or persons with parental responsibility for them. Children's cases in focus are "
            "unborn children and children aged 0 to 7, while strategic arrangements are evaluated "
            "for children of all ages and support for victims and older children in the household "
            "is considered."
        ),
        age_scope=AgeScope(includes_unborn=True, max_age_years=7),
        areas=(
            FrameworkArea(
                code="identification",
                title=(
                    "Responding to children who are victims of domestic abuse, at the point of "
                    "identification"
                ),
            ),
            FrameworkArea(
                code="assessment",
                title=(
                    "Assessment, planning and decision-making in response to notifications and "
                    "referrals of children who are victims of domestic abuse"
                ),
            ),
            FrameworkArea(
                code="protection",
                title=(
                    "Protecting, supporting and caring for children who are at risk of, or who "
                    "have been victims of, domestic abuse"
                ),
            ),
            FrameworkArea(
                code="prevention",
                title="Preventing children from becoming victims of domestic abuse",
            ),
        ),
        out_of_scope=(
            "Child to parent abuse: not covered by the definition of domestic abuse in the "
            "Domestic Abuse Act 2021.",
            "Teenage relationship abuse (between those aged 16 and under): not covered by the "
            "definition of domestic abuse in the Domestic Abuse Act 2021.",
        ),
    ),
    Framework(
        code=FRONT_DOOR_2024,
        title="Multi-agency response at the front door (JTAI, April 2024 guidance)",
        theme="multi-agency response to identification of initial need and risk ('front door')",
        source=SOURCE_FRONT_DOOR_2024,
        period_start=dt.date(2024, 4, 5),
        period_end=None,
        notification_weekday=Weekday.MONDAY,
        summary=(
            "A JTAI of the multi-agency 'front door' alone, by Ofsted, CQC and HMICFRS (HMI "
            "Probation does not take part): each agency's front door, the multi-agency "
            "safeguarding hub or equivalent, each agency's contribution to early decision-making "
            "across early help, children in need and child protection, the oversight of the "
            "multi-agency safeguarding arrangements, leaders' impact on front-door practice, and "
            "the timeliness and impact of actions to improve."
        ),
    ),
)
