"""Staff open a ticket for a customer through the three steps with a template, reply, and the customer's
email reaches a real SMTP server without the private description (S-30 to S-32)."""
from __future__ import annotations

import re
import socket
import time
import uuid

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

import plugins.support.plugin as support_plugin
from crm import settings
from crm.extensions import db
from plugins.support import statuses
from plugins.support.models import Brand, Post, Tag, Ticket, Topic
from plugins.support.ticket_templates import TicketTemplate
from tests.conftest import PASSWORD
from tests.support.test_callback import CallbackServer

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def company_system(app):
    """The company's own system answering the callback, on loopback (allowed by the setting)."""
    server = CallbackServer()
    server.json({"Customer no": "C-77", "Open orders": 2})
    settings.set_many("support", {"callback_url": server.url, "callback_allow_private": True})
    db.session.commit()
    yield server
    server.close()


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.set_many("crm", {"smtp_host": "127.0.0.1", "smtp_port": controller.port})
    db.session.commit()
    yield inbox
    controller.stop()


def _sign_in(page, email):
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def _relay_until(inbox, count, timeout=15):
    from crm.notify.relay import relay

    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        db.session.rollback()
        relay()
        time.sleep(0.2)
    return inbox.messages


def test_staff_open_a_ticket_with_a_template_reply_and_the_customer_is_emailed(page, factory, smtp, company_system,
                                                                                 screenshots):
    marker = f"PRIVATE-{uuid.uuid4().hex}"
    statuses.statuses()
    support = factory.department("Support")
    brand, topic, tag = Brand(name="Acme Shop"), Topic(name="Orders", department_id=support.id), Tag(name="orders")
    db.session.add_all([brand, topic, tag])
    db.session.commit()
    agent = factory.user(name="Ayşe Agent", departments=[support])
    db.session.add(TicketTemplate(name="Sipariş Durumu", author_id=agent.id, values={
        "brand_id": str(brand.id), "topic_id": str(topic.id), "subject": "Siparişiniz hakkında",
        "priority": "medium", "assign_to": "user", "assignee_user_id": str(agent.id), "tag_ids": [str(tag.id)],
    }))
    db.session.commit()

    _sign_in(page, agent.email)
    page.goto("/support/tickets")
    page.click("a[href='/support/tickets/new']")
    page.wait_for_url(re.compile(r"/support/tickets/new/\w{32}/1$"))

    # step 1: the template fills in every step
    with page.expect_navigation():  # choosing a template applies it at once
        page.select_option("select[name=template_id]", label="Sipariş Durumu")
    page.wait_for_selector(".flash-success")
    assert page.input_value("select[name=topic_id]") == str(topic.id)
    page.click(".wizard-buttons button[value=next]")

    # step 2: the customer, and a private description
    page.wait_for_url(re.compile(r"/2$"))
    assert page.input_value("input[name=subject]") == "Siparişiniz hakkında"
    page.fill("input[name=customer_name]", "Ahmet Kaya")
    page.fill("input[name=customer_email]", "ahmet@example.org")
    page.fill("textarea[name=description]", f"Called about order 42. {marker}")
    page.click(".wizard-buttons button[value=back]")
    page.wait_for_url(re.compile(r"/1$"))
    page.click(".wizard-tabs button[value='2']")
    page.wait_for_url(re.compile(r"/2$"))
    assert page.input_value("input[name=customer_name]") == "Ahmet Kaya"  # nothing was lost

    # the callback tab: what the company's system knows, then back to the steps
    page.click(".wizard-tabs button[value=callback]")
    page.wait_for_url(re.compile(r"/callback"))
    assert page.input_value("input[name=email]") == "ahmet@example.org"
    page.click(".toolbar button[value=fetch]")
    page.wait_for_selector(".callback-items")
    assert company_system.requests == [{"email": ["ahmet@example.org"]}]
    page.click(".wizard-tabs button[value='2']")
    page.wait_for_url(re.compile(r"/2$"))
    assert page.locator(".callback-items").inner_text().split() == ["Customer", "no", "C-77", "Open", "orders", "2"]
    assert page.input_value("textarea[name=description]") == f"Called about order 42. {marker}"
    page.screenshot(path=str(screenshots / "new-ticket-step2.png"), full_page=True)
    page.click(".wizard-buttons button[value=next]")

    # step 3: prefilled from the template; create and reply at once
    page.wait_for_url(re.compile(r"/3$"))
    assert page.input_value("select[name=priority]") == "medium"
    assert page.input_value("select[name=assignee_user_id]") == str(agent.id)
    assert not page.is_visible("select[name=assignee_department_id]")  # only the chosen kind of assignee
    page.screenshot(path=str(screenshots / "new-ticket-step3.png"), full_page=True)
    page.click("button[value=create_reply]")
    page.wait_for_url(re.compile(r"/support/tickets/[^/]+#reply$"))

    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket))
    assert ticket.channel == "internal" and ticket.subject == "Siparişiniz hakkında"
    note = db.session.scalar(select(Post).where(Post.ticket_id == ticket.id))
    assert note.kind == "internal_note" and marker in note.body_text

    page.fill("#reply textarea[name=body]", "We checked your order; it ships today.")
    page.click("#reply button.primary")
    page.wait_for_selector(".flash-success")
    page.screenshot(path=str(screenshots / "ticket-replied.png"), full_page=True)

    messages = _relay_until(smtp, 1)
    assert messages, "the customer's email did not arrive"
    assert all(rcpt == ["ahmet@example.org"] for rcpt, _ in messages)
    assert any("ships today" in body for _, body in messages)
    assert any(ticket.number in body for _, body in messages)
    for _rcpt, body in messages:
        assert marker not in body
