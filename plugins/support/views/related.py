"""The customer's other tickets beside a ticket: at most ten, newest first, only those the viewer may see."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db
from plugins.support import access, statuses
from plugins.support import lookups as lookup_cache
from plugins.support.models import Ticket
from plugins.support.views import bp

OTHER_TICKETS_SHOWN = 10


@bp.app_template_global("support_other_tickets")
def support_other_tickets(ticket) -> list[dict]:
    """The ticket's contact's other visible tickets (number, subject, status label and colour), in one query."""
    if ticket is None or not ticket.contact_id:
        return []
    rows = db.session.execute(
        select(Ticket.number, Ticket.subject, Ticket.status_id, Ticket.created_at)
        .where(Ticket.contact_id == ticket.contact_id, Ticket.id != ticket.id,
               access.visible_tickets(current_user._get_current_object()))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(OTHER_TICKETS_SHOWN)
    ).all()
    by_id = {s.id: s for s in lookup_cache.current().statuses}
    return [{"number": number, "subject": subject, "created_at": created_at,
             "status": statuses.status_label(by_id[status_id]) if status_id in by_id else "",
             "colour": by_id[status_id].colour if status_id in by_id else ""}
            for number, subject, status_id, created_at in rows]
