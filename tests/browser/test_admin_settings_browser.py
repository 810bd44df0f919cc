"""An admin changes the site name on the generated settings page in a real browser (H-6, H-10)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.settings.store import SettingValue
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SETTINGS_PAGE = "/admin/settings/crm/general"


def _stored(namespace, key):
    """The value in the database now (not a cached read)."""
    db.session.expire_all()
    return db.session.scalar(select(SettingValue.value).where(
        SettingValue.namespace == namespace, SettingValue.key == key))


def _sign_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")


def test_admin_changes_the_site_name(page, factory, screenshots):
    admin = factory.admin()
    _sign_in(page, admin.email)
    page.goto(SETTINGS_PAGE)
    assert page.input_value("input[name=site_name]") == "Support desk"

    page.fill("input[name=site_name]", "Acme Help Center")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(SETTINGS_PAGE) + r"$"))
    page.screenshot(path=str(screenshots / "settings-saved.png"), full_page=True)

    assert page.input_value("input[name=site_name]") == "Acme Help Center"
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".topbar .brand").inner_text() == "Acme Help Center"
    assert "Acme Help Center" in page.title()
    assert _stored("crm", "site_name") == "Acme Help Center"


def test_an_invalid_value_is_shown_beside_the_field_and_not_saved(page, factory, screenshots):
    admin = factory.admin()
    _sign_in(page, admin.email)
    page.goto(SETTINGS_PAGE)
    page.fill("input[name=site_name]", "")
    page.click("form.settings-form button[type=submit]")
    page.screenshot(path=str(screenshots / "settings-refused.png"), full_page=True)

    assert page.locator("#setting-site_name .error").count() >= 1
    assert page.locator(".topbar .brand").inner_text() == "Support desk"
    assert _stored("crm", "site_name") is None


def test_staff_cannot_open_the_settings_page(page, factory):
    staff = factory.user()
    _sign_in(page, staff.email)
    response = page.goto(SETTINGS_PAGE)
    assert response.status == 403
    assert page.locator("input[name=site_name]").count() == 0


def test_anonymous_visitor_is_sent_to_the_login_page(page):
    page.goto(SETTINGS_PAGE)
    assert "/login" in page.url
    assert page.locator("input[name=site_name]").count() == 0
