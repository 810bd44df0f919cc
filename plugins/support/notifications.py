"""Who hears about ticket events: in-app notifications for staff and emails for customers.

Every function runs inside the service's transaction (the outbox and the
notification rows commit with the change). Staff notifications follow
S-12, S-13 and S-14; customer emails are localized in the customer's
language, threaded per ticket, and never carry internal notes.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _

from crm import generation, settings
from crm.extensions import db
from crm.notify import inapp, outbox
from crm.people.models import Contact
from plugins.support import access, roster

KINDS = ("ticket_opened", "ticket_replied", "customer_replied", "note_added", "ticket_assigned", "ticket_updated")


def kinds() -> dict:
    """The in-app notification kinds (``support.<kind>``) with their renderers, worded at display time."""
    return {
        "support.ticket_opened": lambda p: _("New ticket %(number)s: %(subject)s", **p),
        "support.ticket_replied": lambda p: _("%(author)s replied to %(number)s: %(subject)s", **p),
        "support.customer_replied": lambda p: _("The customer replied to %(number)s: %(subject)s", **p),
        "support.note_added": lambda p: _("%(author)s added a note to %(number)s: %(subject)s", **p),
        "support.ticket_assigned": lambda p: _("Ticket %(number)s was assigned to you: %(subject)s", **p),
        "support.ticket_updated": lambda p: _("Ticket %(number)s was changed: %(subject)s", **p),
    }


def deliver(user_ids: set[int], kind: str, ticket, **params) -> None:
    """Add an in-app notification of ``kind`` about ``ticket`` for each user (one INSERT for all of them)."""
    inapp.insert_notifications(_rows(user_ids, kind, ticket, **params))


def _rows(user_ids, kind: str, ticket, **params) -> list[dict]:
    if not user_ids:
        return []
    return inapp.notification_rows(sorted(user_ids), f"support.{kind}",
                                   {"number": ticket.number, "subject": ticket.subject, **params},
                                   url=ticket_path(ticket))


def ticket_path(ticket) -> str:
    """The staff ticket page's path (works outside requests too)."""
    return current_app.url_map.bind("localhost").build("support.ticket", {"number": ticket.number})


# staff --------------------------------------------------------------------------------

def _members(department_id: int | None) -> set[int]:
    """The active staff of a department, from the process's roster (no query)."""
    if not department_id:
        return set()
    return set(_staff().members.get(department_id, ()))


def _who_may_see(ticket, user_ids: set[int], actor=None) -> set[int]:
    """The users among ``user_ids`` (minus the actor) who are active and may see the ticket.

    Decided on the process's roster of active staff (:mod:`plugins.support.roster`) through the same
    policy as for a loaded user (:func:`plugins.support.access.can_see`): no query, however many recipients.
    """
    user_ids = set(user_ids) - {getattr(actor, "id", None)}
    if not user_ids:
        return set()
    people = _staff().people
    return {uid for uid in user_ids if uid in people and access.can_see(people[uid], ticket)}


@dataclass(frozen=True, slots=True)
class _Recipient:
    """A roster row as the access policy reads a signed-in user (role kind, grants, departments)."""

    id: int
    role_id: int
    is_admin: bool
    is_member: bool
    department_ids: frozenset[int]
    is_authenticated = True
    is_staff_user = True


@dataclass(frozen=True)
class _Roster:
    people: dict[int, _Recipient]  # active staff by id
    members: dict[int, frozenset[int]]  # department id -> its active staff


@generation.cached(roster.KEY, generation.KEY)
def _staff() -> _Roster:
    """The roster indexed by user and by department; rebuilt when the roster is."""
    rows = roster.staff()
    people = {r.id: _Recipient(r.id, r.role_id, r.kind == "admin", r.kind == "member", r.department_ids)
              for r in rows}
    members: dict[int, set[int]] = {}
    for r in rows:
        for department_id in r.department_ids:
            members.setdefault(department_id, set()).add(r.id)
    return _Roster(people, {d: frozenset(ids) for d, ids in members.items()})


def update_recipients(ticket) -> set[int]:
    """Staff who receive updates about ``ticket`` (S-12).

    With ``support.updates_only_assigned`` on: the assignee (or the assigned
    team's members when no one person is assigned). Otherwise also the
    members of the assigned team and of the ticket's department.
    """
    if settings.get("support.updates_only_assigned"):
        if ticket.assignee_user_id:
            return {ticket.assignee_user_id}
        return _members(ticket.assignee_department_id)
    ids = _members(ticket.assignee_department_id) | _members(ticket.department_id)
    if ticket.assignee_user_id:
        ids.add(ticket.assignee_user_id)
    return ids


def new_ticket_recipients(ticket) -> set[int]:
    """Staff told about a new ticket (S-13): the assignee and the department's (or assigned team's) members."""
    if not settings.get("support.notify_staff_new_ticket"):
        return set()
    ids = _members(ticket.department_id) | _members(ticket.assignee_department_id)
    if ticket.assignee_user_id:
        ids.add(ticket.assignee_user_id)
    return ids


def new_ticket(ticket, actor=None, assignee=None, routed=()) -> None:
    """The staff notifications of a new ticket, in one INSERT whoever and however many they are.

    "Opened" for the staff of :func:`new_ticket_recipients` when ``support.notify_staff_new_ticket`` is on,
    "assigned" for ``assignee`` (a user or roster row, when given) and for the staff a topic routed the ticket
    to (``routed``; when it names several, the team is assigned); never the actor, only staff who may see it.
    """
    rows = _rows(_who_may_see(ticket, new_ticket_recipients(ticket), actor), "ticket_opened", ticket)
    if assignee is not None:
        rows += _rows(_who_may_see(ticket, {assignee.id}, actor), "ticket_assigned", ticket)
    if routed:
        rows += _rows(_who_may_see(ticket, {u.id for u in routed}, actor), "ticket_assigned", ticket)
    inapp.insert_notifications(rows)


def ticket_changed(ticket, changes: dict, actor=None) -> None:
    """Notify about changed fields: the new assignee, the new team, and the update recipients."""
    told: set[int] = set()
    if "assignee_user" in changes and ticket.assignee_user_id:
        told = _who_may_see(ticket, {ticket.assignee_user_id}, actor)
        deliver(told, "ticket_assigned", ticket)
    if "assignee_department" in changes and ticket.assignee_department_id:
        team = _who_may_see(ticket, _members(ticket.assignee_department_id), actor) - told
        deliver(team, "ticket_assigned", ticket)
        told |= team
    rest = set(changes) - {"assignee_user", "assignee_department"}
    if rest:
        deliver(_who_may_see(ticket, update_recipients(ticket), actor) - told, "ticket_updated", ticket)


def post_added(ticket, post, actor=None) -> None:
    """Notify staff and email the customer about a new post, each per its setting."""
    author = actor.name if actor is not None else ""
    if post.kind == "customer_message":
        if settings.get("support.notify_staff_on_customer_reply"):
            deliver(_who_may_see(ticket, _customer_reply_recipients(ticket)), "customer_replied", ticket)
        return
    deliver(_who_may_see(ticket, update_recipients(ticket), actor),
            "ticket_replied" if post.kind == "public_reply" else "note_added", ticket, author=author)
    if post.kind == "public_reply" and settings.get("support.notify_customer_on_staff_reply"):
        email_reply(ticket, post)


def _customer_reply_recipients(ticket) -> set[int]:
    """The assignee, else the assigned team, else the department (S-14), narrowed by S-12."""
    if ticket.assignee_user_id:
        return {ticket.assignee_user_id}
    if ticket.assignee_department_id:
        return _members(ticket.assignee_department_id)
    if settings.get("support.updates_only_assigned"):
        return set()
    return _members(ticket.department_id)


# customers -------------------------------------------------------------------------------

def customer_url(ticket) -> str | None:
    """The customer's link to the ticket from ``support_customer_ticket_url`` (the portal), or None."""
    return current_app.extensions["crm"].hook.support_customer_ticket_url(ticket=ticket)


def _locale(contact: Contact) -> str:
    offered = current_app.config["LANGUAGES"]
    if contact.locale in offered:
        return contact.locale
    default = settings.get("crm.default_locale")
    return default if default in offered else current_app.config["BABEL_DEFAULT_LOCALE"]


def thread_id(number: str) -> str:
    """A new Message-ID for the first email about ticket ``number``, which later emails refer to.

    Unique without the ticket's id, so a new ticket gets it in its own INSERT (:func:`email_ticket_opened`).
    """
    domain = settings.get("crm.from_address").rpartition("@")[2] or "localhost"
    return f"<ticket-{number}.{secrets.token_hex(6)}@{domain}>"


def _thread_headers(ticket) -> tuple[str | None, dict]:
    """(Message-ID for this email, extra headers): the first email founds the thread, later ones refer to it."""
    if ticket.email_message_id:
        return None, {"In-Reply-To": ticket.email_message_id, "References": ticket.email_message_id}
    ticket.email_message_id = thread_id(ticket.number)
    return ticket.email_message_id, {}


def _send(ticket, contact: Contact, subject: str, template: str, founds_thread: bool = False, **context) -> None:
    with force_locale(_locale(contact)):
        context.update(ticket=ticket, contact=contact, url=customer_url(ticket), site_name=settings.get("crm.site_name"))
        subject = subject or _("About your support request")
        full_subject = _("[%(number)s] %(subject)s", number=ticket.number, subject=subject)
        text = render_template(f"support/email/{template}.txt", **context)
        html = render_template(f"support/email/{template}.html", **context)
    message_id, headers = (ticket.email_message_id, {}) if founds_thread else _thread_headers(ticket)
    outbox.add_email(contact.email, full_subject, text, html, headers=headers, message_id=message_id)


def email_reply(ticket, post) -> None:
    """Email a staff reply (text and HTML) to the ticket's customer; internal notes never come here."""
    if post.kind != "public_reply" or not ticket.contact_id:
        return
    contact = db.session.get(Contact, ticket.contact_id)
    if contact is None or not contact.email:
        return
    _send(ticket, contact, ticket.subject, "reply", post=post)


def email_ticket_opened(ticket, contact: Contact, subject: str | None = None, *, founds_thread: bool = False) -> None:
    """Email the customer that staff opened a ticket for them (S-31); the subject defaults per setting.

    ``founds_thread``: the ticket was stored with this email's Message-ID (:func:`thread_id`) already,
    which saves writing it to the ticket afterwards.
    """
    if contact is None or not contact.email:
        return
    subject = (subject or "").strip() or settings.get("support.new_ticket_email_subject")
    _send(ticket, contact, subject, "opened", founds_thread=founds_thread and bool(ticket.email_message_id))
