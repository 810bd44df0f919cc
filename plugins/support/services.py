"""The support plugin's public API: open, reply to, change, assign and delete tickets.

Every function here checks its input, changes the database, records history
and the audit log, queues notifications, commits, and then fires the
plugin's events (``support_ticket_created``, ``support_post_added``,
``support_ticket_updated``). Bad input raises :class:`TicketError` with a
translated message and changes nothing; an action the actor may not take
raises :class:`TicketForbidden`.
"""
from __future__ import annotations

import html as html_lib
import re
from typing import Any, Iterable

import nh3
from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from crm import audit, settings
from crm.extensions import db
from crm.people.models import CompanyManager, Contact, Department, DepartmentMember, User
from crm.timeutil import utcnow
from plugins.support import access, counts, notifications, statuses
from plugins.support import permissions as perms
from plugins.support.attachments import AttachmentRefused, CheckedUpload, StoredFile, check_uploads, discard, store
from plugins.support.models import (
    CHANNELS, POST_KINDS, Attachment, Brand, Post, Priority, Service, Status, Tag, Ticket, TicketHistory, Topic,
)
from plugins.support.numbers import next_number

SUBJECT_MAX = 250
BODY_MAX = 100_000
TAG_MAX = 60


class TicketError(ValueError):
    """Input a service refuses; ``str(err)`` is the translated reason, ``field`` the form field (if any)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class TicketForbidden(TicketError):
    """The actor may not do this to this ticket."""


# bodies ---------------------------------------------------------------------

_TAG = re.compile(r"<[a-zA-Z!/]")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/blockquote|/pre)\s*/?\s*>", re.IGNORECASE)


def clean_body(raw: str | None) -> tuple[str, str]:
    """Return ``(html, text)`` of a post body: HTML sanitized with nh3, and a plain-text twin.

    Plain text (nothing that looks like a tag) keeps its line breaks.
    """
    raw = (raw or "").strip()
    if not _TAG.search(raw):
        text = raw.replace("\r\n", "\n")
        return str(escape(text)).replace("\n", "<br>\n"), text
    cleaned = nh3.clean(raw, link_rel="noopener noreferrer nofollow")
    text = html_lib.unescape(nh3.clean(_BREAK.sub("\n", cleaned), tags=set())).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    return cleaned, text


# lookups --------------------------------------------------------------------

def _resolve(model, value, field: str, required: bool = False):
    """A row of ``model`` from an instance, an id or a numeric string; TicketError if it does not exist."""
    if value in (None, "", 0, "0"):
        if required:
            raise TicketError(_("This field is required."), field)
        return None
    if isinstance(value, model):
        return value
    try:
        row = db.session.get(model, int(value))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise TicketError(_("Choose one of the offered values."), field)
    return row


def _by_key_or_id(model, value, field: str, by_key):
    """A status or priority given as the row, its key or its id; a bad value is a :class:`TicketError`."""
    if isinstance(value, model):
        return value
    if isinstance(value, str) and not value.isdigit():
        found = by_key(value)
        if found is None:
            raise TicketError(_("Choose one of the offered values."), field)
        return found
    return _resolve(model, value, field, required=True)


def _status(value) -> Status:
    return _by_key_or_id(Status, value, "status", statuses.status_by_key)


def _priority(value) -> Priority:
    return _by_key_or_id(Priority, value, "priority", statuses.priority_by_key)


def tags_by_name(names: Iterable[str], create: bool = True) -> list[Tag]:
    """The tags with these names (case kept, duplicates dropped), creating missing ones."""
    wanted = []
    for name in names or ():
        name = " ".join(str(name).split())
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise TicketError(_("A tag has at most %(max)s characters.", max=TAG_MAX), "tags")
        if name.lower() not in {w.lower() for w in wanted}:
            wanted.append(name)
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in db.session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    out = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None and create:
            tag = Tag(name=name)
            db.session.add(tag)
        if tag is not None:
            out.append(tag)
    return out


def assignable_users(department_id: int | None = None, memberships: bool = True) -> list[User]:
    """Active staff who may be assigned tickets (of ``department_id`` when staff see only their departments).

    With ``memberships=False`` the users' department memberships are not
    loaded up front (pages that only show names save a query).
    """
    from sqlalchemy.orm import lazyload

    from crm.people.models import Role

    kinds = ["admin", "staff"] + (["member"] if settings.get("support.members_access") else [])
    stmt = select(User).join(Role).where(User.active.is_(True), Role.kind.in_(kinds)).order_by(User.name)
    if not memberships:
        stmt = stmt.options(lazyload(User.memberships))
    if department_id and settings.get("support.staff_department_only"):
        stmt = stmt.where((Role.kind == "admin") | User.id.in_(
            select(DepartmentMember.user_id).where(DepartmentMember.department_id == department_id)))
    return list(db.session.scalars(stmt))


def assignable_departments() -> list[Department]:
    """Every department (team) a ticket may be assigned to."""
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def ticket_by_number(number: str, user=None) -> Ticket | None:
    """The ticket with this number, or None; with ``user``, only if that user may see it."""
    stmt = select(Ticket).where(Ticket.number == str(number))
    if user is not None:
        stmt = stmt.where(access.visible_tickets(user))
    return db.session.scalar(stmt)


# checks the other features call ---------------------------------------------------

def can_open_for(user, contact: Contact) -> bool:
    """Whether ``user`` may open a ticket on behalf of ``contact`` (SPEC S-15).

    Needs the create permission. With ``support.staff_open_for_any_contact``
    off, non-admins may only open tickets for contacts of companies they
    manage, or contacts who already have tickets in their departments.
    """
    if contact is None or not access.can(user, perms.CREATE):
        return False
    if user.is_admin or settings.get("support.staff_open_for_any_contact"):
        return True
    if contact.company_id is not None and db.session.scalar(select(exists().where(
            CompanyManager.company_id == contact.company_id, CompanyManager.user_id == user.id))):
        return True
    departments = user.department_ids
    if not departments:
        return False
    return bool(db.session.scalar(select(exists().where(
        Ticket.contact_id == contact.id, Ticket.department_id.in_(sorted(departments))))))


def customer_can_set_status(contact: Contact, ticket: Ticket, status) -> bool:
    """Whether a customer may put their ticket into ``status`` from the portal (SPEC S-19, P-6).

    Only the ticket's own contact, never on chat tickets (view-only). Closing
    and reopening (to the default open status) are always allowed; any other
    status only while ``support.customer_may_change_status`` is on.
    """
    if contact is None or ticket is None or ticket.contact_id != getattr(contact, "id", None):
        return False
    if ticket.channel == "chat":
        return False
    try:
        target = _status(status)
    except TicketError:
        return False
    if target.id == ticket.status_id:
        return False
    if target.is_closed:
        return True
    current = db.session.get(Status, ticket.status_id)
    if current is not None and current.is_closed and target.id == statuses.default_status().id:
        return True
    return bool(settings.get("support.customer_may_change_status"))


def _require(actor, permission: str) -> None:
    if actor is not None and not access.can(actor, permission):
        raise TicketForbidden(_("You may not do this."))


# history ----------------------------------------------------------------------

def _label(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (Status, Priority)):
        return value.key
    if isinstance(value, (list, tuple)):
        return ", ".join(_label(v) or "" for v in value)
    return str(getattr(value, "name", value))[:400]


def _history(ticket: Ticket, changes: dict[str, tuple], actor=None, contact=None) -> None:
    for field, (old, new) in changes.items():
        db.session.add(TicketHistory(ticket_id=ticket.id, field=field, old=old, new=new,
                                     user_id=getattr(actor, "id", None) if actor is not None else None,
                                     contact_id=getattr(contact, "id", None) if contact is not None else None))


def _fire(name: str, **kwargs) -> None:
    getattr(current_app.extensions["crm"].hook, name)(**kwargs)


def _uploads(files) -> list[CheckedUpload]:
    items = list(files or ())
    if all(isinstance(f, (CheckedUpload, StoredFile)) for f in items):
        limit = settings.get("support.max_attachments")
        if len(items) > limit:
            raise TicketError(_("Attach at most %(max)s files.", max=limit), "attachments")
        return items
    try:
        return check_uploads(items)
    except AttachmentRefused as exc:
        raise TicketError(str(exc), "attachments") from None


def _commit(stored: list[Attachment]) -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(stored)
        raise


# opening -----------------------------------------------------------------------

def open_ticket(subject: str, *, contact: Contact | int | None = None, channel: str = "internal",
                body: str = "", body_kind: str | None = None, author: User | None = None,
                department=None, topic=None, brand=None, service=None, status=None, priority=None,
                assignee_user=None, assignee_department=None, tags: Iterable[str] = (),
                attachments=(), notify_customer: bool = False, email_subject: str | None = None) -> Ticket:
    """Open a ticket, with its first post, and commit; fires ``support_ticket_created``.

    :param subject: the ticket's subject (required, at most 250 characters).
    :param contact: the customer (a :class:`Contact` or id); the company follows the contact.
    :param channel: one of :data:`plugins.support.models.CHANNELS`.
    :param body: the first post's text or HTML (sanitized); empty for none.
    :param body_kind: the first post's kind; default ``internal_note`` when
        staff (``author``) open the ticket, else ``customer_message``.
    :param author: the staff user who opens it (None for customers, email, API);
        needs ``support.tickets.create`` and, for a contact, :func:`can_open_for`.
    :param department, topic, brand, service, assignee_user, assignee_department:
        rows or ids; the department defaults to the topic's.
    :param status, priority: rows, ids or keys; default ``open`` and ``medium``.
    :param tags: tag names (created when new).
    :param attachments: ``FileStorage`` objects (checked here), or
        :class:`~plugins.support.attachments.CheckedUpload` /
        :class:`~plugins.support.attachments.StoredFile` items checked before.
    :param notify_customer: email the customer that the ticket was opened (S-31).
    :param email_subject: that email's subject; default setting ``new_ticket_email_subject``,
        else "About your support request" in the customer's language.
    :raises TicketError: on bad input (nothing is stored).
    :raises TicketForbidden: when ``author`` may not open this ticket.
    """
    subject = " ".join((subject or "").split())
    if not subject:
        raise TicketError(_("Enter a subject."), "subject")
    if len(subject) > SUBJECT_MAX:
        raise TicketError(_("Enter at most %(max)s characters.", max=SUBJECT_MAX), "subject")
    if channel not in CHANNELS:
        raise TicketError(_("Choose one of the offered values."), "channel")
    if body_kind is None:
        body_kind = "internal_note" if author is not None else "customer_message"
    if body_kind not in POST_KINDS:
        raise TicketError(_("Choose one of the offered values."), "body_kind")
    if len(body or "") > BODY_MAX:
        raise TicketError(_("The message is too long."), "body")
    contact = _resolve(Contact, contact, "contact")
    if author is not None:
        _require(author, perms.CREATE)
        if contact is not None and not can_open_for(author, contact):
            raise TicketForbidden(_("You may not open tickets for this contact."), "contact")
    topic = _resolve(Topic, topic, "topic")
    department = _resolve(Department, department, "department") or (topic.department if topic else None)
    brand = _resolve(Brand, brand, "brand")
    service = _resolve(Service, service, "service") if settings.get("support.use_services") else None
    status_row = _status(status) if status not in (None, "") else statuses.default_status()
    priority_row = _priority(priority) if priority not in (None, "") else statuses.default_priority()
    assignee_user = _resolve(User, assignee_user, "assignee_user")
    assignee_department = _resolve(Department, assignee_department, "assignee_department")
    if assignee_user is not None and author is not None:
        _require(author, perms.ASSIGN)
    uploads = _uploads(attachments)
    html, text = clean_body(body)
    if uploads and not (html or text):
        raise TicketError(_("Write a message to attach files to."), "body")

    now = utcnow()
    ticket = Ticket(
        number=next_number(now.year), subject=subject, status_id=status_row.id, priority_id=priority_row.id,
        department_id=department.id if department else None, topic_id=topic.id if topic else None,
        brand_id=brand.id if brand else None, service_id=service.id if service else None, channel=channel,
        contact_id=contact.id if contact else None, company_id=contact.company_id if contact else None,
        created_by_id=author.id if author is not None else None,
        assignee_user_id=assignee_user.id if assignee_user else None,
        assignee_department_id=assignee_department.id if assignee_department else None,
        created_at=now, updated_at=now, closed_at=now if status_row.is_closed else None,
        waiting_since=None if body_kind == "public_reply" else now,
    )
    if assignee_user is not None and not access.can_see(assignee_user, ticket):
        raise TicketError(_("%(name)s cannot see tickets of this department.", name=assignee_user.name),
                          "assignee_user")
    ticket.tags = tags_by_name(tags)
    db.session.add(ticket)
    db.session.flush()
    counts.bump(ticket.status_id, ticket.department_id, 1)
    stored: list[Attachment] = []
    post = None
    try:
        if html or text:
            post = Post(ticket_id=ticket.id, kind=body_kind, body=html, body_text=text, created_at=now,
                        author_user_id=author.id if author is not None and body_kind != "customer_message" else None,
                        author_contact_id=contact.id if contact is not None and body_kind == "customer_message"
                        else None)
            db.session.add(post)
            db.session.flush()
            stored = store(post, uploads)
            ticket.post_count = 1
        _history(ticket, {"created": (None, ticket.number)}, actor=author,
                 contact=contact if author is None else None)
        audit.record("ticket.created", "ticket", ticket.number, {
            "subject": (None, subject), "status": (None, status_row.key), "channel": (None, channel),
            "department": (None, _label(department)),
        }, user=author)
        notifications.ticket_opened(ticket, actor=author)
        if assignee_user is not None and assignee_user is not author:
            notifications.ticket_assigned(ticket, assignee_user, actor=author)
        if notify_customer and contact is not None:
            notifications.email_ticket_opened(ticket, contact, email_subject)
        _commit(stored)
    except Exception:
        if db.session.is_active:
            db.session.rollback()
        discard(stored)
        raise
    _fire("support_ticket_created", ticket=ticket)
    return ticket


# posts ---------------------------------------------------------------------------

def _add_post(ticket: Ticket, kind: str, body: str, *, user: User | None = None, contact: Contact | None = None,
              attachments=(), status=None) -> Post:
    html, text = clean_body(body)
    if not text and not html:
        raise TicketError(_("Write a message."), "body")
    if len(body or "") > BODY_MAX:
        raise TicketError(_("The message is too long."), "body")
    uploads = _uploads(attachments)
    target_status = None
    if status not in (None, ""):
        target_status = _status(status)
    now = utcnow()
    post = Post(ticket_id=ticket.id, kind=kind, body=html, body_text=text, created_at=now,
                author_user_id=user.id if user is not None else None,
                author_contact_id=contact.id if contact is not None else None)
    db.session.add(post)
    db.session.flush()
    stored = []
    changes: dict[str, tuple] = {}
    try:
        stored = store(post, uploads)
        ticket.post_count = (ticket.post_count or 0) + 1
        ticket.updated_at = now
        if kind == "public_reply":
            ticket.waiting_since = None
            if (user is not None and ticket.assignee_user_id is None
                    and settings.get("support.auto_assign_first_responder")):
                changes.update(_apply(ticket, {"assignee_user": user}, actor=None))
        elif kind == "customer_message" and ticket.waiting_since is None:
            ticket.waiting_since = now
        if target_status is not None and target_status.id != ticket.status_id:
            changes.update(_apply(ticket, {"status": target_status}, actor=None))
        if changes:
            _history(ticket, changes, actor=user, contact=contact)
            audit.record("ticket.updated", "ticket", ticket.number, changes, user=user)
        audit.record(f"ticket.{kind}", "ticket", ticket.number, {"post": (None, post.id)}, user=user)
        notifications.post_added(ticket, post, actor=user)
        _commit(stored)
    except Exception:
        if db.session.is_active:
            db.session.rollback()
        discard(stored)
        raise
    _fire("support_post_added", ticket=ticket, post=post)
    if changes:
        _fire("support_ticket_updated", ticket=ticket, changes=changes)
    return post


def add_reply(ticket: Ticket, body: str, *, author: User, status=None, attachments=()) -> Post:
    """Add a staff reply the customer sees; commit; fire events.

    The ticket's status becomes ``status`` (a row, id or key) or, when None,
    the ``support.default_reply_status`` (S-21). With
    ``support.auto_assign_first_responder`` on, an unassigned ticket is
    assigned to ``author`` (S-16). The customer is emailed when
    ``support.notify_customer_on_staff_reply`` is on (S-14).
    """
    _require(author, perms.REPLY)
    if status in (None, ""):
        status = statuses.status_by_key(settings.get("support.default_reply_status"))
    return _add_post(ticket, "public_reply", body, user=author, attachments=attachments, status=status)


def add_note(ticket: Ticket, body: str, *, author: User, attachments=()) -> Post:
    """Add an internal note (staff only, never emailed to the customer); commit; fire events."""
    _require(author, perms.REPLY)
    return _add_post(ticket, "internal_note", body, user=author, attachments=attachments)


def add_customer_message(ticket: Ticket, body: str, *, contact: Contact, attachments=()) -> Post:
    """Add the customer's message (portal, email); commit; fire events.

    Only the ticket's own contact may write; chat tickets are answered in
    their channel. A ticket that was answered or closed goes back to the
    default open status; staff are notified per S-12 and S-14.
    """
    if contact is None or ticket.contact_id != contact.id:
        raise TicketForbidden(_("You may not do this."))
    if ticket.channel == "chat":
        raise TicketForbidden(_("Continue this conversation in the chat it came from."))
    current = db.session.get(Status, ticket.status_id)
    reopen = None
    if current is not None and (current.is_closed or current.key == "answered"):
        reopen = statuses.default_status()
    return _add_post(ticket, "customer_message", body, contact=contact, attachments=attachments, status=reopen)


# changes -----------------------------------------------------------------------------

EDITABLE = ("subject", "status", "priority", "department", "service", "topic", "brand", "tags",
            "assignee_user", "assignee_department")


def _apply(ticket: Ticket, values: dict[str, Any], actor) -> dict[str, tuple]:
    """Apply validated values to ``ticket``; return ``{field: (old label, new label)}``; no commit."""
    changes: dict[str, tuple] = {}
    old_status, old_department = ticket.status_id, ticket.department_id
    for field, value in values.items():
        if field not in EDITABLE:
            raise TicketError(_("This field cannot be changed."), field)
        if field in ("assignee_user", "assignee_department"):
            _require(actor, perms.ASSIGN)
        else:
            _require(actor, perms.EDIT)
        if field == "subject":
            new = " ".join((value or "").split())
            if not new:
                raise TicketError(_("Enter a subject."), "subject")
            if len(new) > SUBJECT_MAX:
                raise TicketError(_("Enter at most %(max)s characters.", max=SUBJECT_MAX), "subject")
            if new != ticket.subject:
                changes["subject"] = (ticket.subject, new)
                ticket.subject = new
        elif field == "status":
            row = _status(value)
            if row.id != ticket.status_id:
                old = db.session.get(Status, ticket.status_id)
                changes["status"] = (_label(old), row.key)
                ticket.status_id = row.id
                ticket.closed_at = utcnow() if row.is_closed else None
        elif field == "priority":
            row = _priority(value)
            if row.id != ticket.priority_id:
                changes["priority"] = (_label(db.session.get(Priority, ticket.priority_id)), row.key)
                ticket.priority_id = row.id
        elif field == "tags":
            rows = tags_by_name(value if isinstance(value, (list, tuple, set)) else
                                re.split(r"[,\n]", value or ""))
            old_names = sorted(t.name for t in _tags_of(ticket))
            new_names = sorted(t.name for t in rows)
            if old_names != new_names:
                changes["tags"] = (", ".join(old_names), ", ".join(new_names))
                ticket.tags = rows
        else:
            model = {"department": Department, "service": Service, "topic": Topic, "brand": Brand,
                     "assignee_user": User, "assignee_department": Department}[field]
            if field == "service" and not settings.get("support.use_services"):
                continue
            row = _resolve(model, value, field)
            attr = f"{field}_id"
            new_id = row.id if row is not None else None
            if new_id != getattr(ticket, attr):
                old_id = getattr(ticket, attr)
                old_row = db.session.get(model, old_id) if old_id is not None else None
                changes[field] = (_label(old_row), _label(row))
                setattr(ticket, attr, new_id)
    if "assignee_user" in values and ticket.assignee_user_id is not None:
        assignee = db.session.get(User, ticket.assignee_user_id)
        if not assignee.active or not access.can_see(assignee, ticket):
            raise TicketError(_("%(name)s cannot see tickets of this department.", name=assignee.name),
                              "assignee_user")
    elif "department" in changes and ticket.assignee_user_id is not None:
        assignee = db.session.get(User, ticket.assignee_user_id)
        if assignee is not None and not access.can_see(assignee, ticket):
            raise TicketError(_("%(name)s cannot see tickets of this department.", name=assignee.name),
                              "department")
    if ticket.id is not None:
        counts.moved(old_status, old_department, ticket.status_id, ticket.department_id)
    if changes:
        ticket.updated_at = utcnow()
    return changes


def _tags_of(ticket: Ticket) -> list[Tag]:
    if "tags" in ticket.__dict__:
        return list(ticket.tags)
    from plugins.support.models import ticket_tags

    return list(db.session.scalars(select(Tag).join(ticket_tags).where(ticket_tags.c.ticket_id == ticket.id)))


def update_ticket(ticket: Ticket, values: dict[str, Any], *, actor: User | None) -> dict[str, tuple]:
    """Change fields of a ticket, record history and audit, notify, commit, fire ``support_ticket_updated``.

    :param values: any of :data:`EDITABLE`: ``status``/``priority`` as rows, ids
        or keys; ``department``, ``service``, ``topic``, ``brand``,
        ``assignee_user``, ``assignee_department`` as rows or ids (None clears);
        ``tags`` as names; ``subject`` as text.
    :param actor: who changes it; needs ``support.tickets.edit`` (and
        ``.assign`` for assignees). None for the system.
    :return: ``{field: (old, new)}`` of what changed (empty: nothing changed).
    :raises TicketError: on bad input; nothing is changed.
    """
    try:
        changes = _apply(ticket, values, actor)
        if changes:
            _history(ticket, changes, actor=actor)
            audit.record("ticket.updated", "ticket", ticket.number, changes, user=actor)
            notifications.ticket_changed(ticket, changes, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if changes:
        _fire("support_ticket_updated", ticket=ticket, changes=changes)
    return changes


def bulk_update(user: User, ticket_ids: Iterable, values: dict[str, Any]) -> int:
    """Apply the same change to every ticket of ``ticket_ids`` that ``user`` may see; one commit.

    :return: how many tickets changed.
    :raises TicketError: on bad input or a refused change; nothing is changed.
    """
    ids = access.visible_ids(user, ticket_ids)
    if not ids:
        return 0
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))
                                      .options(selectinload(Ticket.tags)).order_by(Ticket.id)))
    changed = []
    try:
        for ticket in tickets:
            changes = _apply(ticket, values, user)
            if changes:
                _history(ticket, changes, actor=user)
                audit.record("ticket.updated", "ticket", ticket.number, changes, user=user)
                notifications.ticket_changed(ticket, changes, actor=user)
                changed.append((ticket, changes))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for ticket, changes in changed:
        _fire("support_ticket_updated", ticket=ticket, changes=changes)
    return len(changed)


def assign(ticket: Ticket, *, actor: User | None, user=None, department=None) -> dict[str, tuple]:
    """Assign a ticket to a user and/or a team (None clears); see :func:`update_ticket`."""
    return update_ticket(ticket, {"assignee_user": user, "assignee_department": department}, actor=actor)


# deleting --------------------------------------------------------------------------

def _require_delete(actor) -> None:
    if actor is not None and not access.can_delete(actor):
        raise TicketForbidden(_("You may not delete tickets or replies."))


def delete_tickets(user: User | None, tickets: Iterable[Ticket]) -> int:
    """Delete tickets with their posts and files (S-18); audited; one commit. Returns how many."""
    _require_delete(user)
    tickets = list(tickets)
    if not tickets:
        return 0
    ids = [t.id for t in tickets]
    keys = list(db.session.scalars(select(Attachment.storage_key).where(Attachment.ticket_id.in_(ids))))
    try:
        for ticket in tickets:
            counts.bump(ticket.status_id, ticket.department_id, -1)
            audit.record("ticket.deleted", "ticket", ticket.number, {"subject": (ticket.subject, None)}, user=user)
            db.session.delete(ticket)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    from crm.storage import storage

    for key in keys:
        storage().delete(key)
    return len(tickets)


def delete_ticket(ticket: Ticket, *, actor: User | None) -> None:
    """Delete one ticket; see :func:`delete_tickets`."""
    delete_tickets(actor, [ticket])


def delete_post(post: Post, *, actor: User | None) -> None:
    """Delete a reply or note and its files (S-18); audited; commit."""
    _require_delete(actor)
    ticket = db.session.get(Ticket, post.ticket_id)
    keys = list(db.session.scalars(select(Attachment.storage_key).where(Attachment.post_id == post.id)))
    try:
        ticket.post_count = max((ticket.post_count or 1) - 1, 0)
        _history(ticket, {"post_deleted": (str(post.id), None)}, actor=actor)
        audit.record("ticket.post_deleted", "ticket", ticket.number,
                     {"post": (post.id, None), "kind": (post.kind, None)}, user=actor)
        db.session.delete(post)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    from crm.storage import storage

    for key in keys:
        storage().delete(key)
