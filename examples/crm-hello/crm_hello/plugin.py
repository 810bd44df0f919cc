"""Hook implementations of the hello plugin: the target of its ``crm.plugins`` entry point."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from crm import DemoStep, NavItem, Permission, PluginInfo, hookimpl
from crm.settings import Colour, Section, SettingsSchema, Text

SETTINGS = SettingsSchema("hello", _l("Hello"), [
    Section("general", _l("Greeting"), [
        Text("greeting", default="Hello", max_length=120, required=True, label=_l("Greeting"),
             help=_l("The word the hello page greets staff with.")),
        Colour("colour", default="#1a73e8", label=_l("Greeting colour")),
    ]),
])


@hookimpl
def crm_plugin_info():
    """Who this plugin is."""
    return PluginInfo("hello", _l("Hello"), "1.0.0", _l("A page that greets staff, as an example plugin."))


@hookimpl
def crm_register_blueprints():
    """The hello page."""
    from crm_hello.views import bp

    return [bp]


@hookimpl
def crm_register_settings():
    """The greeting and its colour, edited on the generated settings page."""
    return SETTINGS


@hookimpl
def crm_register_permissions():
    """Who may open the hello page; staff hold it until an admin changes the grants."""
    return [Permission("hello.greet", _l("Open the hello page"), _l("See the greeting page."),
                       default_roles=("staff",))]


@hookimpl
def crm_navigation_items(area, user):
    """A staff menu entry, shown to those who hold ``hello.greet``."""
    if area == "staff":
        return [NavItem("hello", _l("Hello"), "hello.index", order=900, permission="hello.greet")]
    return None


@hookimpl
def crm_template_slot(name, context):
    """A line on the admin start page saying where the greeting is set."""
    if name == "admin.dashboard":
        from flask import url_for
        from flask_babel import gettext as _

        link = url_for("admin.settings_section", namespace="hello", section="general")
        return Markup('<p class="hint"><a href="{}">{}</a></p>').format(link, escape(_("Change the greeting")))
    return None


hello_group = AppGroup("hello", help="The hello plugin's commands.")


@hello_group.command("show")
def show_greeting():
    """Print the current greeting."""
    from crm import settings

    click.echo(settings.get("hello.greeting"))


@hookimpl
def crm_register_commands():
    """``flask crm hello show``."""
    return [hello_group]


def _demo_greeting():
    from crm import settings

    settings.set_many("hello", {"greeting": "Merhaba"})


@hookimpl
def crm_demo_data():
    """Demo data: a Turkish greeting."""
    return [DemoStep("hello.greeting", _demo_greeting, order=900)]
