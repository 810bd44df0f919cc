"""Portal admin pages: branding, custom domain and single sign-on, for admins only."""
import io
import re

import pytest
from sqlalchemy import func, select

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.portal import sso
from plugins.portal.branding import PortalBranding
from plugins.portal.models import PortalSite
from plugins.portal.sso import PortalSso
from tests.portal.dns_server import LocalDNS
from tests.portal.portal_kit import *  # noqa: F401,F403
from tests.portal.test_branding import PNG


@pytest.fixture
def dns_server():
    with LocalDNS() as server:
        yield server


@pytest.fixture
def app(make_app, dns_server):
    application = make_app(BASE_URL="https://desk.example.com", DNS_RESOLVER=dns_server.address, DNS_TIMEOUT=2)
    with application.app_context():
        yield application


@pytest.fixture
def site(portal):
    return portal.site("Acme")


@pytest.fixture
def admin(client, auth, factory):
    auth.login(factory.admin())
    return client


def admin_routes(app, slug):
    """Every portal admin URL (from the URL map) with its methods."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("portal_admin."):
            path = rule.rule.replace("<slug>", slug)
            routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_the_url_map_has_the_admin_pages(app, site):
    paths = {path for _m, path in admin_routes(app, site.slug)}
    assert {"/admin/portal/", f"/admin/portal/{site.slug}/branding", f"/admin/portal/{site.slug}/domain",
            f"/admin/portal/{site.slug}/domain/check", f"/admin/portal/{site.slug}/sso",
            f"/admin/portal/{site.slug}/sso/secret", f"/admin/portal/{site.slug}/sso/off"} <= paths


@pytest.mark.parametrize("who", ["anonymous", "staff", "member", "customer"])
def test_everyone_but_admins_is_refused_and_nothing_changes(app, client, auth, factory, portal, site, who):
    if who in ("staff", "member"):
        auth.login(factory.user(role=who))
    elif who == "customer":
        portal.login(client, site, portal.customer())
    for method, path in admin_routes(app, site.slug):
        response = client.open(path, method=method, data={
            "custom_domain": "support.acme.example", "organisation_name": "Hacked", "remote_login_url":
            "https://evil.example", "remote_only": "y"})
        assert response.status_code in (302, 401, 403, 404), (method, path, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    db.session.expire_all()
    row = db.session.get(PortalSite, site.brand_id)
    assert row.custom_domain is None
    assert db.session.scalar(select(func.count()).select_from(PortalBranding)) == 0
    assert db.session.scalar(select(func.count()).select_from(PortalSso)) == 0


def test_index_lists_every_brands_portal(app, admin, site):
    html = admin.get("/admin/portal/").get_data(as_text=True)
    assert "Acme" in html and f"/portal/{site.slug}/" in html


def test_unknown_portal_is_404(app, admin):
    for path in ("/admin/portal/nope/branding", "/admin/portal/nope/domain", "/admin/portal/nope/sso"):
        assert admin.get(path).status_code == 404
    assert admin.get("/admin/portal/x/branding?locale=xx").status_code == 404


def test_domain_page_shows_the_record_and_the_check_makes_it_valid(app, admin, site, dns_server):
    response = admin.post(f"/admin/portal/{site.slug}/domain", data={"custom_domain": "Support.Acme.Example"})
    assert response.status_code == 302
    html = admin.get(f"/admin/portal/{site.slug}/domain").get_data(as_text=True)
    assert "support.acme.example" in html and "desk.example.com" in html and "CNAME" in html and "pending" in html
    admin.post(f"/admin/portal/{site.slug}/domain/check")
    assert "No CNAME record was found yet" in admin.get(f"/admin/portal/{site.slug}/domain").get_data(as_text=True)
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    admin.post(f"/admin/portal/{site.slug}/domain/check")
    db.session.expire_all()
    assert db.session.get(PortalSite, site.brand_id).domain_state == "valid"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "portal.domain.checked"))


def test_a_verified_domain_serves_the_portal_and_other_hosts_are_refused(app, admin, portal, site, dns_server):
    dns_server.zone.cnames["support.acme.example"] = "desk.example.com"
    admin.post(f"/admin/portal/{site.slug}/domain", data={"custom_domain": "support.acme.example"})
    other = app.test_client()
    assert other.get("/login", headers={"Host": "support.acme.example"}).status_code == 400  # pending
    admin.post(f"/admin/portal/{site.slug}/domain/check")
    from plugins.portal.sites import forget_domains

    forget_domains()
    assert other.get("/login", headers={"Host": "support.acme.example"}).status_code == 200
    assert other.get("/login", headers={"Host": "unknown.acme.example"}).status_code == 400


@pytest.mark.parametrize("domain", ["acme.example", "desk.example.com", "a..b.example", "x" * 300])
def test_bad_domains_are_refused_with_a_message(app, admin, site, domain):
    response = admin.post(f"/admin/portal/{site.slug}/domain", data={"custom_domain": domain})
    assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PortalSite, site.brand_id).custom_domain is None


def test_branding_page_saves_per_language(app, admin, site):
    response = admin.post(f"/admin/portal/{site.slug}/branding?locale=tr", data={
        "organisation_name": "Acme Destek", "colour_button": "#00AA00",
        "favicon": (io.BytesIO(PNG), "icon.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.get(PortalBranding, (site.brand_id, "tr"))
    assert row.organisation_name == "Acme Destek" and row.colour_button == "#00aa00" and row.favicon_key
    html = admin.get(f"/admin/portal/{site.slug}/branding?locale=tr").get_data(as_text=True)
    assert 'value="Acme Destek"' in html and "Remove the favicon" in html


def test_branding_page_refuses_bad_input(app, admin, site):
    response = admin.post(f"/admin/portal/{site.slug}/branding?locale=en", data={
        "organisation_name": "Acme", "colour_text": "blue", "favicon": (io.BytesIO(b"<svg/>"), "x.png")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a colour such as #1a73e8." in html and "Upload the icon as a PNG or ICO file." in html
    assert db.session.scalar(select(func.count()).select_from(PortalBranding)) == 0


def test_sso_secret_is_shown_once_then_masked(app, admin, site):
    html = admin.post(f"/admin/portal/{site.slug}/sso/secret").get_data(as_text=True)
    shown = re.search(r'<code class="secret">([^<]+)</code>', html).group(1)
    row = db.session.get(PortalSso, site.brand_id)
    assert shown == row.secret and len(shown) >= 40
    page = admin.get(f"/admin/portal/{site.slug}/sso").get_data(as_text=True)
    assert shown not in page and "…" + shown[-4:] in page
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "portal.sso.secret_changed"))
    assert shown not in str(audit.changes)
    admin.post(f"/admin/portal/{site.slug}/sso/off")
    db.session.expire_all()
    assert not sso.enabled(db.session.get(PortalSite, site.brand_id))


def test_sso_remote_login_settings(app, admin, site):
    response = admin.post(f"/admin/portal/{site.slug}/sso", data={"remote_login_url": "javascript:alert(1)",
                                                                    "remote_only": "y"})
    assert response.status_code == 400 and "Enter an address starting with https://." in response.get_data(as_text=True)
    assert db.session.get(PortalSso, site.brand_id) is None
    response = admin.post(f"/admin/portal/{site.slug}/sso", data={"remote_login_url": "https://login.acme.example",
                                                                    "remote_only": "y"})
    assert response.status_code == 302
    row = db.session.get(PortalSso, site.brand_id)
    assert row.remote_login_url == "https://login.acme.example" and row.remote_only
