"""Reference data as GraphQL: inspectorates, frameworks, criteria, requests, forms and plugins.

All of it comes from the registry (the plugins' data), so a front end can render any framework or
form without knowing it in advance. None of it is personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import relay

from core import contributions as c
from core.graphql.base.enums import (
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
from core.graphql.base.inputs import row_id
from core.graphql.base.permissions import signed_in
from core.graphql.context import Info
from core.registry import (
    Owned,
    PluginInfo,
    Registry,
    form_input_name,
    form_mutation_name,
    form_type_name,
)
from core.workflow.evidence import recording_inspection
from core.workflow.rules import Ref, Refused


def use(instead: str) -> str:
    """The deprecation reason of a code field whose object field says the same."""
    return f"One name for one thing: use `{instead}`."


@strawberry.type(description="An inspectorate taking part in JTAIs, as its plugin describes it.")
class Inspectorate:
    code: str
    name: str
    short_name: str
    graphql_prefix: str
    agency_kinds: list[AgencyKind]
    framework_codes: list[str] = strawberry.field(deprecation_reason=use("frameworks { code }"))

    @staticmethod
    def of(item: c.Inspectorate) -> Inspectorate:
        """The node for a registry's inspectorate, built once, as ``Criterion.of``'s (the
        dashboard's coverage names one for every criterion)."""
        cached = _INSPECTORATE_NODES.get(id(item))
        if cached is not None and cached[0] is item:
            return cached[1]
        node = Inspectorate._build(item)
        _INSPECTORATE_NODES[id(item)] = (item, node)
        return node

    @staticmethod
    def _build(item: c.Inspectorate) -> Inspectorate:
        return Inspectorate(
            code=item.code,
            name=item.name,
            short_name=item.short_name,
            graphql_prefix=item.graphql_prefix,
            agency_kinds=list(item.agency_kinds),
            framework_codes=list(item.frameworks),
        )

    @strawberry.field(description="The frameworks this inspectorate takes part in.")
    def frameworks(self, info: Info) -> list[Framework]:
        registry = info.context.registry
        return [Framework.of(f) for f in registry.frameworks if f.code in self.framework_codes]


class NotInstalled(LookupError):
    """Stored rows name a contribution no installed plugin provides: a plugin was removed."""

    def __init__(self, what: str, code: str) -> None:
        super().__init__(
            f"The database names {what} {code!r}, which no installed plugin provides; "
            "install the plugin that provides it again (`jtai plugins` lists them)."
        )


def inspectorate_of(info: Info, code: str) -> Inspectorate:
    found = info.context.registry.inspectorate(code)
    if found is None:
        raise NotInstalled("inspectorate", code)
    return Inspectorate.of(found)


def inspectorate_value(registry: Registry, code: str) -> Any:
    """An inspectorate's node as a plain field's value, or the error the field answers with when
    no plugin provides it (graphql-core reports an exception found as a field's value exactly as
    one a resolver raised): the compiled builders then take a list of its holders whole."""
    found = registry.inspectorate(code)
    return Inspectorate.of(found) if found is not None else NotInstalled("inspectorate", code)


def framework_of(info: Info, code: str) -> Framework:
    found = info.context.registry.framework(code)
    if found is None:
        raise NotInstalled("framework", code)
    return Framework.of(found)


@strawberry.type(description="Which children a framework is about.")
class AgeScope:
    includes_unborn: bool
    min_age_years: int | None
    max_age_years: int | None


@strawberry.type
class FrameworkArea:
    code: str
    title: str


@strawberry.type(description="One edition of a JTAI theme; an inspection runs under exactly one.")
class Framework:
    code: str
    title: str
    theme: str
    source: str
    summary: str
    period_start: dt.date
    period_end: dt.date | None
    notification_weekday: Weekday
    age_scope: AgeScope | None
    areas: list[FrameworkArea]
    out_of_scope: list[str]

    @staticmethod
    def of(item: c.Framework) -> Framework:
        scope = item.age_scope
        return Framework(
            code=item.code,
            title=item.title,
            theme=item.theme,
            source=item.source,
            summary=item.summary,
            period_start=item.period_start,
            period_end=item.period_end,
            notification_weekday=item.notification_weekday,
            age_scope=AgeScope(
                includes_unborn=scope.includes_unborn,
                min_age_years=scope.min_age_years,
                max_age_years=scope.max_age_years,
            )
            if scope
            else None,
            areas=[FrameworkArea(code=a.code, title=a.title) for a in item.areas],
            out_of_scope=list(item.out_of_scope),
        )

    @strawberry.field(description="The inspectorate that declares the framework and leads it.")
    def lead(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, info.context.registry.framework_lead(self.code))

    @strawberry.field(description="The inspectorates that take part; others sit it out.")
    def inspectorates(self, info: Info) -> list[Inspectorate]:
        return [Inspectorate.of(i) for i in info.context.registry.participants(self.code)]

    @strawberry.field(description="The criteria, optionally only those one inspectorate leads.")
    def criteria(
        self, info: Info, lead: str | None = None, include_references: bool = True
    ) -> list[Criterion]:
        return [
            Criterion.of(o)
            for o in info.context.registry.criteria_of(self.code)
            if (lead is None or o.owner == lead)
            and (include_references or not o.item.reference_only)
        ]

    @strawberry.field(description="What the area is asked for, optionally one owner's requests.")
    def document_requests(
        self,
        info: Info,
        owner: str | None = None,
        addressed_to: AgencyKind | None = None,
    ) -> list[DocumentRequest]:
        return [
            DocumentRequest.of(o)
            for o in info.context.registry.document_requests_of(self.code)
            if (owner is None or o.owner == owner)
            and (addressed_to is None or addressed_to in o.item.addressed_to)
        ]

    @strawberry.field(description="The inspection team's own deadlines.")
    def milestones(self, info: Info) -> list[Milestone]:
        return [Milestone.of(o) for o in info.context.registry.milestones_of(self.code)]

    @strawberry.field(description="The evidence forms inspectors use under this framework.")
    def evidence_forms(self, info: Info, inspectorate: str | None = None) -> list[EvidenceForm]:
        return [
            EvidenceForm.of(info, o)
            for o in info.context.registry.evidence_forms_of(self.code)
            if inspectorate is None or o.owner == inspectorate
        ]


@strawberry.type(description="An evaluation criterion, led by one inspectorate.")
class Criterion:
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    code: str
    title: str
    text: str | None = strawberry.field(
        description="The guidance's words; null for a reference-only criterion."
    )
    source: str
    reference_only: bool
    area: str | None
    lead_code: str = strawberry.field(deprecation_reason=use("lead { code }"))
    evaluated_by_codes: list[str] = strawberry.field(deprecation_reason=use("evaluatedBy { code }"))

    @staticmethod
    def of(owned: Owned[c.Criterion]) -> Criterion:
        """The node for a registry's criterion: built once, as the registry's data never changes
        (a page of 1,000 findings cites thousands of criteria)."""
        cached = _CRITERION_NODES.get(id(owned))
        if cached is not None and cached[0] is owned:
            return cached[1]
        node = Criterion._build(owned)
        _CRITERION_NODES[id(owned)] = (owned, node)
        return node

    @staticmethod
    def _build(owned: Owned[c.Criterion]) -> Criterion:
        item = owned.item
        return Criterion(
            framework_code=item.framework,
            code=item.code,
            title=item.title,
            text=item.text,
            source=item.source,
            reference_only=item.reference_only,
            area=item.area,
            lead_code=owned.owner,
            evaluated_by_codes=list(item.evaluated_by),
        )

    @strawberry.field(description="The framework the criterion belongs to.")
    def framework(self, info: Info) -> Framework:
        return framework_of(info, self.framework_code)

    @strawberry.field(description="The inspectorate that leads the criterion.")
    def lead(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.lead_code)

    @strawberry.field(
        description="The other inspectorates that evaluate it (those whose plugins are installed)."
    )
    def evaluated_by(self, info: Info) -> list[Inspectorate]:
        found = (info.context.registry.inspectorate(code) for code in self.evaluated_by_codes)
        return [Inspectorate.of(i) for i in found if i is not None]


# Criterion nodes by the id of the registry entry they show; the entry is kept with its node so
# the id is never reused.
_CRITERION_NODES: dict[int, tuple[Owned[c.Criterion], Criterion]] = {}
_INSPECTORATE_NODES: dict[int, tuple[c.Inspectorate, Inspectorate]] = {}


@strawberry.type(description="When something is due, counted from the day the area is notified.")
class Deadline:
    rule: DeadlineRule
    working_day: int | None = strawberry.field(
        description="Day N in working days; 0 is the notification day."
    )
    week: int | None
    weekday: Weekday | None
    time_of_day: TimeOfDay
    clock_time: dt.time
    description: str

    @staticmethod
    def of(item: c.Deadline) -> Deadline:
        by_day = item.rule is c.DeadlineRule.WORKING_DAY
        return Deadline(
            rule=item.rule,
            working_day=item.day if by_day else None,
            week=None if by_day else item.week,
            weekday=None if by_day else item.weekday,
            time_of_day=item.time,
            clock_time=item.time.value,
            description=item.describe(),
        )


@strawberry.type(description="A value of a code set: the code stored, and its label to show.")
class Code:
    code: str
    label: str
    aliases: list[str]

    @staticmethod
    def of(item: c.Code) -> Code:
        return Code(code=item.code, label=item.label, aliases=list(item.aliases))

    @staticmethod
    def of_field(registry: Registry, field: str, code: str) -> Code:
        """``code`` of the code set lists give ``field``; a code outside it is its own label."""
        found = registry.field_code(field, code)
        return Code.of(found) if found else Code(code=code, label=code, aliases=[])


@strawberry.type(description="A closed list of codes a list column takes.")
class CodeSet:
    code: str
    title: str
    source: str
    codes: list[Code]

    @staticmethod
    def of(item: c.CodeSet) -> CodeSet:
        return CodeSet(
            code=item.code,
            title=item.title,
            source=item.source,
            codes=[Code(code=x.code, label=x.label, aliases=list(x.aliases)) for x in item.codes],
        )


@strawberry.type(description="One column of a list the area sends.")
class ListField:
    name: str
    label: str
    type: FieldType
    required: bool
    rule: FieldRule | None
    aliases: list[str]
    code_set_code: str | None = strawberry.field(deprecation_reason=use("codeSet { code }"))

    @strawberry.field
    def code_set(self, info: Info) -> CodeSet | None:
        if self.code_set_code is None:
            return None
        found = info.context.registry.code_set(self.code_set_code)
        return CodeSet.of(found) if found else None


@strawberry.type(description="The field specification uploaded lists are validated against.")
class ListSpec:
    code: str
    title: str
    coverage: str
    fields: list[ListField]

    @staticmethod
    def of(item: c.ListSpec) -> ListSpec:
        return ListSpec(
            code=item.code,
            title=item.title,
            coverage=item.coverage,
            fields=[
                ListField(
                    name=f.name,
                    label=f.label,
                    type=f.type,
                    required=f.required,
                    rule=f.rule,
                    aliases=list(f.aliases),
                    code_set_code=f.code_set,
                )
                for f in item.fields
            ],
        )


@strawberry.type(description="Something the inspection team asks the area for.")
class DocumentRequest:
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    reference: str
    title: str
    description: str
    addressed_to: list[AgencyKind]
    scope: RequestScope
    deadline: Deadline
    list_spec: ListSpec | None
    owner_code: str = strawberry.field(deprecation_reason=use("owner { code }"))

    @staticmethod
    def of(owned: Owned[c.DocumentRequest]) -> DocumentRequest:
        item = owned.item
        return DocumentRequest(
            framework_code=item.framework,
            reference=item.reference,
            title=item.title,
            description=item.description,
            addressed_to=list(item.addressed_to),
            scope=item.scope,
            deadline=Deadline.of(item.deadline),
            list_spec=ListSpec.of(item.list_spec) if item.list_spec else None,
            owner_code=owned.owner,
        )

    @strawberry.field(description="The framework asking for it.")
    def framework(self, info: Info) -> Framework:
        return framework_of(info, self.framework_code)

    @strawberry.field(description="The inspectorate whose request it is.")
    def owner(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.owner_code)


@strawberry.type(description="Something the inspection team itself must do by a deadline.")
class Milestone:
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    code: str
    title: str
    deadline: Deadline
    owner_code: str = strawberry.field(deprecation_reason=use("owner { code }"))

    @staticmethod
    def of(owned: Owned[c.Milestone]) -> Milestone:
        item = owned.item
        return Milestone(
            framework_code=item.framework,
            code=item.code,
            title=item.title,
            deadline=Deadline.of(item.deadline),
            owner_code=owned.owner,
        )

    @strawberry.field(description="The framework it belongs to.")
    def framework(self, info: Info) -> Framework:
        return framework_of(info, self.framework_code)

    @strawberry.field(description="The inspectorate that must do it.")
    def owner(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.owner_code)


@strawberry.type
class Choice:
    code: str
    label: str
    retired: bool = strawberry.field(
        default=False,
        description="Kept so that evidence recorded with it still reads; new evidence may not "
        "choose it.",
    )


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


@strawberry.type(description="A question of an evidence form.")
class Question:
    code: str
    field_name: str = strawberry.field(
        description="The field holding the answer on the form's typed evidence type."
    )
    text: str
    kind: QuestionKind
    required: bool
    choices: list[Choice]
    help: str
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    criterion_codes: list[str] = strawberry.field(deprecation_reason=use("criteria { code }"))
    since: int = strawberry.field(
        default=1,
        description="The form version that added the question; evidence of earlier versions "
        "has no answer to it.",
    )

    @strawberry.field(description="The framework of the question's form.")
    def framework(self, info: Info) -> Framework:
        return framework_of(info, self.framework_code)

    @strawberry.field(description="The criteria an answer evidences.")
    def criteria(self, info: Info) -> list[Criterion]:
        registry = info.context.registry
        found = (registry.criterion(self.framework_code, code) for code in self.criterion_codes)
        return [Criterion.of(o) for o in found if o is not None]


@strawberry.type(description="An evidence form, as data a front end can render.")
class EvidenceForm:
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    code: str
    title: str
    description: str
    source: str
    subject: EvidenceSubject
    graphql_type_name: str = strawberry.field(
        description="The typed evidence type this form generates (implements Evidence)."
    )
    input_type: str = strawberry.field(
        description="The GraphQL input type its mutation takes, e.g. "
        "`OfstedCaseTrackingEvidenceInput`: one field per question (by `fieldName`), with "
        "`inspectionId`, `childId`/`agencyId` by `subject`, `status`, `evidenceId`, "
        "`citedCriteria`."
    )
    mutation: str = strawberry.field(
        description="The mutation that records its evidence, e.g. "
        "`recordOfstedCaseTrackingEvidence(input:)`."
    )
    questions: list[Question]
    owner_code: str = strawberry.field(deprecation_reason=use("inspectorate { code }"))

    @strawberry.field(
        description="Whether you may record evidence with this form in that inspection (the "
        "rules its mutation applies before reading the answers): an inspector of the form's "
        "inspectorate who may see the inspection, which runs under the form's framework."
    )
    def viewer_can_record(self, info: Info, inspection_id: relay.GlobalID) -> bool:
        context = info.context
        owned = context.registry.evidence_form(self.owner_code, self.code)
        inspectorate = context.registry.inspectorate(self.owner_code)
        row = row_id(inspection_id.node_id) if inspection_id.type_name == "Inspection" else None
        if owned is None or inspectorate is None or row is None:
            return False
        try:
            recording_inspection(
                context.session, context.viewer, inspectorate, owned.item, Ref(row, row)
            )
        except Refused:
            return False
        return True

    version: int = strawberry.field(
        default=1,
        description="The form's version: each evidence record keeps the version it was "
        "recorded against (Evidence.formVersion).",
    )

    @staticmethod
    def of(info: Info, owned: Owned[c.EvidenceForm]) -> EvidenceForm:
        item = owned.item
        inspectorate = info.context.registry.inspectorate(owned.owner)
        assert inspectorate is not None
        return EvidenceForm(
            framework_code=item.framework,
            code=item.code,
            title=item.title,
            description=item.description,
            source=item.source,
            subject=item.subject,
            graphql_type_name=form_type_name(inspectorate, item),
            input_type=form_input_name(inspectorate, item),
            mutation=form_mutation_name(inspectorate, item),
            questions=[
                Question(
                    code=q.code,
                    field_name=camel(q.code),
                    text=q.text,
                    kind=q.kind,
                    required=q.required,
                    choices=[
                        Choice(code=x.code, label=x.label, retired=x.retired) for x in q.choices
                    ],
                    help=q.help,
                    framework_code=item.framework,
                    criterion_codes=list(q.criteria),
                    since=q.since,
                )
                for q in item.questions
            ],
            owner_code=owned.owner,
            version=item.version,
        )

    @strawberry.field(description="The framework the form is used under.")
    def framework(self, info: Info) -> Framework:
        return framework_of(info, self.framework_code)

    @strawberry.field(description="The inspectorate whose form it is.")
    def inspectorate(self, info: Info) -> Inspectorate:
        return inspectorate_of(info, self.owner_code)


@strawberry.type
class ContributionCount:
    kind: str
    count: int


@strawberry.type(description="An installed plugin and what it contributes.")
class Plugin:
    name: str
    version: str | None
    hooks: list[str]
    contributions: list[ContributionCount]
    inspectorate_code: strawberry.Private[str | None]

    @staticmethod
    def of(item: PluginInfo) -> Plugin:
        return Plugin(
            name=item.name,
            version=item.version,
            hooks=list(item.hooks),
            contributions=[ContributionCount(kind=k, count=n) for k, n in item.contributions],
            inspectorate_code=item.inspectorate.code if item.inspectorate else None,
        )

    @strawberry.field
    def inspectorate(self, info: Info) -> Inspectorate | None:
        if self.inspectorate_code is None:
            return None
        return inspectorate_of(info, self.inspectorate_code)


@strawberry.type
class ReferenceQueries:
    """The root fields of the registry's reference data."""

    @strawberry.field(
        description="The installed plugins and what each contributes.", extensions=signed_in()
    )
    def plugins(self, info: Info) -> list[Plugin]:
        return [Plugin.of(p) for p in info.context.registry.plugins]

    @strawberry.field(description="The inspectorates, by code.", extensions=signed_in())
    def inspectorates(self, info: Info) -> list[Inspectorate]:
        return [Inspectorate.of(i) for i in info.context.registry.inspectorates]

    @strawberry.field(description="Every framework, by code.", extensions=signed_in())
    def frameworks(self, info: Info) -> list[Framework]:
        return [Framework.of(f) for f in info.context.registry.frameworks]

    @strawberry.field(
        description="One framework by its code, e.g. 'da-2016'.", extensions=signed_in()
    )
    def framework(self, info: Info, code: str) -> Framework | None:
        found = info.context.registry.framework(code)
        return Framework.of(found) if found else None
