"""Canned replies in a real browser: an agent picks one, it is inserted at the cursor with the customer's name
filled in (no page load), the reply is sent and appears in the conversation."""
from __future__ import annotations

import pytest

import plugins.support.plugin as support_plugin
from crm.actors import SYSTEM
from plugins.support import services
from plugins.support.canned_replies import service as canned
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def test_canned_reply_inserted_and_sent(app, factory, page):
    department = factory.department("Billing")
    admin, agent = factory.admin(), factory.user(departments=[department], name="Deniz Kaya")
    canned.save(admin, {"title": "Refund issued", "scope": "department", "department_id": str(department.id),
                        "texts": {"en": "Dear {customer_name}, your refund for {ticket_number} is on its way."}})
    canned.save(admin, {"title": "Someone else's department", "scope": "department",
                        "department_id": str(factory.department().id), "texts": {"en": "Not for Deniz"}})
    contact = factory.contact(name="Ayşe Yılmaz")
    ticket = services.open_ticket("Refund please", contact=contact, body="Where is my refund?", author=SYSTEM)
    sign_in(page, agent)
    page.goto(f"/support/tickets/{ticket.number}")
    options = page.locator("#reply-canned option").all_inner_texts()
    assert options == ["Refund issued"]
    box = page.locator("#reply-body")
    box.fill("Hello!\n\nThanks.")
    box.evaluate("el => el.setSelectionRange(7, 7)")  # the cursor on the empty line
    loads = []
    page.on("load", lambda _: loads.append(1))
    page.click("button.canned-insert")
    expected = f"Dear Ayşe Yılmaz, your refund for {ticket.number} is on its way."
    page.wait_for_function("text => document.getElementById('reply-body').value.includes(text)", arg=expected)
    assert box.input_value() == f"Hello!\n{expected}\nThanks."
    assert loads == []  # inserted without reloading the page
    page.click("#reply button.primary")
    page.wait_for_url(f"**/support/tickets/{ticket.number}")
    post = page.locator("article.post-public_reply .body")
    post.wait_for()
    assert expected in post.inner_text()
