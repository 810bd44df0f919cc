"""Readable, translated labels for the audit log: action codes, changed fields and their values.

The host labels its own actions and every setting (by its schema label and,
for choices, the choice's label); plugins label theirs through the
``crm_audit_labels`` hook. Whatever nobody labels is shown as recorded.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

HOST_ACTIONS = {
    "user.created": _l("Staff account created"),
    "user.updated": _l("Staff account changed"),
    "user.profile_changed": _l("Profile changed"),
    "user.deactivated": _l("Staff account deactivated"),
    "user.reactivated": _l("Staff account reactivated"),
    "user.deleted": _l("Staff account deleted"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset"),
    "contact.created": _l("Contact created"),
    "contact.updated": _l("Contact changed"),
    "contact.deleted": _l("Contact deleted"),
    "company.created": _l("Company created"),
    "company.updated": _l("Company changed"),
    "company.deleted": _l("Company deleted"),
    "role.created": _l("Role created"),
    "role.updated": _l("Role changed"),
    "role.deleted": _l("Role deleted"),
    "department.created": _l("Department created"),
    "department.updated": _l("Department changed"),
    "department.deleted": _l("Department deleted"),
    "settings.changed": _l("Settings changed"),
    "plugin.enabled": _l("Plugin enabled"),
    "plugin.disabled": _l("Plugin disabled"),
    "plugin.event_failed": _l("Plugin failed to handle an event"),
    "outbox.retried": _l("Email sent again"),
    "outbox.discarded": _l("Email discarded"),
}

HOST_OBJECT_TYPES = {
    "user": _l("Staff account"),
    "contact": _l("Contact"),
    "company": _l("Company"),
    "role": _l("Role"),
    "department": _l("Department"),
    "settings": _l("Settings"),
    "plugin": _l("Plugin"),
    "outbox": _l("Email"),
}


class AuditLabels:
    """The labels of every installed plugin and the host, gathered once per app."""

    def __init__(self, actions: dict, object_types: dict, fields: dict, values: dict):
        self.actions = actions
        self.object_types = object_types
        self.fields = fields
        self.values = values

    def action(self, code: str) -> str:
        """The translated label of an action code, or the code itself when nobody labels it."""
        label = self.actions.get(code)
        return str(label) if label is not None else code

    def object_type(self, kind: str) -> str:
        """The translated name of an object type, or the type as recorded."""
        label = self.object_types.get(kind)
        return str(label) if label is not None else kind

    def field(self, entry, key: str) -> str:
        """The label of a changed field of ``entry``: a setting's schema label, a plugin's label, or the key."""
        if entry.object_type == "settings":
            setting = _setting(entry.object_id, key)
            if setting is not None:
                return str(setting.label)
        label = self.fields.get(f"{entry.object_type}.{key}")
        return str(label) if label is not None else key

    def value(self, entry, key: str, value: Any) -> Any:
        """A recorded value as shown: a choice's or a plugin's label for it, else the value unchanged."""
        if value is None or value == "" or isinstance(value, bool):
            return value
        if entry.object_type == "settings":
            setting = _setting(entry.object_id, key)
            choices = getattr(setting, "choices_list", None)
            if choices is not None:
                try:
                    labels = {str(v): str(label) for v, label in choices()}
                except Exception:  # noqa: BLE001 - choices read the database; the raw value is still useful
                    return value
                if isinstance(value, list):
                    return [labels.get(str(v), v) for v in value]
                return labels.get(str(value), value)
            return value
        render = self.values.get(f"{entry.object_type}.{key}")
        if render is None:
            return value
        try:
            return render(value)
        except Exception:  # noqa: BLE001 - a plugin's broken renderer must not break the log
            return value


def _setting(namespace: str, key: str):
    from crm.settings.store import registry

    schema = registry().schemas.get(namespace)
    return schema.fields().get(key) if schema is not None else None


def _collect(app) -> AuditLabels:
    actions, object_types, fields, values = dict(HOST_ACTIONS), dict(HOST_OBJECT_TYPES), {}, {}
    for _owner, result in app.extensions["crm"].results("crm_audit_labels"):
        actions.update(result.get("actions", {}))
        object_types.update(result.get("object_types", {}))
        fields.update(result.get("fields", {}))
        for key, render in result.get("values", {}).items():
            if callable(render):
                values[key] = render
    return AuditLabels(actions, object_types, fields, values)


def labels() -> AuditLabels:
    """The app's audit labels (gathered from the plugins on first use)."""
    found = current_app.extensions.get("crm_audit_labels")
    if found is None:
        found = current_app.extensions["crm_audit_labels"] = _collect(current_app)
    return found
