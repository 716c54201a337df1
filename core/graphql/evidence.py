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
from sqlalchemy.orm import Session
from strawberry import relay
from strawberry.types.field import StrawberryField

import core.graphql.generated  # noqa: F401 - the generated classes claim this module
from core import access
from core import contributions as c
from core import models as m
from core.graphql.base.domain_errors import EvidenceError
from core.graphql.base.inputs import node_id
from core.graphql.base.mutations import run_service
from core.graphql.base.permissions import scoped_by, signed_in
from core.graphql.context import Info
from core.graphql.nodes import Evidence, EvidenceStatus
from core.registry import (
    Owned,
    PluginContractError,
    Registry,
    form_input_name,
    form_mutation_name,
    form_type_name,
)
from core.workflow import evidence as rules
from core.workflow.rules import Ref

GENERATED_MODULE = "core.graphql.generated"  # strawberry keys types by module and qualname


@strawberry.type(description="The result of recording evidence: the record, or what was wrong.")
class RecordEvidencePayload:
    # Only the record this inspector just wrote, of their own inspectorate (see _record).
    evidence: Evidence | None = strawberry.field(extensions=scoped_by(access.evidence_visible_to))
    errors: list[EvidenceError]


def _pascal(code: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", code))


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
            form_version=row.form_version,
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
                ch.code: strawberry.enum_value(
                    ch.code, description=ch.label + (" (retired)" if ch.retired else "")
                )
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
    input_name = form_input_name(inspectorate, form)
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
        # Records of versions before ``since`` never had the question: only a question required
        # from the first version is non-null on the output type.
        if question.required and question.since == 1:
            output_annotations[question.code] = answer
            output_namespace[question.code] = strawberry.field(description=described)
        else:
            output_annotations[question.code] = Optional[answer]  # noqa: UP045
            output_namespace[question.code] = strawberry.field(default=None, description=described)
        if question.required:
            input_annotations[question.code] = answer
            input_namespace[question.code] = strawberry.field(description=described)
        else:
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
        mutation_name=form_mutation_name(inspectorate, form),
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
    # A choice removed from the form (it should have been retired) reads as no answer.
    known = {member.value for member in enum} if enum is not None else set()
    if kind is c.QuestionKind.CHOICE and enum is not None:
        return enum(value) if value in known else None
    if kind is c.QuestionKind.MULTI_CHOICE and enum is not None:
        return [enum(v) for v in value if v in known]
    return value


def _mutation(catalog: EvidenceCatalog, generated: GeneratedForm) -> StrawberryField:
    input_type = generated.input_type

    def resolver(info: Info, input: input_type) -> RecordEvidencePayload:  # type: ignore[valid-type]
        record, errors = run_service(
            info, lambda session: _record(info, session, generated, input), errors=EvidenceError
        )
        if record is None:
            return RecordEvidencePayload(evidence=None, errors=errors)
        return RecordEvidencePayload(evidence=catalog.to_node(record), errors=[])

    form = generated.owned.item
    field: StrawberryField = strawberry.mutation(  # type: ignore[assignment]
        resolver=resolver,
        name=generated.mutation_name,
        description=f"Record {generated.inspectorate.short_name} evidence: {form.title}.",
        extensions=signed_in(),
    )
    return field


def _ref(field: str, value: relay.GlobalID | None, type_name: str) -> Ref | None:
    return None if value is None else Ref(node_id(field, value, type_name), str(value))


def _record(info: Info, session: Session, generated: GeneratedForm, data: Any) -> m.EvidenceRecord:
    """Parse the ids (after the check of who asks, so a stranger learns nothing of them), record
    through ``core.workflow.evidence`` and note what it touched for the audit trail."""
    viewer = info.context.viewer
    form = generated.owned.item
    rules.require_recorder(viewer, form, generated.inspectorate)
    inspection = _ref("input.inspectionId", data.inspection_id, "Inspection")
    assert inspection is not None  # the input type makes it non-null
    record = rules.record(
        session,
        info.context.registry,
        viewer,
        generated.inspectorate,
        form,
        inspection_ref=inspection,
        child_ref=_ref("input.childId", data.child_id, "Child"),
        agency_ref=_ref("input.agencyId", data.agency_id, "Agency"),
        evidence_ref=_ref("input.evidenceId", data.evidence_id, generated.output_type.__name__),
        final=data.status is EvidenceStatus.FINAL,
        answers={q.code: _encode(q, getattr(data, q.code)) for q in form.questions},
        cited_criteria=data.cited_criteria,
    )
    info.context.touch("EvidenceRecord", (record.id,))
    if record.child_id is not None:
        info.context.touch("Child", (record.child_id,))
    return record
