"""The staff list's rows as markup, each rendered once per process for the exact values it shows.

A row's markup depends on the ticket's shown columns, its tags and data
values, how long it has waited (in the coarse units the list shows), the
viewer's locale and timezone and the configuration (status names and
colours, the list's columns). All of that is the row's key in
:func:`crm.fragments.memo_each`, so a page of 50 rows renders only the rows
that changed since they were last shown, and a kept row is never stale.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import current_app, url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup

from crm import i18n
from crm.fields import DataField
from crm.fragments import memo_each
from crm.timeutil import utcnow
from plugins.support import statuses
from plugins.support.listing import TicketRow


def rendered_rows(rows: list[TicketRow], list_fields: list[DataField], lookups: dict) -> Markup:
    """The ``<tr>`` of every row of the page, in order (see the module's docstring)."""
    now, locale = utcnow(), get_locale()
    for row in rows:
        if row.waiting_since is not None:
            row.waited_label = i18n.format_age(max((now - row.waiting_since).total_seconds(), 0), locale)
    columns = (lookups["use_services"], repr([(f.name, f.kind, str(f.label), f.choices) for f in list_fields]))

    def key(row: TicketRow) -> tuple:
        return (columns, row.id, row.number, row.subject, row.status_id, row.priority_id, row.updated_at,
                row.waited_label, row.contact_name, row.company_name, row.department_name, row.assignee_name,
                row.assignee_department_name, row.brand_name, row.service_name, tuple(row.tags),
                repr(sorted(row.data.items())) if row.data else "")

    return memo_each("support.list_rows", rows, key, lambda missing: _render(missing, list_fields, lookups))


def _render(rows: list[TicketRow], list_fields: list[DataField], lookups: dict) -> list[Markup]:
    formatted = i18n.datetime_formatter()
    ticket_url = url_for("support.ticket", number="")  # built once; each row adds its number
    context = {
        "status_by_id": {s.id: s for s in lookups["statuses"]},
        "priority_by_id": {p.id: p for p in lookups["priorities"]},
        "status_names": {s.id: statuses.status_label(s) for s in lookups["statuses"]},
        "priority_names": {p.id: statuses.priority_label(p) for p in lookups["priorities"]},
        "use_services": lookups["use_services"], "list_fields": list_fields,
        "choose": _("Choose %(number)s", number="%(number)s"),  # translated once; each row fills in its number
    }
    macro = current_app.jinja_env.get_template("support/_ticket_row.html").module.row
    out = []
    for row in rows:
        row.href = ticket_url + quote(row.number, safe="/")
        row.updated_label = formatted(row.updated_at)
        out.append(macro(row, context))
    return out
