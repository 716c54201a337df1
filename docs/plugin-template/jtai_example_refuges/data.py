"""What the plugin contributes: plain frozen dataclasses of core.contributions."""

from core.contributions import (
    AgencyKind,
    Choice,
    Criterion,
    Deadline,
    DocumentRequest,
    EvidenceForm,
    EvidenceSubject,
    Inspectorate,
    Question,
    QuestionKind,
    RequestScope,
    TimeOfDay,
)

FRAMEWORK = "da-2016"  # a framework another plugin declares; taking part is listing its code

INSPECTORATE = Inspectorate(
    code="refuges",
    name="Example Inspectorate of Refuges",
    short_name="Refuges",
    graphql_prefix="Refuges",  # starts every GraphQL type the plugin's forms generate
    agency_kinds=(AgencyKind.VOLUNTARY_SECTOR,),
    frameworks=(FRAMEWORK,),
)

CRITERIA = (
    Criterion(
        framework=FRAMEWORK,
        code="REF-1",  # codes are forever: add new ones, never rename
        title="Refuge safety planning",
        text="Refuge staff plan for the safety of each child they house.",
        source="Example guidance (fictional)",
    ),
)

REQUESTS = (
    DocumentRequest(
        framework=FRAMEWORK,
        reference="refuges.1",
        title="Refuge places and occupancy in the area",
        addressed_to=(AgencyKind.LOCAL_AUTHORITY,),
        scope=RequestScope.AREA,
        deadline=Deadline.working_day(2, TimeOfDay.END_OF_DAY),
    ),
)

FORMS = (
    EvidenceForm(
        framework=FRAMEWORK,
        code="refuge-visit",
        title="Refuge visit",
        subject=EvidenceSubject.AGENCY,
        version=1,  # raise it with each change that matters to records (see docs/plugins.md)
        questions=(
            Question(
                code="safety_plan_seen",
                text="Was a safety plan seen for each child?",
                kind=QuestionKind.YES_NO,
                required=True,
                criteria=("REF-1",),
            ),
            Question(
                code="planning_quality",
                text="How well do staff plan for the children's safety?",
                kind=QuestionKind.CHOICE,
                choices=(Choice("WELL", "Well"), Choice("PARTLY", "Partly")),
                criteria=("REF-1",),
            ),
        ),
    ),
)
