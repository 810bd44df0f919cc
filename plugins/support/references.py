"""What of the desk uses a department, company, contact or staff user (asked by the host before a delete).

Implements ``crm_person_references`` and ``crm_person_reassign``:

- a department is used by tickets (routed or assigned to it as a team) and by
  topics that route new tickets to it; both can be moved to another department;
- a company by its tickets, a contact by their tickets and messages: kept,
  so that the customer's history stays whole;
- a staff user by tickets assigned to or opened by them, the replies and
  notes they wrote and the changes they made: never deleted, deactivated
  instead (their name stays on their work).
"""
from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import func, select

from crm.extensions import db
from crm.hooks.records import PersonReference
from plugins.support.models import Post, Ticket, TicketHistory, Topic


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def department_references(department) -> list[PersonReference]:
    """Tickets and topics that use ``department``; both movable."""
    tickets = _count(Ticket, (Ticket.department_id == department.id)
                     | (Ticket.assignee_department_id == department.id))
    topics = _count(Topic, Topic.department_id == department.id)
    return [
        PersonReference(tickets, ngettext("%(num)d ticket uses this department.",
                                          "%(num)d tickets use this department.", tickets), movable=True),
        PersonReference(topics, ngettext("%(num)d topic sends new tickets to this department.",
                                         "%(num)d topics send new tickets to this department.", topics), movable=True),
    ]


def company_references(company) -> list[PersonReference]:
    """The tickets of ``company``."""
    tickets = _count(Ticket, Ticket.company_id == company.id)
    return [PersonReference(tickets, ngettext("%(num)d ticket belongs to this company.",
                                              "%(num)d tickets belong to this company.", tickets))]


def contact_references(contact) -> list[PersonReference]:
    """The tickets of ``contact``, the messages they wrote and the changes they made."""
    tickets = _count(Ticket, Ticket.contact_id == contact.id)
    posts = _count(Post, Post.author_contact_id == contact.id, Post.ticket_id.not_in(
        select(Ticket.id).where(Ticket.contact_id == contact.id)))
    changes = _count(TicketHistory, TicketHistory.contact_id == contact.id, TicketHistory.ticket_id.not_in(
        select(Ticket.id).where(Ticket.contact_id == contact.id)))
    return [
        PersonReference(tickets, ngettext("%(num)d ticket is from this contact.",
                                          "%(num)d tickets are from this contact.", tickets)),
        PersonReference(posts, ngettext("%(num)d message on other tickets was written by this contact.",
                                        "%(num)d messages on other tickets were written by this contact.", posts)),
        PersonReference(changes, ngettext("%(num)d change to other tickets was made by this contact.",
                                          "%(num)d changes to other tickets were made by this contact.", changes)),
    ]


def user_references(user) -> list[PersonReference]:
    """Tickets assigned to or opened by ``user``, the replies and notes they wrote, the changes they made."""
    assigned = _count(Ticket, Ticket.assignee_user_id == user.id)
    opened = _count(Ticket, Ticket.created_by_id == user.id)
    posts = _count(Post, Post.author_user_id == user.id)
    changes = _count(TicketHistory, TicketHistory.user_id == user.id)
    return [
        PersonReference(assigned, ngettext("%(num)d ticket is assigned to this user.",
                                           "%(num)d tickets are assigned to this user.", assigned)),
        PersonReference(opened, ngettext("%(num)d ticket was opened by this user.",
                                         "%(num)d tickets were opened by this user.", opened)),
        PersonReference(posts, ngettext("%(num)d reply or note was written by this user.",
                                        "%(num)d replies and notes were written by this user.", posts)),
        PersonReference(changes, ngettext("%(num)d ticket change was made by this user.",
                                          "%(num)d ticket changes were made by this user.", changes)),
    ]


COUNTERS = {
    "department": department_references,
    "company": company_references,
    "contact": contact_references,
    "user": user_references,
}


def references(kind: str, record) -> list[PersonReference]:
    """What of the desk uses ``record`` of ``kind`` (see ``crm_person_references``)."""
    counter = COUNTERS.get(kind)
    return counter(record) if counter is not None else []


def reassign(kind: str, record, target, actor=None) -> int | None:
    """Move what uses ``record`` to ``target``: departments only (see ``crm_person_reassign``)."""
    if kind != "department":
        return None
    from plugins.support.moves import move_department

    return move_department(record, target, actor=actor)
