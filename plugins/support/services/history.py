"""The history of a ticket's fields and the labels it records."""
from __future__ import annotations

from crm.actors import is_system
from crm.extensions import db
from plugins.support.models import Priority, Status, Ticket, TicketHistory


def label(value) -> str | None:
    """How a value is kept in the history: keys for statuses and priorities, names for rows, text otherwise."""
    if value is None:
        return None
    if isinstance(value, (Status, Priority)):
        return value.key
    if isinstance(value, (list, tuple)):
        return ", ".join(label(v) or "" for v in value)
    return str(getattr(value, "name", value))[:400]


def user_of(actor):
    """The staff user behind ``actor`` (None for the system and for customers)."""
    if actor is None or is_system(actor) or not getattr(actor, "is_staff_user", False):
        return None
    return actor


def record(ticket: Ticket, changes: dict[str, tuple], actor=None, contact_id: int | None = None) -> None:
    """Add one history row per changed field, in the current transaction."""
    user = user_of(actor)
    for field, (old, new) in changes.items():
        db.session.add(TicketHistory(ticket_id=ticket.id, field=field, old=old, new=new,
                                     user_id=user.id if user is not None else None, contact_id=contact_id))
