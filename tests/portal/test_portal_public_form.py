"""The public support form (P-2) and the portal's form hooks, with a throwaway plugin that adds a question."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from crm.extensions import db
from crm.fields import DataField
from crm.people.models import Contact
from crm.settings import set_many
from crm.testing import builtin_plugins
from plugins.support.models import Ticket
from tests.fields_kit import FieldsPlugin, field_table, with_plugin  # noqa: F401
from tests.portal.portal_kit import links_in, path_of, portal, site  # noqa: F401


class OrderQuestion(FieldsPlugin):
    """A throwaway plugin: asks for an order number on portal ticket forms and keeps the answers in its store."""

    def __init__(self):
        super().__init__("order_question")
        order = DataField("order_number", "Order number", lambda: StringField("Order number", [DataRequired()]),
                          self.store, section="Additional information")
        clash = DataField("subject", "clash", lambda: StringField("clash"), self.store)
        for place in ("portal_new", "public_form"):
            self.fields[("ticket", place)] = [order, clash]

    @property
    def answers(self):
        return [(db.session.get(Ticket, record_id).number, dict(values))
                for _subject, record_id, values in self.store.saves]


@pytest.fixture
def question():
    return OrderQuestion()


@pytest.fixture
def app_plugins(question):
    return with_plugin(question)


@pytest.fixture
def public_form_on(app):
    set_many("portal", {"public_form_enabled": True})
    db.session.commit()


FORM = {"name": "Grace", "surname": "Hopper", "email": "grace@example.org", "subject": "Compiler bug",
        "body": "It miscompiles.", "order_number": "A-17"}


def test_off_by_default(client, portal, site):
    assert client.get(portal.url(site, "contact")).status_code == 404
    assert client.post(portal.url(site, "contact"), data=FORM).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_opens_a_ticket_and_emails_a_link_to_follow_it(client, portal, site, public_form_on, outbox, question):
    page = client.get(portal.url(site, "contact")).get_data(as_text=True)
    assert 'name="order_number"' in page and 'name="website"' in page
    response = client.post(portal.url(site, "contact"), data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    ticket = db.session.scalar(select(Ticket))
    contact = db.session.get(Contact, ticket.contact_id)
    assert (contact.name, contact.email, ticket.channel, ticket.brand_id) == \
        ("Grace Hopper", "grace@example.org", "public_form", site.brand_id)
    assert question.answers == [(ticket.number, {"order_number": "A-17"})]
    [message] = outbox.to("grace@example.org")
    link = next(link for link in links_in(message["text"]) if f"/portal/{site.slug}/" in link)
    follow = client.get(path_of(link))
    assert follow.status_code == 200  # the auto-login page's button
    signed_in = client.post(path_of(link))
    assert signed_in.headers["Location"].endswith(portal.url(site, f"tickets/{ticket.number}"))
    assert "It miscompiles." in client.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)


def test_bad_input_gives_errors_and_stores_nothing(client, portal, site, public_form_on, outbox, question):
    response = client.post(portal.url(site, "contact"), data={**FORM, "email": "nope", "order_number": "",
                                                             "body": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Invalid email address." in page and page.count("This field is required.") >= 2
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert len(outbox) == 0 and question.answers == []


def test_bad_input_is_localized(client, portal, site, public_form_on):
    response = client.post(portal.url(site, "contact?lang=tr"), data={**FORM, "email": ""})
    assert response.status_code == 400
    assert 'lang="tr"' in response.get_data(as_text=True)


def test_the_honeypot_stores_nothing(client, portal, site, public_form_on, outbox):
    response = client.post(portal.url(site, "contact"), data={**FORM, "website": "http://spam.example"})
    assert response.status_code == 302  # the bot is told it worked
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert len(outbox) == 0


def test_an_existing_contact_is_reused(client, portal, site, public_form_on, factory):
    known = factory.contact(email="grace@example.org", name="Grace B. Hopper")
    client.post(portal.url(site, "contact"), data=FORM)
    assert db.session.scalar(select(Ticket.contact_id)) == known.id
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


def test_the_signed_in_form_asks_the_plugins_too(portal, site, question):
    customer = portal.customer()
    client = portal.client_for(site, customer)
    assert 'name="order_number"' in client.get(portal.url(site, "tickets/new")).get_data(as_text=True)
    refused = client.post(portal.url(site, "tickets/new"), data={"subject": "s", "body": "b"})
    assert refused.status_code == 400
    assert client.post(portal.url(site, "tickets/new"),
                       data={"subject": "s", "body": "b", "order_number": "B-2"}).status_code == 302
    assert question.answers[-1][1] == {"order_number": "B-2"}
    assert ("ticket", "portal_new") in {(subject, place) for subject, place, _context in question.asked}


def test_submissions_are_rate_limited_per_address(make_app, question):
    app = make_app(plugins=[*builtin_plugins(), question], RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15", RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    client = app.test_client()
    with app.app_context():
        from plugins.portal.sites import site_for_brand
        from plugins.support.models import Brand

        set_many("portal", {"public_form_enabled": True, "public_form_per_hour": 2})
        brand = Brand(name="Limited", position=0)
        db.session.add(brand)
        db.session.flush()
        slug = site_for_brand(brand).slug
        db.session.commit()
        url = f"/portal/{slug}/contact"
        codes = [client.post(url, data={**FORM, "subject": f"n{n}"}).status_code for n in range(3)]
        assert codes == [302, 302, 429]
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2
