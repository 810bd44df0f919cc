"""Deleting tickets with everything that belongs to them (S-18)."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.database import lock, retrying, unit_of_work
from crm.extensions import db
from plugins.support import access, counts
from plugins.support.models import Attachment, Ticket
from plugins.support.services import history
from plugins.support.services.common import require_actor
from plugins.support.services.errors import TicketForbidden


@retrying
def delete_tickets(actor, tickets: Iterable[Ticket]) -> int:
    """Delete the tickets ``actor`` may see, with their posts, history, attachments and files; one commit.

    :param actor: an admin, staff allowed by S-18, or :data:`crm.actors.SYSTEM`.
    :return: how many tickets were deleted.
    :raises TicketForbidden: when ``actor`` may not delete tickets.
    """
    from crm.storage import storage

    require_actor(actor)
    if not access.can_delete(actor):
        raise TicketForbidden(_("You may not delete tickets or replies."))
    ids = [t.id for t in tickets]
    if not ids:
        return 0
    with unit_of_work() as work:
        rows = [t for t in lock(Ticket, *ids) if access.can_see(actor, t)]
        if not rows:
            return 0
        found = [t.id for t in rows]
        keys = list(db.session.scalars(select(Attachment.storage_key).where(Attachment.ticket_id.in_(found))))
        user = history.user_of(actor)
        for ticket in rows:
            counts.bump(ticket.status_id, ticket.department_id, -1)
            audit.record("ticket.deleted", "ticket", ticket.number, {"subject": (ticket.subject, None)}, user=user)
            db.session.delete(ticket)
        work.after_commit(lambda: [storage().delete(key) for key in keys])
    return len(rows)


def delete_ticket(ticket: Ticket, *, actor) -> None:
    """Delete one ticket; see :func:`delete_tickets`."""
    delete_tickets(actor, [ticket])
