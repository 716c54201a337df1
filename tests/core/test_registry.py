"""The registry against the plugin contract: every way a plugin can break it stops start-up.

Each test builds a real plugin manager with the factory from small fictional plugins defined here
(a lead inspectorate declaring two frameworks and a partner taking part in one of them), breaks
one thing, and checks that ``build_registry`` raises a ``PluginContractError`` naming the
offending plugin, the item and the fix. The last tests build the real, installed plugins.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pluggy
import pytest

import plugins.cqc.hooks
import plugins.hmicfrs.hooks
import plugins.hmip.hooks
import plugins.ofsted.hooks
from core.contributions import (
    AgencyKind,
    Choice,
    Code,
    CodeSet,
    Criterion,
    Deadline,
    DocumentRequest,
    EvidenceForm,
    EvidenceSubject,
    FieldRole,
    FieldType,
    Framework,
    FrameworkArea,
    Inspectorate,
    ListField,
    ListRole,
    ListSpec,
    Milestone,
    MilestoneRole,
    Question,
    QuestionKind,
    RequestScope,
    TimeOfDay,
    Weekday,
)
from core.graphql.schema import build_schema, print_schema
from core.hookspecs import hookimpl
from core.plugins import PluginError, make_plugin_manager
from core.registry import PluginContractError, Registry, build_registry
from tests.helpers.environment import FIRST_PARTY

# --- A small fictional world that satisfies the contract ------------------------------------------

LEAD = Inspectorate(
    code="lead",
    name="Lead Inspectorate",
    short_name="Lead",
    graphql_prefix="Lead",
    agency_kinds=(AgencyKind.LOCAL_AUTHORITY,),
    frameworks=("fw-2030", "fw-2031"),
)
PARTNER = Inspectorate(
    code="partner",
    name="Partner Inspectorate",
    short_name="Partner",
    graphql_prefix="Partner",
    agency_kinds=(AgencyKind.POLICE,),
    frameworks=("fw-2030",),  # sits fw-2031 out
)


def _framework(code: str, start: dt.date) -> Framework:
    return Framework(
        code=code,
        title=f"Framework {code}",
        theme="fictional",
        source="tests",
        period_start=start,
        period_end=None,
        notification_weekday=Weekday.MONDAY,
        summary="A framework that exists only in these tests.",
        areas=(FrameworkArea("response", "Response"),),
    )


FW_2030 = _framework("fw-2030", dt.date(2030, 1, 1))
FW_2031 = _framework("fw-2031", dt.date(2031, 1, 1))

LEAD_CRITERIA = (
    Criterion(
        framework="fw-2030",
        code="C-10",
        title="Ten",
        text="Leaders know the area.",
        source="tests",
        evaluated_by=("partner",),
        area="response",
    ),
    Criterion(framework="fw-2030", code="C-2", title="Two", text="Two.", source="tests"),
    # The same code in another framework is a different criterion.
    Criterion(framework="fw-2031", code="C-2", title="Two", text="Two.", source="tests"),
    Criterion(
        framework="fw-2030",
        code="REF-1",
        title="Reference",
        text=None,
        source="main framework",
        reference_only=True,
    ),
)
PARTNER_CRITERION = Criterion(
    framework="fw-2030", code="P-1", title="Partner one", text="Police act.", source="tests"
)
CATEGORY = CodeSet(
    code="category",
    title="Category",
    source="tests",
    codes=(Code("A", "Alpha"), Code("B", "Beta", aliases=("bravo",))),
)
CHILD_LIST = DocumentRequest(
    framework="fw-2030",
    reference="list.children",
    title="Children known to the police",
    addressed_to=(AgencyKind.POLICE,),
    scope=RequestScope.AREA,
    deadline=Deadline.working_day(1, TimeOfDay.MIDDAY),
    list_spec=ListSpec(
        code="children",
        title="Children",
        coverage="the last six months",
        fields=(
            ListField("child_name", "Name", FieldType.TEXT),
            ListField("category", "Category", FieldType.CODE, code_set="category"),
        ),
    ),
)
VISIT = EvidenceForm(
    framework="fw-2030",
    code="visit",
    title="Visit",
    subject=EvidenceSubject.AGENCY,
    questions=(
        Question("plan_seen", "Was the plan seen?", QuestionKind.YES_NO, required=True),
        Question(
            "quality",
            "How good was it?",
            QuestionKind.CHOICE,
            choices=(Choice("GOOD", "Good"), Choice("POOR", "Poor")),
            criteria=("C-10", "P-1"),
        ),
    ),
)


def _returning(value: object) -> object:
    def hook() -> object:
        return value

    return hookimpl(hook)


def plugin(**hooks: object) -> types.SimpleNamespace:
    """A plugin object whose hook ``name`` returns ``hooks[name]``."""
    return types.SimpleNamespace(**{name: _returning(value) for name, value in hooks.items()})


def lead(**overrides: object) -> types.SimpleNamespace:
    hooks: dict[str, object] = {
        "jtai_inspectorate": LEAD,
        "jtai_frameworks": (FW_2030, FW_2031),
        "jtai_criteria": LEAD_CRITERIA,
        "jtai_code_sets": (CATEGORY,),
    }
    return plugin(**{**hooks, **overrides})


def partner(**overrides: object) -> types.SimpleNamespace:
    hooks: dict[str, object] = {
        "jtai_inspectorate": PARTNER,
        "jtai_criteria": (PARTNER_CRITERION,),
        "jtai_document_requests": (CHILD_LIST,),
        "jtai_evidence_forms": (VISIT,),
    }
    return plugin(**{**hooks, **overrides})


def manager(*plugins: tuple[str, object]) -> pluggy.PluginManager:
    return make_plugin_manager(load_entry_points=False, extra_plugins=plugins)


def contract_error(*plugins: tuple[str, object]) -> PluginContractError:
    with pytest.raises(PluginContractError) as caught:
        build_registry(manager(*plugins))
    return caught.value


def assert_reported(error: PluginContractError, plugin: str, item: str, problem: str) -> None:
    message = str(error)
    assert error.plugin == plugin, message
    assert error.item == item, message
    assert problem in error.problem, message
    assert message.startswith(f"Plugin '{plugin}': {item}: "), message
    assert "Fix: " in message
    assert error.fix and message.endswith(error.fix)


def partner_form(*questions: Question) -> tuple[EvidenceForm, ...]:
    return (replace(VISIT, questions=questions),)


# --- The fictional world is valid, so each test below fails for its one defect -------------------


class ClassPlugin:
    """A plugin written as a class with static hooks, the other shape a plugin object can take."""

    @staticmethod
    @hookimpl
    def jtai_inspectorate() -> Inspectorate:
        return PARTNER

    @staticmethod
    @hookimpl
    def jtai_criteria() -> Sequence[Criterion]:
        return (PARTNER_CRITERION,)

    @staticmethod
    @hookimpl
    def jtai_evidence_forms() -> Sequence[EvidenceForm]:
        return (VISIT,)


@pytest.mark.parametrize("partner_plugin", [partner(), ClassPlugin()], ids=["namespace", "class"])
def test_the_fictional_plugins_satisfy_the_contract(partner_plugin: object) -> None:
    registry = build_registry(manager(("partner", partner_plugin), ("lead", lead())))

    assert [i.code for i in registry.inspectorates] == ["lead", "partner"]
    assert [p.name for p in registry.plugins] == ["lead", "partner"]
    assert [f.code for f in registry.frameworks] == ["fw-2030", "fw-2031"]
    assert [i.code for i in registry.participants("fw-2031")] == ["lead"]
    assert registry.framework_lead("fw-2030") == "lead"
    assert registry.code_set("category") == CATEGORY
    form = registry.evidence_form("partner", "visit")
    assert form is not None
    assert (form.owner, form.plugin) == ("partner", "partner")
    # By framework, then by code in natural order (C-2 before C-10), never by plugin.
    assert [(o.item.framework, o.item.code, o.owner) for o in registry.criteria] == [
        ("fw-2030", "C-2", "lead"),
        ("fw-2030", "C-10", "lead"),
        ("fw-2030", "P-1", "partner"),
        ("fw-2030", "REF-1", "lead"),
        ("fw-2031", "C-2", "lead"),
    ]


# --- Hook return values --------------------------------------------------------------------------


def test_a_hook_returning_a_bare_dataclass_instead_of_a_sequence() -> None:
    error = contract_error(("lead", lead()), ("partner", partner(jtai_criteria=PARTNER_CRITERION)))

    assert_reported(
        error, "partner", "hook jtai_criteria", "returned Criterion, not a sequence of Criterion"
    )
    assert "return a tuple of core.contributions.Criterion" in error.fix


def test_a_sequence_holding_a_wrong_type() -> None:
    error = contract_error(
        ("lead", lead()), ("partner", partner(jtai_criteria=(PARTNER_CRITERION, VISIT)))
    )

    assert_reported(
        error, "partner", "hook jtai_criteria, item 1", "is a EvidenceForm, not a Criterion"
    )


def test_contributions_from_a_plugin_with_no_inspectorate() -> None:
    stray = plugin(jtai_criteria=(replace(PARTNER_CRITERION, code="S-1"),))

    error = contract_error(("lead", lead()), ("partner", partner()), ("stray", stray))

    assert_reported(
        error,
        "stray",
        "hook jtai_criteria",
        "contributes items but the plugin describes no inspectorate to own them",
    )
    assert "implement jtai_inspectorate()" in error.fix


# --- Inspectorates -------------------------------------------------------------------------------


def test_two_plugins_with_the_same_inspectorate_code() -> None:
    rival = plugin(jtai_inspectorate=replace(PARTNER, graphql_prefix="Rival"))

    error = contract_error(("lead", lead()), ("partner", partner()), ("rival", rival))

    assert_reported(
        error,
        "rival",
        "inspectorate 'partner'",
        "the inspectorate code is taken, clashing with plugin 'partner' (inspectorate 'partner')",
    )


def test_two_plugins_with_the_same_graphql_prefix() -> None:
    rival = plugin(jtai_inspectorate=replace(PARTNER, code="rival"))

    error = contract_error(("lead", lead()), ("partner", partner()), ("rival", rival))

    assert_reported(
        error,
        "rival",
        "inspectorate 'rival'",
        "GraphQL prefix 'Partner' is taken, clashing with plugin 'partner' (inspectorate "
        "'partner')",
    )


def test_an_inspectorate_listing_an_undeclared_framework() -> None:
    keen = replace(PARTNER, frameworks=("fw-2030", "fw-2099"))

    error = contract_error(("lead", lead()), ("partner", partner(jtai_inspectorate=keen)))

    assert_reported(
        error,
        "partner",
        "inspectorate 'partner'",
        "takes part in framework 'fw-2099', which no plugin declares",
    )


# --- Criteria ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True], ids=["lead-first", "partner-first"])
def test_a_criterion_code_contributed_twice_in_one_framework(reverse: bool) -> None:
    copy = replace(LEAD_CRITERIA[0], evaluated_by=())
    plugins = [("lead", lead()), ("partner", partner(jtai_criteria=(copy,)))]

    error = contract_error(*(reversed(plugins) if reverse else plugins))

    # Plugins are called in name order, whatever the registration order: 'partner' is second.
    assert_reported(
        error,
        "partner",
        "criterion 'C-10' of framework 'fw-2030'",
        "the criterion's code is taken, clashing with plugin 'lead' (criterion 'C-10' of "
        "framework 'fw-2030')",
    )
    assert "evaluated_by" in error.fix


def test_a_criterion_for_an_unknown_framework() -> None:
    stray = replace(PARTNER_CRITERION, framework="fw-1999")

    error = contract_error(("lead", lead()), ("partner", partner(jtai_criteria=(stray,))))

    assert_reported(
        error,
        "partner",
        "criterion 'P-1' of framework 'fw-1999'",
        "names framework 'fw-1999', which no plugin declares (known: fw-2030, fw-2031)",
    )


def test_a_criterion_for_a_framework_the_inspectorate_sits_out() -> None:
    elsewhere = replace(PARTNER_CRITERION, framework="fw-2031")

    error = contract_error(("lead", lead()), ("partner", partner(jtai_criteria=(elsewhere,))))

    assert_reported(
        error,
        "partner",
        "criterion 'P-1' of framework 'fw-2031'",
        "contributes to framework 'fw-2031', which inspectorate 'partner' does not take part in",
    )


def test_evaluated_by_naming_an_inspectorate_that_sits_the_framework_out() -> None:
    shared = replace(LEAD_CRITERIA[2], evaluated_by=("partner",))

    error = contract_error(
        ("lead", lead(jtai_criteria=(*LEAD_CRITERIA[:2], shared))), ("partner", partner())
    )

    assert_reported(
        error,
        "lead",
        "criterion 'C-2' of framework 'fw-2031'",
        "evaluated_by names 'partner', which is not another inspectorate taking part in "
        "'fw-2031' (taking part: lead)",
    )


def test_a_reference_only_criterion_with_text() -> None:
    worded = replace(PARTNER_CRITERION, reference_only=True)

    error = contract_error(("lead", lead()), ("partner", partner(jtai_criteria=(worded,))))

    assert_reported(
        error,
        "partner",
        "criterion 'P-1' of framework 'fw-2030'",
        "a reference-only criterion has no text and every other criterion has text",
    )


# --- Document requests ---------------------------------------------------------------------------


def test_a_code_list_field_naming_an_unknown_code_set() -> None:
    assert CHILD_LIST.list_spec is not None
    fields = (
        CHILD_LIST.list_spec.fields[0],
        ListField("ethnicity", "Ethnicity", FieldType.CODE, code_set="ethnicity"),
    )
    request = replace(CHILD_LIST, list_spec=replace(CHILD_LIST.list_spec, fields=fields))

    error = contract_error(
        ("lead", lead()), ("partner", partner(jtai_document_requests=(request,)))
    )

    assert_reported(
        error,
        "partner",
        "document request 'list.children' of framework 'fw-2030', list field 'ethnicity'",
        "names code set 'ethnicity', which no plugin contributes (known: category)",
    )


def test_two_different_lists_with_one_code_in_a_framework() -> None:
    # Uploaded rows are stored by list code, so a code must mean one spec within a framework.
    assert CHILD_LIST.list_spec is not None
    other = replace(
        CHILD_LIST,
        reference="list.children-again",
        list_spec=replace(CHILD_LIST.list_spec, title="Another list"),
    )

    error = contract_error(
        ("lead", lead()), ("partner", partner(jtai_document_requests=(CHILD_LIST, other)))
    )

    assert_reported(
        error,
        "partner",
        "document request 'list.children-again' of framework 'fw-2030'",
        "list code 'children' is the code of a different list (document request 'list.children')",
    )


# --- Evidence forms ------------------------------------------------------------------------------


def test_a_form_question_citing_an_unknown_criterion() -> None:
    question = replace(VISIT.questions[1], criteria=("C-10", "C-99"))

    error = contract_error(
        ("lead", lead()),
        ("partner", partner(jtai_evidence_forms=partner_form(VISIT.questions[0], question))),
    )

    assert_reported(
        error,
        "partner",
        "evidence form 'visit', question 'quality'",
        "cites criterion 'C-99', which framework 'fw-2030' does not have",
    )


def test_a_form_question_citing_a_criterion_of_another_framework() -> None:
    # The form is for fw-2030: it may cite C-2 (both frameworks have one) but not P-2, which
    # only fw-2031 has.
    question = replace(VISIT.questions[1], criteria=("C-2", "P-2"))
    other = replace(PARTNER_CRITERION, code="P-2", framework="fw-2031")

    error = contract_error(
        ("lead", lead(jtai_criteria=(*LEAD_CRITERIA, other))),
        ("partner", partner(jtai_evidence_forms=partner_form(question))),
    )

    assert_reported(
        error,
        "partner",
        "evidence form 'visit', question 'quality'",
        "cites criterion 'P-2', which framework 'fw-2030' does not have",
    )


@pytest.mark.parametrize(
    "code", ["status", "inspection_id", "child_id", "agency_id", "recorded_by_id", "jtai_form"]
)
def test_a_form_question_with_a_reserved_code(code: str) -> None:
    # Each of these would shadow a field every generated evidence type already has.
    question = Question(code, "What is it?", QuestionKind.TEXT)

    error = contract_error(
        ("lead", lead()), ("partner", partner(jtai_evidence_forms=partner_form(question)))
    )

    assert_reported(
        error,
        "partner",
        f"evidence form 'visit', question '{code}'",
        "the code is a field every evidence record already has",
    )
    assert "reserved: " in error.fix


def test_question_codes_that_would_camel_case_alike_are_refused() -> None:
    # 'visit_1' and 'visit1' would both become the GraphQL field visit1.
    question = Question("visit_1", "First visit?", QuestionKind.TEXT)

    error = contract_error(
        ("lead", lead()), ("partner", partner(jtai_evidence_forms=partner_form(question)))
    )

    assert_reported(error, "partner", "evidence form 'visit', question 'visit_1'", "does not match")


def test_a_choice_question_without_choices() -> None:
    question = replace(VISIT.questions[1], choices=())

    error = contract_error(
        ("lead", lead()), ("partner", partner(jtai_evidence_forms=partner_form(question)))
    )

    assert_reported(
        error,
        "partner",
        "evidence form 'visit', question 'quality'",
        "a choice question needs choices",
    )


# --- Hooks the contract does not have ------------------------------------------------------------


def test_a_misspelt_hook_stops_the_plugin_manager_in_one_line_with_the_right_name() -> None:
    misspelt = types.ModuleType("jtai_misspelt_plugin")
    misspelt.jtai_inspectorate = _returning(PARTNER)  # type: ignore[attr-defined]
    misspelt.jtai_critera = _returning((PARTNER_CRITERION,))  # type: ignore[attr-defined]

    with pytest.raises(PluginError) as caught:
        make_plugin_manager(load_entry_points=False, extra_plugins=[("misspelt", misspelt)])

    assert str(caught.value) == (
        "Plugin 'misspelt': hook jtai_critera: unknown hook 'jtai_critera': core/hookspecs.py "
        "has no hook of that name. Fix: rename it to 'jtai_criteria'"
    )


def test_a_hook_taking_arguments_stops_the_plugin_manager_naming_the_plugin() -> None:
    def jtai_criteria(framework: str) -> tuple[Criterion, ...]:
        return ()

    greedy = types.ModuleType("jtai_greedy_plugin")
    greedy.jtai_criteria = hookimpl(jtai_criteria)  # type: ignore[attr-defined]

    with pytest.raises(PluginError) as caught:
        make_plugin_manager(load_entry_points=False, extra_plugins=[("greedy", greedy)])

    assert caught.value.plugin == "greedy"
    assert "framework" in caught.value.problem and "\n" not in str(caught.value)
    assert "copy each signature from core/hookspecs.py" in caught.value.fix


def test_a_hook_that_raises_is_reported_in_one_line_naming_the_plugin() -> None:
    def jtai_criteria() -> tuple[Criterion, ...]:
        raise KeyError("fw-2030")

    failing = partner()
    failing.jtai_criteria = hookimpl(jtai_criteria)

    error = contract_error(("lead", lead()), ("partner", failing))

    assert str(error).startswith(
        "Plugin 'partner': hook jtai_criteria: raised KeyError: 'fw-2030'. Fix: "
    )
    assert "jtai --debug plugins check" in error.fix
    assert isinstance(error.__cause__, KeyError)


# --- The real plugins ----------------------------------------------------------------------------

REAL_PLUGINS = [
    ("ofsted", plugins.ofsted.hooks),
    ("cqc", plugins.cqc.hooks),
    ("hmicfrs", plugins.hmicfrs.hooks),
    ("hmip", plugins.hmip.hooks),
]


def test_the_first_party_plugins_build_a_registry() -> None:
    registry = build_registry(make_plugin_manager(only=FIRST_PARTY))

    assert [i.code for i in registry.inspectorates] == ["cqc", "hmicfrs", "hmip", "ofsted"]
    assert [p.name for p in registry.plugins] == ["cqc", "hmicfrs", "hmip", "ofsted"]
    assert [f.code for f in registry.frameworks] == ["da-2016", "da-2024", "front-door-2024"]
    front_door = [i.code for i in registry.participants("front-door-2024")]
    assert "hmip" not in front_door
    assert front_door == ["cqc", "hmicfrs", "ofsted"]


def _registry_and_schema(order: Sequence[tuple[str, object]]) -> tuple[Registry, str]:
    registry = build_registry(manager(*order))
    return registry, print_schema(build_schema(registry))


def test_registration_order_changes_neither_the_registry_nor_the_schema() -> None:
    orders = [
        REAL_PLUGINS,
        list(reversed(REAL_PLUGINS)),
        [REAL_PLUGINS[i] for i in (3, 0, 2, 1)],
    ]

    built = [_registry_and_schema(order) for order in orders]

    first_registry, first_schema = built[0]
    assert first_registry.criteria
    for registry, schema in built[1:]:
        assert schema == first_schema
        assert registry.criteria == first_registry.criteria
        assert registry.inspectorates == first_registry.inspectorates
        assert registry.evidence_forms == first_registry.evidence_forms
        assert registry.document_requests == first_registry.document_requests


# --- Roles: what core relies on, declared in the plugins' data -----------------------------------

MEETING_TYPES = CodeSet("meeting-kinds", "Meeting kinds", "tests", (Code("CONF", "Conference"),))


def _list(code: str, role: ListRole | None, *fields: ListField, reference: str = "") -> Any:
    return replace(
        CHILD_LIST,
        reference=reference or f"list.{code}",
        list_spec=ListSpec(code=code, title=code.title(), coverage="all", fields=fields, role=role),
    )


FLAG = ListField("da", "Domestic abuse", FieldType.YES_NO, role=FieldRole.DOMESTIC_ABUSE_FLAG)
KIND = ListField(
    "kind", "Kind", FieldType.CODE, code_set="meeting-kinds", role=FieldRole.MEETING_TYPE
)
NAME = ListField("child_name", "Name", FieldType.TEXT)
# The rest of what core reads from a MEETINGS list to make its meetings (the venue is optional).
MEETING_FIELDS = (
    ListField("day", "Day", FieldType.DATE, role=FieldRole.MEETING_DATE),
    ListField("at", "At", FieldType.TEXT, role=FieldRole.MEETING_TIME),
    ListField("who", "Children", FieldType.TEXT, role=FieldRole.MEETING_CHILDREN),
)


def test_core_finds_lists_milestones_and_meeting_types_by_role() -> None:
    requests = (
        _list("kids-b", ListRole.SELECTION, NAME, FLAG),
        _list("kids-a", ListRole.SELECTION, NAME, FLAG),
        _list("visits", ListRole.MEETINGS, KIND, *MEETING_FIELDS),
        _list("extra", ListRole.SELECTED_CHILD_DETAILS, NAME),
        _list("plain", None, NAME),
    )
    milestone = Milestone(
        "fw-2030", "pick", "Pick", Deadline.working_day(1, TimeOfDay.MIDDAY),
        role=MilestoneRole.SELECT_CHILDREN,
    )  # fmt: skip
    registry = build_registry(
        manager(
            ("lead", lead(jtai_code_sets=(CATEGORY, MEETING_TYPES), jtai_milestones=(milestone,))),
            ("partner", partner(jtai_document_requests=requests)),
        )
    )

    assert [s.code for s in registry.lists_with_role("fw-2030", ListRole.SELECTION)] == [
        "kids-a",
        "kids-b",
    ]  # request reference order
    assert registry.list_with_role("fw-2030", ListRole.SAMPLING) is None
    assert registry.meeting_types("fw-2030") == MEETING_TYPES
    assert registry.meeting_types("fw-2031") is None
    assert registry.milestone_with_role("fw-2030", MilestoneRole.SELECT_CHILDREN) == milestone
    assert registry.milestone_with_role("fw-2030", MilestoneRole.NAME_TRACKED_CHILDREN) is None


@pytest.mark.parametrize(
    ("requests", "item", "problem"),
    [
        (
            (_list("kids", ListRole.SELECTION, NAME),),
            "document request 'list.kids' of framework 'fw-2030'",
            "a SELECTION list needs a field with role DOMESTIC_ABUSE_FLAG; none has it",
        ),
        (
            (_list("kids", None, NAME, FLAG),),
            "document request 'list.kids' of framework 'fw-2030', list field 'da'",
            "role DOMESTIC_ABUSE_FLAG needs a yes_no field of a SELECTION list; this is a yes_no "
            "field of a role-less list",
        ),
        (
            (
                _list(
                    "visits",
                    ListRole.MEETINGS,
                    replace(KIND, type=FieldType.TEXT, code_set=None),
                    *MEETING_FIELDS,
                ),
            ),
            "document request 'list.visits' of framework 'fw-2030', list field 'kind'",
            "role MEETING_TYPE needs a code field of a MEETINGS list; this is a text field",
        ),
        (
            (_list("visits", ListRole.MEETINGS, KIND, *MEETING_FIELDS[1:]),),
            "document request 'list.visits' of framework 'fw-2030'",
            "a MEETINGS list needs a field with role MEETING_DATE; none has it",
        ),
        (
            (_list("kids", ListRole.SELECTION, NAME, FLAG, replace(FLAG, name="da2")),),
            "document request 'list.kids' of framework 'fw-2030'",
            "2 fields have role DOMESTIC_ABUSE_FLAG",
        ),
        (
            (
                _list("visits", ListRole.MEETINGS, KIND, *MEETING_FIELDS),
                _list("more", ListRole.MEETINGS, KIND, *MEETING_FIELDS),
            ),
            "document request 'list.more' of framework 'fw-2030'",  # the second returned
            "a framework has one MEETINGS list, and this is a second (list 'visits')",
        ),
    ],
    ids=[
        "no-flag",
        "flag-off-selection",
        "meeting-type-not-code",
        "meeting-without-date",
        "two-flags",
        "two-meetings",
    ],
)
def test_roles_are_checked_per_framework(
    requests: tuple[DocumentRequest, ...], item: str, problem: str
) -> None:
    error = contract_error(
        ("lead", lead(jtai_code_sets=(CATEGORY, MEETING_TYPES))),
        ("partner", partner(jtai_document_requests=requests)),
    )

    assert_reported(error, "partner", item, problem)


def test_a_milestone_role_is_given_once_a_framework() -> None:
    due = Deadline.working_day(1, TimeOfDay.MIDDAY)
    first = Milestone("fw-2030", "pick", "Pick", due, role=MilestoneRole.SELECT_CHILDREN)
    second = replace(first, code="pick-again")

    error = contract_error(("lead", lead(jtai_milestones=(first, second))), ("partner", partner()))

    assert_reported(
        error,
        "lead",
        "milestone 'pick-again' of framework 'fw-2030'",
        "role SELECT_CHILDREN is already the role of a milestone of the framework (milestone "
        "'pick')",
    )
