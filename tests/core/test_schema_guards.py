"""What the schema builder refuses: a root field with no access rule, clashing generated names."""

from __future__ import annotations

import pytest
import strawberry

from core.contributions import (
    Choice,
    EvidenceForm,
    EvidenceSubject,
    Inspectorate,
    Question,
    QuestionKind,
)
from core.graphql.base.permissions import signed_in
from core.graphql.schema import _check_rules
from core.hookspecs import hookimpl
from core.plugins import make_plugin_manager
from core.registry import PluginContractError, build_registry
from tests.helpers.environment import FIRST_PARTY


def test_a_root_field_without_an_access_rule_is_refused() -> None:
    @strawberry.type
    class Query:
        @strawberry.field(extensions=signed_in())  # type: ignore[untyped-decorator]
        def guarded(self) -> int:
            return 1

        @strawberry.field
        def forgotten(self) -> int:
            return 2

    with pytest.raises(TypeError, match=r"Query\.forgotten has no access rule\. Fix: pass"):
        _check_rules(Query, "Query")


class ClashingForms:
    """Form 'visit' with question 'evidence' makes enum ClashVisitEvidenceEvidence, the very name
    of form 'visit-evidence''s output type."""

    @staticmethod
    @hookimpl
    def jtai_inspectorate() -> Inspectorate:
        return Inspectorate(
            code="clash",
            name="Clash inspectorate",
            short_name="Clash",
            graphql_prefix="Clash",
            agency_kinds=(),
            frameworks=("da-2016",),
        )

    @staticmethod
    @hookimpl
    def jtai_evidence_forms() -> tuple[EvidenceForm, ...]:
        choice = Question(
            code="evidence",
            text="Which?",
            kind=QuestionKind.CHOICE,
            choices=(Choice("A", "A"),),
        )
        text = Question(code="note", text="Note", kind=QuestionKind.TEXT)
        return (
            EvidenceForm("da-2016", "visit", "Visit", EvidenceSubject.AREA, (choice,)),
            EvidenceForm("da-2016", "visit-evidence", "Visit 2", EvidenceSubject.AREA, (text,)),
        )


def test_generated_names_that_clash_stop_start_up_naming_the_plugin_and_both_parts() -> None:
    manager = make_plugin_manager(only=FIRST_PARTY, extra_plugins=[("clash", ClashingForms())])

    with pytest.raises(PluginContractError) as raised:
        build_registry(manager)

    assert raised.value.plugin == "clash"
    assert str(raised.value) == (
        "Plugin 'clash': evidence form 'visit-evidence', its output type: generates GraphQL type "
        "ClashVisitEvidenceEvidence, which evidence form 'visit', question 'evidence' (its "
        "choices' enum) generates too. Fix: rename the question or the form (a choice "
        "question's enum is named from the form's type and the question's code)"
    )


class ChoiceCodedInput:
    """A choice question coded 'input': its enum would be named as the form's input type."""

    @staticmethod
    @hookimpl
    def jtai_inspectorate() -> Inspectorate:
        return Inspectorate(
            code="clash",
            name="Clash inspectorate",
            short_name="Clash",
            graphql_prefix="Clash",
            agency_kinds=(),
            frameworks=("da-2016",),
        )

    @staticmethod
    @hookimpl
    def jtai_evidence_forms() -> tuple[EvidenceForm, ...]:
        question = Question(
            code="input", text="Which input?", kind=QuestionKind.CHOICE, choices=(Choice("A", "A"),)
        )
        return (EvidenceForm("da-2016", "visit", "Visit", EvidenceSubject.AREA, (question,)),)


def test_a_choice_question_coded_input_is_refused_naming_the_question() -> None:
    manager = make_plugin_manager(only=FIRST_PARTY, extra_plugins=[("clash", ChoiceCodedInput())])

    with pytest.raises(PluginContractError) as raised:
        build_registry(manager)

    assert raised.value.item == "evidence form 'visit', question 'input' (its choices' enum)"
    assert (
        "generates GraphQL type ClashVisitEvidenceInput, which evidence form 'visit', its "
        "input type generates too" in str(raised.value)
    )
