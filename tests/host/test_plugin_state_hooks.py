"""A disabled plugin's request-time hooks and events are not called; enabled again, they are (SPEC H-4)."""
from __future__ import annotations

import pytest
from flask_login import UserMixin
from markupsafe import Markup

from crm import NavItem, PluginInfo, hookimpl
from crm.extensions import db


class Visitor(UserMixin):
    """Someone the Watcher plugin logs in (not staff)."""

    is_staff_user = False

    def __init__(self, user_id):
        self.id = user_id

    def get_id(self):
        return self.id


class Watcher:
    """A throwaway plugin implementing every request-time hook and event; records each call."""

    def __init__(self, name="watcher"):
        self.name = name
        self.calls = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, self.name.title())

    @hookimpl
    def crm_navigation_items(self, area, user):
        self.calls.append(("navigation", area))
        if area == "admin":
            return [NavItem(f"{self.name}.nav", f"{self.name} menu entry", "admin.index")]
        return None

    @hookimpl
    def crm_template_slot(self, name, context):
        self.calls.append(("slot", name))
        if name == "admin.dashboard":
            return Markup(f"<p>{self.name} dashboard note</p>")
        return None

    @hookimpl
    def crm_locale_for_request(self):
        self.calls.append(("locale",))
        return "tr"

    @hookimpl
    def crm_load_user(self, user_id):
        self.calls.append(("load_user", user_id))
        return Visitor(user_id) if user_id.startswith("visitor:") else None

    @hookimpl
    def crm_settings_changed(self, namespace, changes, user):
        self.calls.append(("settings_changed", namespace, tuple(changes)))

    @hookimpl
    def crm_plugin_toggled(self, name, enabled, user):
        self.calls.append(("plugin_toggled", name, enabled))

    def called(self, kind):
        return [c for c in self.calls if c[0] == kind]


@pytest.fixture
def watcher():
    return Watcher()


@pytest.fixture
def bystander():
    return Watcher("bystander")


@pytest.fixture
def app_plugins(watcher, bystander):
    return [watcher, bystander]


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


def set_enabled(app, name, enabled):
    app.extensions["crm"].set_enabled(name, enabled)
    db.session.commit()


def test_navigation_and_template_slots_only_from_enabled_plugins(app, client, admin, watcher):
    html = client.get("/admin/").get_data(as_text=True)
    assert "watcher menu entry" in html and "<p>watcher dashboard note</p>" in html
    assert ("navigation", "admin") in watcher.calls and ("slot", "admin.dashboard") in watcher.calls
    set_enabled(app, "watcher", False)
    watcher.calls.clear()
    html = client.get("/admin/").get_data(as_text=True)
    assert "watcher menu entry" not in html and "watcher dashboard note" not in html
    assert "bystander menu entry" in html
    assert watcher.calls == []


def test_locale_from_a_plugin_only_while_it_is_enabled(make_app):
    # An app of its own, without the fixture's app context: the locale is kept per context.
    watcher = Watcher()
    app = make_app(plugins=[watcher])
    client = app.test_client()
    assert '<html lang="tr">' in client.get("/login").get_data(as_text=True)
    with app.app_context():
        set_enabled(app, "watcher", False)
    watcher.calls.clear()
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert watcher.called("locale") == []


def test_users_loaded_by_a_plugin_only_while_it_is_enabled(make_app):
    watcher = Watcher()
    app = make_app(plugins=[watcher], SESSION_PROTECTION=None)
    client = app.test_client()
    with app.app_context():  # a live server-side session of the plugin's account
        from datetime import timedelta

        from crm.auth.models import AuthSession
        from crm.auth.sessions import digest
        from crm.extensions import db
        from crm.timeutil import utcnow

        db.session.add(AuthSession(id=digest("visitor-token"), account="visitor:7",
                                   expires_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = "visitor:7"
        session["_fresh"] = True
        session["_crm_session"] = "visitor-token"
    client.get("/login")
    assert watcher.called("load_user") == [("load_user", "visitor:7")]
    with app.app_context():
        set_enabled(app, "watcher", False)
    watcher.calls.clear()
    client.get("/login")
    assert watcher.called("load_user") == []


def test_settings_events_reach_only_enabled_plugins(app, client, admin, watcher):
    form = {"site_name": "Desk one", "default_locale": "en", "default_timezone": "UTC", "password_min_length": "10"}
    client.post("/admin/settings/crm/general", data=form)
    assert watcher.called("settings_changed") == [("settings_changed", "crm", ("site_name",))]
    set_enabled(app, "watcher", False)
    client.post("/admin/settings/crm/general", data={**form, "site_name": "Desk two"})
    assert len(watcher.called("settings_changed")) == 1


def test_plugin_toggled_events_reach_only_enabled_plugins(app, client, admin, watcher, bystander):
    def toggle(name, enabled):
        response = client.post(f"/admin/plugins/{name}/toggle", data={"enabled": "1" if enabled else "0"})
        assert response.status_code == 302

    toggle("bystander", False)
    toggle("watcher", False)
    toggle("bystander", True)
    toggle("watcher", True)
    assert watcher.called("plugin_toggled") == [
        ("plugin_toggled", "bystander", False),
        ("plugin_toggled", "watcher", True),
    ]
    assert bystander.called("plugin_toggled") == [  # it was off when watcher was disabled
        ("plugin_toggled", "bystander", True),
        ("plugin_toggled", "watcher", True),
    ]
