"""A customer registers on a brand's portal in Turkish, opens a ticket, staff reply, the email (real SMTP) carries an
auto-login link, the customer follows it in a fresh browser, reads the reply and closes the ticket; and the same
portal served at the root of its verified custom host."""
from __future__ import annotations

import re
import socket
import time
from email import message_from_string, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm import settings
from crm.actors import SYSTEM
from crm.extensions import db
from crm.people.models import Contact
from plugins.portal.sites import site_for_brand
from plugins.support import services
from plugins.support.models import Brand, Ticket

pytestmark = pytest.mark.browser
PASSWORD = "uzun ve gizli parola"


class Inbox:
    """An aiosmtpd handler keeping every message it receives, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_string(envelope.content.decode("utf-8", "replace"), policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.set_many("crm", {"smtp_host": "127.0.0.1", "smtp_port": controller.port})
    db.session.commit()
    yield inbox
    controller.stop()


def _mail_with(inbox, fragment, timeout=15):
    """The text of the first delivered email holding ``fragment``, relaying the outbox until it arrives."""
    from crm.notify.relay import relay

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in inbox.messages:
            text = message.get_body(("plain",)).get_content()
            if fragment in text:
                return text
        db.session.rollback()
        relay()
        time.sleep(0.2)
    raise AssertionError(f"no email with {fragment!r} arrived")


def _link(text, fragment):
    return next(url for url in re.findall(r"https?://\S+", text) if fragment in url)


def test_register_open_in_turkish_follow_the_emailed_link_and_close(page, browser, live_server, smtp, factory,
                                                                     screenshots):
    live_server.app.config["BASE_URL"] = live_server.url("")  # links in emails point at the served app
    brand = Brand(name="Acme Türkiye", position=0)
    db.session.add(brand)
    db.session.flush()
    slug = site_for_brand(brand).slug
    db.session.commit()
    agent = factory.admin(name="Ayşe Destek")

    page.goto(f"/portal/{slug}/register?lang=tr")
    assert page.get_attribute("html", "lang") == "tr"
    page.fill("input[name=name]", "Mehmet Yılmaz")
    page.fill("input[name=email]", "mehmet@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/{slug}/login$"))

    verify = _link(_mail_with(smtp, "/verify/"), "/verify/")
    page.goto(verify)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/{slug}/tickets$"))
    assert page.get_attribute("html", "lang") == "tr"

    page.click(f"a[href$='/portal/{slug}/tickets/new']")
    page.fill("input[name=subject]", "Yazıcı duman çıkarıyor")
    page.fill("textarea[name=body]", "Dün akşamdan beri çalışmıyor.")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/{slug}/tickets/[^/]+$"))
    page.screenshot(path=str(screenshots / "portal-ticket-opened.png"), full_page=True)

    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket))
    contact = db.session.get(Contact, ticket.contact_id)
    assert (ticket.channel, ticket.brand_id, contact.locale) == ("portal", brand.id, "tr")
    services.add_reply(ticket, "Kabloyu değiştirdik, tekrar dener misiniz?", author=agent)

    mail = _mail_with(smtp, "Kabloyu")
    assert "Talebinizi buradan okuyup" in mail  # the customer's language
    auto_login = _link(mail, f"/portal/{slug}/go/")

    fresh = browser.new_context(locale="en-US")  # another browser: no session of the registration
    tab = fresh.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.goto(auto_login)
    tab.click("form.card button[type=submit]")
    tab.wait_for_url(re.compile(rf"/portal/{slug}/tickets/{re.escape(ticket.number)}$"))
    assert "Kabloyu değiştirdik" in tab.inner_text(".conversation")
    assert tab.get_attribute("html", "lang") == "tr"
    tab.click("button[data-status=closed]")
    tab.wait_for_selector(".flash-success")
    tab.screenshot(path=str(screenshots / "portal-ticket-closed.png"), full_page=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status.key == "closed"

    fresh.close()

    # the link worked once: a third browser lands on the sign-in page with a message
    third = browser.new_context(locale="en-US")
    again = third.new_page()
    again.goto(auto_login)
    again.wait_for_url(re.compile(rf"/portal/{slug}/login$"))
    assert again.is_visible(".flash-error")
    third.close()


HOST = "support.acme-turkiye.example"


def _serve_host_from(context, live_server):
    """Send the browser's requests for the portal's domain to the live server, with the domain as Host header."""
    def handle(route):
        path = route.request.url.split(HOST, 1)[1]
        headers = {**route.request.headers, "host": HOST}
        response = route.fetch(url=live_server.url(path), headers=headers, max_redirects=0)
        route.fulfill(response=response)

    context.route(f"http://{HOST}/**", handle)


def test_the_same_portal_on_its_verified_custom_host(browser, live_server, smtp, portal_kit_customer, factory,
                                                     screenshots):
    from plugins.portal.sites import forget_domains

    site, contact, ticket = portal_kit_customer
    site.custom_domain, site.domain_state = HOST, "valid"
    db.session.commit()
    with live_server.app.app_context():
        forget_domains()
    services.add_reply(ticket, "Alan adından merhaba", author=factory.admin())
    mail = _mail_with(smtp, "Alan adından")
    link = _link(mail, f"http://{HOST}/go/")
    context = browser.new_context(locale="tr-TR")
    _serve_host_from(context, live_server)
    tab = context.new_page()
    tab.goto(link)
    tab.click("form.card button[type=submit]")
    tab.wait_for_url(f"http://{HOST}/tickets/{ticket.number}")
    assert "Alan adından merhaba" in tab.inner_text(".conversation")
    assert f"/portal/{site.slug}/" not in tab.inner_html(".portal-main")
    tab.screenshot(path=str(screenshots / "portal-custom-host.png"), full_page=True)
    context.close()


@pytest.fixture
def portal_kit_customer(app, factory):
    """A brand's portal, a Turkish-speaking customer who can sign in, and their ticket."""
    from crm.timeutil import utcnow
    from plugins.portal.models import PortalAccount

    brand = Brand(name="Acme Türkiye", position=0)
    db.session.add(brand)
    db.session.flush()
    site = site_for_brand(brand)
    contact = factory.contact(email="alan@example.org", locale="tr")
    contact.set_password(PASSWORD)
    db.session.add(PortalAccount(contact_id=contact.id, registered_at=utcnow(), email_verified_at=utcnow(),
                                 website_url="", linkedin_url="", twitter_url=""))
    db.session.commit()
    ticket = services.open_ticket("Alan adı", author=SYSTEM, contact=contact, body="Merhaba", brand=brand.id,
                                  channel="email")
    return site, contact, ticket
