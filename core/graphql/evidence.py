"""Typed GraphQL generated from the plugins' evidence forms, and the mutations that record evidence.

For each form, core generates an output type implementing ``Evidence`` (one field per question,
choices as enums, required questions non-null), an input type, and a ``record<Type>`` mutation.
This module deliberately has no ``from __future__ import annotations``: the generated classes'
annotations must be real types, not strings, for strawberry to resolve them.
"""

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types.field import StrawberryField

import core.graphql.generated  # noqa: F401 - the generated classes claim this module
from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.errors import MutationFailed, UserError, invalid, not_allowed, not_found
from core.graphql.base.inputs import node_id
from core.graphql.base.permissions import scoped_by, signed_in
from core.graphql.context import Info, root_field
from core.graphql.nodes import Evidence, EvidenceStatus
from core.registry import Owned, PluginContractError, Registry, form_type_name
from core.viewer import Role
from core.workflow import evidence as rules

GENERATED_MODULE = "core.graphql.generated"  # strawberry keys types by module and qualname
MAX_TEXT = 500
MAX_SUMMARY = 20_000


@strawberry.type(description="The result of recording evidence: the record, or what was wrong.")
class RecordEvidencePayload:
    # Only the record this inspector just wrote, of their own inspectorate (see _record).
    evidence: Evidence | None = strawberry.field(extensions=scoped_by(access.evidence_visible_to))
    errors: list[UserError]


def _pascal(code: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", code))


def _camel(code: str) -> str:
    head, *rest = code.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class GeneratedForm:
    owned: Owned[c.EvidenceForm]
    inspectorate: c.Inspectorate
    output_type: type
    input_type: type
    enums: dict[str, type[Enum]]
    mutation_name: str


class EvidenceCatalog:
    """The generated types of every form, and conversion between stored answers and them."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.forms: dict[tuple[str, str], GeneratedForm] = {}
        for owned in registry.evidence_forms:
            inspectorate = registry.inspectorate(owned.owner)
            assert inspectorate is not None
            self.forms[(owned.owner, owned.item.code)] = _generate(owned, inspectorate)

    @property
    def output_types(self) -> list[type]:
        return [g.output_type for g in self.forms.values()]

    def type_names(self) -> dict[str, str]:
        """Every generated GraphQL type name, with the plugin that caused it."""
        names: dict[str, str] = {}
        for generated in self.forms.values():
            plugin = generated.owned.plugin
            generated_names = [generated.output_type.__name__, generated.input_type.__name__]
            generated_names += [enum.__name__ for enum in generated.enums.values()]
            for name in generated_names:
                if name in names:
                    raise PluginContractError(
                        plugin,
                        f"evidence form {generated.owned.item.code!r}",
                        f"generates GraphQL type {name}, which plugin "
                        f"'{names[name]}' also generates",
                        "rename the form or the question whose choices make this enum",
                    )
                names[name] = plugin
        return names

    def mutations(self) -> dict[str, StrawberryField]:
        return {g.mutation_name: _mutation(self, g) for g in self.forms.values()}

    def to_node(self, row: m.EvidenceRecord) -> Evidence:
        generated = self.forms[(row.inspectorate, row.form)]
        answers = row.answers or {}
        values = {
            q.code: _decode(q, generated.enums.get(q.code), answers.get(q.code))
            for q in generated.owned.item.questions
        }
        node: Evidence = generated.output_type(
            id=row.id,
            status=EvidenceStatus(row.status),
            recorded_at=row.recorded_at,
            updated_at=row.updated_at,
            inspection_id=row.inspection_id,
            child_id=row.child_id,
            agency_id=row.agency_id,
            recorded_by_id=row.recorded_by_id,
            cited_criteria=rules.cited(answers),
            **values,
        )
        return node

    def answered_codes(self, node: Evidence) -> set[str]:
        generated = self.forms[(node.jtai_inspectorate, node.jtai_form)]
        return {
            q.code
            for q in generated.owned.item.questions
            if getattr(node, q.code, None) not in (None, "", [])
        }


def _answer_type(question: c.Question, enum: type[Enum] | None) -> Any:
    kind = question.kind
    if kind in (c.QuestionKind.TEXT, c.QuestionKind.SUMMARY):
        return str
    if kind is c.QuestionKind.YES_NO:
        return bool
    if kind is c.QuestionKind.INTEGER:
        return int
    if kind is c.QuestionKind.DATE:
        return dt.date
    assert enum is not None
    return list[enum] if kind is c.QuestionKind.MULTI_CHOICE else enum  # type: ignore[valid-type]


def _generate(owned: Owned[c.EvidenceForm], inspectorate: c.Inspectorate) -> GeneratedForm:
    form = owned.item
    name = form_type_name(inspectorate, form)
    enums: dict[str, type[Enum]] = {}
    for question in form.questions:
        if question.choices:
            enum_name = f"{name}{_pascal(question.code)}"
            members = {
                ch.code: strawberry.enum_value(ch.code, description=ch.label)
                for ch in question.choices
            }
            enum = Enum(enum_name, members, module=GENERATED_MODULE, qualname=enum_name)  # type: ignore[misc]
            enums[question.code] = strawberry.enum(enum, name=enum_name, description=question.text)

    output_annotations: dict[str, Any] = {}
    output_namespace: dict[str, Any] = {
        "__module__": GENERATED_MODULE,
        "__qualname__": name,
        "__annotations__": output_annotations,
        "jtai_inspectorate": inspectorate.code,
        "jtai_form": form.code,
    }
    input_name = f"{name}Input"
    input_annotations: dict[str, Any] = {
        "inspection_id": relay.GlobalID,
        "child_id": Optional[relay.GlobalID],  # noqa: UP045 - a runtime annotation
        "agency_id": Optional[relay.GlobalID],  # noqa: UP045
        "status": EvidenceStatus,
        "evidence_id": Optional[relay.GlobalID],  # noqa: UP045
        "cited_criteria": Optional[list[str]],  # noqa: UP045
    }
    input_namespace: dict[str, Any] = {
        "__module__": GENERATED_MODULE,
        "__qualname__": input_name,
        "__annotations__": input_annotations,
        "inspection_id": strawberry.field(description="The inspection the evidence belongs to."),
        "child_id": strawberry.field(
            default=None, description="The child, for forms about a tracked or sampled child."
        ),
        "agency_id": strawberry.field(
            default=None, description="The agency, for forms about one agency."
        ),
        "status": strawberry.field(
            default=EvidenceStatus.DRAFT,
            description="DRAFT while it may change; FINAL when done: every required question "
            "answered (a draft may leave a required text blank), and then it never changes.",
        ),
        "evidence_id": strawberry.field(
            default=None,
            description="To finish or correct a DRAFT you recorded with this form: its id. Its "
            "answers are replaced by these. Leave it out to record new evidence.",
        ),
        "cited_criteria": strawberry.field(
            default=None,
            description="Codes of further criteria of the inspection's framework this evidence "
            "speaks to, beyond those its answered questions cite (e.g. ['ESN-33']).",
        ),
    }
    for question in form.questions:
        answer = _answer_type(question, enums.get(question.code))
        described = _describe(question)
        if question.required:
            output_annotations[question.code] = answer
            output_namespace[question.code] = strawberry.field(description=described)
            input_annotations[question.code] = answer
            input_namespace[question.code] = strawberry.field(description=described)
        else:
            output_annotations[question.code] = Optional[answer]  # noqa: UP045
            output_namespace[question.code] = strawberry.field(default=None, description=described)
            input_annotations[question.code] = Optional[answer]  # noqa: UP045
            input_namespace[question.code] = strawberry.field(default=None, description=described)

    output_cls = type(name, (Evidence,), output_namespace)
    output_type = strawberry.type(
        output_cls, name=name, description=f"{inspectorate.short_name}: {form.title}"
    )
    input_cls = type(input_name, (), input_namespace)
    input_type = strawberry.input(
        input_cls,
        name=input_name,
        description=f"Evidence for {inspectorate.short_name}: {form.title}",
    )
    return GeneratedForm(
        owned=owned,
        inspectorate=inspectorate,
        output_type=output_type,
        input_type=input_type,
        enums=enums,
        mutation_name="record" + name,
    )


def _describe(question: c.Question) -> str:
    cites = f" (evidences {', '.join(question.criteria)})" if question.criteria else ""
    return question.text + cites


def _encode(question: c.Question, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [v.value if isinstance(v, Enum) else v for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decode(question: c.Question, enum: type[Enum] | None, value: Any) -> Any:
    if value is None:
        return None
    kind = question.kind
    if kind is c.QuestionKind.DATE:
        return dt.date.fromisoformat(value)
    if kind is c.QuestionKind.CHOICE and enum is not None:
        return enum(value)
    if kind is c.QuestionKind.MULTI_CHOICE and enum is not None:
        return [enum(v) for v in value]
    return value


def _mutation(catalog: EvidenceCatalog, generated: GeneratedForm) -> StrawberryField:
    input_type = generated.input_type

    def resolver(info: Info, input: input_type) -> RecordEvidencePayload:  # type: ignore[valid-type]
        try:
            with info.context.write(root_field(info)) as session:
                record = _record(info, session, generated, input)
                return RecordEvidencePayload(evidence=catalog.to_node(record), errors=[])
        except MutationFailed as failed:
            info.context.rejected = True
            return RecordEvidencePayload(evidence=None, errors=failed.errors)

    form = generated.owned.item
    field: StrawberryField = strawberry.mutation(  # type: ignore[assignment]
        resolver=resolver,
        name=generated.mutation_name,
        description=f"Record {generated.inspectorate.short_name} evidence: {form.title}.",
        extensions=signed_in(),
    )
    return field


def _record(info: Info, session: Any, generated: GeneratedForm, data: Any) -> m.EvidenceRecord:
    viewer = info.context.viewer
    form = generated.owned.item
    inspectorate = generated.inspectorate
    if viewer.role is not Role.INSPECTOR or viewer.inspectorate != inspectorate.code:
        raise MutationFailed(
            not_allowed(
                None,
                f"Only {inspectorate.short_name} inspectors on the inspection record "
                f"'{form.title}' evidence; you are signed in as "
                f"{viewer.role.value if viewer.role else 'nobody'}"
                + (f" of {viewer.inspectorate}" if viewer.inspectorate else "")
                + ".",
            )
        )
    inspection_id = node_id("input.inspectionId", data.inspection_id, "Inspection")
    inspection = session.scalar(
        select(m.Inspection).where(
            m.Inspection.id == inspection_id, access.inspections_visible_to(viewer)
        )
    )
    if inspection is None:
        raise MutationFailed(not_found("input.inspectionId", str(data.inspection_id), "inspection"))
    if inspection.framework != form.framework:
        raise MutationFailed(
            invalid(
                "input.inspectionId",
                f"inspection {inspection.reference} runs under framework "
                f"'{inspection.framework}', but this form is for '{form.framework}'. Use a form "
                f"of '{inspection.framework}' (query framework(code:) {{ evidenceForms }}).",
            )
        )
    existing = _draft_to_finish(info, session, generated, data, inspection)
    child_id = agency_id = None
    wants_child = form.subject in (c.EvidenceSubject.TRACKED_CHILD, c.EvidenceSubject.SAMPLED_CHILD)
    if wants_child:
        if data.child_id is None:
            raise MutationFailed(
                invalid("input.childId", f"'{form.title}' is about one child: pass the childId.")
            )
        child_id = node_id("input.childId", data.child_id, "Child")
        child = session.scalar(
            select(m.Child).where(m.Child.id == child_id, m.Child.inspection_id == inspection.id)
        )
        if child is None:
            raise MutationFailed(not_found("input.childId", str(data.child_id), "child"))
        needed = rules.selection_needed(form)
        if needed and not rules.is_chosen(session, inspection.id, child.id, needed):
            raise MutationFailed(
                invalid(
                    "input.childId",
                    f"this child is not {needed} in {inspection.reference}, and "
                    f"'{form.title}' is recorded only for a {needed} child. Pass a {needed} "
                    f"child (inspection {{ {needed}Children }}), or have the lead inspector "
                    f"choose this one first.",
                )
            )
    if form.subject is c.EvidenceSubject.AGENCY:
        if data.agency_id is None:
            raise MutationFailed(
                invalid("input.agencyId", f"'{form.title}' is about one agency: pass agencyId.")
            )
        agency_id = node_id("input.agencyId", data.agency_id, "Agency")
        agency = session.scalar(
            select(m.Agency).where(m.Agency.id == agency_id, m.Agency.area_id == inspection.area_id)
        )
        if agency is None:
            raise MutationFailed(
                not_found("input.agencyId", str(data.agency_id), "agency in the inspected area")
            )
    errors: list[UserError] = []
    answers: dict[str, Any] = {}
    for question in form.questions:
        value = getattr(data, question.code)
        limit = MAX_SUMMARY if question.kind is c.QuestionKind.SUMMARY else MAX_TEXT
        if isinstance(value, str) and len(value) > limit:
            errors.append(
                invalid(
                    f"input.{_camel(question.code)}",
                    f"{len(value)} characters is more than the {limit} this answer holds. "
                    "Shorten it, or put the detail in the case file.",
                )
            )
        answers[question.code] = _encode(question, value)
    cited = [code.strip() for code in data.cited_criteria or []]
    for index in rules.unknown_criteria(info.context.registry, inspection.framework, cited):
        errors.append(
            invalid(
                f"input.citedCriteria[{index}]",
                f"{cited[index]!r} is not a criterion of framework '{inspection.framework}', "
                f'which this inspection runs under. Cite a code from framework(code: "'
                f'{inspection.framework}") {{ criteria {{ code }} }}.',
            )
        )
    if cited:
        answers[rules.CITED_KEY] = list(dict.fromkeys(cited))
    if data.status is EvidenceStatus.FINAL:
        for question in rules.unanswered_required(form, answers):
            errors.append(
                invalid(
                    f"input.{_camel(question.code)}",
                    f"'{question.text}' needs an answer before the evidence is FINAL. Answer "
                    "it, or save the evidence as DRAFT until you can.",
                )
            )
    if errors:
        raise MutationFailed(*errors)
    if existing is not None:
        record = existing
        record.child_id = child_id
        record.agency_id = agency_id
        record.status = data.status.value
        record.answers = answers
        record.updated_at = m.utc_now()
    else:
        record = m.EvidenceRecord(
            inspection_id=inspection.id,
            inspectorate=inspectorate.code,
            form=form.code,
            child_id=child_id,
            agency_id=agency_id,
            status=data.status.value,
            answers=answers,
            recorded_by_id=viewer.inspector_id,
        )
        session.add(record)
    session.flush()
    info.context.touch("EvidenceRecord", (record.id,))
    if child_id is not None:
        info.context.touch("Child", (child_id,))
    return record


def _draft_to_finish(
    info: Info, session: Any, generated: GeneratedForm, data: Any, inspection: m.Inspection
) -> m.EvidenceRecord | None:
    """The draft named by ``input.evidenceId``, if any: recorded with this form, in this
    inspection, by this inspector, and still DRAFT (FINAL evidence never changes)."""
    if data.evidence_id is None:
        return None
    type_name = generated.output_type.__name__
    evidence_id = node_id("input.evidenceId", data.evidence_id, type_name)
    record: m.EvidenceRecord | None = session.scalar(
        select(m.EvidenceRecord).where(
            m.EvidenceRecord.id == evidence_id,
            m.EvidenceRecord.inspection_id == inspection.id,
            m.EvidenceRecord.inspectorate == generated.inspectorate.code,
            m.EvidenceRecord.form == generated.owned.item.code,
        )
    )
    if record is None:
        raise MutationFailed(
            not_found("input.evidenceId", str(data.evidence_id), f"{type_name} in this inspection")
        )
    if record.recorded_by_id != info.context.viewer.inspector_id:
        raise MutationFailed(
            not_allowed(
                "input.evidenceId",
                "Only the inspector who recorded a draft finishes it; record your own evidence.",
            )
        )
    if record.status == EvidenceStatus.FINAL.value:
        raise MutationFailed(
            invalid(
                "input.evidenceId",
                "this evidence is FINAL and does not change. Record new evidence to add to it.",
            )
        )
    return record
