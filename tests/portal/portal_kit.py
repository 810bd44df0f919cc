"""What the portal tests share: a brand's portal, customers who can sign in, tickets and links from emails.

Imported by the portal test modules (``from tests.portal.portal_kit import *``).
"""
from __future__ import annotations

import re

import pytest

from crm.extensions import db as _db
from crm.testing import PASSWORD

LINK = re.compile(r"https?://\S+")


class Portal:
    """Makes portals, customers and tickets, and signs customers in through the portal's login form."""

    def __init__(self, app, factory):
        self.app = app
        self.factory = factory
        self._n = 0

    def site(self, name="Acme"):
        """A brand and its portal (committed)."""
        from plugins.portal.sites import site_for_brand
        from plugins.support.models import Brand

        brand = Brand(name=name, position=0)
        _db.session.add(brand)
        _db.session.flush()
        site = site_for_brand(brand)
        _db.session.commit()
        return site

    def url(self, site, path=""):
        """The path of a portal page on the main host: ``/portal/<slug>/<path>``."""
        return f"/portal/{site.slug}/{path}"

    def customer(self, email=None, name=None, password=PASSWORD, verified=True, company=None, **fields):
        """A contact with a portal account (verified by default) and a password; returns the contact."""
        from plugins.portal.models import PortalAccount
        from crm.timeutil import utcnow

        contact = self.factory.contact(email=email, name=name, company=company, **fields)
        if password:
            contact.set_password(password)
        _db.session.add(PortalAccount(contact_id=contact.id, registered_at=utcnow(),
                                      email_verified_at=utcnow() if verified else None,
                                      website_url="", linkedin_url="", twitter_url=""))
        _db.session.commit()
        return contact

    def ticket(self, contact, subject="Printer is on fire", body="It smokes.", author=None, **kw):
        """A ticket of ``contact`` opened through the support services (by the system unless ``author``)."""
        from crm.actors import SYSTEM
        from plugins.support import services

        _db.session.commit()
        kw.setdefault("channel", "email")
        return services.open_ticket(subject, author=author or SYSTEM, contact=contact, body=body, **kw)

    def login(self, client, site, contact, password=PASSWORD):
        """Sign ``client`` in on the portal's login form; asserts it worked."""
        response = client.post(self.url(site, "login"), data={"email": contact.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:800]
        assert "/login" not in response.headers["Location"]
        return response

    def client_for(self, site, contact, password=PASSWORD):
        """A new test client signed in on the portal as ``contact``."""
        client = self.app.test_client()
        self.login(client, site, contact, password)
        return client


@pytest.fixture
def portal(app, factory):
    """A :class:`Portal` helper."""
    return Portal(app, factory)


@pytest.fixture
def site(portal):
    """The portal of a brand called Acme."""
    return portal.site()


def links_in(text: str) -> list[str]:
    """Every web address in a text."""
    return LINK.findall(text or "")


def path_of(url: str) -> str:
    """The path and query of an absolute URL (test clients request paths)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_free(**data):
    """Form data (tests run without CSRF checks unless they switch them on)."""
    return data


__all__ = ["Portal", "csrf_free", "links_in", "path_of", "portal", "site"]
