"""The staff ticket page's history list as markup, each line rendered once per process for what it shows.

A line depends on the change (field, old and new value, when), the name of
who made it, the viewer's locale and timezone and the configuration (status
and priority names, data-field labels); that is its key in
:func:`crm.fragments.memo_each`.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import get_locale, get_timezone, gettext as _
from markupsafe import Markup

from crm import generation, i18n
from crm.fragments import memo_each
from plugins.support import lookups, statuses
from plugins.support.models import TicketHistory


def rendered_history(rows: list[TicketHistory], data_field_labels: dict | None) -> Markup:
    """The ``<li>`` of every history row, in the given order."""
    data_field_labels = {name: str(label) for name, label in (data_field_labels or {}).items()}
    shared = (str(get_locale()), str(get_timezone()), generation.snapshot(), repr(sorted(data_field_labels.items())))

    def key(row: TicketHistory) -> tuple:
        return (shared, row.id, row.field, row.old, row.new, row.created_at, row.user.name if row.user else None)

    return memo_each("support.history", rows, key, lambda missing: _render(missing, data_field_labels))


def value_label(row: TicketHistory, value: str | None) -> str:
    """How a history value is shown: a status or priority by its current name, "—" for none."""
    if value is None:
        return "—"
    if row.field == "status":
        found = lookups.current().status_by_key(value)
        return statuses.status_label(found) if found else value
    if row.field == "priority":
        found = lookups.current().priority_by_key(value)
        return statuses.priority_label(found) if found else value
    return value


def _render(rows: list[TicketHistory], data_field_labels: dict) -> list[Markup]:
    context = {
        "formatted": i18n.datetime_formatter(), "label": value_label, "system": _("System"),
        "data_field_labels": data_field_labels,
        "field_labels": {
            "status": _("Status"), "priority": _("Priority"), "department": _("Department"),
            "assignee_user": _("Assignee"), "assignee_department": _("Team"), "service": _("Service"),
            "tags": _("Tags"), "subject": _("Subject"), "created": _("Created"), "post_deleted": _("Message deleted"),
            "topic": _("Topic"), "brand": _("Brand"),
        },
    }
    macro = current_app.jinja_env.get_template("support/_ticket_history.html").module.line
    return [macro(row, context) for row in rows]
