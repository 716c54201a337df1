"""What Ofsted asks the area for under each framework, with its deadline (seed 003, Annex A).

Deadlines count from the day the area is notified (day 0): in the 2016 guidance a Tuesday, so
'day one' is Wednesday, day two Thursday, day five Tuesday of week two and day seven Thursday of
week two. Lists carry a field specification taken from the guidance's tables; column labels are the
guidance's words (only their capitalisation made consistent: 'assessment start date' is 'Assessment
start date', 'Age of child (Years)' is 'Age of child (years)') and ``aliases`` the headers local
authorities' exports commonly use. Requests of
the police (3.x), probation (4.x), youth offending team (5.x) and health (6.x), and CQC's own
request for health documents, belong to the other plugins.

Only da-2016 has requests: seed 002 (da-2024) says agencies provide lists, documents and joint
audits but not which or when, and there is no seed for front-door-2024.
"""

from dataclasses import replace

from core.contributions import (
    AgencyKind,
    Deadline,
    DocumentRequest,
    FieldRole,
    FieldRule,
    FieldType,
    ListField,
    ListRole,
    ListSpec,
    RequestRole,
    RequestScope,
    TimeOfDay,
    Weekday,
)
from plugins.ofsted.frameworks import DA_2016

LA = AgencyKind.LOCAL_AUTHORITY

# --- Fields ---------------------------------------------------------------------------------------

CHILD_ID = ListField(
    name="child_id",
    label="Child unique ID",
    type=FieldType.TEXT,
    aliases=("Child ID", "Unique ID", "LA child ID", "Person ID", "Client ID"),
)

COMMON_FIELDS: tuple[ListField, ...] = (
    CHILD_ID,
    ListField(
        name="gender",
        label="Gender",
        type=FieldType.CODE,
        code_set="gender",
        aliases=("Sex",),
    ),
    ListField(
        name="ethnicity",
        label="Ethnicity",
        type=FieldType.CODE,
        code_set="ethnicity",
        aliases=("Ethnic origin", "Ethnicity code"),
    ),
    ListField(
        name="date_of_birth",
        label="Date of birth",
        type=FieldType.DATE,
        rule=FieldRule.REQUIRED_UNLESS_UNBORN,
        aliases=("DOB",),
    ),
    ListField(
        name="expected_date_of_birth",
        label="If unborn: expected date of birth",
        type=FieldType.DATE,
        required=False,
        rule=FieldRule.ONLY_WHEN_UNBORN,
        aliases=("Expected date of birth", "Expected DOB", "EDD", "Due date"),
    ),
    ListField(
        name="age_years",
        label="Age of child (years)",
        type=FieldType.INTEGER,
        rule=FieldRule.REQUIRED_UNLESS_UNBORN,
        aliases=("Age", "Age (years)", "Age of child"),
    ),
)


def _field(
    name: str,
    label: str,
    type_: FieldType,
    *aliases: str,
    required: bool = True,
    code_set: str | None = None,
) -> ListField:
    return ListField(
        name=name,
        label=label,
        type=type_,
        required=required,
        code_set=code_set,
        aliases=aliases,
    )


DISABILITY = _field(
    "disability", "Does the child have a disability? (Y/N)", FieldType.YES_NO, "Disability"
)
ALLOCATED_TEAM = _field("allocated_team", "Allocated team", FieldType.TEXT, "Team", required=False)
ALLOCATED_WORKER = _field(
    "allocated_worker",
    "Allocated worker",
    FieldType.TEXT,
    "Worker",
    "Social worker",
    required=False,
)
DOMESTIC_ABUSE = replace(
    _field(
        "domestic_abuse",
        "Whether the child is living or has lived with domestic abuse (Y/N)",
        FieldType.YES_NO,
        "Domestic abuse",
        "Living with domestic abuse",
        "DA",
        "DA flag",
    ),
    role=FieldRole.DOMESTIC_ABUSE_FLAG,
)

# --- Lists for selection (paragraph 10) ---------------------------------------------------------

CHILDREN_IN_NEED = ListSpec(
    role=ListRole.SELECTION,
    code="children-in-need",
    title="Children identified as a child in need",
    coverage=(
        "All those in receipt of services as a child in need at the point of inspection and those "
        "who ceased to receive services as a child in need in the three months before inspection."
    ),
    fields=(
        *COMMON_FIELDS,
        DISABILITY,
        _field("cin_start_date", "Child in need start date", FieldType.DATE, "CIN start date"),
        _field(
            "primary_need",
            "Primary need code",
            FieldType.CODE,
            "Primary need",
            code_set="primary-need",
        ),
        _field(
            "date_last_seen",
            "Date child was last seen",
            FieldType.DATE,
            "Date last seen",
            required=False,
        ),
        _field(
            "cin_closure_date",
            "Child in need closure date",
            FieldType.DATE,
            "CIN closure date",
            required=False,
        ),
        _field(
            "reason_for_closure",
            "Reason for closure",
            FieldType.CODE,
            "Closure reason",
            required=False,
            code_set="reason-for-closure",
        ),
        ALLOCATED_TEAM,
        ALLOCATED_WORKER,
        DOMESTIC_ABUSE,
    ),
)

CHILD_PROTECTION_PLANS = ListSpec(
    role=ListRole.SELECTION,
    code="child-protection-plans",
    title="Children on a child protection plan",
    coverage=(
        "All those who are the subject of a child protection plan at the point of inspection and "
        "those who ceased to be the subject of a child protection plan in the three months before "
        "inspection."
    ),
    fields=(
        *COMMON_FIELDS,
        DISABILITY,
        _field(
            "cp_plan_start_date",
            "Child protection plan start date",
            FieldType.DATE,
            "CP plan start date",
        ),
        _field(
            "initial_category_of_abuse",
            "Initial category of abuse",
            FieldType.CODE,
            "Initial category",
            code_set="category-of-abuse",
        ),
        _field(
            "latest_category_of_abuse",
            "Latest category of abuse",
            FieldType.CODE,
            "Latest category",
            "Current category of abuse",
            code_set="category-of-abuse",
        ),
        _field(
            "last_statutory_visit_date",
            "Date of the last statutory visit",
            FieldType.DATE,
            "Last statutory visit",
            required=False,
        ),
        _field(
            "seen_within_plan_timescales",
            "Child seen in accordance with the timescales specified within their plan, by the "
            "lead social worker? (Y/N)",
            FieldType.YES_NO,
            "Seen within timescales",
            # The ILACS Annex A template's wording (list 7), as councils' templates carry it.
            "Was the child seen in accordance with timescales by the lead social worker",
            required=False,
        ),
        _field(
            "seen_alone",
            "Was the child seen alone?",
            FieldType.YES_NO,
            "Seen alone",
            required=False,
        ),
        _field(
            "cp_plan_end_date",
            "Child protection plan end date",
            FieldType.DATE,
            "CP plan end date",
            required=False,
        ),
        _field(
            "order_last_six_months",
            "Subject to emergency protection/care/supervision order or protected under police "
            "powers in last six months (Y/N)",
            FieldType.YES_NO,
            "Order or police protection in last six months",
            "Subject to emergency protection order, care, supervision order or police protection "
            "in the last 6 months (Y/N)",  # the ILACS Annex A template's wording (list 7)
        ),
        _field(
            "previous_cp_plans",
            "Number of previous child protection plans",
            FieldType.INTEGER,
            "Previous CP plans",
        ),
        ALLOCATED_TEAM,
        ALLOCATED_WORKER,
        DOMESTIC_ABUSE,
    ),
)

# --- Extra information on the 20 selected children (paragraph 12) --------------------------------

SELECTED_CHILDREN = ListSpec(
    role=ListRole.SELECTED_CHILD_DETAILS,
    code="selected-children",
    title="Additional information on each of the 20 selected children",
    coverage="The 20 children living with domestic abuse that the lead inspector selected.",
    fields=(
        CHILD_ID,
        _field(
            "known_to_yot",
            "is the child or young person known to the youth offending team? (Y/N)",
            FieldType.YES_NO,
            "Known to YOT",
        ),
        _field(
            "nps_working_with_adult",
            "is the National Probation Service working with an adult that may pose a risk to the "
            "child or young person? (Y/N)",
            FieldType.YES_NO,
            "NPS working with adult",
        ),
        _field(
            "crc_working_with_adult",
            "is the community rehabilitation company working with an adult that may pose a risk "
            "to the child or young person? (Y/N)",
            FieldType.YES_NO,
            "CRC working with adult",
        ),
        _field(
            "police_investigation_or_proceedings",
            "is there a current police investigation or are there criminal proceedings? (Y/N)",
            FieldType.YES_NO,
            "Police investigation or criminal proceedings",
        ),
        _field(
            "adult_court_orders",
            "are there any court orders in place for adult family members? (Y/N)",
            FieldType.YES_NO,
            "Court orders for adult family members",
        ),
        _field(
            "looked_after",
            "are they a looked after child or young person? (Y/N)",
            FieldType.YES_NO,
            "Looked after",
            "CLA",
        ),
        _field(
            "looking_after_authority",
            "if looked after by another local authority, which authority?",
            FieldType.TEXT,
            "Looked after by",
            "Responsible authority",
            required=False,
        ),
        _field(
            "postcode",
            "the postcode where the child is living",
            FieldType.POSTCODE,
            "Postcode",
            "Home postcode",
        ),
    ),
)

# --- Multi-agency meetings in the fieldwork week (paragraph 14; fields are Ofsted's design) ------

MEETINGS = ListSpec(
    role=ListRole.MEETINGS,
    code="meetings",
    title="Multi-agency meetings during the fieldwork week",
    coverage=(
        "Multi-agency meetings taking place during the fieldwork week relating to children living "
        "with domestic abuse: initial and review child protection conferences, children looked "
        "after reviews, strategy discussions and any other planning or review meeting (for "
        "example, MARAC meetings)."
    ),
    fields=(
        replace(
            _field("meeting_type", "Meeting type", FieldType.CODE, "Type", code_set="meeting-type"),
            role=FieldRole.MEETING_TYPE,
        ),
        replace(
            _field("meeting_date", "Date", FieldType.DATE, "Meeting date"),
            role=FieldRole.MEETING_DATE,
        ),
        replace(
            _field("meeting_time", "Time", FieldType.TEXT, "Start time", "Meeting time"),
            role=FieldRole.MEETING_TIME,
        ),
        replace(
            _field(
                "children",
                "Children concerned (child unique IDs)",
                FieldType.TEXT,
                "Child unique ID",
                "Child IDs",
                "Children",
            ),
            role=FieldRole.MEETING_CHILDREN,
        ),
        replace(
            _field("venue", "Venue", FieldType.TEXT, "Location", required=False),
            role=FieldRole.MEETING_VENUE,
        ),
    ),
)

# --- Child-level lists for sampling (paragraph 15) -----------------------------------------------

CONTACTS = ListSpec(
    role=ListRole.SAMPLING,
    code="contacts",
    title="Contacts",
    coverage="All those who have been the subject of a contact in the three months before "
    "inspection.",
    fields=(
        *COMMON_FIELDS,
        _field("contact_date", "Date of contact", FieldType.DATE, "Contact date"),
        _field(
            "contact_source",
            "Contact source",
            FieldType.CODE,
            "Source of contact",
            code_set="referral-source",
        ),
    ),
)

EARLY_HELP = ListSpec(
    role=ListRole.SAMPLING,
    code="early-help",
    title="Early help",
    coverage=(
        "All those who have been the subject of an early help assessment, a common assessment or "
        "a targeted intervention in the six months before inspection."
    ),
    fields=(
        *COMMON_FIELDS,
        _field(
            "assessment_completion_date",
            "Assessment completion date",
            FieldType.DATE,
            "Completion date",
            required=False,
        ),
        _field(
            "assessing_organisation",
            "Organisation completing assessment",
            FieldType.TEXT,
            "Organisation",
            "Lead organisation",
        ),
    ),
)

REFERRALS = ListSpec(
    role=ListRole.SAMPLING,
    code="referrals",
    title="Referrals",
    coverage="All those who have been the subject of a referral in the three months before "
    "inspection.",
    fields=(
        *COMMON_FIELDS,
        _field(
            "referral_date",
            "Date of the most recent referral",
            FieldType.DATE,
            "Referral date",
            "Date of referral",
        ),
        _field(
            "referral_source",
            "Referral source",
            FieldType.CODE,
            "Source of referral",
            code_set="referral-source",
        ),
        _field(
            "referral_nfa",
            "Referral – no further action? (Y/N)",
            FieldType.YES_NO,
            "Referral NFA",
            "NFA",
            "No further action",
        ),
        _field(
            "referrals_last_12_months",
            "Number of referrals in last 12 months",
            FieldType.INTEGER,
            "Referrals in last 12 months",
        ),
        ALLOCATED_TEAM,
        ALLOCATED_WORKER,
    ),
)

ASSESSMENTS = ListSpec(
    role=ListRole.SAMPLING,
    code="assessments",
    title="Assessments",
    coverage=(
        "All those who have been the subject of a statutory assessment in accordance with section "
        "17 or section 47 of the Children Act 1989 in the six months before inspection. This "
        "includes assessments that have started but are not yet completed."
    ),
    fields=(
        *COMMON_FIELDS,
        DISABILITY,
        _field(
            "assessment_start_date",
            "Assessment start date",
            FieldType.DATE,
            "Start date",
        ),
        _field(
            "child_seen",
            "Child seen during assessment (Y/N)",
            FieldType.YES_NO,
            "Child seen",
        ),
        _field(
            "assessment_authorised_date",
            "Assessment date of authorisation",
            FieldType.DATE,
            "Authorisation date",
            "Date of authorisation",
            required=False,
        ),
        ALLOCATED_TEAM,
        ALLOCATED_WORKER,
    ),
)

SECTION_47 = ListSpec(
    role=ListRole.SAMPLING,
    code="section-47",
    title="Section 47",
    coverage=(
        "All those who have been the subject of a section 47 enquiry in the six months before "
        "inspection. This includes enquiries that are ongoing and an initial child protection "
        "conference (ICPC) decision has not yet been made."
    ),
    fields=(
        *COMMON_FIELDS,
        DISABILITY,
        _field(
            "s47_start_date",
            "Section 47 enquiry start date",
            FieldType.DATE,
            "S47 start date",
        ),
        _field(
            "s47_last_12_months",
            "Number of section 47 enquiries in the last 12 months",
            FieldType.INTEGER,
            "S47 enquiries in last 12 months",
        ),
        _field(
            "icpc_not_required",
            "Initial child protection conference not required (Y/N)",
            FieldType.YES_NO,
            "ICPC not required",
            required=False,
        ),
        _field(
            "icpc_date",
            "Date of initial child protection conference",
            FieldType.DATE,
            "ICPC date",
            required=False,
        ),
        _field(
            "icpc_resulted_in_plan",
            "Did the initial child protection conference result in a child protection plan? (Y/N)",
            FieldType.YES_NO,
            "ICPC resulted in plan",
            required=False,
        ),
        _field(
            "icpcs_last_12_months",
            "Number of ICPCs in the last 12 months",
            FieldType.INTEGER,
            "ICPCs in last 12 months",
        ),
        ALLOCATED_TEAM,
        ALLOCATED_WORKER,
    ),
)

# The list specs whose fields are the seed's own tables: two for selection, five for sampling.
SEED_LISTS: tuple[ListSpec, ...] = (
    CHILDREN_IN_NEED,
    CHILD_PROTECTION_PLANS,
    CONTACTS,
    EARLY_HELP,
    REFERRALS,
    ASSESSMENTS,
    SECTION_47,
)

# --- Deadlines ------------------------------------------------------------------------------------

END_OF_NOTIFICATION_DAY = Deadline.working_day(0, TimeOfDay.END_OF_DAY)
END_OF_DAY_ONE = Deadline.working_day(1, TimeOfDay.END_OF_DAY)
MID_AFTERNOON_DAY_TWO = Deadline.working_day(2, TimeOfDay.MID_AFTERNOON)
END_OF_DAY_TWO = Deadline.working_day(2, TimeOfDay.END_OF_DAY)
END_OF_DAY_FIVE = Deadline.working_day(5, TimeOfDay.END_OF_DAY)
END_OF_DAY_SEVEN = Deadline.working_day(7, TimeOfDay.END_OF_DAY)
END_OF_WEEK_TWO = Deadline.week_day(2, Weekday.FRIDAY, TimeOfDay.END_OF_DAY)


def _list_request(
    reference: str, spec: ListSpec, deadline: Deadline, description: str
) -> DocumentRequest:
    return DocumentRequest(
        framework=DA_2016,
        reference=reference,
        title=spec.title,
        addressed_to=(LA,),
        scope=RequestScope.AREA,
        deadline=deadline,
        description=description,
        list_spec=spec,
    )


_SELECTION_LIST = (
    "Children living in the local authority area and those living outside it for whom the local "
    "authority is responsible, showing whether each is living or has lived with domestic abuse. "
    "The lead inspector selects from it the children inspectors track and sample; the director of "
    "children's services may add the local area's contextual issues about domestic abuse."
)
_SAMPLING_LIST = (
    "All children in this category known to the local authority, not only those living with "
    "domestic abuse. Inspectors use it to develop lines of enquiry and to pick children to sample."
)

LIST_REQUESTS: tuple[DocumentRequest, ...] = (
    _list_request(
        "list.children-in-need", CHILDREN_IN_NEED, END_OF_NOTIFICATION_DAY, _SELECTION_LIST
    ),
    _list_request(
        "list.child-protection-plans",
        CHILD_PROTECTION_PLANS,
        END_OF_NOTIFICATION_DAY,
        _SELECTION_LIST,
    ),
    _list_request(
        "list.selected-children",
        SELECTED_CHILDREN,
        MID_AFTERNOON_DAY_TWO,
        "One row for each of the 20 children living with domestic abuse that the lead inspector "
        "selected by midday on day one.",
    ),
    _list_request(
        "list.meetings",
        MEETINGS,
        END_OF_DAY_TWO,
        "Details of the multi-agency meetings about children living with domestic abuse that take "
        "place in the fieldwork week, so that inspectors can observe them.",
    ),
    _list_request("list.contacts", CONTACTS, END_OF_DAY_TWO, _SAMPLING_LIST),
    _list_request("list.early-help", EARLY_HELP, END_OF_DAY_TWO, _SAMPLING_LIST),
    _list_request("list.referrals", REFERRALS, END_OF_DAY_TWO, _SAMPLING_LIST),
    _list_request("list.assessments", ASSESSMENTS, END_OF_DAY_TWO, _SAMPLING_LIST),
    _list_request("list.section-47", SECTION_47, END_OF_DAY_TWO, _SAMPLING_LIST),
)

# --- Key case-file documents for each tracked child (paragraph 16) -------------------------------

CHILD_AGENCIES: tuple[AgencyKind, ...] = (
    LA,
    AgencyKind.POLICE,
    AgencyKind.PROBATION,
    AgencyKind.YOUTH_OFFENDING_TEAM,
    AgencyKind.HEALTH,
    AgencyKind.SCHOOL,
)

CHRONOLOGY_EVENTS: tuple[str, ...] = (
    "incidents of domestic abuse",
    "relevant information from multi-agency risk assessment conferences (MARAC)",
    "any contact the child or relevant adults had with the police – as either a victim or "
    "suspect – such as reported incidents, crimes and investigations, and reports of the "
    "child being missing or absent (including police notifications to social care)",
    "any occasion when the child or relevant adults have attended urgent care units",
    "episodes of the child missing from home, care or education",
    "information on events earlier than the six months before inspection, where this is "
    "necessary to understand the context of the child’s experience.",
)

_CASE_FILE_NOTE = (
    "Electronic copy, for each child whose experiences the local partnership has been asked to "
    "evaluate, where a recent example exists."
)


def _case_file(
    reference: str, title: str, addressed_to: tuple[AgencyKind, ...], extra: str = ""
) -> DocumentRequest:
    return DocumentRequest(
        framework=DA_2016,
        reference=reference,
        title=title,
        addressed_to=addressed_to,
        scope=RequestScope.TRACKED_CHILD,
        deadline=END_OF_DAY_FIVE,
        description=f"{_CASE_FILE_NOTE} {extra}".strip(),
    )


CASE_FILE_REQUESTS: tuple[DocumentRequest, ...] = (
    _case_file(
        "case-file.referral",
        "initial referral/contact/notification (where applicable)",
        (LA, AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.SCHOOL),
    ),
    _case_file(
        "case-file.assessment",
        "most recent assessment, including a common or early help assessment",
        (LA, AgencyKind.HEALTH, AgencyKind.SCHOOL),
    ),
    _case_file(
        "case-file.strategy-discussion",
        "strategy or other multi-agency discussion or equivalent",
        (LA, AgencyKind.POLICE, AgencyKind.HEALTH),
    ),
    _case_file(
        "case-file.section-47",
        "section 47 investigation documentation/ICPC minutes",
        (LA, AgencyKind.POLICE),
    ),
    _case_file(
        "case-file.plan",
        "most recent plan for the child and/or review of the plan",
        (LA,),
    ),
    _case_file(
        "case-file.return-home-interview",
        "latest return home interview and any subsequent risk assessments (where appropriate)",
        (LA, AgencyKind.POLICE),
    ),
    _case_file(
        "case-file.pre-sentence-report",
        "the most recent pre-sentence report relating to the child or any relevant adult (where "
        "applicable)",
        (AgencyKind.PROBATION, AgencyKind.YOUTH_OFFENDING_TEAM),
    ),
    _case_file(
        "case-file.specialist-services",
        "details of any specialist services involved with the family",
        CHILD_AGENCIES,
    ),
    _case_file(
        "case-file.chronology",
        "a chronology of significant events in the six months prior to the inspection",
        CHILD_AGENCIES,
        "Significant events may include: " + "; ".join(CHRONOLOGY_EVENTS),
    ),
)

JOINT_EVALUATION = DocumentRequest(
    framework=DA_2016,
    reference="joint-evaluation",
    title="Joint evaluation of the child's experiences by the local partnership",
    addressed_to=(LA,),
    scope=RequestScope.TRACKED_CHILD,
    deadline=END_OF_DAY_SEVEN,
    role=RequestRole.JOINT_EVALUATION,
    description=(
        "The local agencies' joint evaluation of the experiences of each of the five to seven "
        "children the lead inspector named at the end of day two, provided electronically. The "
        "local authority, which the lead inspector told of the children, submits it for the "
        "partnership. Inspectors may ask for printed copies of the related documents for when "
        "they arrive on site."
    ),
)

# --- Other information (paragraph 19): the local authority, the LSCB and Cafcass ------------------

_OTHER_INFORMATION = (
    "The area's best and most recent examples that relate to the scope of the inspection, "
    "provided electronically; not everything held on the subject."
)


def _other(reference: str, title: str, agency: AgencyKind) -> DocumentRequest:
    return DocumentRequest(
        framework=DA_2016,
        reference=reference,
        title=title,
        addressed_to=(agency,),
        scope=RequestScope.AREA,
        deadline=END_OF_DAY_FIVE,
        description=_OTHER_INFORMATION,
    )


LSCB = AgencyKind.SAFEGUARDING_PARTNERSHIP

OTHER_INFORMATION_TITLES: dict[str, str] = {
    "1.1": "organisational structures showing lines of reporting and accountability",
    "1.2": "management information reports for those children within the scope of the "
    "inspection, at both a local and agency level",
    "1.3": "assessment and threshold criteria for helping families and protecting the identified "
    "children",
    "1.4": "sample practice audits, including multi-agency audits, over the six months prior to "
    "the inspection relating to the focus of the inspection, and associated improvement/action "
    "plans",
    "1.5": "details of any services in the area that have been commissioned from the community or "
    "voluntary sector for children living with domestic abuse",
    "1.6": "terms of reference for the multi-agency safeguarding hub (MASH) or local equivalent",
    "1.7": "needs analysis, strategies and action plans relating to domestic abuse, including the "
    "prevalence of domestic abuse, any success criteria and any analysis of impact.",
    "1.8": "minutes from forums relating to children living with domestic abuse (such as the "
    "community safety partnership).",
    "1.9": "the early help offer for children living with domestic abuse.",
    "2.1": "organisational structures showing lines of reporting and accountability",
    "2.2": "minutes of LSCB meetings from the 12 months before the inspection (including executive "
    "board meetings where applicable)",
    "2.3": "structure of the LSCB and sub-groups and the names and contact details for LSCB "
    "members",
    "2.4": "sub-group minutes as relevant to the scope of the inspection (as requested by the lead "
    "inspector).",
    "7.1": "A list of the last 10 completed section 7 reports in which there have been incidents "
    "of domestic abuse.",
}

OTHER_INFORMATION_REQUESTS: tuple[DocumentRequest, ...] = tuple(
    _other(ref, title, LA if ref.startswith("1.") else LSCB)
    for ref, title in OTHER_INFORMATION_TITLES.items()
    if not ref.startswith("7.")
)

CAFCASS_REQUESTS: tuple[DocumentRequest, ...] = (
    DocumentRequest(
        framework=DA_2016,
        reference="7.1",
        title=OTHER_INFORMATION_TITLES["7.1"],
        addressed_to=(AgencyKind.CAFCASS,),
        scope=RequestScope.AREA,
        deadline=END_OF_DAY_ONE,
        description=(
            "A section 7 report is a report about an aspect of a child's welfare that the court "
            "may order Cafcass to write. The lead inspector notifies the head of the relevant "
            "Cafcass region on the same day as the other local agencies; Cafcass provides this "
            "list by the end of day one."
        ),
    ),
    DocumentRequest(
        framework=DA_2016,
        reference="cafcass.s7-files",
        title="The file and the section 7 reports for the three cases Ofsted selected",
        addressed_to=(AgencyKind.CAFCASS,),
        scope=RequestScope.AREA,
        deadline=END_OF_DAY_TWO,
        description=(
            "Ofsted selects three of the cases on list 7.1 and tells Cafcass at the beginning of "
            "day two; Cafcass provides each case's file and section 7 report by the end of day two."
        ),
    ),
)

CONSENT = DocumentRequest(
    framework=DA_2016,
    reference="consent",
    title="Written confirmation of consent to meet the child, parents or carers",
    addressed_to=(LA,),
    scope=RequestScope.TRACKED_CHILD,
    deadline=END_OF_WEEK_TWO,
    description=(
        "Confirmation in writing of the arrangements for inspectors to talk directly with the "
        "child and their parents or carers, with the consent the local agency recorded; where "
        "consent is not given or a discussion is not possible, the reasons. As soon as possible "
        "and by the end of week two."
    ),
)

# In the order the guidance lists them (Annex A, paragraphs 10 to 20).
DOCUMENT_REQUESTS: tuple[DocumentRequest, ...] = (
    LIST_REQUESTS
    + CASE_FILE_REQUESTS
    + (JOINT_EVALUATION,)
    + OTHER_INFORMATION_REQUESTS
    + CAFCASS_REQUESTS
    + (CONSENT,)
)
