"""Auto-login links (P-8) in the customer's emails: signed in once, bound to the customer and ticket, expiring."""
from __future__ import annotations

from datetime import timedelta

import pytest

from crm.extensions import db
from crm.settings import set_many
from plugins.portal.models import PortalAccount
from plugins.support import services
from tests.portal.portal_kit import links_in, path_of, portal, site  # noqa: F401


def _link(outbox, email, site):
    message = outbox.to(email)[-1]
    return path_of(next(link for link in links_in(message["text"]) if f"/portal/{site.slug}/go/" in link))


@pytest.fixture
def replied(portal, site, factory):
    customer = portal.customer(email="reader@example.org")
    ticket = portal.ticket(customer, subject="Slow printer", brand=site.brand_id)
    services.add_reply(ticket, "REPLY-TEXT", author=factory.admin())
    return customer, ticket


def test_a_staff_reply_email_signs_in_once_and_opens_the_ticket(client, portal, site, replied, outbox):
    customer, ticket = replied
    link = _link(outbox, customer.email, site)
    assert client.get(link).status_code == 200  # shows a button: mail scanners do not use the link up
    response = client.post(link)
    assert response.headers["Location"].endswith(portal.url(site, f"tickets/{ticket.number}"))
    assert "REPLY-TEXT" in client.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    other_browser = portal.app.test_client()
    again = other_browser.post(link)
    assert again.headers["Location"].endswith(portal.url(site, "login"))
    page = other_browser.get(again.headers["Location"]).get_data(as_text=True)
    assert "expired or was already used" in page
    assert other_browser.get(portal.url(site, "tickets")).status_code == 302


def test_an_expired_link_falls_back_to_the_login_page(client, portal, site, replied, outbox, frozen_clock):
    customer, _ticket = replied
    link = _link(outbox, customer.email, site)
    frozen_clock.advance(days=7, minutes=1)
    response = client.post(link)
    assert response.headers["Location"].endswith(portal.url(site, "login"))
    assert "expired or was already used" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_lifetime_is_a_setting(client, portal, site, factory, outbox, frozen_clock):
    set_many("portal", {"auto_login_days": 1})
    db.session.commit()
    customer = portal.customer(email="short@example.org")
    ticket = portal.ticket(customer)
    services.add_reply(ticket, "Hello", author=factory.admin())
    link = _link(outbox, customer.email, site)
    frozen_clock.advance(days=1, minutes=1)
    assert client.post(link).headers["Location"].endswith(portal.url(site, "login"))


def test_a_contact_without_an_account_gets_one_with_the_address_verified(client, portal, site, factory, outbox):
    contact = factory.contact(email="emailonly@example.org")
    ticket = portal.ticket(contact, brand=site.brand_id)
    services.add_reply(ticket, "We are on it", author=factory.admin())
    client.post(_link(outbox, contact.email, site))
    assert client.get(portal.url(site, f"tickets/{ticket.number}")).status_code == 200
    account = db.session.get(PortalAccount, contact.id)
    assert account.email_verified_at is not None


def test_an_unconfirmed_strangers_password_does_not_survive_a_link(client, portal, site, factory, outbox):
    contact = factory.contact(email="victim@example.org")
    ticket = portal.ticket(contact, brand=site.brand_id)
    stranger = portal.app.test_client()
    stranger.post(portal.url(site, "register"), data={"name": "x", "email": "victim@example.org",
                                                      "password": "the stranger's password"})
    services.add_reply(ticket, "Reply", author=factory.admin())
    client.post(_link(outbox, contact.email, site))
    refused = stranger.post(portal.url(site, "login"), data={"email": "victim@example.org",
                                                             "password": "the stranger's password"})
    assert "The email or password is wrong." in refused.get_data(as_text=True)


def test_emails_link_to_the_tickets_brand_portal(portal, site, factory, outbox):
    other_site = portal.site(name="Globex")
    customer = portal.customer(email="brand@example.org")
    ticket = portal.ticket(customer, brand=other_site.brand_id)
    services.add_reply(ticket, "From Globex", author=factory.admin())
    text = outbox.to(customer.email)[-1]["text"]
    assert f"/portal/{other_site.slug}/go/" in text and f"/portal/{site.slug}/" not in text


def test_the_ticket_opened_email_carries_a_link_too(portal, site, factory, outbox):
    customer = portal.customer(email="opened@example.org")
    services.open_ticket("Opened for you", author=factory.admin(), contact=customer, body="note",
                         notify_customer=True, brand=site.brand_id)
    assert f"/portal/{site.slug}/go/" in outbox.to(customer.email)[-1]["text"]


def test_internal_notes_are_never_emailed(portal, site, factory, outbox):
    customer = portal.customer(email="notes@example.org")
    ticket = portal.ticket(customer)
    services.add_note(ticket, "NOTE-MARKER-91", author=factory.admin())
    services.add_reply(ticket, "Public", author=factory.admin())
    assert all("NOTE-MARKER-91" not in (m["text"] + (m.get("html") or "")) for m in outbox.messages())


def test_emails_are_in_the_customers_language(portal, site, factory, outbox):
    customer = portal.customer(email="turkish@example.org", locale="tr")
    services.add_reply(portal.ticket(customer), "Merhaba", author=factory.admin())
    english = portal.customer(email="english@example.org", locale="en")
    services.add_reply(portal.ticket(english), "Hello", author=factory.admin())
    assert "Talebinizi buradan okuyup" in outbox.to(customer.email)[-1]["text"]
    assert "Read and answer your ticket here" in outbox.to(english.email)[-1]["text"]


def test_lifetime_default_is_seven_days(app):
    from plugins.portal.autologin import lifetime

    assert lifetime() == timedelta(days=7)


def test_links_follow_a_portals_change_and_a_new_brand_at_once(portal, site, factory, outbox):
    """Emails take the portals' addresses from a process cache: a changed slug, a disabled portal and a new
    brand (its portal made on its first email) show in the next email, whoever changed them."""
    from plugins.portal.models import PortalSite
    from plugins.support.models import Brand

    customer = portal.customer(email="moves@example.org")
    ticket = portal.ticket(customer, brand=site.brand_id)
    services.add_reply(ticket, "First", author=factory.admin())
    assert f"/portal/{site.slug}/go/" in outbox.to(customer.email)[-1]["text"]

    db.session.get(PortalSite, site.brand_id).slug = "renamed-portal"
    db.session.commit()
    services.add_reply(ticket, "Second", author=factory.admin())
    assert "/portal/renamed-portal/go/" in outbox.to(customer.email)[-1]["text"]

    db.session.get(PortalSite, site.brand_id).enabled = False
    db.session.commit()
    services.add_reply(ticket, "Third", author=factory.admin())
    assert "/go/" not in outbox.to(customer.email)[-1]["text"]

    brand = Brand(name="Initech", position=5)
    db.session.add(brand)
    db.session.commit()
    other = portal.ticket(customer, brand=brand.id)
    services.add_reply(other, "Fourth", author=factory.admin())
    made = db.session.get(PortalSite, brand.id)
    assert made is not None and f"/portal/{made.slug}/go/" in outbox.to(customer.email)[-1]["text"]
