"""The staff ticket page's history list as markup, each line rendered once per process for what it shows.

A line depends on the change (field, old and new value, when), the name of
who made it, the viewer's locale and timezone and the configuration (status
and priority names, data-field labels); that is its key in
:func:`crm.fragments.memo_each`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from sqlalchemy import select

from crm import i18n
from crm.extensions import db
from crm.fragments import memo_each
from crm.people.models import User
from plugins.support import lookups, statuses
from plugins.support.models import TicketHistory

SHOWN = 50  # the newest changes the ticket page lists


@dataclass(slots=True)
class HistoryRow:
    """A change as the history list shows it: plain values and the name of who made it."""

    id: int
    field: str
    old: str | None
    new: str | None
    created_at: datetime
    user_name: str | None


def recent_history(ticket_id: int) -> list[HistoryRow]:
    """The ticket's newest :data:`SHOWN` changes, newest first: one query of plain rows."""
    rows = db.session.execute(
        select(TicketHistory.id, TicketHistory.field, TicketHistory.old, TicketHistory.new, TicketHistory.created_at,
               User.name).outerjoin(User, User.id == TicketHistory.user_id)
        .where(TicketHistory.ticket_id == ticket_id).order_by(TicketHistory.id.desc()).limit(SHOWN))
    return [HistoryRow(*row) for row in rows]


def rendered_history(rows: list[HistoryRow], data_field_labels: dict | None) -> Markup:
    """The ``<li>`` of every history row, in the given order."""
    data_field_labels = {name: str(label) for name, label in (data_field_labels or {}).items()}
    labels = repr(sorted(data_field_labels.items()))

    def key(row: HistoryRow) -> tuple:
        return (labels, row.id, row.field, row.old, row.new, row.created_at, row.user_name)

    return memo_each("support.history", rows, key, lambda missing: _render(missing, data_field_labels))


def value_label(row: HistoryRow, value: str | None) -> str:
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


def _render(rows: list[HistoryRow], data_field_labels: dict) -> list[Markup]:
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
