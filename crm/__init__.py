"""The CRM host: an app factory that loads plugins through pluggy.

Plugins import what they need from here: ``hookimpl`` to mark hook
implementations, the record types, and the host's documented APIs
(:mod:`crm.settings`, :mod:`crm.auth`, :mod:`crm.audit`, :mod:`crm.notify`,
:mod:`crm.storage`, :mod:`crm.people`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from flask import Flask

from crm.hooks import hookimpl, hookspec  # noqa: F401  (re-exported for plugins)
from crm.hooks.records import DemoStep, NavItem, Permission, PluginInfo  # noqa: F401

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: dict[str, Any] | None = None, plugins: Iterable[Any] | None = None) -> Flask:
    """Build the application.

    :param config: values that override every other configuration source.
    :param plugins: the plugin objects to load; None discovers them through
        the ``crm.plugins`` entry point group (what production does).
    """
    from crm import audit, builtin, config as config_module, database, generation, i18n, web  # noqa: F401 (models)
    from crm.notify import inapp, outbox  # noqa: F401 (models)
    from crm.people import models  # noqa: F401 (models)
    from crm.auth.permissions import Grants
    from crm.extensions import babel, csrf, db, include_name, limiter, login_manager, migrate
    from crm.hooks import rules
    from crm.hooks.manager import HOST, PluginHost
    from crm.notify import queue
    from crm.settings.store import SettingsRegistry

    instance_path = os.environ.get("CRM_INSTANCE_PATH") or (config or {}).get("INSTANCE_PATH")
    app = Flask("crm", instance_path=instance_path, instance_relative_config=True)
    config_module.load(app, config)

    db.init_app(app)
    database.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    host = PluginHost(builtin, plugins)
    app.extensions["crm"] = host
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = i18n.translation_directories(app, host)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(i18n.TRANSLATIONS),
    )
    app.extensions["crm_grants"] = Grants()
    registry = SettingsRegistry()
    app.extensions["crm_settings"] = registry
    for owner, result in host.results("crm_register_settings"):
        for schema in result if isinstance(result, list) else [result]:
            if owner != HOST:
                rules.check_settings_namespace(owner, schema.namespace)
            registry.add(schema, owner)
    for owner, permissions in host.results("crm_register_permissions"):
        for permission in permissions:
            if owner != HOST:
                rules.check_permission(owner, permission.name)
            if permission.name in host.permissions:
                raise RuntimeError(f"permission {permission.name!r} is declared twice")
            host.permissions[permission.name] = permission
            host.permission_owner[permission.name] = owner
    for owner, blueprints in host.results("crm_register_blueprints"):
        for blueprint in blueprints:
            if owner != HOST:
                rules.check_blueprint(owner, blueprint.name)
            app.register_blueprint(blueprint)
            host.blueprint_owner[blueprint.name] = owner

    versions = [os.path.join(MIGRATIONS, "versions")]
    for owner, folder in host.results("crm_register_migrations"):
        if not os.path.isdir(folder):
            raise RuntimeError(f"plugin {owner!r} names a missing migrations folder {folder}")
        versions.append(folder)
    app.config["CRM_MIGRATION_FOLDERS"] = versions
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True,
                    include_name=include_name)

    web.init_app(app)
    queue.init_app(app)
    from crm.auth import maintenance as auth_maintenance

    auth_maintenance.init_app(app)  # hourly purge of expired sessions, links and attempt counters
    inapp.init_app(app)

    from crm.cli import app_command_group

    plugin_commands = []
    for owner, commands in host.results("crm_register_commands"):
        for command in commands:
            if owner != HOST:
                rules.check_command(owner, command.name)
            plugin_commands.append(command)
    app.cli.add_command(app_command_group(plugin_commands))
    from crm.startup_grants import apply_new_permission_defaults

    apply_new_permission_defaults(app)  # a newly installed plugin's default grants: a restart is enough
    return app
