"""Topics on the portal (P-4): each customer sees their company's topics; a new ticket is routed by its topic."""
import pytest
from sqlalchemy import select

from crm.extensions import db
from plugins.support import topics
from plugins.support.models import Ticket, Topic
from plugins.support.topics import CompanyTopic
from tests.portal.portal_kit import *  # noqa: F401,F403


@pytest.fixture
def site(portal):
    return portal.site("Acme")


def _topic(name, **fields):
    topic = Topic(name=name, position=db.session.query(Topic).count() + 1, **fields)
    db.session.add(topic)
    db.session.commit()
    return topic


def test_one_offered_topic_hides_the_selector_and_is_used(app, portal, site):
    client = portal.client_for(site, portal.customer())
    html = client.get(portal.url(site, "tickets/new")).get_data(as_text=True)
    assert 'name="topic"' not in html
    response = client.post(portal.url(site, "tickets/new"), data={"subject": "Help", "body": "Please"})
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert ticket.topic.key == topics.DEFAULT_KEY


def test_each_company_sees_its_own_topics_and_tickets_are_routed(app, portal, site, factory):
    acme, globex = factory.company("Acme Ltd"), factory.company("Globex")
    billing_dep = factory.department("Billing")
    clerk = factory.user(name="Clerk", departments=[billing_dep])
    billing = _topic("Billing", department_id=billing_dep.id, assignee_kind="staff")
    topics.set_chosen_staff(billing, [clerk.id])
    bugs = _topic("Bugs")
    own = _topic("Globex rollout", company_id=globex.id)
    db.session.add(CompanyTopic(company_id=acme.id, topic_id=bugs.id, enabled=False, name=""))
    db.session.add(CompanyTopic(company_id=acme.id, topic_id=billing.id, enabled=True, name="Invoices"))
    db.session.commit()
    alice = portal.customer(email="alice@acme.example", company=acme)
    bob = portal.customer(email="bob@globex.example", company=globex)

    alice_client, bob_client = portal.client_for(site, alice), portal.client_for(site, bob)
    alice_page = alice_client.get(portal.url(site, "tickets/new")).get_data(as_text=True)
    bob_page = bob_client.get(portal.url(site, "tickets/new")).get_data(as_text=True)
    # Alice's company has one topic left (Bugs switched off, Billing renamed): no selector
    assert 'name="topic"' not in alice_page and "Globex rollout" not in alice_page
    assert "Billing" in bob_page and "Bugs" in bob_page and "Globex rollout" in bob_page

    # a topic not offered to the customer is never used, also when posted by hand
    alice_client.post(portal.url(site, "tickets/new"), data={"subject": "x", "body": "y", "topic": str(own.id)})
    response = bob_client.post(portal.url(site, "tickets/new"), data={"subject": "x", "body": "y",
                                                                       "topic": str(bugs.id + 1000)})
    assert response.status_code == 400
    assert db.session.scalar(select(Ticket).where(Ticket.topic_id == own.id)) is None
    assert db.session.scalar(select(Ticket).where(Ticket.subject == "x")).topic_id == billing.id

    response = bob_client.post(portal.url(site, "tickets/new"), data={"subject": "Invoice", "body": "Wrong",
                                                                       "topic": str(billing.id)})
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.topic_id == billing.id))
    assert ticket.department_id == billing_dep.id and ticket.assignee_user_id == clerk.id

    mine = db.session.scalar(select(Ticket).where(Ticket.subject == "x"))
    assert mine.assignee_user_id == clerk.id
