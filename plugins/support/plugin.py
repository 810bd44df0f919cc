"""Support plugin: hook implementations (the entry point's target)."""
from flask_babel import lazy_gettext as _l

from crm import PluginInfo, hookimpl


@hookimpl
def crm_plugin_info():
    return PluginInfo("support", _l("Support"), "0.1.0",
                      _l("Tickets worked by staff in departments, with every support setting."))


@hookimpl
def crm_register_settings():
    from plugins.support.settings import SETTINGS

    return SETTINGS


@hookimpl
def crm_register_blueprints():
    from plugins.support.views import blueprints

    return blueprints()
