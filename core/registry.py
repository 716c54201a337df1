"""The registry: the one place that calls the plugin hooks.

``build_registry`` calls every hook of every plugin once, checks what comes back against the
contract, and indexes it in a deterministic order (by code, never by install or registration order),
so that the GraphQL schema is the same however the plugins were installed. Every problem raises
:class:`PluginContractError` naming the plugin, the item and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

import pluggy

from core.contributions import (
    AgencyKind,
    Code,
    CodeSet,
    Criterion,
    DocumentRequest,
    EvidenceForm,
    FieldRole,
    FieldType,
    Framework,
    Inspectorate,
    ListField,
    ListRole,
    ListSpec,
    Milestone,
    MilestoneRole,
    QuestionKind,
    RequestRole,
)
from core.plugins import Origin, PluginError, plugin_origin, plugin_version

T = TypeVar("T")

INSPECTORATE_CODE = re.compile(r"^[a-z][a-z0-9]*$")
GRAPHQL_PREFIX = re.compile(r"^[A-Z][A-Za-z0-9]*$")
KEBAB_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CRITERION_CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
REQUEST_REFERENCE = re.compile(r"^[a-z0-9]+([.\-][a-z0-9]+)*$")
# Each "_" starts a new word, so that camelCasing two different codes never gives one name.
SNAKE_CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$")
LIST_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
ENUM_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")

# Fields every generated evidence type has already (see core/graphql/evidence.py).
RESERVED_QUESTION_CODES = frozenset(
    {
        "id",
        "inspection",
        "child",
        "agency",
        "status",
        "form",
        "inspectorate",
        "criteria",
        "recorded_by",
        "recorded_by_id",
        "recorded_at",
        "inspection_id",
        "child_id",
        "agency_id",
        "updated_at",
        "subject",
        "evidence_id",
        "cited_criteria",
        "answers",
    }
)


class PluginContractError(PluginError):
    """A plugin returned something the contract does not allow; start-up stops."""


@dataclass(frozen=True, slots=True)
class Owned(Generic[T]):
    """A contribution with the inspectorate (and plugin) it belongs to."""

    item: T
    owner: str
    plugin: str


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    version: str | None
    inspectorate: Inspectorate | None
    hooks: tuple[str, ...]
    contributions: tuple[tuple[str, int], ...]


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts '1.9' before '1.10' and 'ESN-2' before 'ESN-10'."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", code) if part
    )


def pascal_case(code: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", code))


def form_type_name(inspectorate: Inspectorate, form: EvidenceForm) -> str:
    """The GraphQL name of a form's output type, e.g. ``OfstedCaseTrackingEvidence``."""
    return f"{inspectorate.graphql_prefix}{pascal_case(form.code)}Evidence"


def choice_enum_name(inspectorate: Inspectorate, form: EvidenceForm, question: str) -> str:
    """The GraphQL name of a choice question's enum, e.g. ``OfstedCaseTrackingEvidenceRisk``."""
    return f"{form_type_name(inspectorate, form)}{pascal_case(question)}"


def generated_type_names(inspectorate: Inspectorate, form: EvidenceForm) -> list[tuple[str, str]]:
    """Every GraphQL type a form generates, with the part of the form that makes it."""
    name = form_type_name(inspectorate, form)
    names = [(name, "its output type"), (f"{name}Input", "its input type")]
    names += [
        (choice_enum_name(inspectorate, form, q.code), f"question {q.code!r} (its choices' enum)")
        for q in form.questions
        if q.choices
    ]
    return names


def form_input_name(inspectorate: Inspectorate, form: EvidenceForm) -> str:
    """The GraphQL input type recording a form's evidence (``OfstedCaseTrackingEvidenceInput``)."""
    return f"{form_type_name(inspectorate, form)}Input"


def form_mutation_name(inspectorate: Inspectorate, form: EvidenceForm) -> str:
    """The mutation that records a form's evidence, e.g. ``recordOfstedCaseTrackingEvidence``."""
    return f"record{form_type_name(inspectorate, form)}"


class Registry:
    """Everything the installed plugins contribute, validated and in a fixed order."""

    def __init__(
        self,
        plugins: Sequence[PluginInfo],
        inspectorates: Sequence[Owned[Inspectorate]],
        frameworks: Sequence[Owned[Framework]],
        code_sets: Sequence[Owned[CodeSet]],
        criteria: Sequence[Owned[Criterion]],
        document_requests: Sequence[Owned[DocumentRequest]],
        milestones: Sequence[Owned[Milestone]],
        evidence_forms: Sequence[Owned[EvidenceForm]],
    ) -> None:
        self.plugins = tuple(sorted(plugins, key=lambda p: p.name))
        self.inspectorates = tuple(sorted((o.item for o in inspectorates), key=lambda i: i.code))
        self.frameworks = tuple(sorted((o.item for o in frameworks), key=lambda f: f.code))
        self.code_sets = tuple(sorted((o.item for o in code_sets), key=lambda c: c.code))
        self.criteria = tuple(
            sorted(criteria, key=lambda o: (o.item.framework, natural_key(o.item.code)))
        )
        self.document_requests = tuple(
            sorted(
                document_requests, key=lambda o: (o.item.framework, natural_key(o.item.reference))
            )
        )
        self.milestones = tuple(
            sorted(milestones, key=lambda o: (o.item.framework, o.item.deadline.day, o.item.code))
        )
        self.evidence_forms = tuple(
            sorted(evidence_forms, key=lambda o: (o.owner, o.item.framework, o.item.code))
        )
        self._inspectorates = {i.code: i for i in self.inspectorates}
        self._frameworks = {f.code: f for f in self.frameworks}
        self._framework_leads = {o.item.code: o.owner for o in frameworks}
        self._code_sets = {c.code: c for c in self.code_sets}
        self._criteria = {(o.item.framework, o.item.code): o for o in self.criteria}
        self._forms = {(o.owner, o.item.code): o for o in self.evidence_forms}
        self._requests = {(o.item.framework, o.item.reference): o for o in self.document_requests}
        self._list_specs = {
            (o.item.framework, o.item.list_spec.code): o.item.list_spec
            for o in self.document_requests
            if o.item.list_spec is not None
        }
        # A list field's codes by field name (e.g. a child's 'gender'), from the first list that
        # gives that field a code set: the codes a child's facts are stored as.
        self._field_codes: dict[tuple[str, str], Code] = {}
        for spec in self._list_specs.values():
            for field in spec.fields:
                found = self._code_sets.get(field.code_set) if field.code_set else None
                for code in found.codes if found else ():
                    self._field_codes.setdefault((field.name, code.code), code)

    # Lookups return None for an unknown code: callers turn that into a user-facing error.
    def inspectorate(self, code: str) -> Inspectorate | None:
        return self._inspectorates.get(code)

    def framework(self, code: str) -> Framework | None:
        return self._frameworks.get(code)

    def framework_lead(self, code: str) -> str:
        return self._framework_leads[code]

    def participants(self, framework: str) -> tuple[Inspectorate, ...]:
        return tuple(i for i in self.inspectorates if framework in i.frameworks)

    def code_set(self, code: str) -> CodeSet | None:
        return self._code_sets.get(code)

    def field_code(self, field: str, code: str) -> Code | None:
        """The code ``code`` of the code set lists give field ``field`` (e.g. 'gender', 'M')."""
        return self._field_codes.get((field, code))

    def criteria_of(self, framework: str) -> tuple[Owned[Criterion], ...]:
        return tuple(o for o in self.criteria if o.item.framework == framework)

    def criterion(self, framework: str, code: str) -> Owned[Criterion] | None:
        return self._criteria.get((framework, code))

    def document_requests_of(self, framework: str) -> tuple[Owned[DocumentRequest], ...]:
        return tuple(o for o in self.document_requests if o.item.framework == framework)

    def document_request(self, framework: str, reference: str) -> Owned[DocumentRequest] | None:
        return self._requests.get((framework, reference))

    def list_spec(self, framework: str, code: str) -> ListSpec | None:
        """The spec of the list ``code`` some request of ``framework`` asks for."""
        return self._list_specs.get((framework, code))

    # --- What core relies on, found by role (core/contributions.py), never by a plugin's codes ---

    def lists_with_role(self, framework: str, role: ListRole) -> tuple[ListSpec, ...]:
        """The framework's lists core uses for ``role``, in request order, each once."""
        found: dict[str, ListSpec] = {}
        for owned in self.document_requests_of(framework):
            spec = owned.item.list_spec
            if spec is not None and spec.role is role:
                found.setdefault(spec.code, spec)
        return tuple(found.values())

    def list_with_role(self, framework: str, role: ListRole) -> ListSpec | None:
        """The framework's one list for a one-a-framework role (SELECTED_CHILD_DETAILS,
        MEETINGS), if it has one."""
        return next(iter(self.lists_with_role(framework, role)), None)

    def request_with_role(self, framework: str, role: RequestRole) -> DocumentRequest | None:
        return next(
            (o.item for o in self.document_requests_of(framework) if o.item.role is role), None
        )

    def milestone_with_role(self, framework: str, role: MilestoneRole) -> Milestone | None:
        return next((o.item for o in self.milestones_of(framework) if o.item.role is role), None)

    def meeting_types(self, framework: str) -> CodeSet | None:
        """The code set of the MEETING_TYPE field of the framework's MEETINGS list, if any."""
        meetings = self.list_with_role(framework, ListRole.MEETINGS)
        field = field_with_role(meetings, FieldRole.MEETING_TYPE) if meetings else None
        return self.code_set(field.code_set) if field and field.code_set else None

    def milestones_of(self, framework: str) -> tuple[Owned[Milestone], ...]:
        return tuple(o for o in self.milestones if o.item.framework == framework)

    def evidence_forms_of(self, framework: str) -> tuple[Owned[EvidenceForm], ...]:
        return tuple(o for o in self.evidence_forms if o.item.framework == framework)

    def evidence_form(self, inspectorate: str, code: str) -> Owned[EvidenceForm] | None:
        return self._forms.get((inspectorate, code))


def field_with_role(spec: ListSpec, role: FieldRole) -> ListField | None:
    """The field of ``spec`` core reads for ``role`` (at most one: the registry checks it)."""
    return next((f for f in spec.fields if f.role is role), None)


# What each field role needs: the list role it belongs on and its type.
FIELD_ROLE_NEEDS = {
    FieldRole.DOMESTIC_ABUSE_FLAG: (ListRole.SELECTION, FieldType.YES_NO),
    FieldRole.MEETING_TYPE: (ListRole.MEETINGS, FieldType.CODE),
    FieldRole.MEETING_DATE: (ListRole.MEETINGS, FieldType.DATE),
    FieldRole.MEETING_TIME: (ListRole.MEETINGS, FieldType.TEXT),
    FieldRole.MEETING_CHILDREN: (ListRole.MEETINGS, FieldType.TEXT),
    FieldRole.MEETING_VENUE: (ListRole.MEETINGS, FieldType.TEXT),
}
OPTIONAL_FIELD_ROLES = (FieldRole.MEETING_VENUE,)  # a list of its role may lack such a field
ONE_A_FRAMEWORK = (ListRole.SELECTED_CHILD_DETAILS, ListRole.MEETINGS)


# --- Building ------------------------------------------------------------------------------------


def _call_each(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Any]]:
    """Call one hook plugin by plugin, so that every result is known by its plugin's name."""
    caller = getattr(manager.hook, hook_name)
    results = []
    for impl in sorted(caller.get_hookimpls(), key=lambda impl: impl.plugin_name):
        try:
            value = impl.function()
        except Exception as error:
            raise PluginContractError(
                impl.plugin_name,
                f"hook {hook_name}",
                f"raised {type(error).__name__}: {' '.join(str(error).split())}",
                "correct the hook so that it returns its data ('jtai --debug plugins check' "
                "shows the traceback)",
            ) from error
        results.append((impl.plugin_name, value))
    return results


def _sequence_of(plugin: str, hook: str, value: object, kind: type[T]) -> list[T]:
    if not isinstance(value, list | tuple):
        raise PluginContractError(
            plugin,
            f"hook {hook}",
            f"returned {type(value).__name__}, not a sequence of {kind.__name__}",
            f"return a tuple of core.contributions.{kind.__name__} (an empty tuple for none)",
        )
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            raise PluginContractError(
                plugin,
                f"hook {hook}, item {index}",
                f"is a {type(item).__name__}, not a {kind.__name__}",
                f"return core.contributions.{kind.__name__} instances only",
            )
    return list(value)


def _check(condition: bool, plugin: str, item: str, problem: str, fix: str) -> None:
    if not condition:
        raise PluginContractError(plugin, item, problem, fix)


def _check_pattern(pattern: re.Pattern[str], value: str, plugin: str, item: str, what: str) -> None:
    _check(
        bool(pattern.match(value)),
        plugin,
        item,
        f"{what} {value!r} does not match {pattern.pattern}",
        f"rename it to match {pattern.pattern}",
    )


class _Builder:
    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.manager = manager
        self.owner_of_plugin: dict[str, str] = {}
        self.inspectorates: dict[str, Owned[Inspectorate]] = {}
        self.frameworks: dict[str, Owned[Framework]] = {}
        self.code_sets: dict[str, Owned[CodeSet]] = {}
        self.criteria: dict[tuple[str, str], Owned[Criterion]] = {}
        self.requests: dict[tuple[str, str], Owned[DocumentRequest]] = {}
        self.milestones: dict[tuple[str, str], Owned[Milestone]] = {}
        self.forms: dict[tuple[str, str], Owned[EvidenceForm]] = {}
        self.type_names: dict[str, tuple[str, str, str]] = {}  # name -> plugin, item, part
        self.one_a_framework: dict[tuple[str, str], tuple[str, str]] = {}  # -> plugin, list code
        self.counts: dict[str, dict[str, int]] = {}
        self.origins = {
            name: plugin_origin(manager, name) for name, _ in manager.list_name_plugin()
        }

    def _clash(
        self, plugin: str, other: str, item: str, problem: str, fix: str, other_item: str = ""
    ) -> PluginContractError:
        """Two plugins clash: the error goes to the one that must change, naming both.

        A first-party plugin keeps its codes (records and clients depend on them); between two
        outside plugins, the one installed later changes.
        """
        if plugin == other:
            also = f" ({other_item})" if other_item else ""
            return PluginContractError(plugin, item, problem + also, fix)

        def keeps(name: str) -> tuple[bool, float, str]:
            origin = self.origins.get(name, Origin(False, None, float("inf")))
            return (not origin.first_party, origin.installed_at, name)

        keeper, changer = sorted((plugin, other), key=keeps)
        first = self.origins.get(keeper)
        why = (
            f"'{keeper}' is first-party and keeps its codes"
            if first is not None and first.first_party and not self.origins[changer].first_party
            else f"'{keeper}' was installed first"
            if first is not None and first.installed_at < self.origins[changer].installed_at
            else f"'{keeper}' comes first by name"
        )
        changer_item = item if changer == plugin else (other_item or item)
        keeper_item = other_item or item if changer == plugin else item
        return PluginContractError(
            changer,
            changer_item,
            f"{problem}, clashing with plugin '{keeper}' ({keeper_item}); {why}",
            f"in plugin '{changer}', {fix}",
        )

    def build(self) -> Registry:
        self._inspectorates()
        self._contributions("jtai_frameworks", Framework, self._add_framework)
        self._check_participation()
        self._contributions("jtai_code_sets", CodeSet, self._add_code_set)
        self._contributions("jtai_criteria", Criterion, self._add_criterion)
        self._contributions("jtai_document_requests", DocumentRequest, self._add_request)
        self._contributions("jtai_milestones", Milestone, self._add_milestone)
        self._contributions("jtai_evidence_forms", EvidenceForm, self._add_form)
        return Registry(
            plugins=self._plugin_infos(),
            inspectorates=list(self.inspectorates.values()),
            frameworks=list(self.frameworks.values()),
            code_sets=list(self.code_sets.values()),
            criteria=list(self.criteria.values()),
            document_requests=list(self.requests.values()),
            milestones=list(self.milestones.values()),
            evidence_forms=list(self.forms.values()),
        )

    def _plugin_infos(self) -> list[PluginInfo]:
        infos = []
        for name, plugin in self.manager.list_name_plugin():
            if plugin is None:
                continue
            hooks = sorted(
                caller.name
                for caller in self.manager.get_hookcallers(plugin) or []
                if caller.name.startswith("jtai_")
            )
            owner = self.owner_of_plugin.get(name)
            infos.append(
                PluginInfo(
                    name=name,
                    version=plugin_version(self.manager, name),
                    inspectorate=self.inspectorates[owner].item if owner else None,
                    hooks=tuple(hooks),
                    contributions=tuple(sorted(self.counts.get(name, {}).items())),
                )
            )
        return infos

    def _inspectorates(self) -> None:
        prefixes: dict[str, str] = {}
        for plugin, value in _call_each(self.manager, "jtai_inspectorate"):
            if value is None:
                continue
            _check(
                isinstance(value, Inspectorate),
                plugin,
                "hook jtai_inspectorate",
                f"returned {type(value).__name__}, not an Inspectorate",
                "return one core.contributions.Inspectorate",
            )
            item = f"inspectorate {value.code!r}"
            _check_pattern(INSPECTORATE_CODE, value.code, plugin, item, "code")
            _check_pattern(GRAPHQL_PREFIX, value.graphql_prefix, plugin, item, "graphql_prefix")
            if value.code in self.inspectorates:
                raise self._clash(
                    plugin,
                    self.inspectorates[value.code].plugin,
                    item,
                    "the inspectorate code is taken",
                    "choose another inspectorate code, or uninstall one of the two plugins",
                )
            if value.graphql_prefix in prefixes:
                other = prefixes[value.graphql_prefix]
                raise self._clash(
                    plugin,
                    other,
                    item,
                    f"GraphQL prefix {value.graphql_prefix!r} is taken",
                    "choose a graphql_prefix no other plugin uses",
                    f"inspectorate {self.owner_of_plugin[other]!r}",
                )
            for kind in value.agency_kinds:
                _check(
                    isinstance(kind, AgencyKind),
                    plugin,
                    item,
                    f"agency kind {kind!r} is not a core.contributions.AgencyKind",
                    f"use one of {', '.join(k.name for k in AgencyKind)}",
                )
            prefixes[value.graphql_prefix] = plugin
            self.owner_of_plugin[plugin] = value.code
            self.inspectorates[value.code] = Owned(value, value.code, plugin)

    def _owner(self, plugin: str, hook: str) -> str:
        owner = self.owner_of_plugin.get(plugin)
        if owner is None:
            raise PluginContractError(
                plugin,
                f"hook {hook}",
                "contributes items but the plugin describes no inspectorate to own them",
                "implement jtai_inspectorate() in the plugin and return its Inspectorate",
            )
        return owner

    def _contributions(self, hook: str, kind: type[T], add: Callable[[str, str, T], None]) -> None:
        for plugin, value in _call_each(self.manager, hook):
            items = _sequence_of(plugin, hook, value, kind)
            if not items:
                continue
            owner = self._owner(plugin, hook)
            for item in items:
                add(plugin, owner, item)
            counts = self.counts.setdefault(plugin, {})
            counts[hook.removeprefix("jtai_")] = counts.get(hook.removeprefix("jtai_"), 0) + len(
                items
            )

    def _framework(self, plugin: str, owner: str, item: str, code: str) -> Framework:
        framework = self.frameworks.get(code)
        if framework is None:
            known = ", ".join(sorted(self.frameworks)) or "none"
            raise PluginContractError(
                plugin,
                item,
                f"names framework {code!r}, which no plugin declares (known: {known})",
                "use the code of a declared framework, or declare it with jtai_frameworks()",
            )
        _check(
            code in self.inspectorates[owner].item.frameworks,
            plugin,
            item,
            f"contributes to framework {code!r}, which inspectorate '{owner}' does not take "
            "part in",
            f"add {code!r} to the frameworks of the plugin's Inspectorate, or drop the item",
        )
        return framework.item

    def _add_framework(self, plugin: str, owner: str, framework: Framework) -> None:
        item = f"framework {framework.code!r}"
        _check_pattern(KEBAB_CODE, framework.code, plugin, item, "code")
        if framework.code in self.frameworks:
            raise self._clash(
                plugin,
                self.frameworks[framework.code].plugin,
                item,
                "the framework is declared twice",
                "declare each framework once (take part by listing its code), or rename it",
            )
        self.frameworks[framework.code] = Owned(framework, owner, plugin)

    def _check_participation(self) -> None:
        for code, owned in sorted(self.inspectorates.items()):
            for framework in owned.item.frameworks:
                _check(
                    framework in self.frameworks,
                    owned.plugin,
                    f"inspectorate {code!r}",
                    f"takes part in framework {framework!r}, which no plugin declares",
                    "remove it from Inspectorate.frameworks, or install the plugin declaring it",
                )
        for code, declared in sorted(self.frameworks.items()):
            _check(
                code in self.inspectorates[declared.owner].item.frameworks,
                declared.plugin,
                f"framework {code!r}",
                f"is declared by '{declared.owner}', which does not list it among its frameworks",
                "add the framework's code to the declaring plugin's Inspectorate.frameworks",
            )

    def _add_code_set(self, plugin: str, owner: str, code_set: CodeSet) -> None:
        item = f"code set {code_set.code!r}"
        _check_pattern(KEBAB_CODE, code_set.code, plugin, item, "code")
        if code_set.code in self.code_sets:
            raise self._clash(
                plugin,
                self.code_sets[code_set.code].plugin,
                item,
                "the code set's code is taken",
                "rename the code set",
            )
        _duplicates(plugin, item, "code", (c.code for c in code_set.codes))
        self.code_sets[code_set.code] = Owned(code_set, owner, plugin)

    def _add_criterion(self, plugin: str, owner: str, criterion: Criterion) -> None:
        item = f"criterion {criterion.code!r} of framework {criterion.framework!r}"
        framework = self._framework(plugin, owner, item, criterion.framework)
        _check_pattern(CRITERION_CODE, criterion.code, plugin, item, "code")
        key = (criterion.framework, criterion.code)
        if key in self.criteria:
            raise self._clash(
                plugin,
                self.criteria[key].plugin,
                item,
                "the criterion's code is taken",
                "a criterion has one lead: contribute it from one plugin and list the others in "
                "evaluated_by, or give a new criterion a code of its own",
            )
        _check(
            criterion.reference_only == (criterion.text is None),
            plugin,
            item,
            "a reference-only criterion has no text and every other criterion has text",
            "give the guidance's text, or set reference_only=True and text=None",
        )
        participants = {i.item.code for i in self.inspectorates.values()} & {
            code
            for code, i in self.inspectorates.items()
            if criterion.framework in i.item.frameworks
        }
        for evaluator in criterion.evaluated_by:
            if evaluator not in self.inspectorates and evaluator != owner:
                continue  # its plugin is not installed: plugins are installed independently
            _check(
                evaluator in participants and evaluator != owner,
                plugin,
                item,
                f"evaluated_by names {evaluator!r}, which is not another inspectorate taking part "
                f"in {criterion.framework!r} (taking part: {', '.join(sorted(participants))})",
                "list only other inspectorates that take part in the framework",
            )
        if criterion.area is not None:
            areas = {a.code for a in framework.areas}
            _check(
                criterion.area in areas,
                plugin,
                item,
                f"area {criterion.area!r} is not an area of framework {criterion.framework!r} "
                f"(areas: {', '.join(sorted(areas)) or 'none'})",
                "use one of the framework's area codes, or None",
            )
        self.criteria[key] = Owned(criterion, owner, plugin)

    def _add_request(self, plugin: str, owner: str, request: DocumentRequest) -> None:
        item = f"document request {request.reference!r} of framework {request.framework!r}"
        self._framework(plugin, owner, item, request.framework)
        _check_pattern(REQUEST_REFERENCE, request.reference, plugin, item, "reference")
        key = (request.framework, request.reference)
        if key in self.requests:
            raise self._clash(
                plugin,
                self.requests[key].plugin,
                item,
                "the request's reference is taken",
                "give the request a reference unique within its framework",
            )
        if request.role is not None:
            self._check_role_free(
                plugin,
                item,
                "request",
                request.framework,
                request.role,
                self.requests,
                lambda r: f"document request {r.reference!r}",
            )
        _check(
            bool(request.addressed_to)
            and all(isinstance(kind, AgencyKind) for kind in request.addressed_to),
            plugin,
            item,
            f"addressed_to {request.addressed_to!r} is not a non-empty tuple of AgencyKind",
            "address the request to at least one core.contributions.AgencyKind",
        )
        if request.list_spec is not None:
            spec = request.list_spec
            _duplicates(plugin, item, "list field", (f.name for f in spec.fields))
            for list_field in spec.fields:
                field_item = f"{item}, list field {list_field.name!r}"
                _check_pattern(LIST_FIELD_NAME, list_field.name, plugin, field_item, "name")
                if list_field.type is FieldType.CODE:
                    _check(
                        list_field.code_set is not None and list_field.code_set in self.code_sets,
                        plugin,
                        field_item,
                        f"names code set {list_field.code_set!r}, which no plugin contributes "
                        f"(known: {', '.join(sorted(self.code_sets)) or 'none'})",
                        "name a contributed code set, or contribute it with jtai_code_sets()",
                    )
                else:
                    _check(
                        list_field.code_set is None,
                        plugin,
                        field_item,
                        f"is of type {list_field.type.value!r} but names a code set",
                        "give the field type FieldType.CODE, or drop code_set",
                    )
            self._check_list_roles(plugin, item, spec, request.framework)
            # Uploaded rows are stored by list code: one code means one spec in a framework.
            same_code = next(
                (
                    o
                    for o in self.requests.values()
                    if o.item.framework == request.framework
                    and o.item.list_spec is not None
                    and o.item.list_spec.code == spec.code
                    and o.item.list_spec != spec
                ),
                None,
            )
            if same_code is not None:
                raise self._clash(
                    plugin,
                    same_code.plugin,
                    item,
                    f"list code {spec.code!r} is the code of a different list",
                    "give the list spec a code unique within its framework",
                    f"document request {same_code.item.reference!r}",
                )
        self.requests[key] = Owned(request, owner, plugin)

    def _check_list_roles(self, plugin: str, item: str, spec: ListSpec, framework: str) -> None:
        for role, (list_role, field_type) in FIELD_ROLE_NEEDS.items():
            fields = [f for f in spec.fields if f.role is role]
            for list_field in fields:
                _check(
                    spec.role is list_role and list_field.type is field_type,
                    plugin,
                    f"{item}, list field {list_field.name!r}",
                    f"role {role.name} needs a {field_type.value} field of a {list_role.name} "
                    f"list; this is a {list_field.type.value} field of a "
                    f"{spec.role.name if spec.role else 'role-less'} list",
                    f"give the role to a {field_type.value} field of the framework's "
                    f"{list_role.name} list, or drop it",
                )
            _check(
                len(fields) <= 1,
                plugin,
                item,
                f"{len(fields)} fields have role {role.name}",
                "give the role to one field of the list",
            )
            _check(
                spec.role is not list_role or len(fields) == 1 or role in OPTIONAL_FIELD_ROLES,
                plugin,
                item,
                f"a {list_role.name} list needs a field with role {role.name}; none has it",
                f"set role=FieldRole.{role.name} on the list's {field_type.value} field that "
                "core should read",
            )
        if spec.role in ONE_A_FRAMEWORK:
            key = (spec.role.value, framework)
            other = self.one_a_framework.get(key)
            if other is not None and other[1] != spec.code:
                raise self._clash(
                    plugin,
                    other[0],
                    item,
                    f"a framework has one {spec.role.name} list, and this is a second",
                    "drop the role from one of the two lists",
                    f"list {other[1]!r}",
                )
            self.one_a_framework[key] = (plugin, spec.code)

    def _check_role_free(
        self,
        plugin: str,
        item: str,
        kind: str,
        framework: str,
        role: Enum,
        added: Mapping[tuple[str, str], Owned[Any]],
        name: Callable[[Any], str],
    ) -> None:
        """A role is one item's of a framework: refuse a second, naming the first."""
        same = next(
            (o for (fw, _), o in added.items() if fw == framework and o.item.role is role), None
        )
        if same is not None:
            raise self._clash(
                plugin,
                same.plugin,
                item,
                f"role {role.name} is already the role of a {kind} of the framework",
                f"give each {kind} role to one {kind} of a framework",
                name(same.item),
            )

    def _add_milestone(self, plugin: str, owner: str, milestone: Milestone) -> None:
        item = f"milestone {milestone.code!r} of framework {milestone.framework!r}"
        self._framework(plugin, owner, item, milestone.framework)
        _check_pattern(KEBAB_CODE, milestone.code, plugin, item, "code")
        key = (milestone.framework, milestone.code)
        if key in self.milestones:
            raise self._clash(
                plugin,
                self.milestones[key].plugin,
                item,
                "another milestone of the framework has this code",
                "give the milestone a code unique within its framework",
            )
        if milestone.role is not None:
            self._check_role_free(
                plugin,
                item,
                "milestone",
                milestone.framework,
                milestone.role,
                self.milestones,
                lambda m: f"milestone {m.code!r}",
            )
        self.milestones[key] = Owned(milestone, owner, plugin)

    def _add_form(self, plugin: str, owner: str, form: EvidenceForm) -> None:
        item = f"evidence form {form.code!r}"
        self._framework(plugin, owner, item, form.framework)
        _check_pattern(KEBAB_CODE, form.code, plugin, item, "code")
        _check(
            (owner, form.code) not in self.forms,
            plugin,
            item,
            "the plugin already contributes a form with this code",
            "give each of the plugin's forms a unique code (add the edition, e.g. '-2024')",
        )
        _check(bool(form.questions), plugin, item, "has no questions", "add at least one question")
        _check(
            form.version >= 1,
            plugin,
            item,
            f"version {form.version} is not a version",
            "number the form's versions from 1",
        )
        _duplicates(plugin, item, "question", (q.code for q in form.questions))
        for question in form.questions:
            question_item = f"{item}, question {question.code!r}"
            _check_pattern(SNAKE_CODE, question.code, plugin, question_item, "code")
            _check(
                question.code not in RESERVED_QUESTION_CODES
                and not question.code.startswith("jtai_"),
                plugin,
                question_item,
                "the code is a field every evidence record already has",
                f"rename it; reserved: jtai_*, {', '.join(sorted(RESERVED_QUESTION_CODES))}",
            )
            wants_choices = question.kind in (QuestionKind.CHOICE, QuestionKind.MULTI_CHOICE)
            _check(
                wants_choices == bool(question.choices),
                plugin,
                question_item,
                f"a {question.kind.value} question "
                + ("needs choices" if wants_choices else "takes no choices"),
                "give choices to choice and multi_choice questions only",
            )
            _duplicates(plugin, question_item, "choice", (c.code for c in question.choices))
            _check(
                1 <= question.since <= form.version,
                plugin,
                question_item,
                f"since={question.since} is outside the form's versions 1..{form.version}",
                "set since to the form version that added the question, and raise "
                "EvidenceForm.version with each change that matters to records",
            )
            _check(
                not question.choices or not all(c.retired for c in question.choices),
                plugin,
                question_item,
                "every choice is retired",
                "keep at least one choice current, or retire the question from a new edition",
            )
            for choice in question.choices:
                _check_pattern(ENUM_CODE, choice.code, plugin, question_item, "choice code")
            for code in question.criteria:
                _check(
                    (form.framework, code) in self.criteria,
                    plugin,
                    question_item,
                    f"cites criterion {code!r}, which framework {form.framework!r} does not have",
                    f"cite codes of the criteria of {form.framework!r}, as listed by "
                    f"'jtai plugins' or framework(code: {form.framework!r}) {{ criteria }}",
                )
        self._claim_type_names(plugin, item, self.inspectorates[owner].item, form)
        self.forms[(owner, form.code)] = Owned(form, owner, plugin)

    def _claim_type_names(
        self, plugin: str, item: str, inspectorate: Inspectorate, form: EvidenceForm
    ) -> None:
        """Every GraphQL type name the form generates must be new: name the part that makes it."""
        for name, part in generated_type_names(inspectorate, form):
            taken = self.type_names.get(name)
            if taken is not None:
                other, other_item, other_part = taken
                if other == plugin:
                    raise PluginContractError(
                        plugin,
                        f"{item}, {part}",
                        f"generates GraphQL type {name}, which {other_item}, {other_part} "
                        "generates too",
                        "rename the question or the form (a choice question's enum is named "
                        "from the form's type and the question's code)"
                        if part.startswith("question") or other_part.startswith("question")
                        else "rename the form",
                    )
                raise self._clash(
                    plugin,
                    other,
                    f"{item}, {part}",
                    f"its GraphQL type name {name} is taken",
                    "rename the form, or the question whose choices make the enum",
                    f"{other_item}, {other_part}",
                )
            self.type_names[name] = (plugin, item, part)


def _duplicates(plugin: str, item: str, what: str, codes: Iterable[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        _check(
            code not in seen,
            plugin,
            item,
            f"{what} {code!r} appears twice",
            f"give each {what} a unique code",
        )
        seen.add(code)


def build_registry(manager: pluggy.PluginManager) -> Registry:
    """Call every hook once, validate and order what comes back; raise on the first problem."""
    return _Builder(manager).build()
