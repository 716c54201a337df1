"""Builds the plugin manager: the hook specifications plus every plugin of the ``jtai`` group.

Built by a factory for each app or test, never at import, so that no state is shared between them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from core import hookspecs


def make_plugin_manager(
    *, load_entry_points: bool = True, extra_plugins: Iterable[tuple[str, object]] = ()
) -> pluggy.PluginManager:
    """A new plugin manager with the ``jtai`` hooks.

    ``load_entry_points`` loads every installed plugin of the ``jtai`` entry-point group, the four
    first-party inspectorates included. ``extra_plugins`` are ``(name, plugin)`` pairs registered
    as well (tests use them to add a plugin that is not installed).
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if load_entry_points:
        manager.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for name, plugin in extra_plugins:
        manager.register(plugin, name=name)
    # An implementation with no matching spec (a misspelt hook) must not pass silently.
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        name = manager.get_name(error.plugin) or repr(error.plugin)
        raise pluggy.PluginValidationError(
            error.plugin,
            f"Plugin '{name}': {error}. Fix: name the hook as in core/hookspecs.py "
            "(every hook starts with 'jtai_').",
        ) from None
    return manager


def plugin_version(manager: pluggy.PluginManager, name: str) -> str | None:
    """The version of the distribution that installed plugin ``name``, if it came from one."""
    plugin = manager.get_plugin(name)
    for registered, dist in manager.list_plugin_distributions():
        if registered is plugin:
            return str(dist.version)
    return None
