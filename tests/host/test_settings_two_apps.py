"""Two app instances on one database behave as one: settings and plugin state need no restart (SPEC H-4, H-5)."""
from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select

from crm import NavItem, PluginInfo, hookimpl
from crm.extensions import db
from crm.settings import Section, SettingsSchema, Text
from crm.settings.store import SettingValue
from tests.conftest import PASSWORD

gadget_bp = Blueprint("gadget", __name__)


@gadget_bp.get("/gadget")
def gadget_page():
    from crm import settings

    return settings.get("gadget.motto")


class Gadget:
    """A throwaway plugin with a page, a setting and a staff navigation item; records its navigation calls."""

    def __init__(self):
        self.navigation_calls = []
        self.toggled = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("gadget", "Gadget")

    @hookimpl
    def crm_register_blueprints(self):
        return [gadget_bp]

    @hookimpl
    def crm_register_settings(self):
        return SettingsSchema("gadget", "Gadget", [
            Section("general", "General", [Text("motto", default="Default motto", label="Motto")]),
        ])

    @hookimpl
    def crm_navigation_items(self, area, user):
        self.navigation_calls.append(area)
        if area == "staff":
            return [NavItem("gadget", "Gadget page", "gadget.gadget_page")]
        return None

    @hookimpl
    def crm_plugin_toggled(self, name, enabled, user):
        self.toggled.append((name, enabled))


@pytest.fixture
def two_apps(make_app):
    """Apps A and B on the same database, each with its own Gadget instance, an admin logged in to both."""
    plugin_a, plugin_b = Gadget(), Gadget()
    app_a, app_b = make_app(plugins=[plugin_a]), make_app(plugins=[plugin_b])
    with app_a.app_context():
        from crm.people.services import create_user

        create_user("admin@example.com", "Admin", PASSWORD, role="admin")
        db.session.commit()
    clients = []
    for app in (app_a, app_b):
        client = app.test_client()
        response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
        assert response.status_code == 302
        clients.append(client)
    return (app_a, plugin_a, clients[0]), (app_b, plugin_b, clients[1])


def stored_motto(app):
    with app.app_context():
        return db.session.scalar(select(SettingValue.value).where(SettingValue.namespace == "gadget",
                                                                  SettingValue.key == "motto"))


def toggle(client, enabled):
    return client.post("/admin/plugins/gadget/toggle", data={"enabled": "1" if enabled else "0"})


def test_a_setting_saved_through_one_app_is_read_by_the_other_without_restart(two_apps):
    (_app_a, _, client_a), (_app_b, _, client_b) = two_apps
    assert client_b.get("/gadget").get_data(as_text=True) == "Default motto"
    response = client_a.post("/admin/settings/gadget/general", data={"motto": "Changed in A"})
    assert response.status_code == 302
    assert client_b.get("/gadget").get_data(as_text=True) == "Changed in A"
    assert "Changed in A" in client_b.get("/admin/settings/gadget/general").get_data(as_text=True)


def test_disabling_a_plugin_through_one_app_switches_it_off_in_the_other(two_apps):
    (app_a, plugin_a, client_a), (app_b, plugin_b, client_b) = two_apps
    client_a.post("/admin/settings/gadget/general", data={"motto": "Kept while off"})
    assert client_b.get("/gadget").status_code == 200
    assert "Gadget page" in client_b.get("/admin/").get_data(as_text=True)
    assert "staff" in plugin_b.navigation_calls
    assert 'href="/admin/settings/gadget/general"' in client_b.get("/admin/settings").get_data(as_text=True)

    assert toggle(client_a, False).status_code == 302

    calls_before = len(plugin_b.navigation_calls)
    assert client_b.get("/gadget").status_code == 404
    assert client_b.get("/admin/settings/gadget/general").status_code == 404
    assert client_b.post("/admin/settings/gadget/general", data={"motto": "Sneaky"}).status_code == 404
    assert "/admin/settings/gadget/" not in client_b.get("/admin/settings").get_data(as_text=True)
    admin_page = client_b.get("/admin/")
    assert admin_page.status_code == 200
    assert "Gadget page" not in admin_page.get_data(as_text=True)
    assert len(plugin_b.navigation_calls) == calls_before
    assert stored_motto(app_b) == "Kept while off"
    assert plugin_a.toggled == []  # a plugin is not told that it was disabled

    assert toggle(client_a, True).status_code == 302

    assert client_b.get("/gadget").get_data(as_text=True) == "Kept while off"
    assert "Gadget page" in client_b.get("/admin/").get_data(as_text=True)
    assert len(plugin_b.navigation_calls) > calls_before
    assert plugin_a.toggled == [("gadget", True)]
    assert plugin_b.toggled == []  # the event fires in the app that made the change
