"""Trusted hosts (SPEC Q-3): the app answers only its configured hosts and plugins' sites; mail links come from
configuration, never from the request's Host header."""
from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import select

from crm import PluginInfo, hookimpl
from crm.extensions import db as _db
from crm.notify.outbox import OutboxMessage
from crm.sites import Site, current_site, external_url

SECRET = "s" * 40


@pytest.fixture
def app_plugins():
    return []


def outbox():
    return _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


class Portal:
    """A throwaway plugin serving one verified custom domain through ``crm_resolve_site``."""

    def __init__(self, name="portal_sites"):
        self.name = name
        self.asked = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo(self.name, "Portal sites")

    @hookimpl
    def crm_resolve_site(self, host):
        self.asked.append(host)
        if host == "support.acme.test":
            return Site("portal:acme", "https://support.acme.test")
        return None


# the Host header ---------------------------------------------------------------------------------


def test_a_forged_host_gets_400_and_no_reset_email(client, factory, db):
    user = factory.user()
    response = client.post("/forgot-password", data={"email": user.email}, headers={"Host": "evil.test"})
    assert response.status_code == 400
    assert outbox() == []
    assert "evil.test" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/forgot-password", "/", "/healthz", "/static/crm/crm.css", "/nowhere"])
def test_every_page_refuses_an_unknown_host(client, path):
    assert client.get(path, headers={"Host": "evil.test"}).status_code == 400
    assert client.get(path, headers={"Host": "evil.test:5000"}).status_code == 400


@pytest.mark.parametrize("host", ["bad host", "", "localhost:notaport", "[::1", "évil.test"])
def test_a_malformed_host_gets_400_not_500(client, host):
    assert client.get("/login", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:8000", "LOCALHOST"])
def test_development_answers_on_loopback_names(client, host):
    assert client.get("/login", headers={"Host": host}).status_code == 200


def test_production_answers_only_the_configured_hosts(make_app):
    app = make_app(plugins=[], ENV="production", SECRET_KEY=SECRET, BASE_URL="https://desk.example.com",
                   ALLOWED_HOSTS="desk-2.example.com, .staff.example.net")
    client = app.test_client()
    for host in ("desk.example.com", "DESK.example.com:443", "desk-2.example.com", "a.staff.example.net",
                 "staff.example.net"):
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    for host in ("localhost", "127.0.0.1", "example.com", "evil.test", "desk.example.com.evil.test",
                 "xstaff.example.net"):
        assert client.get("/login", headers={"Host": host}).status_code == 400, host


def test_allowed_hosts_may_be_a_list(make_app):
    app = make_app(plugins=[], ENV="production", SECRET_KEY=SECRET, BASE_URL="https://desk.example.com",
                   ALLOWED_HOSTS=["other.example.com"])
    client = app.test_client()
    assert client.get("/login", headers={"Host": "other.example.com"}).status_code == 200


# sites of plugins --------------------------------------------------------------------------------


def test_a_plugin_serves_its_own_host_through_crm_resolve_site(make_app):
    portal = Portal()
    app = make_app(plugins=[portal])
    seen = {}

    @app.get("/probe-site")
    def probe():
        seen["site"] = current_site()
        return "ok"

    client = app.test_client()
    assert client.get("/probe-site", headers={"Host": "support.acme.test"}).status_code == 200
    assert seen["site"] == Site("portal:acme", "https://support.acme.test")
    assert client.get("/probe-site", headers={"Host": "localhost"}).status_code == 200
    assert seen["site"].name == "desk"
    assert client.get("/probe-site", headers={"Host": "other.acme.test"}).status_code == 400
    assert portal.asked == ["support.acme.test", "other.acme.test"]  # the desk's own hosts never ask


def test_a_disabled_plugin_serves_no_host(make_app):
    portal = Portal()
    app = make_app(plugins=[portal])
    client = app.test_client()
    with app.app_context():
        app.extensions["crm"].set_enabled("portal_sites", False)
        _db.session.commit()
    assert client.get("/login", headers={"Host": "support.acme.test"}).status_code == 400


# links in mail -----------------------------------------------------------------------------------


def test_reset_email_links_to_the_configured_address_whatever_the_host(make_app):
    app = make_app(plugins=[], BASE_URL="https://desk.example.com/crm/", ALLOWED_HOSTS="internal-name")
    with app.app_context():
        from crm.people.services import create_user

        create_user("ayse@example.com", "Ayşe", "correct horse battery", role="staff")
        _db.session.commit()
        client = app.test_client()
        response = client.post("/forgot-password", data={"email": "ayse@example.com"},
                               headers={"Host": "internal-name:8080"}, base_url="http://internal-name:8080")
        assert response.status_code == 302
        [message] = outbox()
        text = message.payload["text"]
    assert re.search(r"https://desk\.example\.com/crm/reset-password/\S+", text), text
    assert "internal-name" not in text


def test_external_url_uses_the_site_not_the_request(app):
    with app.test_request_context("/", base_url="http://localhost:5000"):
        assert external_url("auth.login") == "http://localhost/login"
        assert external_url("auth.login", _anchor="top", next="/x") == "http://localhost/login?next=/x#top"
        portal = Site("portal:acme", "https://support.acme.test:8443/help")
        assert external_url("auth.login", site=portal) == "https://support.acme.test:8443/help/login"
    assert external_url("auth.login") == "http://localhost/login"  # no request needed (workers)


def test_the_site_outside_a_request_is_the_desk(app):
    assert current_site() == Site("desk", "http://localhost")
    with app.test_request_context("/"):
        g.crm_site = Site("portal:acme", "https://support.acme.test")
        assert current_site().host == "support.acme.test"
