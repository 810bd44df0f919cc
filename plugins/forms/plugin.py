"""Forms plugin: hook implementations (the entry point's target)."""
from flask_babel import lazy_gettext as _l

from crm import PluginInfo, hookimpl


@hookimpl
def crm_plugin_info():
    return PluginInfo("forms", _l("Custom forms"), "0.1.0",
                      _l("Form builder and custom data fields for tickets and customer profiles."),
                      requires=("support",))


@hookimpl
def crm_register_permissions():
    from plugins.forms.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def crm_register_blueprints():
    from plugins.forms import definitions, models  # noqa: F401 (tables, and the watch on their changes)
    from plugins.forms.views import blueprints

    return blueprints()


@hookimpl
def crm_register_migrations():
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def crm_audit_labels():
    """Readable labels for the builder's entries in the audit log."""
    from plugins.forms.audit_labels import labels

    return labels()


@hookimpl
def crm_navigation_items(area, user):
    """Forms and data fields in the admin area, for those who may manage them."""
    if area != "admin":
        return None
    from crm import NavItem
    from plugins.forms.permissions import MANAGE

    return [NavItem("forms.forms", _l("Forms"), "forms_admin.index", order=130, permission=MANAGE),
            NavItem("forms.fields", _l("Data fields"), "forms_admin.fields", order=131, permission=MANAGE)]


@hookimpl
def crm_data_fields(subject, place, context):
    """Questions of the topic's form, answers, data fields and the topic's form select (see ``provider``)."""
    from plugins.forms.provider import fields_for

    return fields_for(subject, place, context)
