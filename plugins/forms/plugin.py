"""Forms plugin: hook implementations (the entry point's target)."""
from flask_babel import lazy_gettext as _l

from crm import PluginInfo, hookimpl


@hookimpl
def crm_plugin_info():
    return PluginInfo("forms", _l("Custom forms"), "0.1.0",
                      _l("Form builder and custom data fields for tickets and customer profiles."))
