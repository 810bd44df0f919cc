"""Adding and deleting the posts of a ticket's conversation: replies, internal notes, customer messages."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit, settings
from crm.database import retrying, unit_of_work
from crm.extensions import db
from crm.timeutil import utcnow
from plugins.support import access, notifications, statuses
from plugins.support import permissions as perms
from plugins.support.attachments import discard, store
from plugins.support.models import Attachment, Post, Status, Ticket
from plugins.support.services import history, values
from plugins.support.services.changes import apply_changes
from plugins.support.services.common import locked, require, require_actor, uploads
from plugins.support.services.errors import TicketError, TicketForbidden
from plugins.support.services.events import fire_after_commit
from plugins.support.text import clean_body


def _add_post(ticket: Ticket, kind: str, body: str, *, actor, attachments=(), status=None, work,
              author_label: str = "") -> Post:
    values.check_body(body)
    html, text = clean_body(body)
    if not text:
        raise TicketError(_("Write a message."), "body")
    checked = uploads(attachments)
    target_status = values.status(status) if status not in (None, "") else None
    user = history.user_of(actor)
    customer = access.as_actor(actor) if access.audience(actor) == access.CUSTOMER else None
    now = utcnow()
    post = Post(ticket_id=ticket.id, kind=kind, body=html, body_text=text, created_at=now,
                author_user_id=user.id if user is not None else None,
                author_contact_id=customer.contact_id if customer is not None else None,
                author_label=author_label)
    db.session.add(post)
    db.session.flush()
    written = store(post, checked)
    work.on_rollback(lambda: discard(written))
    ticket.post_count = Ticket.post_count + 1  # SQL-side, whatever another writer did
    ticket.updated_at = now
    changes: dict[str, tuple] = {}
    if kind == "public_reply":
        ticket.waiting_since = None
        if user is not None and ticket.assignee_user_id is None \
                and settings.get("support.auto_assign_first_responder") \
                and access.may_be_assigned(user, ticket.department_id):
            changes.update(apply_changes(ticket, {"assignee_user": user}, actor=None))
    elif kind == "customer_message" and ticket.waiting_since is None:
        ticket.waiting_since = now
    if target_status is not None and target_status.id != ticket.status_id:
        changes.update(apply_changes(ticket, {"status": target_status}, actor=None))
    if changes:
        history.record(ticket, changes, actor=actor, contact_id=customer.contact_id if customer else None)
        audit.record("ticket.updated", "ticket", ticket.number, changes, user=user)
    audit.record(f"ticket.{kind}", "ticket", ticket.number, {"post": (None, post.id)}, user=user)
    notifications.post_added(ticket, post, actor=user)
    fire_after_commit(work, "support_post_added", ticket=ticket, post=post)
    if changes:
        fire_after_commit(work, "support_ticket_updated", ticket=ticket, changes=changes)
    return post


@retrying
def add_reply(ticket: Ticket, body: str, *, author, status=None, attachments=()) -> Post:
    """Add a staff reply the customer sees; commit; then fire events.

    The ticket's status becomes ``status`` (a row, id or key) or, when None,
    the ``support.default_reply_status`` (S-21). With
    ``support.auto_assign_first_responder`` on, an unassigned ticket is
    assigned to ``author`` (S-16). The customer is emailed when
    ``support.notify_customer_on_staff_reply`` is on (S-14).

    :param author: a staff user holding ``support.tickets.reply`` who may see
        the ticket, or :data:`crm.actors.SYSTEM`.
    """
    require(author, perms.REPLY)
    with unit_of_work() as work:
        ticket = locked(ticket, author)
        if status in (None, ""):
            status = statuses.status_by_key(settings.get("support.default_reply_status"))
        return _add_post(ticket, "public_reply", body, actor=author, attachments=attachments, status=status,
                         work=work)


@retrying
def add_note(ticket: Ticket, body: str, *, author, attachments=(), author_label: str | None = None) -> Post:
    """Add an internal note (staff only, never shown or emailed to the customer); commit; then fire events.

    :param author: a staff user holding ``support.tickets.reply`` who may see
        the ticket, or :data:`crm.actors.SYSTEM` (a plugin's note).
    :param author_label: with ``author=SYSTEM``, the name the note is shown
        under (a plugin's title, e.g. "Office hours"; at most 120 characters).
        Staff authors write under their own name; a label with them is refused.
    """
    require(author, perms.REPLY)
    label = _author_label(author, author_label)
    with unit_of_work() as work:
        ticket = locked(ticket, author)
        return _add_post(ticket, "internal_note", body, actor=author, attachments=attachments, work=work,
                         author_label=label)


def _author_label(author, label: str | None) -> str:
    """The label a system post is shown under; people write under their own name."""
    from crm.actors import is_system

    if label is None:
        return ""
    if not is_system(author):
        raise TicketError(_("Only the system writes under a label."), "author_label")
    label = " ".join(str(label).split())
    if not label or len(label) > 120:
        raise TicketError(_("Enter a label of 1 to 120 characters."), "author_label")
    return label


@retrying
def add_customer_message(ticket: Ticket, body: str, *, author, attachments=()) -> Post:
    """Add the customer's message (portal, email); commit; then fire events.

    :param author: the customer (:class:`~plugins.support.access.Customer` or
        their :class:`~crm.people.models.Contact`), who must see the ticket;
        chat tickets are answered in their channel. A ticket that was answered
        or closed goes back to the default open status; staff are notified per
        S-12 and S-14.
    """
    require_actor(author)
    author = access.as_actor(author)
    with unit_of_work() as work:
        ticket = locked(ticket, author) if access.audience(author) == access.CUSTOMER else None
        if ticket is None:
            raise TicketForbidden(_("You may not do this."))
        if ticket.channel == "chat":
            raise TicketForbidden(_("Continue this conversation in the chat it came from."))
        current = db.session.get(Status, ticket.status_id)
        reopen = None
        if current is not None and (current.is_closed or current.key == "answered"):
            reopen = statuses.default_status()
        return _add_post(ticket, "customer_message", body, actor=author, attachments=attachments, status=reopen,
                         work=work)


@retrying
def delete_post(post: Post, *, actor) -> None:
    """Delete a reply or note and its files (S-18); audited; commit."""
    from crm.storage import storage

    require_actor(actor)
    if not access.can_delete(actor):
        raise TicketForbidden(_("You may not delete tickets or replies."))
    post_id, ticket_id = post.id, post.ticket_id
    with unit_of_work() as work:
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketError(_("This ticket no longer exists."))
        ticket = locked(ticket, actor)
        post = db.session.scalar(select(Post).where(Post.id == post_id, Post.ticket_id == ticket.id))
        if post is None:
            raise TicketError(_("This message no longer exists."))
        keys = list(db.session.scalars(select(Attachment.storage_key).where(Attachment.post_id == post.id)))
        ticket.post_count = Ticket.post_count - 1
        history.record(ticket, {"post_deleted": (str(post.id), None)}, actor=actor)
        audit.record("ticket.post_deleted", "ticket", ticket.number,
                     {"post": (post.id, None), "kind": (post.kind, None)}, user=history.user_of(actor))
        db.session.delete(post)
        work.after_commit(lambda: [storage().delete(key) for key in keys])
