"""What every ticket service does first: check the actor, lock the ticket, check uploads."""
from __future__ import annotations

from flask_babel import gettext as _, ngettext
from sqlalchemy import inspect

from crm import settings
from crm.database import lock
from plugins.support import access
from plugins.support.attachments import AttachmentRefused, CheckedUpload, check_uploads
from plugins.support.models import Ticket
from plugins.support.services.errors import TicketError, TicketForbidden


def require_actor(actor) -> None:
    """Refuse a missing actor: code acting on its own account passes :data:`crm.actors.SYSTEM`."""
    if actor is None:
        raise TypeError("an actor is required: a user, a customer, or crm.actors.SYSTEM")


def require(actor, permission: str) -> None:
    """Refuse the action unless ``actor`` may use the desk and holds ``permission``."""
    require_actor(actor)
    if not access.can(actor, permission):
        raise TicketForbidden(_("You may not do this."))


def locked(ticket: Ticket, actor) -> Ticket:
    """``ticket`` re-read under a row lock inside the unit of work, refused unless ``actor`` may see it."""
    require_actor(actor)
    identity = inspect(ticket).identity
    rows = lock(Ticket, identity[0]) if identity else []
    if not rows:
        raise TicketError(_("This ticket no longer exists."))
    fresh = rows[0]
    if not access.can_see(actor, fresh):
        raise TicketForbidden(_("You may not do this."))
    return fresh


def uploads(files) -> list[CheckedUpload]:
    """Check files against the attachment settings (S-22); already checked uploads only against the count."""
    items = [f for f in (files or ()) if f is not None]
    if items and all(isinstance(f, CheckedUpload) for f in items):
        limit = settings.get("support.max_attachments")
        if len(items) > limit:
            raise TicketError(ngettext("Attach at most %(num)s file.", "Attach at most %(num)s files.", limit), "attachments")
        return items
    try:
        return check_uploads(items)
    except AttachmentRefused as exc:
        raise TicketError(str(exc), "attachments") from None
