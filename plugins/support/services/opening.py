"""Opening tickets: by staff on a customer's behalf, by customers, or by the system (email, API)."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import insert, inspect
from sqlalchemy.orm import joinedload

from crm import audit, settings
from crm.actors import is_system
from crm.database import retrying, unit_of_work
from crm.extensions import db
from crm.parsing import parse_id
from crm.people.models import Company, Contact, Department, User
from crm.timeutil import utcnow
from plugins.support import access, counts, folding, lookups, notifications, statuses, topics
from plugins.support import permissions as perms
from plugins.support.attachments import discard, store
from plugins.support.models import (CHANNELS, POST_KINDS, Brand, Post, Priority, Service, Status, Ticket, TicketHistory,
                                    Topic, ticket_tags)
from plugins.support.numbers import next_number
from plugins.support.services import field_values, history, values
from plugins.support.services.common import require, require_actor, uploads
from plugins.support.services.errors import TicketError, TicketForbidden
from plugins.support.services.events import fire_after_commit
from plugins.support.text import clean_body

STAFF_ONLY = ("status", "priority", "assignee_user", "assignee_department", "tags", "department")
_INSERT_POST = insert(Post.__table__)  # plain rows of a new ticket, built once
_INSERT_HISTORY = insert(TicketHistory.__table__)
_INSERT_TAGS = insert(ticket_tags)


@retrying
def open_ticket(subject: str, *, author, contact: Contact | int | None = None, channel: str = "internal",
                body: str = "", body_kind: str | None = None, department=None, topic=None, brand=None,
                service=None, status=None, priority=None, assignee_user=None, assignee_department=None,
                tags: Iterable[str] = (), attachments=(), notify_customer: bool = False,
                email_subject: str | None = None, fields: Iterable[tuple] = ()) -> Ticket:
    """Open a ticket with its first post, commit, then fire ``support_ticket_created``.

    :param subject: the ticket's subject (required, at most 250 characters).
    :param author: who opens it: a staff user (needs ``support.tickets.create``
        and, for a contact, :func:`~plugins.support.access.can_open_for`), a
        customer (:class:`~plugins.support.access.Customer` or their
        :class:`~crm.people.models.Contact`: only for themselves, without
        staff-only fields), or :data:`crm.actors.SYSTEM` (email import, API).
    :param contact: the customer (a :class:`Contact` or id); the company follows the contact.
    :param channel: one of :data:`plugins.support.models.CHANNELS`.
    :param body: the first post's text, kept exactly as typed (see :mod:`plugins.support.text`).
    :param body_kind: the first post's kind; default ``internal_note`` when
        staff open the ticket, else ``customer_message``.
    :param department, topic, brand, service, assignee_user, assignee_department:
        rows or ids; the department defaults to the topic's.
    :param status, priority: rows, ids or keys; default ``open`` and ``medium``.
    :param tags: tag names (created when new).
    :param attachments: ``FileStorage`` objects (checked here) or
        :class:`~plugins.support.attachments.CheckedUpload` items checked before.
    :param notify_customer: email the customer that the ticket was opened (S-31).
    :param email_subject: that email's subject; default setting ``new_ticket_email_subject``.
    :param fields: ``(DataField, value)`` pairs of the data fields the opening
        form offered (:mod:`crm.fields`, already validated by that form),
        saved through their stores in this unit of work: they commit with the
        ticket or not at all. Read-only fields are ignored.
    :raises TicketError: on bad input (nothing is stored).
    :raises TicketForbidden: when ``author`` may not open this ticket.
    """
    require_actor(author)
    with unit_of_work() as work:
        if isinstance(author, Contact):  # the customer's contact, re-read once in this transaction
            _contact(author)
        ticket, post = _open(subject, author=access.as_actor(author), contact=contact, channel=channel, body=body,
                             body_kind=body_kind, department=department, topic=topic, brand=brand,
                             service=service, status=status, priority=priority, assignee_user=assignee_user,
                             assignee_department=assignee_department, tags=tags, attachments=attachments,
                             notify_customer=notify_customer, email_subject=email_subject, work=work)
        field_values.save_with_ticket(ticket, fields, access.as_actor(author))
        fire_after_commit(work, "support_ticket_created", ticket=ticket)
    return ticket


def _open(subject, *, author, contact, channel, body, body_kind, department, topic, brand, service, status,
          priority, assignee_user, assignee_department, tags, attachments, notify_customer, email_subject, work):
    kind = access.audience(author)
    staff = kind in (access.STAFF, access.MEMBER)
    subject = values.clean_subject(subject)
    if channel not in CHANNELS:
        raise TicketError(_("Choose one of the offered values."), "channel")
    if body_kind is None:
        body_kind = "internal_note" if staff else "customer_message"
    if body_kind not in POST_KINDS:
        raise TicketError(_("Choose one of the offered values."), "body_kind")
    values.check_body(body)
    contact = _contact(contact)
    if kind == access.CUSTOMER:
        contact = contact or _contact(author.contact_id)
        given = dict(status=status, priority=priority, assignee_user=assignee_user,
                     assignee_department=assignee_department, tags=list(tags or ()), department=department)
        if contact is None or contact.id != author.contact_id or body_kind != "customer_message" \
                or any(given[name] for name in STAFF_ONLY):
            raise TicketForbidden(_("You may not do this."))
    elif staff:
        require(author, perms.CREATE)
        if contact is not None and not access.can_open_for(author, contact):
            raise TicketForbidden(_("You may not open tickets for this contact."), "contact")
    elif not is_system(author):
        raise TicketForbidden(_("You may not do this."))
    topic = values.resolve(Topic, topic, "topic")
    rows = lookups.current()  # statuses, priorities and departments from the process's cache: no query
    department = _department(rows, department, "department") or (topic.department if topic else None)
    brand = values.resolve(Brand, brand, "brand")
    service = values.resolve(Service, service, "service") if settings.get("support.use_services") else None
    status_row = _status(rows, status)
    priority_row = _priority(rows, priority)
    assignee_department = _department(rows, assignee_department, "assignee_department")
    if assignee_user not in (None, "", 0, "0") and staff:
        require(author, perms.ASSIGN)
    assignee_user = _assignee(assignee_user, department.id if department else None)
    routing = None
    if topic is not None:
        if kind == access.CUSTOMER and not topics.is_offered(topic, contact):
            raise TicketError(_("Choose one of the offered values."), "topic")
        if assignee_user is None and assignee_department is None:  # the caller chose nobody: the topic routes
            routing = topics.route(topic, contact)
            assignee_user = routing.assignee_user
            assignee_department = department  # the team is the ticket's department
    checked = uploads(attachments)
    html, text = clean_body(body)
    if checked and not text:
        raise TicketError(_("Write a message to attach files to."), "body")

    now = utcnow()
    user = history.user_of(author)
    number = next_number(now.year)
    # the folded search text from the contact at hand (its company is loaded with it), so the column
    # default need not read the names again
    people = (contact.name, contact.email, contact.company.name if contact.company else None) if contact else ()
    emailed = contact if notify_customer and contact is not None and contact.email else None
    ticket = Ticket(
        number=number, subject=subject, search_text=folding.ticket_text(number, subject, *people), status_id=status_row.id, priority_id=priority_row.id,
        department_id=department.id if department else None, topic_id=topic.id if topic else None,
        brand_id=brand.id if brand else None, service_id=service.id if service else None, channel=channel,
        contact_id=contact.id if contact else None, company_id=contact.company_id if contact else None,
        created_by_id=user.id if user is not None else None,
        assignee_user_id=assignee_user.id if assignee_user else None,
        assignee_department_id=assignee_department.id if assignee_department else None,
        created_at=now, updated_at=now, closed_at=now if status_row.is_closed else None,
        waiting_since=None if body_kind == "public_reply" else now, post_count=1 if text else 0,
        # the customer's email founds the thread: its Message-ID goes in with the ticket, not in an UPDATE after
        email_message_id=notifications.thread_id(number) if emailed is not None else None,
    )
    tag_rows = values.tags_by_name(tags)
    db.session.add(ticket)
    audit.record("ticket.created", "ticket", ticket.number, {  # written in the ticket's flush
        "subject": (None, subject), "status": (None, status_row.key), "channel": (None, channel),
        "department": (None, history.label(department)),
    }, user=user)
    db.session.flush()
    if tag_rows:  # plain rows (``ticket.tags`` loads them when read)
        db.session.execute(_INSERT_TAGS, [{"ticket_id": ticket.id, "tag_id": tag.id} for tag in tag_rows])
    counts.bump(ticket.status_id, ticket.department_id, 1)
    # who hears of it: one INSERT for every staff notification, and the customer's email (its outbox row)
    assigned = assignee_user if assignee_user is not None and assignee_user.id != getattr(user, "id", None) else None
    notifications.new_ticket(ticket, actor=user, assignee=assigned, routed=routing.notify if routing else ())
    if emailed is not None:
        notifications.email_ticket_opened(ticket, emailed, email_subject, founds_thread=True)
    post = None
    post_row = dict(ticket_id=ticket.id, kind=body_kind, body=html, body_text=text, created_at=now,
                    author_user_id=user.id if user is not None and body_kind != "customer_message" else None,
                    author_contact_id=contact.id if contact is not None and body_kind == "customer_message"
                    else None)
    if checked:  # the files are stored under the post's id
        post = Post(**post_row)
        db.session.add(post)
        db.session.flush()
        written = store(post, checked)
        work.on_rollback(lambda: discard(written))
    elif text:  # a plain row: nothing reads the post back in this unit of work
        db.session.execute(_INSERT_POST, post_row)
    db.session.execute(_INSERT_HISTORY, dict(
        ticket_id=ticket.id, field="created", old=None, new=ticket.number,
        user_id=user.id if user is not None else None,
        contact_id=contact.id if contact is not None and user is None else None))
    return ticket, post


_CONTACT = (joinedload(Contact.company).lazyload(Company.managers),)  # the company's name, not its managers


def _contact(value):
    """The contact given as a row or an id, read (or re-read, after the unit of work began) with its company
    but without the company's managers, which opening does not need; TicketError if it does not exist."""
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, Contact):
        state = inspect(value)
        if state.identity is None or not state.unloaded & {"name", "email", "company_id"}:
            return value  # not stored yet, or already read in this transaction
        value = state.identity[0]
    ident = parse_id(value)
    row = db.session.get(Contact, ident, options=_CONTACT, populate_existing=True) if ident is not None else None
    if row is None:
        raise TicketError(_("Choose one of the offered values."), "contact")
    return row


def _department(rows: lookups.Lookups, value, field: str):
    """A department given as a row or an id: the row at hand, else the cached one; TicketError if unknown."""
    if value in (None, "", 0, "0") or isinstance(value, Department):
        return value or None
    ident = parse_id(value)
    found = next((d for d in rows.departments if d.id == ident), None) if ident is not None else None
    if found is None:
        raise TicketError(_("Choose one of the offered values."), field)
    return found


def _status(rows: lookups.Lookups, value):
    """The status given as a row, key or id (default: ``open``, else the first open one), from the cache."""
    if value in (None, ""):
        return statuses.pick_default_status(rows.statuses)
    return _row(value, Status, rows.status_by_key, rows.status, "status")


def _priority(rows: lookups.Lookups, value):
    """The priority given as a row, key or id (default: ``medium``, else the first), from the cache."""
    if value in (None, ""):
        return statuses.pick_default_priority(rows.priorities)
    return _row(value, Priority, rows.priority_by_key, rows.priority, "priority")


def _row(value, model, by_key, by_id, field: str):
    if isinstance(value, model):
        return value
    ident = parse_id(value)
    if ident is None and isinstance(value, str):
        found = by_key(value) if len(value) <= 40 else None
    else:
        found = by_id(ident) if ident is not None else None
    if found is None:
        raise TicketError(_("Choose one of the offered values."), field)
    return found


def _assignee(value, department_id: int | None):
    """The assignee given as a user or an id, who must be assignable in the ticket's department.

    Assignable staff come from the process's roster (:func:`access.assignable_users`), so an id needs no
    query; only a refusal reads the user, to name them.
    """
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, User):
        user = value
        if not access.may_be_assigned(user, department_id):
            raise TicketError(_("%(name)s cannot see tickets of this department.", name=user.name), "assignee_user")
        return user
    ident = parse_id(value)
    found = next((row for row in access.assignable_users(department_id) if row.id == ident), None) \
        if ident is not None else None
    if found is not None:
        return found
    user = values.resolve(User, value, "assignee_user")
    raise TicketError(_("%(name)s cannot see tickets of this department.", name=user.name), "assignee_user")
