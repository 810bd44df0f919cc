"""Opening a ticket runs a fixed number of SQL statements, whatever the department's size or the recipients.

The statuses, priorities and departments come from the process's lookups and
the staff (assignee checks, notification recipients) from its roster, so the
statements are the ones that write: the number, the ticket, its post, history,
audit, one INSERT for every staff notification, the count per status; and for a
customer's ticket with its email, the portal link and the outbox row. The
signed-in user or customer, loaded by the request, is not read again.
"""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select

from crm.audit import AuditEntry
from crm.extensions import db
from crm.notify.inapp import Notification
from crm.notify.outbox import OutboxMessage
from plugins.support import services, statuses
from plugins.support.models import Post, StatusCount, Ticket, TicketHistory

# the statements of one open_ticket call, with the process's caches warm (one opening before the
# counted one), not counting SQLite's BEGIN IMMEDIATE; see each test for what they are
STAFF_OPENING = 11
CUSTOMER_OPENING = 8
PORTAL_LINK = 2  # the customer's email with a portal: the older link revoked, the new one stored


@pytest.fixture(autouse=True)
def _no_inline_relay(monkeypatch):
    """The test app delivers the outbox inside the commit (QUEUE_IMMEDIATE); a server leaves it to the worker."""
    from crm.notify import queue

    monkeypatch.setattr(queue, "request_relay", lambda: None)


def _request(app):
    """A request as a server runs it: its own app context (session, ``g``), the process's caches shared."""
    return app.app_context(), app.test_request_context()


def _open_as_staff(app, counting, agent_id, contact_id, department_id, assignee_id):
    from crm.people.models import User

    context, request = _request(app)
    with context, request:
        agent = db.session.get(User, agent_id)  # the signed-in user, as every request loads them
        with counting() as queries:
            ticket = services.open_ticket("Printer offline", author=agent, contact=contact_id, channel="phone",
                                          body="It shows offline.", body_kind="customer_message",
                                          department=department_id, assignee_user=assignee_id, tags=["printer"])
        return queries, ticket.number


def _counted(count_queries, opening):
    """The statements of ``opening(counting)``'s service call, after one opening that filled the caches."""
    statuses.ensure_defaults()  # as in any working database: the first use seeds them
    db.session.commit()
    opening(contextlib.nullcontext)  # the process's caches (lookups, roster) filled, as after the first request
    return opening(count_queries)


def test_a_staff_opening_costs_the_same_statements_for_a_small_and_a_large_department(app, factory, count_queries):
    agent = factory.user(role="admin")
    department = factory.department()
    colleague = factory.user(departments=[department])
    contact = factory.contact(company=factory.company())
    ids = (agent.id, contact.id, department.id, colleague.id)

    def opening(counting):
        return _open_as_staff(app, counting, *ids)

    small, number = _counted(count_queries, opening)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    told = db.session.execute(select(Notification.user_id, Notification.kind)
                              .where(Notification.params["number"].as_string() == number)).all()
    assert sorted(told) == [(colleague.id, "support.ticket_assigned"), (colleague.id, "support.ticket_opened")]
    assert ticket.assignee_user_id == colleague.id and ticket.department_id == department.id

    for _ in range(12):
        factory.user(departments=[department])
    large, number = _counted(count_queries, opening)
    told = db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.params["number"].as_string() == number))
    assert told == 14  # 13 members told of the new ticket, the assignee also of the assignment

    # the contact with its company, the generation counters, the number, the tag, the ticket and its tag,
    # one INSERT of every notification, the post, the history row, the audit row, the count per status
    # (not the author or their memberships: the request loaded them, and nothing was pending)
    assert large.count == small.count, large.statements
    assert small.count - _begin() == STAFF_OPENING, small.statements
    inserts = [s for s in large.statements if s.startswith("INSERT INTO crm_notification")]
    assert len(inserts) == 1


def test_a_customer_opening_with_its_email_costs_a_fixed_number_of_statements(app, factory, count_queries, outbox):
    from crm.people.models import Contact

    contact_id = factory.contact(company=factory.company()).id

    def opening(counting):
        context, request = _request(app)
        with context, request:
            contact = db.session.get(Contact, contact_id)  # the signed-in customer
            with counting() as queries:
                ticket = services.open_ticket("Invoice copy", author=contact, contact=contact, channel="portal",
                                              body="Please send it again.", notify_customer=True)
            return queries, ticket.number

    queries, number = _counted(count_queries, opening)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.ticket_id == ticket.id)) == 1
    assert db.session.scalar(select(TicketHistory.field).where(TicketHistory.ticket_id == ticket.id)) == "created"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.object_id == number)) == 1
    emails = [m for m in db.session.scalars(select(OutboxMessage)) if number in m.payload["subject"]]
    assert len(emails) == 1 and ticket.email_message_id
    assert db.session.scalar(select(func.sum(StatusCount.count))) == 2
    # the generation counters, the number, the ticket (with its email thread id), the outbox row, the post,
    # the history row, the audit row, the count per status; not the contact (the request loaded it) nor the
    # portals (a process cache: none here, so no link)
    assert queries.count - _begin() == CUSTOMER_OPENING, queries.statements
    assert not any(s.startswith("UPDATE support_ticket ") for s in queries.statements)


def test_the_portal_link_in_a_customers_email_costs_two_statements(app, factory, count_queries, outbox):
    from crm.people.models import Contact
    from plugins.portal.sites import site_for_brand
    from plugins.support.models import Brand

    brand = Brand(name="Acme", position=0)
    db.session.add(brand)
    db.session.flush()
    slug = site_for_brand(brand).slug
    db.session.commit()
    contact_id = factory.contact(company=factory.company()).id

    def opening(counting):
        context, request = _request(app)
        with context, request:
            contact = db.session.get(Contact, contact_id)
            with counting() as queries:
                ticket = services.open_ticket("Invoice copy", author=contact, contact=contact, channel="portal",
                                              body="Please send it again.", notify_customer=True)
            return queries, ticket.number

    queries, number = _counted(count_queries, opening)
    email = next(m for m in outbox.messages() if number in m["subject"])
    assert f"/portal/{slug}/go/" in email["text"]
    # the portal's address comes from the process's cache: no brand or portal read
    assert queries.count - _begin() == CUSTOMER_OPENING + PORTAL_LINK, queries.statements
    assert not any("support_brand" in s or "portal_site" in s for s in queries.statements), queries.statements


def _begin() -> int:
    """SQLite's ``BEGIN IMMEDIATE`` of the unit of work, a statement of its own there."""
    return 1 if db.engine.dialect.name == "sqlite" else 0
