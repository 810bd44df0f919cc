"""Readability in a real browser: the unread badge in the top bar and the wizard's Discard button (contrast)."""
from __future__ import annotations

import pytest

import plugins.support.plugin as support_plugin
from crm.extensions import db
from crm.notify.inapp import notify
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_plugins():
    return [support_plugin]


def _luminance(rgb: str) -> float:
    values = [float(p) for p in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")]
    if len(values) == 4 and values[3] == 0:
        values = [255, 255, 255]  # a transparent background shows the white card beneath
    parts = [v / 255 for v in values[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_unread_badge_is_readable(app, factory, page):
    me = factory.user()
    notify([me.id], "support.ticket_opened", {"number": "2026-00001", "subject": "Printer"}, url="/")
    db.session.commit()
    page.goto("/login")
    page.fill("input[name=email]", me.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/notifications/")
    badge = page.locator(".topbar .badge")
    colour, background = badge.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert _contrast(colour, background) >= 4.5


def test_the_wizards_discard_button_is_clearly_visible(app, factory, page):
    me = factory.admin(locale="tr")
    page.goto("/login")
    page.fill("input[name=email]", me.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/support/tickets/new")
    discard = page.locator(".wizard-buttons button[value=cancel]")
    colour, background, border = discard.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor, getComputedStyle(b).borderTopColor]")
    assert _contrast(colour, background) >= 4.5
    assert _contrast(border, background) >= 3
