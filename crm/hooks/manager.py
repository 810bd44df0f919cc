"""Loads plugins, checks their records at start-up and calls only enabled plugins' hooks."""
from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any, Iterable

import pluggy
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from crm import generation
from crm.extensions import db
from crm.hooks import PROJECT, specs
from crm.hooks.records import PluginInfo
from crm.hooks.rules import check_plugin_name

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "crm.plugins"
HOST = "crm"


class PluginState(db.Model):
    """Whether an installed plugin is enabled; a plugin with no row is enabled."""

    __tablename__ = "crm_plugin_state"
    name: Mapped[str] = mapped_column(db.String(60), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)


def discover() -> list[Any]:
    """Load every plugin declared in the ``crm.plugins`` entry point group, sorted by name."""
    return [ep.load() for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)]


class _EnabledHooks:
    """``host.hook.<name>(...)`` calls only the implementations of enabled plugins."""

    def __init__(self, host: "PluginHost"):
        self._host = host

    def __getattr__(self, name: str):
        return self._host.caller(name)


class PluginHost:
    """The app's plugin manager, plugin records and enabled state; in ``app.extensions["crm"]``."""

    def __init__(self, builtin: Any, plugins: Iterable[Any] | None):
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(specs)
        self.pm.register(builtin, name=HOST)
        self.infos: dict[str, PluginInfo] = {}
        self.objects: dict[str, Any] = {}
        self.blueprint_owner: dict[str, str] = {}
        self.permissions: dict[str, Any] = {}
        self.permission_owner: dict[str, str] = {}
        self._callers: dict[tuple, Any] = {}
        self._enabled = generation.Cached(self._load_enabled)
        self.hook = _EnabledHooks(self)
        for plugin in discover() if plugins is None else plugins:
            self._load(plugin)
        for impl in self.pm.hook.crm_add_hookspecs.get_hookimpls():
            impl.function(pm=self.pm)
        self.pm.check_pending()
        self.check_requirements()

    def _load(self, plugin: Any) -> None:
        impl = getattr(plugin, "crm_plugin_info", None)
        if impl is None:
            raise RuntimeError(f"plugin {plugin!r} does not implement crm_plugin_info")
        info = impl()
        if not isinstance(info, PluginInfo):
            raise RuntimeError(f"crm_plugin_info of {plugin!r} must return a PluginInfo")
        check_plugin_name(info.name)
        if info.name in self.infos or info.name == HOST:
            raise RuntimeError(f"two plugins are named {info.name!r}")
        self.pm.register(plugin, name=info.name)
        self.infos[info.name] = info
        self.objects[info.name] = plugin

    def check_requirements(self) -> None:
        """Fail at start-up when a plugin requires one that is not installed."""
        for name, info in self.infos.items():
            missing = [r for r in info.requires if r not in self.infos]
            if missing:
                raise RuntimeError(f"plugin {name!r} requires {', '.join(missing)}, which is not installed")

    def results(self, hook_name: str, **kwargs) -> list[tuple[str, Any]]:
        """Call a hook on every plugin, enabled or not, returning ``(plugin name, result)`` pairs.

        Used at start-up for registration hooks, whose results the host keeps
        and filters by enabled state at request time.
        """
        out = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            result = impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
            if result is not None:
                out.append((self.pm.get_name(impl.plugin), result))
        return out

    def notify(self, hook_name: str, **kwargs) -> None:
        """Fire an event: call each enabled plugin's implementation of ``hook_name`` on its own.

        For events that report something already done (a ticket was created,
        a reply added): an implementation that raises is logged and recorded in
        the audit log (action ``plugin.event_failed``, visible to admins under
        Admin -> Audit log); the others still run and the caller never sees the
        error. Call it after the change is committed.
        """
        off = self.disabled()
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            name = self.pm.get_name(impl.plugin)
            if name in off or impl.hookwrapper or getattr(impl, "wrapper", False):
                continue
            try:
                impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
            except Exception as exc:  # noqa: BLE001 - contained: one plugin must not break the desk
                self._event_failed(name, hook_name, exc)

    @staticmethod
    def _event_failed(plugin: str, hook_name: str, exc: Exception) -> None:
        from crm import audit

        log.exception("plugin %s failed in %s", plugin, hook_name)
        db.session.rollback()
        try:
            audit.record("plugin.event_failed", "plugin", plugin,
                         {"hook": (None, hook_name), "error": (None, f"{type(exc).__name__}: {exc}"[:400])})
            db.session.commit()
        except Exception:  # noqa: BLE001 - the record is best effort; the log has the details
            db.session.rollback()
            log.exception("could not record the failure of plugin %s", plugin)

    # enabled state -------------------------------------------------------

    def enabled_map(self) -> dict[str, bool]:
        """``{plugin name: enabled}``, cached per process until the configuration generation moves."""
        return self._enabled()

    def _load_enabled(self) -> dict[str, bool]:
        stored = dict(db.session.execute(select(PluginState.name, PluginState.enabled)).all())
        return {name: stored.get(name, True) for name in self.infos}

    def is_enabled(self, name: str) -> bool:
        """Whether a plugin (or the host, always) is enabled now."""
        return name == HOST or self.enabled_map().get(name, False)

    def disabled(self) -> frozenset[str]:
        """Names of the disabled plugins."""
        return frozenset(n for n, on in self.enabled_map().items() if not on)

    def caller(self, hook_name: str):
        """A hook caller that skips disabled plugins."""
        off = self.disabled()
        key = (hook_name, off)
        if key not in self._callers:
            if off:
                self._callers[key] = self.pm.subset_hook_caller(
                    hook_name, remove_plugins=[self.objects[n] for n in off]
                )
            else:
                self._callers[key] = getattr(self.pm.hook, hook_name)
        return self._callers[key]

    def set_enabled(self, name: str, enabled: bool, user=None) -> None:
        """Enable or disable a plugin in the current transaction (audited); the caller commits.

        Disabling a plugin that an enabled plugin requires, or enabling one
        whose requirements are disabled, raises :class:`PluginStateError`.
        """
        from crm import audit

        if name not in self.infos:
            raise KeyError(name)
        if enabled:
            missing = [r for r in self.infos[name].requires if not self.is_enabled(r)]
            if missing:
                raise PluginStateError("requires", name, missing)
        else:
            dependants = [n for n, i in self.infos.items() if name in i.requires and self.is_enabled(n)]
            if dependants:
                raise PluginStateError("required_by", name, dependants)
        old = self.is_enabled(name)
        if old == enabled:
            return
        row = db.session.get(PluginState, name)
        if row is None:
            db.session.add(PluginState(name=name, enabled=enabled))
        else:
            row.enabled = enabled
        audit.record("plugin.enabled" if enabled else "plugin.disabled", "plugin", name,
                     {"enabled": (old, enabled)}, user=user)
        generation.bump()


class PluginStateError(RuntimeError):
    """A plugin cannot change state because of its dependencies."""

    def __init__(self, reason: str, name: str, others: list[str]):
        super().__init__(f"{name}: {reason} {', '.join(others)}")
        self.reason, self.name, self.others = reason, name, others


def host(app: Flask | None = None) -> PluginHost:
    """The plugin host of ``app`` (default: the current app)."""
    from flask import current_app

    return (app or current_app).extensions["crm"]
