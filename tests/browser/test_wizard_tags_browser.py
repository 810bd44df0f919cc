"""The wizard's tag field in a real browser: typed tags become chips, existing tags are suggested from the
server, a chip can be removed, and the ticket gets the chips' tags."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

import plugins.support.plugin as support_plugin
from crm.extensions import db
from plugins.support.models import Brand, Tag, Ticket
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def _chips(page) -> list[str]:
    return page.locator(".tag-chip").evaluate_all("chips => chips.map(c => c.firstChild.textContent)")


def test_tags_as_chips_with_suggestions(app, factory, page):
    db.session.add_all([Brand(name="Acme"), Tag(name="late delivery"), Tag(name="vip")])
    db.session.commit()
    agent = factory.user()
    sign_in(page, agent)
    page.goto("/support/tickets/new")
    page.wait_for_url(re.compile(r"/1$"))
    page.click(".wizard-buttons button[value=next]")
    page.wait_for_url(re.compile(r"/2$"))
    page.fill("input[name=customer_name]", "Ahmet Kaya")
    page.fill("input[name=customer_email]", "ahmet@example.org")
    page.click(".wizard-buttons button[value=next]")
    page.wait_for_url(re.compile(r"/3$"))

    assert page.locator("input[name=tags]").is_hidden()  # the chips stand in for the text field
    entry = page.locator(".tag-entry")
    entry.type("deliv")
    page.wait_for_function("() => [...document.querySelectorAll('.tag-chips datalist option')]"
                           ".some(o => o.value === 'late delivery')")
    entry.fill("")
    entry.type("late delivery")
    entry.press("Enter")
    entry.type("brand new,")
    entry.type("VIP")
    entry.press("Enter")
    assert _chips(page) == ["late delivery", "brand new", "VIP"]
    page.click(".tag-chip:has-text('brand new') .tag-remove")
    assert _chips(page) == ["late delivery", "VIP"]
    assert page.input_value("input[name=tags]") == "late delivery, VIP"
    page.click(".wizard-buttons button[value=create]")
    page.wait_for_url(re.compile(r"/support/tickets/[^/]+$"))
    db.session.expire_all()
    ticket = db.session.scalar(select(Ticket))
    assert sorted(t.name for t in ticket.tags) == ["VIP", "late delivery"]
