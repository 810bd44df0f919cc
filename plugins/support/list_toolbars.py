"""The ticket list's filter options and bulk toolbar, rendered once per locale and configuration.

Both show every status, priority, department, brand, service and assignable
staff member: the same markup for every viewer with the same language (and,
for the toolbar, the same three permissions), until an admin changes one of
them. They are kept as :func:`crm.fragments.fragment` under the lookups',
the roster's and the configuration's generation counters.
"""
from __future__ import annotations

from typing import Callable

from jinja2.environment import TemplateModule

from crm import generation, settings
from crm.fragments import fragment
from plugins.support import access, lookups, roster, statuses
from plugins.support.models import CHANNELS

COUNTERS = (lookups.KEY, roster.KEY, generation.KEY)


def _selectors(channel_label: Callable[[str], str] | None = None) -> dict:
    rows = lookups.current()
    return {
        "statuses": rows.statuses, "priorities": rows.priorities, "departments": rows.departments,
        "brands": rows.brands, "services": rows.services if settings.get("support.use_services") else (),
        "users": access.assignable_users(), "channels": CHANNELS, "channel_label": channel_label,
        "status_label": statuses.status_label, "priority_label": statuses.priority_label,
    }


def filter_options(channel_label: Callable[[str], str]) -> TemplateModule:
    """The filter form's selects (``status``, ``priority``, ``department``, ``assignee``, ``brand``,
    ``service``, ``channel``, ``sort``; none selected), the search and tag inputs' labels (``q_labels``,
    ``tag_labels``) and the ``filter_button``; ``channel_label`` names a channel."""
    return fragment("support/_list_filter_options.html", _selectors, channel_label, counters=COUNTERS)


def _toolbar(may_edit: bool, may_assign: bool, may_delete: bool) -> dict:
    return {**_selectors(), "may_edit": may_edit, "may_assign": may_assign, "may_delete": may_delete}


def bulk_toolbar(may_edit: bool, may_assign: bool, may_delete: bool) -> TemplateModule:
    """The bulk toolbar for a viewer holding these permissions (the page shows it only if one is held)."""
    return fragment("support/_list_bulk_toolbar.html", _toolbar, bool(may_edit), bool(may_assign),
                    bool(may_delete), counters=COUNTERS)
