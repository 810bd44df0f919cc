"""The customer's profile (P-7) and the language and timezone that drive the portal (P-13)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from crm.extensions import db
from crm.people.models import Contact
from crm.testing import PASSWORD
from plugins.portal.models import PortalAccount
from tests.portal.portal_kit import portal, site  # noqa: F401


@pytest.fixture
def customer(portal, factory):
    return portal.customer(email="profile@example.org", name="Pro File", company=factory.company(name="Initech"))


@pytest.fixture
def signed_in(portal, site, customer):
    return portal.client_for(site, customer)


def _save(client, portal, site, **values):
    data = {"profile-name": "Pro File", "profile-locale": "", "profile-timezone": "", **values}
    return client.post(portal.url(site, "profile"), data=data)


def test_profile_shows_the_company_and_saves_details(portal, site, customer, signed_in):
    assert "Initech" in signed_in.get(portal.url(site, "profile")).get_data(as_text=True)
    response = _save(signed_in, portal, site, **{"profile-position": "CTO", "profile-phone": "+90 555",
                                                 "profile-linkedin_url": "https://linkedin.example/pro",
                                                 "profile-company_id": "999"})
    assert response.status_code == 302
    contact = db.session.get(Contact, customer.id)
    assert (contact.position, contact.phone, contact.company.name) == ("CTO", "+90 555", "Initech")
    assert db.session.get(PortalAccount, customer.id).linkedin_url == "https://linkedin.example/pro"


@pytest.mark.parametrize("field, value, message", [
    ("profile-twitter_url", "javascript://alert(1)", "Enter a web address starting with https://."),
    ("profile-timezone", "Mars/Olympus", "Enter a timezone name such as Europe/Istanbul."),
    ("profile-locale", "xx", "Not a valid choice"),
    ("profile-name", "", "This field is required."),
])
def test_bad_profile_input_changes_nothing(portal, site, customer, signed_in, field, value, message):
    response = _save(signed_in, portal, site, **{"profile-position": "Changed", field: value})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.get(Contact, customer.id).position == ""


def test_language_and_timezone_drive_the_pages(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    _save(signed_in, portal, site, **{"profile-locale": "tr", "profile-timezone": "Asia/Tokyo"})
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert 'lang="tr"' in page
    created = db.session.get(type(ticket), ticket.id).created_at
    assert created.isoformat() in page
    # the shown time is Tokyo's (UTC+9), not UTC's
    assert f"{(created.hour + 9) % 24:02d}:{created.minute:02d}" in page


def test_anonymous_visitors_choose_the_language(portal, site, client):
    assert 'lang="tr"' in client.get(portal.url(site, "login?lang=tr")).get_data(as_text=True)
    assert 'lang="tr"' in client.get(portal.url(site, "register")).get_data(as_text=True)  # kept
    assert 'lang="en"' in client.get(portal.url(site, "login?lang=en")).get_data(as_text=True)


def _png(size=(600, 400), colour=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def test_avatar_is_checked_and_shrunk(portal, site, customer, signed_in):
    response = signed_in.post(portal.url(site, "profile/picture"),
                              data={"avatar-avatar": (io.BytesIO(_png()), "me.png")},
                              content_type="multipart/form-data")
    assert response.status_code == 302
    picture = signed_in.get(portal.url(site, "profile/picture"))
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert Image.open(io.BytesIO(picture.data)).size == (256, 256)


@pytest.mark.parametrize("name, data", [
    ("evil.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("doc.png", b"%PDF-1.4 not a picture"),
    ("empty.png", b""),
])
def test_non_pictures_are_refused(portal, site, customer, signed_in, name, data):
    response = signed_in.post(portal.url(site, "profile/picture"), data={"avatar-avatar": (io.BytesIO(data), name)},
                              content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.get(PortalAccount, customer.id).avatar_key is None


def test_password_change_needs_the_current_one_and_ends_other_sessions(portal, site, customer, signed_in):
    other = portal.client_for(site, customer)
    wrong = signed_in.post(portal.url(site, "profile/password"), data={
        "password-current": "wrong", "password-password": "new long password", "password-confirm": "new long password"})
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.get_data(as_text=True)
    ok = signed_in.post(portal.url(site, "profile/password"), data={
        "password-current": PASSWORD, "password-password": "new long password",
        "password-confirm": "new long password"})
    assert ok.status_code == 302
    assert signed_in.get(portal.url(site, "tickets")).status_code == 200  # this browser stays signed in
    assert other.get(portal.url(site, "tickets")).status_code == 302
    portal.login(portal.app.test_client(), site, customer, password="new long password")
