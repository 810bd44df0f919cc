"""Portal accounts (P-3): registration with a confirmed address, sign-in, password reset, sign-out."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.people.models import Contact
from crm.testing import PASSWORD
from plugins.portal.models import PortalAccount
from tests.portal.portal_kit import links_in, path_of, portal, site  # noqa: F401


def _register(client, portal, site, email="new@example.org", name="Ada Lovelace", password=PASSWORD):
    return client.post(portal.url(site, "register"), data={"name": name, "email": email, "password": password})


def _verify_link(outbox, email):
    [message] = [m for m in outbox.to(email) if "/verify/" in m["text"]]
    return path_of(next(link for link in links_in(message["text"]) if "/verify/" in link))


def test_register_then_confirm_with_the_password_signs_in(client, portal, site, outbox):
    response = _register(client, portal, site)
    assert response.status_code == 302
    contact = db.session.scalar(select(Contact).where(Contact.email == "new@example.org"))
    assert contact.name == "Ada Lovelace"
    assert db.session.get(PortalAccount, contact.id).email_verified_at is None
    # not before the address is confirmed
    refused = client.post(portal.url(site, "login"), data={"email": "new@example.org", "password": PASSWORD})
    assert refused.status_code == 200 and "The email or password is wrong." in refused.get_data(as_text=True)
    link = _verify_link(outbox, "new@example.org")
    assert client.get(link).status_code == 200
    wrong = client.post(link, data={"password": "not the password at all"})
    assert wrong.status_code == 200 and "The password is wrong." in wrong.get_data(as_text=True)
    done = client.post(link, data={"password": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith(portal.url(site, "tickets"))
    assert client.get(portal.url(site, "tickets")).status_code == 200
    assert db.session.get(PortalAccount, contact.id).email_verified_at is not None
    # the link works once
    assert client.post(link, data={"password": PASSWORD}).headers["Location"].endswith(portal.url(site, "login"))


def test_registering_adopts_the_contact_and_its_earlier_tickets(client, portal, site, outbox, factory):
    earlier = factory.contact(email="known@example.org", name="Known Person")
    ticket = portal.ticket(earlier, subject="Opened by email before registering")
    _register(client, portal, site, email="KNOWN@example.org", name="Someone Else")
    assert db.session.scalar(select(func.count()).select_from(Contact)
                             .where(func.lower(Contact.email) == "known@example.org")) == 1
    client.post(_verify_link(outbox, "known@example.org"), data={"password": PASSWORD})
    page = client.get(portal.url(site, "tickets")).get_data(as_text=True)
    assert ticket.number in page and "Opened by email before registering" in page
    assert db.session.get(Contact, earlier.id).name == "Known Person"


def test_registering_an_address_with_an_account_changes_nothing(client, portal, site, outbox):
    contact = portal.customer(email="owner@example.org")
    before = db.session.get(Contact, contact.id).password_hash
    response = _register(client, portal, site, email="owner@example.org", password="a stranger's password")
    assert response.status_code == 302
    assert db.session.get(Contact, contact.id).password_hash == before
    [note] = outbox.to("owner@example.org")
    assert "/verify/" not in note["text"] and "already has an account" in note["text"]


def test_bad_registration_stores_nothing(client, portal, site, outbox):
    response = _register(client, portal, site, email="not an address", name="", password="short")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This field is required." in page and "Use at least" in page
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert len(outbox) == 0


def test_registration_can_be_switched_off(client, portal, site):
    site.registration_open = False
    db.session.commit()
    assert client.get(portal.url(site, "register")).status_code == 404
    assert _register(client, portal, site).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert "register" not in client.get(portal.url(site, "login")).get_data(as_text=True)


def test_password_reset_works_once_and_ends_other_sessions(client, portal, site, outbox):
    contact = portal.customer(email="forgetful@example.org")
    other = portal.client_for(site, contact)
    assert client.post(portal.url(site, "forgot-password"), data={"email": "forgetful@example.org"}).status_code == 302
    [message] = outbox.to("forgetful@example.org")
    link = path_of(next(link for link in links_in(message["text"]) if "/reset-password/" in link))
    done = client.post(link, data={"password": "a brand new password", "confirm": "a brand new password"})
    assert done.status_code == 302 and done.headers["Location"].endswith(portal.url(site, "login"))
    assert other.get(portal.url(site, "tickets")).status_code == 302  # signed out
    assert client.post(link, data={"password": "another new password", "confirm": "another new password"}) \
        .headers["Location"].endswith(portal.url(site, "forgot-password"))
    portal.login(client, site, contact, password="a brand new password")


def test_unknown_address_gets_the_same_answer_and_no_email(client, portal, site, outbox):
    response = client.post(portal.url(site, "forgot-password"), data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(outbox) == 0


def test_logout_ends_the_session(client, portal, site):
    contact = portal.customer()
    portal.login(client, site, contact)
    assert client.get(portal.url(site, "logout")).status_code == 405  # only POST signs out
    assert client.post(portal.url(site, "logout")).status_code == 302
    assert client.get(portal.url(site, "tickets")).status_code == 302
