"""A portal on its verified custom domain (P-1, P-11): served at the root, other hosts refused, links in emails."""
from __future__ import annotations

import pytest

from crm.extensions import db
from plugins.portal.sites import forget_domains, portal_url
from plugins.support import services
from tests.portal.portal_kit import links_in, portal, site  # noqa: F401

HOST = "support.acme.example"


@pytest.fixture
def verified(site):
    site.custom_domain, site.domain_state = HOST, "valid"
    db.session.commit()
    forget_domains()
    yield site
    forget_domains()


def test_the_verified_domain_serves_the_portal_at_its_root(client, portal, verified):
    login = client.get("/login", headers={"Host": HOST})
    assert login.status_code == 200
    page = login.get_data(as_text=True)
    assert "Acme" in page and f"/portal/{verified.slug}" not in page.split("<body", 1)[1]
    assert f'href="http://{HOST}/assets/portal.css"' in page and f'href="http://{HOST}/forgot-password"' in page
    assert client.get("/assets/portal.css", headers={"Host": HOST}).status_code == 200
    customer = portal.customer(email="host@example.org")
    response = client.post("/login", headers={"Host": HOST}, data={"email": customer.email,
                                                                    "password": "correct horse battery"})
    assert response.status_code == 302 and response.headers["Location"] == f"http://{HOST}/tickets"
    assert client.get("/tickets", headers={"Host": HOST}).status_code == 200


def test_the_portals_path_on_the_desk_keeps_its_links_on_the_desk(client, app, verified):
    page = client.get(f"/portal/{verified.slug}/login").get_data(as_text=True)
    desk = app.config["BASE_URL"].rstrip("/")
    assert f'href="{desk}/portal/{verified.slug}/forgot-password"' in page and HOST not in page


def test_desk_pages_are_not_served_on_the_portals_domain(client, verified):
    assert client.get("/admin/", headers={"Host": HOST}).status_code == 404
    assert client.get("/support/tickets", headers={"Host": HOST}).status_code == 404


@pytest.mark.parametrize("state", ["none", "pending"])
def test_an_unverified_domain_is_refused(client, site, state):
    site.custom_domain, site.domain_state = HOST, state
    db.session.commit()
    forget_domains()
    assert client.get("/login", headers={"Host": HOST}).status_code == 400


def test_unknown_hosts_are_refused(client, verified):
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_links_in_emails_use_the_verified_domain(portal, verified, factory, outbox):
    customer = portal.customer(email="mail@example.org")
    ticket = portal.ticket(customer, brand=verified.brand_id)
    services.add_reply(ticket, "Hello", author=factory.admin())
    links = links_in(outbox.to(customer.email)[-1]["text"])
    assert any(link.startswith(f"http://{HOST}/go/") for link in links)
    assert portal_url(verified, "portal.ticket", number="T-1") == f"http://{HOST}/tickets/T-1"


def test_without_a_domain_links_use_the_desk_address(app, site):
    assert portal_url(site, "portal.tickets") == f"{app.config['BASE_URL'].rstrip('/')}/portal/{site.slug}/tickets"
