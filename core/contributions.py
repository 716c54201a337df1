"""The plain, frozen values that plugins give to core through the hooks in ``hookspecs.py``.

Everything a plugin contributes is one of these dataclasses. They hold data only: core validates
them (``registry.py``), stores nothing about them in the database but their codes, and turns them
into GraphQL (``graphql/``). Codes are stable identifiers: once an inspection has used one, renaming
it orphans records, so add a new code and retire the old one instead (see docs/plugins.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum, StrEnum


class AgencyKind(StrEnum):
    """The kinds of local agency a JTAI looks at (DOMAIN.md section 2)."""

    LOCAL_AUTHORITY = "local_authority"
    SAFEGUARDING_PARTNERSHIP = "safeguarding_partnership"  # the LSCB, since 2019 the MASA
    POLICE = "police"
    PROBATION = "probation"  # National Probation Service and community rehabilitation companies
    YOUTH_OFFENDING_TEAM = "youth_offending_team"
    HEALTH = "health"  # commissioners (CCG/ICB) and providers
    CAFCASS = "cafcass"
    SCHOOL = "school"
    VOLUNTARY_SECTOR = "voluntary_sector"  # refuges, IDVA services, community groups


class Weekday(Enum):
    """Days of the week, numbered as :meth:`datetime.date.weekday` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4


class TimeOfDay(Enum):
    """The times of day the guidance names for deadlines, with the clock time core reads them as.

    The guidance says 'midday', 'mid-afternoon' and 'end of the day' without clock times; these are
    the readings core uses everywhere so that every deadline is one comparable instant.
    """

    START_OF_DAY = dt.time(9, 0)
    MIDDAY = dt.time(12, 0)
    MID_AFTERNOON = dt.time(15, 0)
    END_OF_DAY = dt.time(17, 0)


class DeadlineRule(StrEnum):
    WORKING_DAY = "working_day"
    WEEK_DAY = "week_day"


@dataclass(frozen=True, slots=True)
class Deadline:
    """When something is due, relative to the day the area is notified.

    Two rules cover every deadline in the guidance:

    - ``Deadline.working_day(n, time)``: day ``n`` counted in working days from notification.
      Day 0 is the notification day itself; 'day one' is the next working day, and so on
      (weekends and England and Wales bank holidays are skipped).
    - ``Deadline.week_day(week, weekday, time)``: a named day of a numbered inspection week,
      e.g. 'the Friday of week two'. Week 1 is the week holding the notification day.
    """

    rule: DeadlineRule
    time: TimeOfDay
    day: int = 0
    week: int = 0
    weekday: Weekday | None = None

    @classmethod
    def working_day(cls, day: int, time: TimeOfDay) -> Deadline:
        return cls(rule=DeadlineRule.WORKING_DAY, time=time, day=day)

    @classmethod
    def week_day(cls, week: int, weekday: Weekday, time: TimeOfDay) -> Deadline:
        return cls(rule=DeadlineRule.WEEK_DAY, time=time, week=week, weekday=weekday)

    def describe(self) -> str:
        when = self.time.name.lower().replace("_", " ")
        if self.rule is DeadlineRule.WORKING_DAY:
            day = "notification day" if self.day == 0 else f"day {self.day}"
            return f"{when}, {day}"
        assert self.weekday is not None
        return f"{when}, {self.weekday.name.title()} of week {self.week}"


# --- Who takes part -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inspectorate:
    """An inspectorate, as its plugin describes it.

    ``code`` is lower-case letters (``ofsted``); ``graphql_prefix`` starts every GraphQL type the
    plugin's forms generate (``Ofsted`` gives ``OfstedCaseTrackingEvidence``); ``frameworks`` are
    the codes of the frameworks it takes part in: an inspectorate that sits a framework out
    leaves its code out.
    """

    code: str
    name: str
    short_name: str
    graphql_prefix: str
    agency_kinds: tuple[AgencyKind, ...]
    frameworks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AgeScope:
    """Which children a framework is about. ``None`` bounds mean no bound."""

    includes_unborn: bool
    min_age_years: int | None = None
    max_age_years: int | None = None


@dataclass(frozen=True, slots=True)
class FrameworkArea:
    """A heading a framework groups its criteria under (e.g. 'identification')."""

    code: str
    title: str


@dataclass(frozen=True, slots=True)
class Framework:
    """One edition of a JTAI theme; an inspection runs under exactly one.

    Declared by one plugin (normally Ofsted's, the lead inspectorate's). ``period_start`` and
    ``period_end`` bound when inspections under it took place; ``notification_weekday`` is the
    usual day the area is told; ``source`` names the guidance document it is taken from.
    """

    code: str
    title: str
    theme: str
    source: str
    period_start: dt.date
    period_end: dt.date | None
    notification_weekday: Weekday
    summary: str
    age_scope: AgeScope | None = None
    areas: tuple[FrameworkArea, ...] = ()
    out_of_scope: tuple[str, ...] = ()


# --- What is evaluated ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Criterion:
    """An evaluation criterion of one framework, led by the inspectorate whose plugin gives it.

    ``code`` is stable and unique within the framework (``ESN-23``). ``text`` is the criterion as
    the guidance words it. A ``reference_only`` criterion is one whose text the guidance does not
    hold (ESN 01-22 live in the main JTAI framework): it has no text, only a code and a
    ``source``, so that forms can cite it. ``evaluated_by`` lists the other inspectorates that
    evaluate it.
    """

    framework: str
    code: str
    title: str
    text: str | None
    source: str
    evaluated_by: tuple[str, ...] = ()
    area: str | None = None
    reference_only: bool = False


# --- What the area is asked for -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeSet:
    """A closed list of codes a list field takes (e.g. the DfE CIN census category of abuse).

    ``aliases`` on a code are the other ways local authorities write it ('Emotional abuse' -> EMO);
    matching ignores case and spacing.
    """

    code: str
    title: str
    source: str
    codes: tuple[Code, ...]


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"
    YES_NO = "yes_no"
    CODE = "code"  # one code from ``ListField.code_set``
    POSTCODE = "postcode"


class FieldRule(StrEnum):
    """Rules between the fields of one row that core knows how to check."""

    REQUIRED_UNLESS_UNBORN = "required_unless_unborn"  # e.g. date of birth
    ONLY_WHEN_UNBORN = "only_when_unborn"  # e.g. expected date of birth


class FieldRole(StrEnum):
    """What core reads a list field for (see ``ListField.role``); other fields are data only."""

    # A yes/no field of a SELECTION list: the child is living or has lived with domestic abuse.
    # Core selects only children it flags (the 'living with domestic abuse' rule).
    DOMESTIC_ABUSE_FLAG = "domestic_abuse_flag"
    # The code field of the MEETINGS list: its code set is the meeting types core accepts when a
    # meeting is recorded.
    MEETING_TYPE = "meeting_type"
    # The other fields of the MEETINGS list core reads to make the meetings it describes: the
    # date, the start time ("09:30", "9.30am"), the children's IDs, and (optional) the venue.
    MEETING_DATE = "meeting_date"
    MEETING_TIME = "meeting_time"
    MEETING_CHILDREN = "meeting_children"
    MEETING_VENUE = "meeting_venue"


@dataclass(frozen=True, slots=True)
class ListField:
    """One column of a list the area sends.

    ``name`` is the snake_case key core stores; ``label`` is the column as the guidance words it;
    ``aliases`` are other headers local authorities use for it (matching ignores case, spacing and
    punctuation).
    """

    name: str
    label: str
    type: FieldType
    required: bool = True
    code_set: str | None = None
    rule: FieldRule | None = None
    aliases: tuple[str, ...] = ()
    role: FieldRole | None = None


class ListRole(StrEnum):
    """What core uses a list for (see ``ListSpec.role``); a list with no role is data only.

    Core finds the lists it works with by role, never by a plugin's codes, so that any framework
    can name its lists as its guidance does.
    """

    SELECTION = "selection"  # the 20 children are selected from these (flagged domestic abuse)
    SAMPLING = "sampling"  # child-level lists inspectors sample children from
    SELECTED_CHILD_DETAILS = (
        "selected_child_details"  # more on each selected child; one a framework
    )
    MEETINGS = "meetings"  # the area's meetings in the fieldwork week; one a framework


@dataclass(frozen=True, slots=True)
class ListSpec:
    """The field specification of a list request; uploaded lists are validated against it.

    ``role`` says what core uses the list for; the registry checks each role's needs per
    framework (a SELECTION list has a DOMESTIC_ABUSE_FLAG field, the MEETINGS list a
    MEETING_TYPE field, at most one list of the one-a-framework roles).
    """

    code: str
    title: str
    coverage: str
    fields: tuple[ListField, ...]
    role: ListRole | None = None


class RequestScope(StrEnum):
    AREA = "area"  # once for the inspection
    SELECTED_CHILD = "selected_child"  # once for each of the (up to) 20 selected children
    TRACKED_CHILD = "tracked_child"  # once for each of the 5-7 tracked children


class RequestRole(StrEnum):
    """What a document request means to core (see ``DocumentRequest.role``)."""

    # The partnership's joint evaluations of the tracked children (a TRACKED_CHILD request): once
    # they are due, a child is untracked only with a reason.
    JOINT_EVALUATION = "joint_evaluation"


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """Something the inspection team asks the area for, with its deadline.

    ``reference`` is stable and unique within the framework: the guidance's own number where it has
    one (``3.2``), otherwise a short code (``list.children-in-need``). ``addressed_to`` lists the
    agency kinds that must answer it; one request is issued to each agency of those kinds. A list
    request carries its ``list_spec``.
    """

    framework: str
    reference: str
    title: str
    addressed_to: tuple[AgencyKind, ...]
    scope: RequestScope
    deadline: Deadline
    description: str = ""
    list_spec: ListSpec | None = None
    role: RequestRole | None = None  # at most one request of a framework for each role


class MilestoneRole(StrEnum):
    """What a milestone means to core: choices made after it are recorded as late."""

    SELECT_CHILDREN = "select_children"  # the lead selects the (up to) 20 children
    NAME_TRACKED_CHILDREN = "name_tracked_children"  # the lead names the 5-7 tracked children


@dataclass(frozen=True, slots=True)
class Milestone:
    """Something the inspection team itself must do by a deadline (e.g. select the 20 children).

    ``role`` says which of core's steps it times, at most one milestone of a framework for each.
    """

    framework: str
    code: str
    title: str
    deadline: Deadline
    role: MilestoneRole | None = None


# --- What inspectors record -----------------------------------------------------------------------


class QuestionKind(StrEnum):
    TEXT = "text"  # a short answer
    SUMMARY = "summary"  # an evaluative summary: long free text
    YES_NO = "yes_no"
    CHOICE = "choice"  # one of ``Question.choices``
    MULTI_CHOICE = "multi_choice"  # any of ``Question.choices``
    INTEGER = "integer"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer of a choice question. Never remove a choice evidence may have recorded: set
    ``retired`` instead, so that old records still read (new evidence may not choose it)."""

    code: str  # UPPER_SNAKE_CASE: it becomes a GraphQL enum value
    label: str
    retired: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    """One question of an evidence form.

    ``code`` is snake_case and becomes a GraphQL field (camelCased). ``criteria`` are the codes of
    the framework's criteria the answer evidences. ``since`` is the form version that added the
    question: records of earlier versions never had it, so a required question added later is
    required of new evidence only (and its output field is nullable).
    """

    code: str
    text: str
    kind: QuestionKind
    required: bool = False
    choices: tuple[Choice, ...] = ()
    criteria: tuple[str, ...] = ()
    help: str = ""
    since: int = 1


class EvidenceSubject(StrEnum):
    TRACKED_CHILD = "tracked_child"
    SAMPLED_CHILD = "sampled_child"
    AGENCY = "agency"
    AREA = "area"


@dataclass(frozen=True, slots=True)
class EvidenceForm:
    """A form inspectors fill in, for one framework.

    ``code`` is kebab-case and unique within the plugin; the form's GraphQL types are named from the
    inspectorate's prefix and the code (``case-tracking`` -> ``OfstedCaseTrackingEvidence`` and
    ``OfstedCaseTrackingEvidenceInput``).

    ``version`` counts the form's changes that matter to records (a question made required, a
    choice retired): raise it with each. Every evidence record keeps the version it was recorded
    against, and a record is checked by the rules of its own version: core never asks old records
    for answers their form did not have, and reads retired choices as recorded (see
    docs/plugins.md "Forms change over the years").
    """

    framework: str
    code: str
    title: str
    subject: EvidenceSubject
    questions: tuple[Question, ...]
    description: str = ""
    source: str = ""
    version: int = 1


Contribution = Framework | Criterion | CodeSet | DocumentRequest | Milestone | EvidenceForm

__all__ = [
    "AgeScope",
    "AgencyKind",
    "Choice",
    "Code",
    "CodeSet",
    "Contribution",
    "Criterion",
    "Deadline",
    "DeadlineRule",
    "DocumentRequest",
    "EvidenceForm",
    "EvidenceSubject",
    "FieldRole",
    "FieldRule",
    "FieldType",
    "Framework",
    "FrameworkArea",
    "Inspectorate",
    "ListField",
    "ListRole",
    "ListSpec",
    "Milestone",
    "MilestoneRole",
    "Question",
    "QuestionKind",
    "RequestScope",
    "TimeOfDay",
    "Weekday",
]
