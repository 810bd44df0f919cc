"""The plugins page: every installed plugin listed; enabling and disabling with dependency checks (SPEC H-4)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.hooks.manager import PluginState


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


def plugin_row(html: str, name: str) -> str:
    match = re.search(rf'<tr id="plugin-{name}"(.*?)</tr>', html, re.S)
    assert match, f"plugin {name} is not listed"
    return match.group(1)


def states(db):
    return dict(db.session.execute(select(PluginState.name, PluginState.enabled)).all())


def plugin_audit(db):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "plugin")
                              .order_by(AuditEntry.id)).all()


def test_the_page_lists_every_installed_plugin(app, client, admin):
    html = client.get("/admin/plugins").get_data(as_text=True)
    host = app.extensions["crm"]
    assert set(re.findall(r'<tr id="plugin-([a-z_]+)"', html)) == set(host.infos)
    for name, info in host.infos.items():
        row = plugin_row(html, name)
        assert str(info.title) in row and name in row and info.version in row
        assert str(info.description) in row
        assert "Enabled" in row
    assert "Support" in plugin_row(html, "portal").split("</td>")[2]  # the "requires" column


def test_disabling_and_enabling_a_plugin(app, client, db, admin):
    response = client.post("/admin/plugins/forms/toggle", data={"enabled": "0"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Custom forms is disabled. Its data is kept." in html
    assert "Disabled" in plugin_row(html, "forms")
    assert states(db) == {"forms": False}
    assert app.extensions["crm"].is_enabled("forms") is False
    [entry] = plugin_audit(db)
    assert (entry.action, entry.object_id, entry.actor_label) == ("plugin.disabled", "forms", admin.email)
    assert entry.changes == {"enabled": [True, False]}

    response = client.post("/admin/plugins/forms/toggle", data={"enabled": "1"}, follow_redirects=True)
    assert "Custom forms is enabled." in response.get_data(as_text=True)
    assert states(db) == {"forms": True}
    assert [e.action for e in plugin_audit(db)] == ["plugin.disabled", "plugin.enabled"]


def test_toggle_without_a_wanted_state_flips_it(app, client, db, admin):
    client.post("/admin/plugins/forms/toggle")
    assert states(db) == {"forms": False}
    client.post("/admin/plugins/forms/toggle")
    assert states(db) == {"forms": True}


def test_asking_for_the_current_state_changes_nothing(app, client, db, admin):
    response = client.post("/admin/plugins/forms/toggle", data={"enabled": "1"}, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert states(db) == {} and plugin_audit(db) == []


def test_disabling_a_plugin_another_enabled_plugin_requires_is_refused(app, client, db, admin):
    response = client.post("/admin/plugins/support/toggle", data={"enabled": "0"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Support cannot be disabled while these plugins that need it are enabled: Custom forms, Customer portal."
            in html)
    assert states(db) == {} and plugin_audit(db) == []
    assert app.extensions["crm"].is_enabled("support")


def test_enabling_a_plugin_whose_requirement_is_disabled_is_refused(app, client, db, admin):
    client.post("/admin/plugins/forms/toggle", data={"enabled": "0"})
    client.post("/admin/plugins/portal/toggle", data={"enabled": "0"})
    client.post("/admin/plugins/support/toggle", data={"enabled": "0"})
    assert states(db) == {"forms": False, "portal": False, "support": False}
    response = client.post("/admin/plugins/portal/toggle", data={"enabled": "1"}, follow_redirects=True)
    assert ("Customer portal cannot be enabled while these plugins it needs are disabled: Support."
            in response.get_data(as_text=True))
    assert states(db) == {"forms": False, "portal": False, "support": False}
    assert len(plugin_audit(db)) == 3


def test_unknown_plugin_answers_404_and_bad_state_400(app, client, db, admin):
    assert client.post("/admin/plugins/nosuch/toggle", data={"enabled": "0"}).status_code == 404
    assert client.post("/admin/plugins/forms/toggle", data={"enabled": "maybe"}).status_code == 400
    assert states(db) == {}


def test_only_admins_see_and_toggle_plugins(app, client, db, factory, auth):
    assert client.get("/admin/plugins").status_code == 302
    assert client.post("/admin/plugins/forms/toggle", data={"enabled": "0"}).status_code == 302
    auth.login(factory.user())
    assert client.get("/admin/plugins").status_code == 403
    assert client.post("/admin/plugins/forms/toggle", data={"enabled": "0"}).status_code == 403
    assert states(db) == {}


def test_no_toggle_button_where_the_change_would_be_refused(app, client, db, admin):
    """Support (needed by the enabled portal) shows why instead of a Disable button; so does a blocked Enable."""
    html = client.get("/admin/plugins").get_data(as_text=True)
    support = plugin_row(html, "support")
    assert "<button" not in support and "/admin/plugins/support/toggle" not in support
    assert "Cannot be disabled while Custom forms, Customer portal is enabled." in support
    assert "<button" in plugin_row(html, "portal") and "<button" in plugin_row(html, "forms")

    client.post("/admin/plugins/forms/toggle", data={"enabled": "0"})
    client.post("/admin/plugins/portal/toggle", data={"enabled": "0"})
    client.post("/admin/plugins/support/toggle", data={"enabled": "0"})
    html = client.get("/admin/plugins").get_data(as_text=True)
    portal = plugin_row(html, "portal")
    assert "<button" not in portal and "Cannot be enabled while Support is disabled." in portal
    assert ">Enable</button>" in plugin_row(html, "support")
