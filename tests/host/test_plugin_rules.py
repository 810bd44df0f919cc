"""Plugin naming rules enforced at start-up, per-app plugin commands, and versionadded on every hookspec."""
from __future__ import annotations

import inspect

import click
import pytest
from flask import Blueprint

from crm import Permission, PluginInfo, create_app, hookimpl
from crm.hooks import PROJECT, specs
from crm.hooks.rules import PluginRuleError
from crm.settings import Section, SettingsSchema, Text


class Named:
    """A plugin that registers whatever it is given, under a given name."""

    def __init__(self, name, permissions=(), blueprints=(), settings=None, commands=(), requires=()):
        self.name, self.permissions, self.blueprints = name, list(permissions), list(blueprints)
        self.settings, self.commands, self.requires = settings, list(commands), tuple(requires)

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, self.name.title(), requires=self.requires)

    @hookimpl
    def crm_register_permissions(self):
        return self.permissions

    @hookimpl
    def crm_register_blueprints(self):
        return self.blueprints

    @hookimpl
    def crm_register_settings(self):
        return self.settings

    @hookimpl
    def crm_register_commands(self):
        return self.commands


def build(tmp_path, *plugins):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rules.db'}", "TESTING": True,
                       "INSTANCE_PATH": str(tmp_path / "instance")}, plugins=list(plugins))


@pytest.mark.parametrize("name", ["Hello", "hello-world", "2fa", "hello world", "", "héllo"])
def test_plugin_names_must_be_plain_identifiers(tmp_path, name):
    with pytest.raises(PluginRuleError, match="plugin name"):
        build(tmp_path, Named(name))


def test_a_good_plugin_starts(tmp_path):
    group = click.Group("office_hours")
    app = build(tmp_path, Named("office_hours", permissions=[Permission("office_hours.view", "View")],
                                blueprints=[Blueprint("office_hours_admin", __name__)],
                                settings=SettingsSchema("office_hours", "Office", [Section("g", "G", [Text("m")])]),
                                commands=[group]))
    assert "office_hours" in app.extensions["crm"].infos


def test_permissions_start_with_the_plugin_name(tmp_path):
    with pytest.raises(PluginRuleError, match="permission 'greet'"):
        build(tmp_path, Named("hello", permissions=[Permission("greet", "Greet")]))
    with pytest.raises(PluginRuleError, match="permission 'support.greet'"):
        build(tmp_path, Named("hello", permissions=[Permission("support.greet", "Greet")]))


def test_blueprints_start_with_the_plugin_name(tmp_path):
    with pytest.raises(PluginRuleError, match="blueprint 'greetings'"):
        build(tmp_path, Named("hello", blueprints=[Blueprint("greetings", __name__)]))


def test_settings_namespaces_are_the_plugin_name(tmp_path):
    schema = SettingsSchema("greetings", "G", [Section("g", "G", [Text("m")])])
    with pytest.raises(PluginRuleError, match="settings namespace 'greetings'"):
        build(tmp_path, Named("hello", settings=schema))


def test_commands_start_with_the_plugin_name(tmp_path):
    with pytest.raises(PluginRuleError, match="command 'greet'"):
        build(tmp_path, Named("hello", commands=[click.Command("greet")]))


def test_a_missing_requirement_stops_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="requires support"):
        build(tmp_path, Named("hello", requires=("support",)))


def test_each_app_has_its_own_plugin_commands(tmp_path):
    first = build(tmp_path, Named("alpha", commands=[click.Group("alpha")]))
    second = build(tmp_path, Named("beta", commands=[click.Group("beta")]))
    first_commands = first.cli.commands["crm"].commands
    second_commands = second.cli.commands["crm"].commands
    assert "alpha" in first_commands and "beta" not in first_commands
    assert "beta" in second_commands and "alpha" not in second_commands
    assert {"init", "plugins", "demo"} <= set(first_commands) & set(second_commands)


def _specs():
    from plugins.support import hookspecs as support_specs

    for module in (specs, support_specs):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if hasattr(function, f"{PROJECT}_spec"):
                yield name, function


@pytest.mark.parametrize("name, function", list(_specs()), ids=[n for n, _ in _specs()])
def test_every_hookspec_says_when_it_was_added(name, function):
    assert ".. versionadded::" in (inspect.getdoc(function) or ""), name
