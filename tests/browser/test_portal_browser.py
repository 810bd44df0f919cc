"""A customer registers on a brand's portal in Turkish, opens a ticket, staff reply, the email (real SMTP) carries an
auto-login link, the customer follows it in a fresh browser, reads the reply and closes the ticket."""
from __future__ import annotations

import re
import socket
import time
from email import message_from_string, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm import settings
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
