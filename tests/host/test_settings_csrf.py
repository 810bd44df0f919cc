"""With CSRF protection on, settings and plugin changes need the form's token."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.hooks.manager import PluginState
from crm.settings.store import SettingValue
from tests.conftest import PASSWORD


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


@pytest.fixture
def protected(make_app):
    """An app with CSRF protection on and an admin signed in through the real form."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from crm.people.services import create_user

        create_user("admin@example.com", "Admin", PASSWORD, role="admin")
        db.session.commit()
    client = app.test_client()
    login_token = token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD,
                                           "csrf_token": login_token})
    assert response.status_code == 302
    return app, client


def site_name_rows(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SettingValue).where(SettingValue.key == "site_name"))


def general_form(client, **extra):
    return {"site_name": "Renamed desk", "default_locale": "en", "default_timezone": "UTC",
            "password_min_length": "10", **extra}


def test_a_settings_post_without_token_is_refused_and_changes_nothing(protected):
    app, client = protected
    response = client.post("/admin/settings/crm/general", data=general_form(client))
    assert response.status_code == 400
    assert site_name_rows(app) == 0
    response = client.post("/admin/settings/crm/general", data=general_form(client, csrf_token="forged"))
    assert response.status_code == 400
    assert site_name_rows(app) == 0
    page_token = token(client.get("/admin/settings/crm/general").get_data(as_text=True))
    response = client.post("/admin/settings/crm/general", data=general_form(client, csrf_token=page_token))
    assert response.status_code == 302
    assert site_name_rows(app) == 1


def test_a_plugin_toggle_without_token_is_refused(protected):
    app, client = protected
    assert client.post("/admin/plugins/forms/toggle", data={"enabled": "0"}).status_code == 400
    with app.app_context():
        assert db.session.get(PluginState, "forms") is None
    page_token = token(client.get("/admin/plugins").get_data(as_text=True))
    response = client.post("/admin/plugins/forms/toggle", data={"enabled": "0", "csrf_token": page_token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(PluginState, "forms").enabled is False
