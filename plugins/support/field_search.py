"""Staff search finds a ticket by its searchable data-field values (:mod:`crm.fields`).

A ticket's ``field_text`` holds the folded words of the values of every field
that staff see on its page (place ``staff_ticket``) and whose
:class:`~crm.fields.DataField` is ``searchable`` — editable values and
read-only ones such as a form's answers alike. Setting it refolds the
ticket's ``search_text`` in the same flush (:mod:`plugins.support.search`),
which the full-text index follows. The fields are asked for the system
actor, so the words do not depend on who saved a value.

Customers' searches leave these words out (:mod:`plugins.support.search_plan`):
a value a customer cannot see must not be guessable by searching for it.
"""
from __future__ import annotations

from crm.actors import SYSTEM
from crm.fields import data_fields, load_values, searchable_text
from plugins.support import folding
from plugins.support.models import Ticket


def searchable_fields(ticket: Ticket) -> list:
    """The searchable data fields staff see on ``ticket``'s page."""
    fields = data_fields("ticket", "staff_ticket", ticket=ticket, topic=ticket.topic, viewer=SYSTEM)
    return [f for f in fields if f.searchable]


def refold(ticket: Ticket) -> None:
    """Set ``ticket.field_text`` from its stored searchable values (call after staging new values).

    Reads the values through the fields' stores (one query per store, none
    without searchable fields); the caller's unit of work commits the change.
    """
    fields = searchable_fields(ticket)
    values = load_values("ticket", [ticket.id], fields)[ticket.id] if fields else {}
    words = folding.field_text(searchable_text(fields, values))
    if words != (ticket.field_text or ""):
        ticket.field_text = words
