"""Cross-field validation of a settings schema, and setting defaults translated into the reader's language."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, lazy_gettext as _l

from crm import PluginInfo, hookimpl, settings
from crm.settings import Int, Section, SettingsInvalid, SettingsSchema, Text


def opening_hours(values):
    if values["open_from"] >= values["open_until"]:
        return {"open_until": "Closing must come after opening."}
    return None


class Hours:
    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("hours", "Hours")

    @hookimpl
    def crm_register_settings(self):
        return SettingsSchema("hours", "Hours", [
            Section("open", "Open", [Int("open_from", default=9, min=0, max=23),
                                     Int("open_until", default=17, min=1, max=24)]),
            Section("message", "Message", [Text("closed_message", default=_l("Yes"))]),
        ], validators=[opening_hours])


@pytest.fixture
def app_plugins():
    return [Hours()]


def test_a_schema_validator_refuses_values_that_do_not_fit_together(app):
    with pytest.raises(SettingsInvalid) as refused:
        settings.set_many("hours", {"open_from": 18})
    assert refused.value.errors == {"open_from": "Closing must come after opening."}
    assert settings.get("hours.open_from") == 9


def test_the_error_goes_to_the_field_the_validator_names_when_it_is_saved(app):
    with pytest.raises(SettingsInvalid) as refused:
        settings.set_many("hours", {"open_from": 10, "open_until": 8})
    assert refused.value.errors == {"open_until": "Closing must come after opening."}


def test_values_that_fit_together_are_saved(app, db):
    settings.set_many("hours", {"open_from": 8, "open_until": 12})
    db.session.commit()
    assert (settings.get("hours.open_from"), settings.get("hours.open_until")) == (8, 12)


def test_the_settings_page_shows_the_cross_field_error(app, client, factory, auth):
    auth.login(factory.admin())
    page = client.post("/admin/settings/hours/open", data={"open_from": "20", "open_until": "10"})
    assert page.status_code == 200
    assert "Closing must come after opening." in page.get_data(as_text=True)
    assert settings.get("hours.open_from") == 9


def test_a_lazy_default_is_read_in_the_current_language(app):
    with force_locale("en"):
        assert settings.get("hours.closed_message") == "Yes"
    with force_locale("tr"):
        assert settings.get("hours.closed_message") == "Evet"
