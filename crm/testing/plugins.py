"""Choosing the plugins of a test app: the desk's own, the installed ones, extra objects, without duplicates."""
from __future__ import annotations

import importlib
from typing import Any, Iterable

BUILTIN_PLUGINS = ("forms", "portal", "support")


def builtin_plugins() -> list[Any]:
    """The plugins that ship with the desk (forms, portal, support), sorted by name as discovery sorts them.

    Loaded by module rather than discovered, so that a third-party plugin
    installed beside the desk's suite changes nothing in it; a test that
    wants another plugin names it explicitly.
    """
    return [importlib.import_module(f"plugins.{name}.plugin") for name in BUILTIN_PLUGINS]


def plugin_name(plugin: Any) -> str:
    """The name a plugin object declares in ``crm_plugin_info``."""
    return plugin.crm_plugin_info().name


def plugin_list(*groups: Iterable[Any] | Any) -> list[Any]:
    """Join plugin objects and lists of them into one list with one plugin per name.

    ``plugin_list(discover(), hello)`` works whether or not ``hello`` is also
    installed: the installed module and ``hello`` have the same name, so the
    plugin is loaded once. When two objects share a name the later one
    replaces the earlier (in the earlier one's place), so a test can load its
    own variant of an installed plugin.
    """
    chosen: dict[str, Any] = {}
    for group in groups:
        for plugin in list(group) if isinstance(group, (list, tuple)) else [group]:
            chosen[plugin_name(plugin)] = plugin
    return list(chosen.values())
