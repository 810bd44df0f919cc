"""Authorization over every portal route from the URL map: the ticket's customer, another customer, staff, anonymous.

Also: a customer session never reaches the staff desk, the admin pages or
the staff profile, and internal notes never appear on any portal page.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from crm.extensions import db
from crm.settings import set_many
from crm.testing import PASSWORD
from plugins.support import services, statuses
from plugins.support.models import Attachment, Ticket
from tests.portal.portal_kit import portal, site  # noqa: F401

MARKER = "INTERNAL-NOTE-7f3a"
ROLES = ("owner", "other", "staff", "anonymous")
PUBLIC = {"portal.home", "portal.login", "portal.logout", "portal.register", "portal.verify_email",
          "portal.forgot_password", "portal.reset_password", "portal.auto_login", "portal.public_form",
          "portal.static",
          # public by design: branding assets, and the single sign-on entry (404 while SSO is off; tested in test_sso)
          "portal.branding_css", "portal.favicon", "portal.sso_login"}
# the customer's own picture: none uploaded yet (404), and a form posted without a file (400)
NO_PICTURE = {"portal.picture": 404, "portal.profile_picture": 400}
ABOUT_THE_TICKET = {"portal.ticket", "portal.reply", "portal.set_status", "portal.attachment",
                    "portal.set_parameters", "portal.set_ticket_fields"}


@pytest.fixture
def world(portal, site, factory):
    set_many("portal", {"public_form_enabled": True})
    db.session.commit()
    staff = factory.admin(email="agent@example.com")
    owner = portal.customer(email="owner@example.org")
    other = portal.customer(email="other@example.org")
    ticket = portal.ticket(owner, subject="Owner's ticket", body="OWNER-BODY")
    services.add_reply(ticket, "Shared file", author=staff,
                       attachments=[FileStorage(io.BytesIO(b"manual\n"), filename="manual.txt")])
    services.add_note(ticket, MARKER, author=staff,
                      attachments=[FileStorage(io.BytesIO(b"secret\n"), filename="secret-7f3a.txt")])
    portal.ticket(other, subject="Other's ticket")
    attachment_id = db.session.scalar(select(Attachment.id).order_by(Attachment.id).limit(1))
    return {"staff": staff, "owner": owner, "other": other, "ticket": ticket, "attachment_id": attachment_id}


def _client(app, portal, site, world, role):
    client = app.test_client()
    if role in ("owner", "other"):
        portal.login(client, site, world[role])
    elif role == "staff":
        response = client.post("/login", data={"email": world["staff"].email, "password": PASSWORD})
        assert response.status_code == 302
    return client


def _url(rule, site, world) -> str:
    values = {"slug": site.slug, "number": world["ticket"].number, "attachment_id": world["attachment_id"],
              "token": "not-a-real-token", "filename": "portal.css"}
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", str(values[name])).replace(f"<int:{name}>", str(values[name])) \
            .replace(f"<path:{name}>", str(values[name]))
    return path


def _form(endpoint):
    closed = statuses.status_by_key("closed")
    return {"portal.reply": {"body": "a reply"}, "portal.set_status": {"status": str(closed.id)},
            "portal.new_ticket": {"subject": "s", "body": "b"},
            "portal.profile": {"profile-name": "A Name", "profile-locale": ""},
            "portal.profile_password": {"password-current": PASSWORD, "password-password": "another long password",
                                        "password-confirm": "another long password"}}.get(endpoint, {})


def _portal_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("portal.")]
    # sign-out and status changes last: they change what the later requests see
    return sorted(rules, key=lambda r: (r.endpoint in ("portal.logout", "portal.set_status"), r.endpoint))


def test_every_portal_route_is_covered(app):
    endpoints = {r.endpoint for r in _portal_rules(app)}
    customer_pages = endpoints - PUBLIC
    assert {"portal.tickets", "portal.ticket", "portal.new_ticket", "portal.profile", "portal.files",
            "portal.notifications", "portal.activity", "portal.attachment"} <= customer_pages


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(app, portal, site, world, role):
    client = _client(app, portal, site, world, role)
    login_path = portal.url(site, "login")
    checked = 0
    for rule in _portal_rules(app):
        url = _url(rule, site, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "portal.logout" and role != "anonymous":
                continue  # signing out is tested on its own
            response = client.open(url, method=method, data=_form(rule.endpoint) if method == "POST" else None)
            code, location = response.status_code, response.headers.get("Location", "")
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            assert code < 500, (rule.endpoint, method, code)
            assert MARKER not in body and "secret-7f3a" not in body, (rule.endpoint, method)
            checked += 1
            if rule.endpoint in PUBLIC:
                continue
            if role in ("staff", "anonymous"):
                assert code == 302 and login_path in location, (rule.endpoint, method, code, location)
            elif role == "other" and rule.endpoint in ABOUT_THE_TICKET:
                assert code == 404, (rule.endpoint, method, code)
            elif rule.endpoint in NO_PICTURE:
                assert code == NO_PICTURE[rule.endpoint], (rule.endpoint, method, code)
            else:
                assert code in (200, 302) and login_path not in location, (rule.endpoint, method, code, location)
                if role == "other":
                    assert "OWNER-BODY" not in body and "Owner&#39;s ticket" not in body
    assert checked > 20
    # the other customer changed nothing on the owner's ticket
    ticket = db.session.get(Ticket, world["ticket"].id)
    if role != "owner":
        assert ticket.status.key != "closed"
        assert ticket.post_count == 3


def test_the_internal_file_cannot_be_fetched_by_its_id(app, portal, site, world):
    client = _client(app, portal, site, world, "owner")
    secret_id = db.session.scalar(select(Attachment.id).where(Attachment.filename == "secret-7f3a.txt"))
    url = portal.url(site, f"tickets/{world['ticket'].number}/files/{secret_id}")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("path", ["/", "/support/tickets", "/admin/", "/profile", "/notifications/"])
def test_a_customer_session_never_reaches_staff_pages(app, portal, site, world, path):
    client = _client(app, portal, site, world, "owner")
    response = client.get(path)
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"] and "/portal/" not in response.headers["Location"]
    assert "OWNER-BODY" not in response.get_data(as_text=True)


def test_staff_sign_in_refuses_customers_and_portal_sign_in_refuses_staff(app, portal, site, world):
    client = app.test_client()
    response = client.post("/login", data={"email": "owner@example.org", "password": PASSWORD})
    assert response.status_code == 200 and "The email or password is wrong." in response.get_data(as_text=True)
    response = client.post(portal.url(site, "login"), data={"email": "agent@example.com", "password": PASSWORD})
    assert response.status_code == 200 and "The email or password is wrong." in response.get_data(as_text=True)


def test_another_portal_slug_is_404(client):
    assert client.get("/portal/no-such-portal/login").status_code == 404
