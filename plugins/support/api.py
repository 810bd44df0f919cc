"""The support plugin's public API for other plugins, versioned by :data:`API_VERSION`.

Import it as ``from plugins.support import api`` and declare
``requires=("support",)`` in your ``PluginInfo``. Everything listed in
``__all__`` is documented in ``docs/support-api.md`` and keeps working
within a major version; anything else in ``plugins.support`` may change.

Every function that changes something takes an explicit actor (a staff
user, a customer or :data:`SYSTEM`), is a unit of work of its own (it
refuses to start over the caller's uncommitted changes, commits its own
work, and fires the support events after that commit) and raises
:class:`TicketError` (nothing stored) or :class:`TicketForbidden`. It may be
called from an event handler. The reading functions never commit.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm import settings
from crm.actors import SYSTEM, is_system
from crm.extensions import db
from plugins.support.access import Customer, can_see, visible_tickets
from plugins.support.attachments import AttachmentRefused, CheckedUpload
from plugins.support.attachments import check_uploads as _check_attachments
from plugins.support.models import Post, Ticket
from plugins.support.services import (
    BODY_MAX, SUBJECT_MAX, TicketConflict, TicketError, TicketForbidden, add_customer_message, add_note,
    add_reply, assign, customer_can_set_status, open_ticket, set_field_values, set_status_as_customer,
    update_ticket, update_ticket_as_customer,
)
from plugins.support.topics import OfferedTopic, offered_topics

API_VERSION = "1.4"
"""``major.minor``: the minor number grows with additions, the major one with incompatible changes."""


def get_ticket(number: str, *, actor) -> Ticket | None:
    """The ticket numbered ``number`` if ``actor`` may see it, else None (never says whether it exists).

    :param number: the ticket number shown to people (``Ticket.number``).
    :param actor: a staff user, a customer (:class:`Customer` or contact) or :data:`SYSTEM`.
    """
    if actor is None:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.number == str(number)[:20], visible_tickets(actor)))


def visible_posts(ticket: Ticket, *, actor) -> list[Post]:
    """The posts of ``ticket`` that ``actor`` may read, oldest first; none if the ticket is hidden from them.

    Customers never get internal notes; staff and :data:`SYSTEM` get every post.
    """
    if actor is None or not can_see(actor, ticket):
        return []
    stmt = select(Post).where(Post.ticket_id == ticket.id).order_by(Post.created_at, Post.id)
    if not _is_staff_side(actor):
        stmt = stmt.where(Post.kind != "internal_note")
    return list(db.session.scalars(stmt))


def check_uploads(files) -> list[CheckedUpload]:
    """Check uploads against the attachment settings (count, size, type by name and by content); nothing is stored.

    For plugins that keep files of their own (e.g. file answers of forms)
    under the same rules as ticket attachments.

    :param files: werkzeug ``FileStorage`` objects; empty file inputs are skipped.
    :return: the checked uploads read into memory (``filename``, ``content_type``, ``data``, ``size``).
    :raises AttachmentRefused: on the first refused file; ``str(error)`` is the translated reason.
    """
    return _check_attachments(files)


@dataclass(frozen=True)
class AttachmentLimits:
    """The attachment settings now: how many files a post takes, how large each may be, which types."""

    max_files: int
    max_bytes: int
    allowed_types: tuple[str, ...]


def attachment_limits() -> AttachmentLimits:
    """The current attachment limits (settings ``support.max_attachments``, ``max_file_size_mb``,
    ``allowed_file_types``), e.g. to tell people before they upload; :func:`check_uploads` enforces them."""
    return AttachmentLimits(settings.get("support.max_attachments"),
                            settings.get("support.max_file_size_mb") * 1024 * 1024,
                            tuple(settings.get("support.allowed_file_types")))


def _is_staff_side(actor) -> bool:
    return is_system(actor) or bool(getattr(actor, "is_staff_user", False))


__all__ = [
    "API_VERSION", "AttachmentLimits", "AttachmentRefused", "BODY_MAX", "CheckedUpload", "Customer", "OfferedTopic", "Post", "SUBJECT_MAX", "SYSTEM", "Ticket",
    "TicketConflict", "TicketError", "TicketForbidden", "add_customer_message", "add_note", "add_reply", "assign",
    "attachment_limits", "can_see", "check_uploads", "customer_can_set_status", "get_ticket", "offered_topics", "open_ticket", "set_field_values", "set_status_as_customer", "update_ticket_as_customer",
    "update_ticket", "visible_posts", "visible_tickets",
]
