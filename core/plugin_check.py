"""The contract checks a plugin author runs against installed plugins: ``jtai plugins check``.

They live in core, not in the test suite, so that a plugin maintained in its own repository is
checked the same way from any directory, with only this distribution installed. Each check gives
one line: the plugin, what was checked, and the fix when it fails.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

import pluggy

from core import hookspecs
from core.plugins import PluginError, make_plugin_manager
from core.registry import Registry, build_registry

HOOKS = tuple(
    sorted(n for n, v in vars(hookspecs).items() if n.startswith("jtai_") and callable(v))
)
MAX_HOOK_LINES = 6  # a hook returns data defined in the plugin's data modules
README_WORDS = ("seed", "guidance")  # a README says where the plugin's content comes from


@dataclass(frozen=True, slots=True)
class CheckResult:
    plugin: str
    check: str
    problem: str | None = None  # None when the check passes; else the problem and its fix

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.plugin}: {self.check}" + (
            "" if self.ok else f": {self.problem}"
        )


def check_plugins(name: str | None = None) -> list[CheckResult]:
    """Run every check against the installed plugins, or only plugin ``name``'s results."""
    try:
        manager = make_plugin_manager()
    except PluginError as error:
        return [CheckResult(error.plugin, "loads", f"{error.problem}. Fix: {error.fix}")]
    names = sorted(n for n, p in manager.list_name_plugin() if p is not None)
    if name is not None and name not in names:
        known = ", ".join(names) or "none"
        return [
            CheckResult(
                name,
                "is installed",
                f"no plugin of that name in the 'jtai' entry-point group (installed: {known}). "
                "Fix: pip install the plugin's distribution, or declare its entry point under "
                "[project.entry-points.jtai] in its pyproject.toml",
            )
        ]
    chosen = [name] if name is not None else names
    results: list[CheckResult] = []
    registry = _build(manager, results)
    for plugin in chosen:
        results += _files(manager, plugin)
        if registry is not None:
            results.append(_contributes(registry, plugin))
    if name is not None:
        results = [r for r in results if r.plugin in (name, "*")]
    return results


def _build(manager: pluggy.PluginManager, results: list[CheckResult]) -> Registry | None:
    """The checks ``jtai serve`` runs at start-up: the registry and the GraphQL schema."""
    from core.graphql.schema import build_schema

    try:
        registry = build_registry(manager)
        build_schema(registry)
    except PluginError as error:
        results.append(
            CheckResult(
                error.plugin, "starts (registry and schema)", f"{error.problem}. Fix: {error.fix}"
            )
        )
        return None
    results.append(CheckResult("*", "starts (registry and schema)"))
    return registry


def _files(manager: pluggy.PluginManager, name: str) -> list[CheckResult]:
    plugin = manager.get_plugin(name)
    module = sys.modules.get(getattr(plugin, "__module__", "") or "")
    if inspect.ismodule(plugin):
        module = plugin
    if module is None or not getattr(module, "__file__", None):
        return [
            CheckResult(
                name,
                "has a README.md beside its hooks",
                "its hooks module has no "
                "file. Fix: register a module (entry point 'name = package.hooks')",
            )
        ]
    folder = Path(module.__file__ or "").parent
    readme = folder / "README.md"
    results = []
    if not readme.exists():
        results.append(
            CheckResult(
                name,
                "has a README.md beside its hooks",
                f"{readme} is missing. Fix: add it, saying where the plugin's content comes from "
                "(the guidance or seed documents) and what it contributes",
            )
        )
    elif not any(word in readme.read_text(encoding="utf-8").lower() for word in README_WORDS):
        results.append(
            CheckResult(
                name,
                "has a README.md beside its hooks",
                f"{readme} does not say where the content comes from. Fix: name the guidance "
                "(or seed documents) the plugin's criteria, requests and forms are taken from",
            )
        )
    else:
        results.append(CheckResult(name, "has a README.md beside its hooks"))
    thick = [
        f"{hook} ({lines} lines)"
        for hook in HOOKS
        if (function := getattr(plugin, hook, None)) is not None
        and (lines := _source_lines(function)) > MAX_HOOK_LINES
    ]
    results.append(
        CheckResult(
            name,
            f"has thin hooks (at most {MAX_HOOK_LINES} lines each)",
            None
            if not thick
            else f"{', '.join(thick)}. Fix: define the data in a module of its own and return it "
            "from the hook",
        )
    )
    return results


def _source_lines(function: object) -> int:
    try:
        return len(inspect.getsource(function).splitlines())  # type: ignore[arg-type]
    except (OSError, TypeError):
        return 0


def _contributes(registry: Registry, name: str) -> CheckResult:
    """A plugin may take part in a framework without contributing to it, but not in all."""
    check = "contributes to a framework it takes part in"
    info = next(p for p in registry.plugins if p.name == name)
    if info.inspectorate is None:
        return CheckResult(
            name,
            check,
            "it describes no inspectorate. Fix: implement jtai_inspectorate() and return the "
            "plugin's Inspectorate",
        )
    code = info.inspectorate.code
    contributed = {
        o.item.framework
        for group in (
            registry.criteria,
            registry.document_requests,
            registry.evidence_forms,
            registry.milestones,
        )
        for o in group
        if o.owner == code
    }
    if code in {registry.framework_lead(f.code) for f in registry.frameworks}:
        contributed.add("(declares a framework)")
    if not contributed:
        return CheckResult(
            name,
            check,
            "it contributes no criterion, request, milestone or form. Fix: contribute to one "
            f"of its frameworks ({', '.join(info.inspectorate.frameworks)})",
        )
    return CheckResult(name, check)
