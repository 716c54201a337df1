"""The inspection team's own deadlines under the 2016 guidance (seed 003, Annex A).

Seed 002 says only that inspectors select children from the local authority's lists, not when, so
da-2024 has no milestones; front-door-2024 has no seed.
"""

from core.contributions import Deadline, Milestone, MilestoneRole, TimeOfDay
from plugins.ofsted.frameworks import DA_2016

MILESTONES: tuple[Milestone, ...] = (
    Milestone(
        framework=DA_2016,
        code="select-children",
        role=MilestoneRole.SELECT_CHILDREN,
        title=(
            "Lead inspector selects 20 children living with domestic abuse from the lists of "
            "children in need and children on a child protection plan"
        ),
        deadline=Deadline.working_day(1, TimeOfDay.MIDDAY),
    ),
    Milestone(
        framework=DA_2016,
        code="select-cafcass-cases",
        title="Ofsted selects three of Cafcass's section 7 cases and notifies Cafcass",
        deadline=Deadline.working_day(2, TimeOfDay.START_OF_DAY),
    ),
    Milestone(
        framework=DA_2016,
        code="name-tracked-children",
        role=MilestoneRole.NAME_TRACKED_CHILDREN,
        title=(
            "Lead inspector tells the local authority the five to seven children whose "
            "experiences the local partnership should evaluate jointly"
        ),
        deadline=Deadline.working_day(2, TimeOfDay.END_OF_DAY),
    ),
)
