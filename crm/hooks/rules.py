"""The naming rules every plugin follows, checked at start-up so that a mistake stops the app with a clear error.

- A plugin's name matches ``[a-z][a-z0-9_]*`` (it prefixes tables, URLs,
  settings and permissions, so it must be a plain identifier).
- What a plugin registers carries its name: permissions are
  ``<plugin>.<something>``; blueprints, settings namespaces and commands
  are ``<plugin>`` or ``<plugin>_<something>`` (commands may also use ``-``).
- ``requires`` names installed plugins (checked by the plugin host).

The host itself (``crm``) is exempt: its names came first.
"""
from __future__ import annotations

import re

PLUGIN_NAME = re.compile(r"[a-z][a-z0-9_]*")


class PluginRuleError(RuntimeError):
    """A plugin breaks a naming rule; the message names the plugin, the name and the rule."""


def check_plugin_name(name: object) -> None:
    """Refuse a plugin name that is not ``[a-z][a-z0-9_]*``."""
    if not isinstance(name, str) or not PLUGIN_NAME.fullmatch(name):
        raise PluginRuleError(
            f"plugin name {name!r} is invalid: use lower-case letters, digits and underscores, "
            f"starting with a letter (e.g. 'office_hours')")


def check_permission(owner: str, name: str) -> None:
    """Refuse a permission of ``owner`` that is not named ``<owner>.<something>``."""
    if not name.startswith(f"{owner}.") or len(name) == len(owner) + 1:
        raise PluginRuleError(f"plugin {owner!r} declares permission {name!r}: "
                              f"permission names start with the plugin's name and a dot, e.g. '{owner}.view'")


def _owned(owner: str, name: str, separators: str) -> bool:
    return name == owner or any(name.startswith(owner + sep) and len(name) > len(owner) + 1 for sep in separators)


def check_blueprint(owner: str, name: str) -> None:
    """Refuse a blueprint of ``owner`` that is not named ``<owner>`` or ``<owner>_<something>``."""
    if not _owned(owner, name, "_"):
        raise PluginRuleError(f"plugin {owner!r} registers blueprint {name!r}: "
                              f"blueprint names are the plugin's name or start with it and '_', e.g. '{owner}_admin'")


def check_settings_namespace(owner: str, namespace: str) -> None:
    """Refuse a settings namespace of ``owner`` that is not ``<owner>`` or ``<owner>_<something>``."""
    if not _owned(owner, namespace, "_"):
        raise PluginRuleError(f"plugin {owner!r} declares settings namespace {namespace!r}: "
                              f"use the plugin's name, e.g. '{owner}'")


def check_command(owner: str, name: str) -> None:
    """Refuse a command of ``owner`` that is not named ``<owner>``, ``<owner>-...`` or ``<owner>_...``."""
    if not _owned(owner, name or "", "-_"):
        raise PluginRuleError(f"plugin {owner!r} registers command {name!r}: "
                              f"command names are the plugin's name (a group) or start with it, e.g. '{owner}'")
