"""The plugin host: discovery, records checked at start-up, enabled state and hook gating."""
import pytest
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from crm import PluginInfo, create_app, hookimpl, hookspec
from crm.hooks.manager import PluginHost
from crm.settings import Bool, Section, SettingsSchema


class Events:
    """A plugin spec module offered by one plugin for another to implement."""

    @hookspec
    def demo_thing_happened(self, what):
        """Event for tests."""


class Offering:
    def __init__(self):
        self.calls = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("offering", "Offering")

    @hookimpl
    def crm_add_hookspecs(self, pm):
        pm.add_hookspecs(Events)


class Listening:
    def __init__(self, name="listening", requires=()):
        self.name, self.requires, self.events = name, requires, []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, "Listening", requires=self.requires)

    @hookimpl
    def demo_thing_happened(self, what):
        self.events.append(what)


def test_plugin_hookspecs_are_added_and_gated_by_enabled_state(make_app):
    listener = Listening()
    app = make_app(plugins=[Offering(), listener])
    with app.app_context():
        host = app.extensions["crm"]
        host.hook.demo_thing_happened(what="one")
        assert listener.events == ["one"]
        host.set_enabled("listening", False)
        from crm.extensions import db

        db.session.commit()
        host.hook.demo_thing_happened(what="two")
        assert listener.events == ["one"]
        host.set_enabled("listening", True)
        db.session.commit()
        host.hook.demo_thing_happened(what="three")
        assert listener.events == ["one", "three"]


def test_duplicate_plugin_names_fail_at_start_up():
    with pytest.raises(RuntimeError, match="two plugins"):
        PluginHost(object(), [Offering(), Listening("same"), Listening("same")])


def test_missing_requirement_fails_at_start_up():
    with pytest.raises(RuntimeError, match="requires"):
        PluginHost(object(), [Offering(), Listening("lonely", requires=("absent",))])


def test_plugin_without_info_fails_at_start_up():
    class Nameless:
        pass

    with pytest.raises(RuntimeError, match="crm_plugin_info"):
        PluginHost(object(), [Nameless()])


class Duplicating:
    def __init__(self, name):
        self.name = name

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, self.name)

    @hookimpl
    def crm_register_settings(self):
        return SettingsSchema("a_b", _l("Shared"), [Section("s", "S", [Bool("x")])])


def test_duplicate_settings_namespace_fails_at_start_up(tmp_path):
    # "a_b" is a namespace plugin "a" may use (its name and "_") and plugin "a_b"'s own
    with pytest.raises(RuntimeError, match="declared twice"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)},
                   plugins=[Duplicating("a"), Duplicating("a_b")])


def test_unknown_setting_key_raises(app):
    from crm import settings

    with pytest.raises(KeyError):
        settings.get("support.no_such_setting")
    with pytest.raises(KeyError):
        settings.get("nowhere.reply_order")


def test_missing_migrations_folder_fails_at_start_up(tmp_path):
    class Migrating:
        @hookimpl
        def crm_plugin_info(self):
            return PluginInfo("migrating", "M")

        @hookimpl
        def crm_register_migrations(self):
            return str(tmp_path / "nowhere")

    with pytest.raises(RuntimeError, match="migrations folder"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)}, plugins=[Migrating()])


class Paged:
    bp = Blueprint("paged", __name__)

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("paged", "Paged")

    @hookimpl
    def crm_register_blueprints(self):
        return [self.bp]


@Paged.bp.get("/paged")
def _paged():
    return "paged page"


def test_disabled_plugin_routes_answer_404_and_come_back(make_app):
    app = make_app(plugins=[Paged()])
    client = app.test_client()
    assert client.get("/paged").get_data(as_text=True) == "paged page"
    with app.app_context():
        from crm.extensions import db

        app.extensions["crm"].set_enabled("paged", False)
        db.session.commit()
    assert client.get("/paged").status_code == 404
    with app.app_context():
        app.extensions["crm"].set_enabled("paged", True)
        db.session.commit()
    assert client.get("/paged").status_code == 200


def test_setting_values_are_cached_and_refreshed_by_generation(app, count_queries):
    from crm import settings
    from crm.extensions import db

    settings.get("support.reply_order")
    with count_queries() as q:
        for _ in range(20):
            settings.get("support.reply_order")
    assert q.count <= 1
    settings.set_many("support", {"reply_order": "desc"})
    db.session.commit()
    assert settings.get("support.reply_order") == "desc"
