"""Frozen records that registration hooks return to the host."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class PluginInfo:
    """Who a plugin is: its unique name, a translatable title, version and dependencies.

    ``name`` matches ``[a-z][a-z0-9_]*``. ``requires`` names other plugins
    whose public API this one uses; start-up fails when one is not installed
    and the host refuses to enable a plugin whose requirements are disabled.
    ``translations`` is the folder of the plugin's own message catalogs
    (``<folder>/<lang>/LC_MESSAGES/messages.mo``); the host merges them into
    the app's translations.

    .. versionadded:: 0.1 ``translations``
    """

    name: str
    title: Any
    version: str = "0.0.0"
    description: Any = ""
    requires: tuple[str, ...] = ()
    translations: str | None = None


@dataclass(frozen=True)
class Permission:
    """A permission a plugin declares; admins grant it to roles.

    ``default_roles`` lists the built-in role kinds (``staff``, ``member``)
    that hold it until an admin changes the grants. Admins hold every permission.
    """

    name: str
    label: Any
    description: Any = ""
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavItem:
    """One entry in a navigation area (``staff``, ``admin`` or ``portal``)."""

    name: str
    label: Any
    endpoint: str
    order: int = 100
    permission: str | None = None
    icon: str = ""
    url_values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DemoStep:
    """A named callable that fills demo data; ``order`` decides who runs first."""

    name: str
    run: Callable[[], None]
    order: int = 100


@dataclass(frozen=True)
class PersonReference:
    """Records of a plugin that use a person record and so keep it from being deleted.

    Returned by ``crm_person_references``. ``message`` is a localized sentence
    that names the count ("3 tickets use this department."); ``movable`` says
    whether ``crm_person_reassign`` can move these records to another record
    of the same kind.
    """

    count: int
    message: str
    movable: bool = False
