"""The support plugin's public API: open, reply to, change, assign and delete tickets.

Import it as ``from plugins.support import services``. Every function

- takes an explicit actor (a staff user, a customer —
  :class:`plugins.support.access.Customer` or a contact — or
  :data:`crm.actors.SYSTEM`) and refuses with :class:`TicketForbidden` what the
  actor's access policy (:mod:`plugins.support.access`) does not allow,
  including any ticket the actor may not see;
- checks its input and raises :class:`TicketError` with a translated message
  (``err.field`` names the form field), changing nothing;
- runs as one unit of work (:func:`crm.database.unit_of_work`): it refuses to
  start while the caller has uncommitted changes, locks the ticket it
  changes, commits only its own work, and fires the plugin's events
  (``support_ticket_created``, ``support_post_added``,
  ``support_ticket_updated``) after the commit. A failing event handler is
  logged and recorded for admins; the caller never sees it. A service called
  from an event handler runs in a unit of work of its own.

Post bodies are plain text, kept exactly as typed (see :mod:`plugins.support.text`).
"""
from plugins.support.access import assignable_users, can_open_for
from plugins.support.services.changes import (
    CUSTOMER_FIELDS, EDITABLE, BulkResult, assign, bulk_update, customer_can_set_status, set_status_as_customer,
    update_ticket, update_ticket_as_customer,
)
from plugins.support.services.deleting import delete_ticket, delete_tickets
from plugins.support.services.field_values import set_field_values, ticket_fields
from plugins.support.services.errors import TicketConflict, TicketError, TicketForbidden
from plugins.support.services.opening import open_ticket
from plugins.support.services.posts import add_customer_message, add_note, add_reply, delete_post
from plugins.support.services.values import BODY_MAX, SUBJECT_MAX, TAG_MAX, tags_by_name
from plugins.support.text import clean_body

__all__ = [
    "BODY_MAX", "BulkResult", "EDITABLE", "SUBJECT_MAX", "TAG_MAX", "TicketConflict", "TicketError", "TicketForbidden",
    "add_customer_message", "add_note", "add_reply", "assign", "assignable_users", "bulk_update", "can_open_for",
    "clean_body", "customer_can_set_status", "delete_post", "delete_ticket", "delete_tickets", "open_ticket", "set_field_values", "set_status_as_customer", "ticket_fields", "tags_by_name",
    "update_ticket", "update_ticket_as_customer", "CUSTOMER_FIELDS",
]
