"""Hello plugin: hook implementations only (the target of the ``crm.plugins`` entry point)."""
from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from crm import DemoStep, NavItem, PluginInfo, hookimpl

HERE = Path(__file__).resolve().parent


@hookimpl
def crm_plugin_info():
    """Who the plugin is; it uses the support plugin's public API, so it requires support."""
    return PluginInfo("hello", _l("Hello"), "1.0.0", _l("Greets customers when their ticket is opened."),
                      requires=("support",), translations=str(HERE / "translations"))


@hookimpl
def crm_register_blueprints():
    """The list of greetings at ``/hello/``."""
    from crm_hello import models  # noqa: F401  (so that the tables are known)
    from crm_hello.views import bp

    return [bp]


@hookimpl
def crm_register_settings():
    """Whether to greet, and the greeting (Admin -> Settings -> Hello)."""
    from crm_hello.settings import SETTINGS

    return SETTINGS


@hookimpl
def crm_register_permissions():
    """``hello.greet``: see the greetings sent."""
    from crm_hello.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def crm_navigation_items(area, user):
    """A staff menu entry for holders of ``hello.greet``."""
    if area == "staff":
        return [NavItem("hello", _l("Greetings"), "hello.index", order=50, permission="hello.greet")]
    return None


@hookimpl
def crm_register_migrations():
    """The plugin's Alembic branch, ``hello``."""
    return str(HERE / "migrations")


@hookimpl
def crm_demo_data():
    """Demo data: greet the contacts of the demo tickets."""
    from crm_hello.demo import greet_demo_contacts

    return [DemoStep("hello.greetings", greet_demo_contacts, order=200)]


@hookimpl
def support_ticket_created(ticket):
    """Greet the customer of a new ticket (called after the ticket was committed)."""
    from crm_hello.services import greet

    greet(ticket)
