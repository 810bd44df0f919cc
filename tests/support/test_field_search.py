"""Staff search finds searchable data-field values (issue 10); customers' searches do not match them.

A throwaway plugin (:mod:`tests.fields_kit`) adds the fields. Runs on SQLite
and on PostgreSQL (CRM_TEST_DATABASE_URL): both index the same folded words.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import services
from plugins.support.models import Ticket
from plugins.support.search import matching_tickets
from tests.fields_kit import app_plugins, field_table, plugin  # noqa: F401
from tests.portal.portal_kit import portal, site  # noqa: F401


@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin())
    return client


NUMBER = re.compile(r'<td class="ticket-number"><a [^>]*>([^<]+)</a>')


def _found(client, q):
    response = client.get("/support/tickets", query_string={"q": q})
    assert response.status_code == 200
    return sorted(NUMBER.findall(response.get_data(as_text=True)))


def _fields(plugin):
    """A searchable text field, a non-searchable one and a searchable read-only choice, on the staff page."""
    found = plugin.text(searchable=True)
    hidden = plugin.text(name="fieldtest_secret", label="Secret")
    shown = plugin.choice(editable=False, searchable=True)
    plugin.fields[("ticket", "staff_ticket")] = [found, hidden, shown]
    return found, hidden, shown


def _open(desk, plugin, subject="Kargo", **values):
    fields = {f.name: f for f in plugin.fields[("ticket", "staff_ticket")]}
    return desk.ticket(subject, fields=[(fields[name], value) for name, value in values.items()])


def test_searchable_values_saved_with_a_new_ticket_are_found_with_turkish_folding(app, admin_client, desk, plugin):
    _fields(plugin)
    ticket = _open(desk, plugin, fieldtest_order="IŞIK-42", fieldtest_secret="zanzibar")
    other = desk.ticket("Kargo")
    for q in ("ışık", "IŞIK", "isik", "Işık 42", "kargo ışık"):
        assert _found(admin_client, q) == [ticket.number], q
    assert _found(admin_client, "zanzibar") == [], "a field that is not searchable is not found"
    assert _found(admin_client, "kargo") == sorted([ticket.number, other.number])
    assert db.session.scalar(select(Ticket.field_text).where(Ticket.id == ticket.id)) == "isik 42"


def test_a_changed_value_is_found_by_its_new_text_not_its_old(app, admin_client, desk, plugin, factory):
    _fields(plugin)
    ticket = _open(desk, plugin, subject="Printer", fieldtest_order="Ankara")
    assert _found(admin_client, "ankara") == [ticket.number]
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    services.set_field_values(ticket, {"fieldtest_order": "Çorum"}, actor=factory.admin())
    assert _found(admin_client, "corum") == [ticket.number]
    assert _found(admin_client, "ankara") == []
    # the subject's words stay, and a later subject change keeps the field words
    db.session.expire_all()
    services.set_field_values(db.session.get(Ticket, ticket.id), {"fieldtest_order": ""}, actor=SYSTEM)
    assert _found(admin_client, "corum") == [] and _found(admin_client, "printer") == [ticket.number]


def test_read_only_searchable_values_count_with_the_edited_ones(app, admin_client, desk, plugin, factory):
    found, _hidden, shown = _fields(plugin)
    ticket = desk.ticket("Printer")
    db.session.commit()
    plugin.store.save("ticket", ticket.id, {shown.name: "windows"}, SYSTEM)  # set elsewhere (e.g. a form answer)
    db.session.commit()
    services.set_field_values(db.session.get(Ticket, ticket.id), {found.name: "Bursa"}, actor=factory.admin())
    # the choice is indexed by its label, as staff see it
    assert _found(admin_client, "windows bursa") == [ticket.number]


def test_renaming_the_customer_keeps_the_field_words(app, admin_client, desk, plugin, factory):
    _fields(plugin)
    contact = factory.contact(name="Ayşe Yılmaz")
    ticket = desk.ticket("Kargo", contact=contact, fields=[(plugin.fields[("ticket", "staff_ticket")][0], "İzmir")])
    contact.name = "Ayşe Demir"
    db.session.commit()
    assert _found(admin_client, "demir izmir") == [ticket.number]
    assert _found(admin_client, "yilmaz") == []


def test_customers_searches_never_match_field_words(app, desk, plugin):
    _fields(plugin)
    ticket = _open(desk, plugin, subject="Kargo gecikti", fieldtest_order="Trabzon")
    staff = db.session.scalars(matching_tickets("trabzon", include_internal=True)).all()
    customer = db.session.scalars(matching_tickets("trabzon", include_internal=False)).all()
    assert staff == [ticket.id] and customer == []
    # the ticket's own words are still found for customers, also with a field word starting like one
    assert db.session.scalars(matching_tickets("kargo", include_internal=False)).all() == [ticket.id]
    both = db.session.scalars(matching_tickets("kargo trabzon", include_internal=False)).all()
    assert both == []


def test_the_portal_search_does_not_find_field_values(app, desk, plugin, portal, site):
    found, _hidden, _shown = _fields(plugin)
    plugin.fields[("ticket", "portal_ticket")] = [found]  # even one the customer sees: searches leave them out
    customer = portal.customer(email="me@example.org", name="Me Myself")
    ticket = portal.ticket(customer, subject="Invoice question")
    services.set_field_values(db.session.get(Ticket, ticket.id), {found.name: "Zanzibar"}, actor=SYSTEM)
    client = portal.client_for(site, customer)
    assert ticket.number not in client.get(portal.url(site, "tickets?q=zanzibar")).get_data(as_text=True)
    assert ticket.number in client.get(portal.url(site, "tickets?q=invoice")).get_data(as_text=True)


def test_the_refold_of_all_tickets_keeps_field_words(app, admin_client, desk, plugin):
    from plugins.support import search_text

    _fields(plugin)
    ticket = _open(desk, plugin, fieldtest_order="Sinop")
    db.session.commit()
    search_text.refresh_tickets(db.session.connection())
    db.session.commit()
    assert db.session.scalar(select(Ticket.search_text).where(Ticket.id == ticket.id)).endswith(" sinop")
    assert _found(admin_client, "sinop") == [ticket.number]
