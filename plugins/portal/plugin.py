"""Portal plugin: hook implementations (the entry point's target)."""
from flask_babel import lazy_gettext as _l

from crm import PluginInfo, hookimpl


@hookimpl
def crm_plugin_info():
    return PluginInfo("portal", _l("Customer portal"), "0.1.0",
                      _l("Branded, localized portal and public support form for customers."), requires=("support",))
