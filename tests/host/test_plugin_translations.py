"""A plugin ships its own catalogs through ``PluginInfo.translations``; the host merges them with its own."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import force_locale, gettext, lazy_gettext as _l

from crm import PluginInfo, create_app, hookimpl, settings
from crm.settings import Section, SettingsSchema, Text


def compile_catalog(folder: Path, language: str, messages: dict[str, str]) -> Path:
    catalog = Catalog(locale=language)
    for source, translated in messages.items():
        catalog.add(source, translated)
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return folder


class Greeter:
    def __init__(self, folder):
        self.folder = folder

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("greeter", _l("Greeter"), translations=str(self.folder))

    @hookimpl
    def crm_register_settings(self):
        return SettingsSchema("greeter", _l("Greeter"), [
            Section("general", _l("Greeter"), [Text("greeting", default=_l("Good morning, desk"))]),
        ])


@pytest.fixture
def catalogs(tmp_path):
    return compile_catalog(tmp_path / "translations", "tr", {"Good morning, desk": "Günaydın, masa"})


@pytest.fixture
def app_plugins(catalogs):
    return [Greeter(catalogs)]


def test_the_plugins_strings_are_translated(app):
    with force_locale("tr"):
        assert gettext("Good morning, desk") == "Günaydın, masa"
    with force_locale("en"):
        assert gettext("Good morning, desk") == "Good morning, desk"


def test_the_desks_own_strings_are_still_translated(app):
    with force_locale("tr"):
        assert gettext("Yes") == "Evet"


def test_a_setting_default_comes_from_the_plugins_catalog(app):
    with force_locale("tr"):
        assert settings.get("greeter.greeting") == "Günaydın, masa"


def test_a_missing_catalog_folder_stops_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="missing translations folder"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                    "INSTANCE_PATH": str(tmp_path / "i")}, plugins=[Greeter(tmp_path / "nowhere")])
