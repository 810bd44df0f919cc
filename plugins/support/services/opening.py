"""Opening tickets: by staff on a customer's behalf, by customers, or by the system (email, API)."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _

from crm import audit, settings
from crm.actors import is_system
from crm.database import retrying, unit_of_work
from crm.extensions import db
from crm.people.models import Contact, Department, User
from crm.timeutil import utcnow
from plugins.support import access, counts, folding, notifications, statuses, topics
from plugins.support import permissions as perms
from plugins.support.attachments import discard, store
from plugins.support.models import CHANNELS, POST_KINDS, Brand, Post, Service, Ticket, Topic
from plugins.support.numbers import next_number
from plugins.support.services import field_values, history, values
from plugins.support.services.common import require, require_actor, uploads
from plugins.support.services.errors import TicketError, TicketForbidden
from plugins.support.services.events import fire_after_commit
from plugins.support.text import clean_body

STAFF_ONLY = ("status", "priority", "assignee_user", "assignee_department", "tags", "department")


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
    contact = values.resolve(Contact, contact, "contact")
    if kind == access.CUSTOMER:
        contact = contact or db.session.get(Contact, author.contact_id)
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
    department = values.resolve(Department, department, "department") or (topic.department if topic else None)
    brand = values.resolve(Brand, brand, "brand")
    service = values.resolve(Service, service, "service") if settings.get("support.use_services") else None
    status_row = values.status(status) if status not in (None, "") else statuses.default_status()
    priority_row = values.priority(priority) if priority not in (None, "") else statuses.default_priority()
    assignee_user = values.resolve(User, assignee_user, "assignee_user")
    assignee_department = values.resolve(Department, assignee_department, "assignee_department")
    if assignee_user is not None and staff:
        require(author, perms.ASSIGN)
    if assignee_user is not None and not access.may_be_assigned(assignee_user, department.id if department else None):
        raise TicketError(_("%(name)s cannot see tickets of this department.", name=assignee_user.name),
                          "assignee_user")
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
    )
    ticket.tags = values.tags_by_name(tags)
    db.session.add(ticket)
    db.session.flush()
    counts.bump(ticket.status_id, ticket.department_id, 1)
    post = None
    if text:
        post = Post(ticket_id=ticket.id, kind=body_kind, body=html, body_text=text, created_at=now,
                    author_user_id=user.id if user is not None and body_kind != "customer_message" else None,
                    author_contact_id=contact.id if contact is not None and body_kind == "customer_message"
                    else None)
        db.session.add(post)
        db.session.flush()
        written = store(post, checked)
        work.on_rollback(lambda: discard(written))
    history.record(ticket, {"created": (None, ticket.number)}, actor=author,
                   contact_id=contact.id if contact is not None and user is None else None)
    audit.record("ticket.created", "ticket", ticket.number, {
        "subject": (None, subject), "status": (None, status_row.key), "channel": (None, channel),
        "department": (None, history.label(department)),
    }, user=user)
    notifications.ticket_opened(ticket, actor=user)
    if assignee_user is not None and assignee_user is not user:
        notifications.ticket_assigned(ticket, assignee_user, actor=user)
    if routing is not None and routing.notify:  # several assignees: the team is assigned, each of them told
        notifications.ticket_routed(ticket, routing.notify, actor=user)
    if notify_customer and contact is not None:
        notifications.email_ticket_opened(ticket, contact, email_subject)
    return ticket, post

