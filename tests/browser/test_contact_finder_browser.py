"""The wizard's "Find a customer" box in a real browser: Enter searches (it does not move to the next step),
the customers found are offered in a select, and Use this customer fills in name and email."""
from __future__ import annotations

import re

import pytest

import plugins.support.plugin as support_plugin
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def test_enter_searches_and_a_found_customer_is_used(app, factory, page):
    factory.contact(name="Ahmet Kaya", email="ahmet@kaya.example")
    admin = factory.admin()
    sign_in(page, admin)
    page.goto("/support/tickets/new")
    page.wait_for_url(re.compile(r"/1$"))
    page.goto(page.url[:-1] + "2")
    page.fill("input[name=subject]", "Typed before searching")
    with page.expect_navigation():
        page.fill("#contact_query", "kaya")
        page.press("#contact_query", "Enter")
    assert re.search(r"/2$", page.url)  # still step 2
    assert page.locator("#contact_id option").all_inner_texts() == ["Ahmet Kaya <ahmet@kaya.example>"]
    with page.expect_navigation():
        page.click("button[value=use_contact]")
    assert page.input_value("input[name=customer_name]") == "Ahmet Kaya"
    assert page.input_value("input[name=customer_email]") == "ahmet@kaya.example"
    assert page.input_value("input[name=subject]") == "Typed before searching"
