"""Every enum the graph takes from the layers below (the plugin contract, the workflow, the lists
and the viewer), registered with strawberry once, here.

``strawberry.enum(cls)`` marks ``cls`` itself, so the graph's modules import the real classes from
this module and annotate with them: mypy sees the real enums, and no module imports another only
for a registration's side effect. The names that differ from the class's are the schema's names.
The schema is compared with schema.graphql by tests/core/test_schema_file.py.
"""

from __future__ import annotations

import strawberry

from core.contributions import (
    AgencyKind,
    DeadlineRule,
    EvidenceSubject,
    FieldRule,
    FieldType,
    QuestionKind,
    RequestScope,
    TimeOfDay,
    Weekday,
)
from core.events import EventKind as InspectionEventKind
from core.lists import Severity
from core.viewer import Role as ViewerRole
from core.workflow.fieldwork import ConsentOutcome, ConsentPerson
from core.workflow.fieldwork import PersonRole as PersonToMeetRole
from core.workflow.findings import ChangeKind as FindingChangeKind
from core.workflow.findings import FindingAction, FindingKind, FindingStatus
from core.workflow.letter import SectionKey as ReportSectionKey
from core.workflow.requests import RequestStatus

__all__ = [
    "AgencyKind",
    "ConsentOutcome",
    "ConsentPerson",
    "DeadlineRule",
    "EvidenceSubject",
    "FieldRule",
    "FieldType",
    "FindingAction",
    "FindingChangeKind",
    "FindingKind",
    "FindingStatus",
    "InspectionEventKind",
    "PersonToMeetRole",
    "QuestionKind",
    "ReportSectionKey",
    "RequestScope",
    "RequestStatus",
    "Severity",
    "TimeOfDay",
    "ViewerRole",
    "Weekday",
]

# --- The plugin contract and the viewer (reference data) ------------------------------------------
strawberry.enum(AgencyKind, description="A kind of local agency a JTAI looks at.")
strawberry.enum(RequestScope, description="How often a request is asked.")
strawberry.enum(QuestionKind, description="What kind of answer a question takes.")
strawberry.enum(EvidenceSubject, description="What a form is about.")
strawberry.enum(FieldType, description="The type of a list column.")
strawberry.enum(FieldRule, description="A rule between the columns of one row.")
strawberry.enum(DeadlineRule, description="How a deadline is counted.")
strawberry.enum(Weekday, description="A working day of the week.")
strawberry.enum(ViewerRole, name="Role", description="What a token may do.")
strawberry.enum(
    TimeOfDay, description="A time of day the guidance names; see `Deadline.clockTime`."
)

# --- Requests and lists ---------------------------------------------------------------------------
strawberry.enum(
    RequestStatus,
    description="Where a request stands, derived when asked from its due and received times.",
)
strawberry.enum(
    Severity,
    name="ListProblemSeverity",
    description="ERROR: the list is refused until it is fixed. QUERY: accepted, worth a look.",
)

# --- Fieldwork ------------------------------------------------------------------------------------
strawberry.enum(
    ConsentPerson, description="Whose consent: the tracked child's, or a parent's or carer's."
)
strawberry.enum(
    ConsentOutcome,
    description="The answer the local agency recorded: given, refused, or a discussion is not "
    "possible.",
)
strawberry.enum(
    PersonToMeetRole,
    name="PersonToMeetRole",
    description="Who inspectors talk with besides the main framework's list.",
)

# --- Findings and the report ----------------------------------------------------------------------
strawberry.enum(
    FindingKind,
    description="What a finding is. There are no grades: a JTAI reports strengths and areas for "
    "improvement, some of them for priority action.",
)
strawberry.enum(
    FindingStatus,
    description="DRAFT until every inspectorate taking part agrees and the lead publishes it.",
)
strawberry.enum(
    FindingChangeKind,
    name="FindingChangeKind",
    description="What happened to a published finding.",
)
strawberry.enum(
    InspectionEventKind,
    name="InspectionEventKind",
    description="What happened in an inspection: REQUEST_LATE is a request answered after its "
    "deadline, REQUEST_OVERDUE a deadline that passed unanswered.",
)
strawberry.enum(
    FindingAction,
    description="A step in a finding's history, corrections (withdrawn agreements, "
    "withdrawals, republications) included.",
)
strawberry.enum(
    ReportSectionKey, name="ReportSectionKey", description="The sections of the letter, in order."
)
