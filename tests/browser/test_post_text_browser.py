"""A reply typed into the ticket page's box is shown by the browser exactly as typed, with working links."""
from __future__ import annotations

import pytest

import plugins.support.plugin as support_plugin
from plugins.support import services
from tests.conftest import PASSWORD
from tests.support.text_shown import SAMPLE, SAMPLE_LINKS, as_shown

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def test_typed_reply_is_shown_exactly_by_the_browser(app, factory, page):
    admin = factory.admin()
    ticket = services.open_ticket("Printer", contact=factory.contact(), body="First message.", author=admin)
    page.goto("/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"/support/tickets/{ticket.number}")
    page.fill("#reply textarea[name=body]", SAMPLE)
    page.click("#reply button.primary")
    page.wait_for_url(f"**/support/tickets/{ticket.number}**")
    body = page.locator(".post-public_reply .body")
    shown = body.inner_text().replace("\xa0", " ")
    assert "\n".join(line.rstrip(" ") for line in shown.split("\n")) == as_shown(SAMPLE)
    links = body.locator("a").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.textContent, a.rel, a.target])")
    assert [(href, label) for href, label, _rel, _target in links] == SAMPLE_LINKS
    assert all(rel == "noopener noreferrer nofollow" and target == "_blank" for _h, _l, rel, target in links)
    assert page.locator(".post-public_reply .body script, .post-public_reply .body b").count() == 0
