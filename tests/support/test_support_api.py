"""The support plugin's public API: documented, versioned, and notes written under a plugin's name."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from crm import PluginInfo, hookimpl
from crm.testing import builtin_plugins, plugin_list
from plugins.support import api

DOC = Path(__file__).resolve().parents[2] / "docs" / "support-api.md"


def public_functions():
    return [name for name in api.__all__ if inspect.isfunction(getattr(api, name))]


def test_every_public_function_is_documented_with_its_signature():
    doc = DOC.read_text()
    for name in public_functions():
        assert f"### `{name}`" in doc, f"{name} is not in docs/support-api.md"
        params = inspect.signature(getattr(api, name)).parameters
        block = doc.split(f"### `{name}`", 1)[1].split("###", 1)[0]
        for param in params:
            assert re.search(rf"\b{param}\b", block), f"{name}: parameter {param} is not documented"


def test_the_api_is_versioned():
    assert re.fullmatch(r"\d+\.\d+", api.API_VERSION)
    assert f"`{api.API_VERSION}`" in DOC.read_text()


class OfficeNote:
    """A plugin that adds an internal note, as the system under its own name, to every new ticket."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("office_note", "Office note", requires=("support",))

    @hookimpl
    def support_ticket_created(self, ticket):
        api.add_note(ticket, "Opened outside office hours.", author=api.SYSTEM, author_label="Office hours")


@pytest.fixture
def app_plugins():
    return plugin_list(builtin_plugins(), OfficeNote())


def test_a_plugins_note_shows_the_plugins_name(app, client, factory, auth):
    ticket = factory.ticket("Broken lamp", body="It flickers.")
    posts = api.visible_posts(ticket, actor=api.SYSTEM)
    assert [(p.kind, p.author_label) for p in posts] == [("customer_message", ""), ("internal_note", "Office hours")]
    auth.login(factory.admin())
    page = client.get(f"/support/tickets/{ticket.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Office hours" in html
    assert "Unknown" not in html


def test_staff_cannot_write_under_a_label(app, factory):
    ticket = factory.ticket()
    with pytest.raises(api.TicketError) as refused:
        api.add_note(ticket, "Hi", author=factory.admin(), author_label="Someone else")
    assert refused.value.field == "author_label"


@pytest.mark.parametrize("label", ["", "   ", "x" * 121])
def test_a_label_must_be_short_and_not_blank(app, factory, label):
    ticket = factory.ticket()
    with pytest.raises(api.TicketError):
        api.add_note(ticket, "Hi", author=api.SYSTEM, author_label=label)


def test_customers_read_their_ticket_without_internal_notes(app, factory):
    contact, stranger = factory.contact(), factory.contact()
    ticket = factory.ticket(contact=contact)
    assert api.get_ticket(ticket.number, actor=api.Customer.of(contact)).id == ticket.id
    assert api.get_ticket(ticket.number, actor=api.Customer.of(stranger)) is None
    assert [p.kind for p in api.visible_posts(ticket, actor=api.Customer.of(contact))] == ["customer_message"]
    assert api.visible_posts(ticket, actor=api.Customer.of(stranger)) == []
    assert api.get_ticket(ticket.number, actor=None) is None


def test_attachment_limits_follow_the_settings(app, set_support):
    set_support(max_attachments=3, max_file_size_mb=2, allowed_file_types=["pdf", "png"])
    limits = api.attachment_limits()
    assert (limits.max_files, limits.max_bytes, limits.allowed_types) == (3, 2 * 1024 * 1024, ("pdf", "png"))
