"""The contract test: runs over every installed plugin, first-party or not."""

from __future__ import annotations

import inspect
import types
from collections.abc import Sequence
from dataclasses import replace

import pytest

from core import hookspecs
from core.contributions import EvidenceForm
from core.hookspecs import hookimpl
from core.plugin_check import CheckResult, check_plugins
from core.plugins import make_plugin_manager
from core.registry import PluginContractError, build_registry

MANAGER = make_plugin_manager()  # every installed plugin: the contract holds for each
REGISTRY = build_registry(MANAGER)
PLUGINS = sorted(name for name, plugin in MANAGER.list_name_plugin() if plugin is not None)
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("jtai_") and inspect.isfunction(value)
)


def test_the_four_inspectorates_are_installed_through_the_entry_point_group() -> None:
    assert {"ofsted", "cqc", "hmicfrs", "hmip"} <= set(PLUGINS)
    distributions = {name for name, _ in MANAGER.list_name_plugin()}
    assert len(MANAGER.list_plugin_distributions()) == len(distributions)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_in_the_contract(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert ":return:" in doc and "Called" in doc, f"{hook} needs what it returns and when"
    assert inspect.signature(getattr(hookspecs, hook)).return_annotation != inspect.Signature.empty


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_exercised_by_a_first_party_plugin(hook: str) -> None:
    implementers = {impl.plugin_name for impl in getattr(MANAGER.hook, hook).get_hookimpls()}
    assert implementers & {"ofsted", "cqc", "hmicfrs", "hmip"}, f"no plugin implements {hook}"


RESULTS = check_plugins()


def test_the_installed_plugins_start_with_their_schema() -> None:
    assert RESULTS[0] == CheckResult("*", "starts (registry and schema)")


@pytest.mark.parametrize("name", PLUGINS)
def test_plugin_passes_the_checks_jtai_plugins_check_runs(name: str) -> None:
    """A README.md beside the hooks naming the guidance, thin hooks, and contributions to a
    framework it takes part in (core/plugin_check.py: what 'jtai plugins check' runs)."""
    mine = [r for r in RESULTS if r.plugin == name]
    assert [r.line() for r in mine if not r.ok] == []
    assert len(mine) == 3


FORM_PLUGINS = sorted(
    name for name in PLUGINS if hasattr(MANAGER.get_plugin(name), "jtai_evidence_forms")
)


@pytest.mark.parametrize("name", FORM_PLUGINS)
def test_a_form_citing_a_criterion_of_another_framework_stops_start_up(name: str) -> None:
    """The plugin's real forms with one citation moved to a criterion only another framework has:
    building the registry must name the plugin, the question and the criterion."""
    registry = REGISTRY
    owned = next(
        o
        for o in registry.evidence_forms
        if o.plugin == name and any(q.criteria for q in o.item.questions)
    )
    form = owned.item
    own_codes = {o.item.code for o in registry.criteria_of(form.framework)}
    foreign = next(o.item.code for o in registry.criteria if o.item.code not in own_codes)
    index = next(i for i, q in enumerate(form.questions) if q.criteria)
    question = replace(form.questions[index], criteria=(foreign,))
    broken = replace(
        form, questions=(*form.questions[:index], question, *form.questions[index + 1 :])
    )
    forms = tuple(
        broken if o is owned else o.item for o in registry.evidence_forms if o.plugin == name
    )

    @hookimpl
    def jtai_evidence_forms() -> Sequence[EvidenceForm]:
        return forms

    original = MANAGER.get_plugin(name)
    hooks = {hook: getattr(original, hook) for hook in HOOKS if hasattr(original, hook)}
    patched = types.SimpleNamespace(**{**hooks, "jtai_evidence_forms": jtai_evidence_forms})
    others = [(other, MANAGER.get_plugin(other)) for other in PLUGINS if other != name]
    manager = make_plugin_manager(load_entry_points=False, extra_plugins=[*others, (name, patched)])

    with pytest.raises(PluginContractError) as raised:
        build_registry(manager)

    error = raised.value
    assert (error.plugin, error.item) == (
        name,
        f"evidence form {form.code!r}, question {question.code!r}",
    )
    assert error.problem == (
        f"cites criterion {foreign!r}, which framework {form.framework!r} does not have"
    )
