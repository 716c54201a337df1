"""Core node types: local areas, agencies, inspectors, inspections, teams, children, evidence.

Every node is fetched through a loader or a scoped query from ``core.access``, including through
``node(id:)``: a global ID of something the viewer may not see resolves to null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.scalars import JSON

from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.enums import AgencyKind, QuestionKind
from core.graphql.base.inputs import in_order, row_ids
from core.graphql.base.permissions import scoped_by
from core.graphql.context import Info
from core.graphql.list_rows import ListMembership, child_lists
from core.graphql.reference import (
    Choice,
    Code,
    Criterion,
    EvidenceForm,
    Framework,
    Inspectorate,
    camel,
    framework_of,
    inspectorate_value,
    use,
)
from core.registry import Registry


async def load_nodes(loader: Any, node_ids: Iterable[str]) -> list[Any]:
    ids = list(node_ids)
    rows = await loader.load_many(row_ids(ids))
    return in_order(ids, {row.id: row for row in rows if row is not None})


@strawberry.type(description="A local authority area: the unit a JTAI inspects.")
class LocalArea(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str

    @staticmethod
    def of(row: m.LocalArea) -> LocalArea:
        return LocalArea(id=row.id, code=row.code, name=row.name)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LocalArea | None]:
        rows = await load_nodes(info.context.loaders.area, node_ids)
        return [LocalArea.of(r) if r else None for r in rows]

    @strawberry.field(description="The area's agencies, ordered by kind and name.")
    async def agencies(self, info: Info) -> list[Agency]:
        rows = await info.context.loaders.agencies_of_area.load(self.id)
        return [Agency.of(row) for row in rows]


@strawberry.type(description="A local agency of one area.")
class Agency(relay.Node):
    id: relay.NodeID[int]
    kind: AgencyKind
    name: str
    area_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Agency) -> Agency:
        return Agency(id=row.id, kind=AgencyKind(row.kind), name=row.name, area_id=row.area_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Agency | None]:
        rows = await load_nodes(info.context.loaders.agency, node_ids)
        return [Agency.of(r) if r else None for r in rows]

    @strawberry.field
    async def area(self, info: Info) -> LocalArea:
        return LocalArea.of(await info.context.loaders.area.load(self.area_id))


@strawberry.type(description="A member of one inspectorate's staff.")
class Inspector(relay.Node):
    id: relay.NodeID[int]
    name: str
    inspectorate: Inspectorate
    inspectorate_code: strawberry.Private[str]

    @staticmethod
    def of(row: m.Inspector, registry: Registry) -> Inspector:
        return Inspector.made(registry, row.id, row.name, row.inspectorate)

    @staticmethod
    def made(registry: Registry, inspector_id: int, name: str, inspectorate: str) -> Inspector:
        """Its inspectorate given as a plain field (not one resolver call per inspector)."""
        return Inspector(
            id=inspector_id,
            name=name,
            inspectorate=inspectorate_value(registry, inspectorate),
            inspectorate_code=inspectorate,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Inspector | None]:
        rows = await load_nodes(info.context.loaders.inspector, node_ids)
        return [Inspector.of(r, info.context.registry) if r else None for r in rows]


async def load_inspector(info: Info, inspector_id: int | None) -> Inspector | None:
    """The inspector of a nullable reference (who chose a child, who attends a meeting)."""
    if inspector_id is None:
        return None
    row = await info.context.loaders.inspector.load(inspector_id)
    return Inspector.of(row, info.context.registry) if row else None


@strawberry.type(description="An inspector on an inspection's team.")
class TeamMember:
    is_lead: bool = strawberry.field(description="True for the (Ofsted) lead inspector.")
    inspector: Inspector


@strawberry.type(description="A child known to the area during one inspection (synthetic only).")
class Child(relay.Node):
    id: relay.NodeID[int]
    local_id: str = strawberry.field(description="The local authority's unique ID for the child.")
    gender_code: strawberry.Private[str | None]
    ethnicity_code: strawberry.Private[str | None]
    date_of_birth: dt.date | None
    expected_date_of_birth: dt.date | None = strawberry.field(
        description="Set only for an unborn child, who has no date of birth."
    )
    has_disability: bool | None
    lives_with_domestic_abuse: bool | None
    delisted_at: dt.datetime | None = strawberry.field(
        description="When a new list left the child on no list of the inspection; null while a "
        "list names the child. Such a child is kept only because the inspection needs them."
    )
    inspection_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Child) -> Child:
        return Child(
            id=row.id,
            local_id=row.local_id,
            gender_code=row.gender,
            ethnicity_code=row.ethnicity,
            date_of_birth=row.date_of_birth,
            expected_date_of_birth=row.expected_date_of_birth,
            has_disability=row.has_disability,
            lives_with_domestic_abuse=row.lives_with_domestic_abuse,
            delisted_at=row.delisted_at,
            inspection_id=row.inspection_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Child | None]:
        rows = await load_nodes(info.context.loaders.child, node_ids)
        return [Child.of(r) if r else None for r in rows]

    @strawberry.field(description="The child's gender, a code of the lists' 'gender' code set.")
    def gender(self, info: Info) -> Code | None:
        if self.gender_code is None:
            return None
        return Code.of_field(info.context.registry, "gender", self.gender_code)

    @strawberry.field(
        description="The child's ethnicity, a code of the lists' 'ethnicity' code set."
    )
    def ethnicity(self, info: Info) -> Code | None:
        if self.ethnicity_code is None:
            return None
        return Code.of_field(info.context.registry, "ethnicity", self.ethnicity_code)

    @strawberry.field
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_date_of_birth is not None

    @strawberry.field(
        description="False once the lists that named the child were replaced by lists that do "
        "not: the child is kept because the team chose them, asked about them or cited them."
    )
    def on_a_list(self) -> bool:
        return self.delisted_at is None

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef:
        return await load_inspection(info, self.inspection_id)

    @strawberry.field(
        description="The child's rows on the lists the area sent, each with its own fields.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def lists(self, info: Info) -> list[ListMembership]:
        return await child_lists(info, self.id)


@strawberry.type(description="One question of an evidence form with its answer.")
class EvidenceAnswer:
    question_code: str
    field_name: str = strawberry.field(description="The question's field in the input type.")
    label: str = strawberry.field(description="The question as the form words it.")
    kind: QuestionKind
    value: JSON | None = strawberry.field(
        description="The answer as the input takes it: text, true/false, an integer, an ISO "
        "date, a choice's code or a list of codes; null when unanswered."
    )
    choices: list[Choice] = strawberry.field(
        description="The choices picked, with their labels (empty for other kinds)."
    )

    @staticmethod
    def of(question: c.Question, typed: object) -> EvidenceAnswer:
        labels = {choice.code: choice.label for choice in question.choices}
        picked = typed if isinstance(typed, list) else [typed]
        codes = [item.value for item in picked if isinstance(item, Enum)]
        value: Any = typed
        if isinstance(typed, Enum):
            value = typed.value
        elif isinstance(typed, list):
            value = codes
        elif isinstance(typed, dt.date):
            value = typed.isoformat()
        return EvidenceAnswer(
            question_code=question.code,
            field_name=camel(question.code),
            label=question.text,
            kind=question.kind,
            value=value,
            choices=[Choice(code=code, label=labels.get(code, code)) for code in codes],
        )


@strawberry.enum(description="Draft evidence may still change; final evidence is complete.")
class EvidenceStatus(Enum):
    DRAFT = "draft"
    FINAL = "final"


@strawberry.interface(
    description="Evidence recorded with an inspectorate's form. Each form has its own type "
    "implementing this interface, with one typed field per question."
)
class Evidence(relay.Node):
    id: relay.NodeID[int]
    status: EvidenceStatus
    recorded_at: dt.datetime
    updated_at: dt.datetime
    inspection_id: strawberry.Private[int]
    child_id: strawberry.Private[int | None]
    agency_id: strawberry.Private[int | None]
    recorded_by_id: strawberry.Private[int]
    cited_criteria: list[str] = strawberry.field(
        default_factory=list,
        description="Codes of criteria the inspector cited beyond those of the questions.",
    )
    form_version: int = strawberry.field(
        default=1,
        description="The version of its form the evidence was recorded against: the questions "
        "and choices of that version are the ones it answers.",
    )

    # Set on each generated type: which plugin form it renders.
    jtai_inspectorate: ClassVar[str] = ""
    jtai_form: ClassVar[str] = ""

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Evidence | None]:
        rows = info.context.session.scalars(
            select(m.EvidenceRecord).where(
                m.EvidenceRecord.id.in_(row_ids(node_ids)),
                m.EvidenceRecord.inspectorate == cls.jtai_inspectorate,
                m.EvidenceRecord.form == cls.jtai_form,
                access.evidence_visible_to(info.context.viewer),
            )
        )
        catalog = info.context.evidence_types
        found = {row.id: catalog.to_node(row) for row in rows}
        info.context.touch("EvidenceRecord", found)
        return in_order(node_ids, found)

    @strawberry.field
    async def inspection(self, info: Info) -> InspectionRef:
        return await load_inspection(info, self.inspection_id)

    @strawberry.field
    def inspectorate(self, info: Info) -> Inspectorate:
        found = info.context.registry.inspectorate(self.jtai_inspectorate)
        assert found is not None
        return Inspectorate.of(found)

    @strawberry.field(
        description="Every question of its form with its answer, in form order: for UIs that "
        "render evidence from the form as data."
    )
    def answers(self, info: Info) -> list[EvidenceAnswer]:
        owned = info.context.registry.evidence_form(self.jtai_inspectorate, self.jtai_form)
        assert owned is not None
        return [EvidenceAnswer.of(q, getattr(self, q.code, None)) for q in owned.item.questions]

    @strawberry.field(description="The form the evidence was recorded with, as data.")
    def form(self, info: Info) -> EvidenceForm:
        owned = info.context.registry.evidence_form(self.jtai_inspectorate, self.jtai_form)
        assert owned is not None
        return EvidenceForm.of(info, owned)

    @strawberry.field(
        description="The child the evidence is about, for child-level forms.",
        extensions=scoped_by(access.children_visible_to),
    )
    async def child(self, info: Info) -> Child | None:
        if self.child_id is None:
            return None
        row = await info.context.loaders.child.load(self.child_id)
        return Child.of(row) if row else None

    @strawberry.field(description="The agency the evidence is about, for agency-level forms.")
    async def agency(self, info: Info) -> Agency | None:
        if self.agency_id is None:
            return None
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.of(row) if row else None

    @strawberry.field
    async def recorded_by(self, info: Info) -> Inspector | None:
        row = await info.context.loaders.inspector.load(self.recorded_by_id)
        return Inspector.of(row, info.context.registry) if row else None

    @strawberry.field(description="The criteria the answered questions evidence.")
    def criteria(self, info: Info) -> list[Criterion]:
        registry = info.context.registry
        owned = registry.evidence_form(self.jtai_inspectorate, self.jtai_form)
        assert owned is not None
        answered = info.context.evidence_types.answered_codes(self)
        codes: list[str] = []
        for question in owned.item.questions:
            if question.code in answered:
                codes.extend(c for c in question.criteria if c not in codes)
        codes.extend(c for c in self.cited_criteria if c not in codes)
        found = (registry.criterion(owned.item.framework, code) for code in codes)
        return [Criterion.of(o) for o in found if o is not None]


@strawberry.type
class InspectionCore(relay.Node):
    """The hub's data and first fields. ``core.graphql.inspection`` assembles ``Inspection`` from
    it and the domains' field mixins; domains build and return ``InspectionCore`` values, which
    the schema serves as ``Inspection`` (an object of a ``Node`` subclass passes its type check).
    """

    id: relay.NodeID[int]
    reference: str
    notification_date: dt.date
    framework_code: str = strawberry.field(deprecation_reason=use("framework { code }"))
    area_id: strawberry.Private[int]

    @staticmethod
    def of(row: m.Inspection) -> InspectionCore:
        return InspectionCore(
            id=row.id,
            reference=row.reference,
            notification_date=row.notification_date,
            framework_code=row.framework,
            area_id=row.area_id,
        )

    @strawberry.field
    def framework(self, info: Info) -> Framework:
        return framework_of(info, self.framework_code)

    @strawberry.field
    async def area(self, info: Info) -> LocalArea:
        return LocalArea.of(await info.context.loaders.area.load(self.area_id))

    @strawberry.field(
        description="The inspectorates taking part, fixed when the inspection was created: "
        "sign-off, requests, forms offered and coverage follow them. Those whose plugin is not "
        "installed any more are in missingPlugins instead."
    )
    async def inspectorates(self, info: Info) -> list[Inspectorate]:
        codes = await info.context.loaders.participants_of_inspection.load(self.id)
        found = (info.context.registry.inspectorate(code) for code in codes)
        return [Inspectorate.of(i) for i in found if i is not None]

    @strawberry.field(
        description="Codes of inspectorates taking part whose plugin is not installed: the "
        "inspection stays readable, but an action needing them (publishing a finding they have "
        "not agreed) is refused until the plugin is installed again. Empty when all is well."
    )
    async def missing_plugins(self, info: Info) -> list[str]:
        codes = await info.context.loaders.participants_of_inspection.load(self.id)
        return [code for code in codes if info.context.registry.inspectorate(code) is None]


if TYPE_CHECKING:
    # What domain code builds and reads of the hub is its core; not bound at run time, so that
    # strawberry follows the lazy reference below to the assembled type.
    Inspection = InspectionCore

# The hub type, for fields outside core.graphql.inspection (which imports their modules).
InspectionRef = Annotated["Inspection", strawberry.lazy("core.graphql.inspection")]


async def load_inspection(info: Info, inspection_id: int) -> InspectionCore:
    """The inspection of something the viewer sees: whoever sees a request, evidence or finding
    sees its inspection (``core.access`` scopes them so), so it is never missing."""
    row = await info.context.loaders.inspection.load(inspection_id)
    if row is None:
        raise LookupError(f"inspection {inspection_id} is out of the viewer's scope")
    return InspectionCore.of(row)
