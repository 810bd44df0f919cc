"""The customer's notifications and activity (P-12), read from the tickets themselves.

- Notifications: what happened on the customer's tickets that they did not
  do: staff replies and status changes by staff.
- Activity: what the customer did: tickets they opened, messages they wrote
  and status changes they made.

Both only cover tickets the customer sees (the access policy) and never
internal notes; each is two queries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crm.extensions import db
from plugins.support import access
from plugins.support.models import Post, Ticket, TicketHistory

LIMIT = 50


@dataclass(frozen=True)
class Entry:
    """One line of a feed: when, which ticket, what (``kind``), and the status key of a status change."""

    at: datetime
    number: str
    subject: str
    kind: str
    status: str | None = None


def _posts(customer, kinds, mine: bool) -> list[Entry]:
    stmt = (select(Post.created_at, Ticket.number, Ticket.subject, Post.kind)
            .join(Ticket, Ticket.id == Post.ticket_id)
            .where(Post.kind.in_(kinds), access.visible_tickets(customer.actor)))
    if mine:
        stmt = stmt.where(Post.author_contact_id == customer.contact.id)
    rows = db.session.execute(stmt.order_by(Post.id.desc()).limit(LIMIT)).all()
    return [Entry(at, number, subject, kind) for at, number, subject, kind in rows]


def _history(customer, mine: bool) -> list[Entry]:
    stmt = (select(TicketHistory.created_at, Ticket.number, Ticket.subject, TicketHistory.field, TicketHistory.new)
            .join(Ticket, Ticket.id == TicketHistory.ticket_id)
            .where(TicketHistory.field.in_(("status", "created")), access.visible_tickets(customer.actor)))
    if mine:
        stmt = stmt.where(TicketHistory.contact_id == customer.contact.id)
    else:
        stmt = stmt.where(TicketHistory.field == "status", TicketHistory.contact_id.is_(None))
    rows = db.session.execute(stmt.order_by(TicketHistory.id.desc()).limit(LIMIT)).all()
    return [Entry(at, number, subject, "opened" if field == "created" else "status", None if field == "created" else new)
            for at, number, subject, field, new in rows]


def notifications(customer) -> list[Entry]:
    """Staff replies and staff's status changes on the customer's tickets, newest first."""
    entries = _posts(customer, ("public_reply",), mine=False) + _history(customer, mine=False)
    return sorted(entries, key=lambda e: e.at, reverse=True)[:LIMIT]


def activity(customer) -> list[Entry]:
    """Tickets the customer opened, their messages and their status changes, newest first."""
    entries = _posts(customer, ("customer_message",), mine=True) + _history(customer, mine=True)
    return sorted(entries, key=lambda e: e.at, reverse=True)[:LIMIT]
