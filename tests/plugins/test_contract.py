"""The contract test: runs over every installed plugin, first-party or not."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from core import hookspecs
from core.plugins import make_plugin_manager
from core.registry import Registry

MANAGER = make_plugin_manager()
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


@pytest.mark.parametrize("name", PLUGINS)
def test_plugin_has_a_readme_and_thin_hooks(name: str) -> None:
    plugin = MANAGER.get_plugin(name)
    module = sys.modules[plugin.__name__]
    folder = Path(module.__file__ or "").parent
    readme = folder / "README.md"
    assert readme.exists(), f"plugin {name} has no README.md beside its hooks"
    assert (
        "seed" in readme.read_text(encoding="utf-8").lower()
        or "guidance" in readme.read_text(encoding="utf-8").lower()
    )
    # Hooks are thin: each returns data defined in the plugin's data modules.
    for hook_name in HOOKS:
        function = getattr(module, hook_name, None)
        if function is not None:
            assert len(inspect.getsource(function).splitlines()) <= 6, (
                f"{name}.{hook_name} is thick"
            )


@pytest.mark.parametrize("name", PLUGINS)
def test_plugin_contributes_to_each_framework_it_takes_part_in(
    name: str, registry: Registry
) -> None:
    info = next(p for p in registry.plugins if p.name == name)
    assert info.inspectorate is not None
    code = info.inspectorate.code
    for framework in info.inspectorate.frameworks:
        assert registry.framework(framework) is not None
    owned = [o for o in registry.criteria if o.owner == code]
    owned += [o for o in registry.document_requests if o.owner == code]  # type: ignore[misc]
    owned += [o for o in registry.evidence_forms if o.owner == code]  # type: ignore[misc]
    assert owned, f"{name} contributes nothing"


def test_forms_only_cite_criteria_of_their_framework(registry: Registry) -> None:
    for owned in registry.evidence_forms:
        for question in owned.item.questions:
            for code in question.criteria:
                assert registry.criterion(owned.item.framework, code) is not None
