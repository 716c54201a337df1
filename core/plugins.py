"""Builds the plugin manager: the hook specifications plus every plugin of the ``jtai`` group.

Built by a factory for each app or test, never at import, so that no state is shared between them.
A plugin that cannot load (an import error, a hook the contract does not have, a hook taking
arguments) stops the build with one :class:`PluginError` line naming the
plugin and the fix; ``jtai --debug`` shows the traceback behind it.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pluggy

from core import hookspecs

# Restricts the installed plugins that load to these names (comma-separated); unset loads all.
PLUGINS_ENV = "JTAI_PLUGINS"
# The distribution that ships the first-party plugins (pyproject.toml's project name).
FIRST_PARTY_DISTRIBUTION = "jtai-graph"


class PluginError(Exception):
    """A plugin cannot load or breaks the contract: one line naming the plugin, what and the fix.

    The exception behind it, if any, is its ``__cause__`` (``jtai --debug`` prints it).
    """

    def __init__(self, plugin: str, item: str, problem: str, fix: str) -> None:
        self.plugin = plugin
        self.item = item
        self.problem = problem
        self.fix = fix
        super().__init__(f"Plugin '{plugin}': {item}: {problem}. Fix: {fix}")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a plugin came from: what decides which of two clashing plugins must change."""

    first_party: bool
    distribution: str | None
    installed_at: float  # the time its distribution was installed; +inf for one registered by code


def selected_plugins(value: str | None = None) -> frozenset[str] | None:
    """The plugin names ``JTAI_PLUGINS`` selects, or None for every installed plugin."""
    raw = os.environ.get(PLUGINS_ENV) if value is None else value
    if raw is None or not raw.strip():
        return None
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def make_plugin_manager(
    *,
    load_entry_points: bool = True,
    extra_plugins: Iterable[tuple[str, object]] = (),
    only: Collection[str] | None = None,
) -> pluggy.PluginManager:
    """A new plugin manager with the ``jtai`` hooks.

    ``load_entry_points`` loads every installed plugin of the ``jtai`` entry-point group, the four
    first-party inspectorates included; ``only`` (default: the ``JTAI_PLUGINS`` setting) loads
    just those names. ``extra_plugins`` are ``(name, plugin)`` pairs registered as well (tests use
    them to add a plugin that is not installed).
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    chosen = selected_plugins() if only is None else frozenset(only)
    if load_entry_points:
        for entry_point in sorted(
            importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP),
            key=lambda ep: ep.name,
        ):
            if chosen is not None and entry_point.name not in chosen:
                continue
            _load(manager, entry_point)
    for name, plugin in extra_plugins:
        _register(manager, name, plugin)
    _check_hook_names(manager)
    return manager


def _load(manager: pluggy.PluginManager, entry_point: importlib.metadata.EntryPoint) -> None:
    if manager.get_plugin(entry_point.name) is not None:
        return  # a second distribution with the same plugin name: the first one wins, as in pluggy
    dist = entry_point.dist.name if entry_point.dist else "its distribution"
    try:
        manager.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP, name=entry_point.name)
    except pluggy.PluginValidationError as error:
        raise _invalid_hooks(entry_point.name, error) from error
    except Exception as error:
        raise PluginError(
            entry_point.name,
            f"entry point {entry_point.value!r}",
            f"importing it raised {type(error).__name__}: {_one_line(error)}",
            f"correct the plugin's module (python -c 'import {entry_point.module}' shows the "
            f"traceback), or uninstall it (pip uninstall {dist})",
        ) from error


def _register(manager: pluggy.PluginManager, name: str, plugin: object) -> None:
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as error:
        raise _invalid_hooks(name, error) from error


def _invalid_hooks(name: str, error: pluggy.PluginValidationError) -> PluginError:
    return PluginError(
        name,
        "hooks",
        _one_line(error),
        "hooks take no arguments and return data: copy each signature from core/hookspecs.py",
    )


def _check_hook_names(manager: pluggy.PluginManager) -> None:
    """An implementation with no matching spec (a misspelt hook) must not pass silently."""
    known = sorted(n for n in vars(hookspecs) if n.startswith("jtai_"))
    for hook_name, caller in sorted(vars(manager.hook).items()):
        if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            close = difflib.get_close_matches(hook_name, known, n=1)
            raise PluginError(
                impl.plugin_name,
                f"hook {hook_name}",
                f"unknown hook {hook_name!r}: core/hookspecs.py has no hook of that name",
                f"rename it to {close[0]!r}" if close else f"name it as one of {', '.join(known)}",
            )


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def plugin_version(manager: pluggy.PluginManager, name: str) -> str | None:
    """The version of the distribution that installed plugin ``name``, if it came from one."""
    plugin = manager.get_plugin(name)
    for registered, dist in manager.list_plugin_distributions():
        if registered is plugin:
            return str(dist.version)
    return None


def plugin_origin(manager: pluggy.PluginManager, name: str) -> Origin:
    """Whether plugin ``name`` is first-party, and when its distribution was installed."""
    plugin = manager.get_plugin(name)
    for registered, dist in manager.list_plugin_distributions():
        if registered is plugin:
            dist_name = str(dist.metadata["name"])
            path = getattr(dist, "_path", None)  # the dist-info folder, for installed ones
            installed_at = path.stat().st_mtime if path is not None else float("inf")
            first_party = dist_name.replace("_", "-").lower() == FIRST_PARTY_DISTRIBUTION
            return Origin(first_party, dist_name, installed_at)
    return Origin(False, None, float("inf"))
