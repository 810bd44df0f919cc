"""Custom domains (P-11): the CNAME check against a real DNS server on 127.0.0.1, and the command."""
import pytest
from sqlalchemy import select

from crm.extensions import db
from plugins.portal import domains
from plugins.portal.models import PortalSite
from plugins.portal.sites import site_for_brand
from plugins.support.models import Brand
from tests.portal.dns_server import LocalDNS

DESK = "https://desk.example.com"


@pytest.fixture
def dns_server():
    with LocalDNS() as server:
        yield server


@pytest.fixture
def app(make_app, dns_server):
    application = make_app(BASE_URL=DESK, DNS_RESOLVER=dns_server.address, DNS_TIMEOUT=2)
    with application.app_context():
        yield application


@pytest.fixture
def site(app):
    brand = Brand(name="Acme")
    db.session.add(brand)
    db.session.flush()
    portal = site_for_brand(brand)
    db.session.commit()
    return portal


def test_the_record_to_create_points_at_the_desks_host(app):
    assert domains.cname_target() == "desk.example.com"


@pytest.mark.parametrize("text, stored", [
    ("Support.Acme.Example", "support.acme.example"),
    ("support.acme.example.", "support.acme.example"),
    ("destek.şirket.example", "destek.xn--irket-idb.example"),
])
def test_domains_are_stored_normalized(app, text, stored):
    assert domains.normalize_domain(text) == stored


@pytest.mark.parametrize("text", ["", "acme.example", "a..b.example", "-x.acme.example", "x_y.acme.example",
                                  "desk.example.com", "10.0.0.1", "a b.acme.example", "x" * 64 + ".acme.example",
                                  "http://support.acme.example"])
def test_bad_domains_are_refused(app, text):
    with app.test_request_context(), pytest.raises(domains.DomainError):
        domains.normalize_domain(text)


def test_a_cname_to_the_desk_makes_the_domain_valid(app, site, dns_server):
    with app.test_request_context():
        domains.set_domain(site, "support.acme.example")
    db.session.commit()
    assert site.domain_state == "pending"
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    with app.test_request_context():
        result = domains.check_site(site)
    db.session.commit()
    assert result.state == "valid" and result.targets == ("desk.example.com",)
    assert site.domain_state == "valid" and site.domain_checked_at is not None
    assert "support.acme.example" in dns_server.zone.questions


@pytest.mark.parametrize("cname", [None, "elsewhere.example.net"])
def test_a_missing_or_foreign_cname_keeps_the_domain_pending(app, site, dns_server, cname):
    with app.test_request_context():
        domains.set_domain(site, "support.acme.example")
    if cname:
        dns_server.zone.cnames["support.acme.example"] = cname
    with app.test_request_context():
        result = domains.check_site(site)
    assert result.state == "pending" and result.decided
    assert site.domain_state == "pending"


def test_a_removed_record_takes_a_valid_domain_back_to_pending(app, site, dns_server):
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    with app.test_request_context():
        domains.set_domain(site, "support.acme.example")
        domains.check_site(site)
        assert site.domain_state == "valid"
        del dns_server.zone.cnames["support.acme.example"]
        domains.check_site(site)
    assert site.domain_state == "pending"


def test_a_failing_dns_server_keeps_the_state(app, site, dns_server):
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    with app.test_request_context():
        domains.set_domain(site, "support.acme.example")
        domains.check_site(site)
        dns_server.zone.failing = True
        result = domains.check_site(site)
    assert not result.decided and site.domain_state == "valid"


def test_a_domain_used_by_another_portal_is_refused(app, site):
    other = Brand(name="Globex")
    db.session.add(other)
    db.session.flush()
    second = site_for_brand(other)
    with app.test_request_context():
        domains.set_domain(site, "support.acme.example")
        db.session.commit()
        with pytest.raises(domains.DomainError):
            domains.set_domain(second, "SUPPORT.acme.example")
    assert second.custom_domain is None


def test_changing_the_domain_needs_a_new_check(app, site, dns_server):
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    with app.test_request_context():
        domains.set_domain(site, "support.acme.example")
        domains.check_site(site)
        domains.set_domain(site, "help.acme.example")
    assert site.domain_state == "pending" and site.domain_checked_at is None
    with app.test_request_context():
        domains.set_domain(site, "")
    assert site.custom_domain is None and site.domain_state == "none"


def test_check_domains_command(app, site, dns_server):
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    site.custom_domain, site.domain_state = "support.acme.example", "pending"
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["crm", "portal", "check-domains"])
    assert result.exit_code == 0, result.output
    assert "support.acme.example\tvalid" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(PortalSite.domain_state)) == "valid"


@pytest.mark.parametrize("config", [{"DNS_RESOLVER": "dns.example.com"}, {"DNS_RESOLVER": "127.0.0.1:99999"},
                                    {"DNS_RESOLVER": "127.0.0.1:x"}, {"DNS_TIMEOUT": 0}, {"DNS_TIMEOUT": "soon"}])
def test_a_resolver_setting_that_cannot_work_stops_the_start(make_app, config):
    with pytest.raises(ValueError, match="DNS_"):
        make_app(**config)


@pytest.mark.parametrize("value", ["127.0.0.1", "127.0.0.1:5353, [::1]:53", "::1"])
def test_resolver_settings_that_work(value):
    domains.check_resolver_config({"DNS_RESOLVER": value})
