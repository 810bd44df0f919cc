"""The wizard suggests contacts as the agent types (static script, server search through the S-15 rule)."""
from __future__ import annotations

import re

import pytest

import plugins.support.plugin as support_plugin
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def test_typing_suggests_contacts_and_choosing_fills_the_name(app, factory, page):
    factory.contact(name="Ahmet Kaya", email="ahmet@kaya.example")
    admin = factory.admin()
    sign_in(page, admin)
    page.goto("/support/tickets/new")
    page.wait_for_url(re.compile(r"/1$"))
    page.goto(page.url[:-1] + "2")
    page.type("input[name=customer_email]", "kaya")
    page.locator("#contact-suggestions option").first.wait_for(state="attached")
    assert page.locator("#contact-suggestions option").count() == 1
    assert page.locator("#contact-suggestions option").get_attribute("value") == "ahmet@kaya.example"
    page.fill("input[name=customer_email]", "ahmet@kaya.example")
    page.dispatch_event("input[name=customer_email]", "input")
    assert page.input_value("input[name=customer_name]") == "Ahmet Kaya"
