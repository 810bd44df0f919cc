"""Data fields (crm_data_fields) on the portal: the customer's ticket page, the profile, the new-ticket pages."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.hooks.manager import host
from plugins.support.models import Ticket, TicketHistory, Topic
from tests.fields_kit import app_plugins, field_table, plugin, stored  # noqa: F401
from tests.portal.portal_kit import portal, site  # noqa: F401


def _seed(plugin, subject, record_id, **values):
    db.session.commit()
    plugin.store.save(subject, record_id, values, None)
    db.session.commit()


def _queries(count_queries, client, url):
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


# the customer's ticket page ----------------------------------------------------------------------

def test_the_ticket_page_shows_values_and_lets_the_customer_change_the_editable_ones(portal, site, plugin):
    plugin.fields[("ticket", "portal_ticket")] = [plugin.text(), plugin.choice(editable=False)]
    customer = portal.customer()
    ticket = portal.ticket(customer)
    _seed(plugin, "ticket", ticket.id, fieldtest_os="windows")
    client = portal.client_for(site, customer)
    url = portal.url(site, f"tickets/{ticket.number}")
    page = client.get(url).get_data(as_text=True)
    assert 'name="fieldtest_order"' in page and "Windows" in page and 'name="fieldtest_os"' not in page
    response = client.post(url + "/fields", data={"version": ticket.version, "fieldtest_order": "P-1",
                                                  "fieldtest_os": "linux"})
    assert response.status_code == 302
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "P-1", (ticket.id, "fieldtest_os"): "windows"}
    row = db.session.scalar(select(TicketHistory).where(TicketHistory.field == "fieldtest_order"))
    assert row.contact_id == customer.id and row.new == "P-1"


def test_bad_values_on_the_ticket_page_store_nothing(portal, site, plugin):
    plugin.fields[("ticket", "portal_ticket")] = [plugin.text(required=True)]
    customer = portal.customer()
    ticket = portal.ticket(customer)
    client = portal.client_for(site, customer)
    url = portal.url(site, f"tickets/{ticket.number}")
    response = client.post(url + "/fields", data={"version": ticket.version, "fieldtest_order": "x" * 30})
    assert response.status_code == 400
    assert "Field cannot be longer than 20 characters." in response.get_data(as_text=True)
    response = client.post(url + "/fields?lang=tr", data={"version": ticket.version, "fieldtest_order": ""})
    assert response.status_code == 400 and "Bu alan zorunludur." in response.get_data(as_text=True)
    assert stored("ticket") == {}


def test_another_customer_s_ticket_is_not_reached(portal, site, plugin):
    plugin.fields[("ticket", "portal_ticket")] = [plugin.text()]
    owner, other = portal.customer(), portal.customer()
    ticket = portal.ticket(owner)
    client = portal.client_for(site, other)
    response = client.post(portal.url(site, f"tickets/{ticket.number}/fields"), data={"fieldtest_order": "X"})
    assert response.status_code == 404
    anonymous = portal.app.test_client()
    response = anonymous.post(portal.url(site, f"tickets/{ticket.number}/fields"), data={"fieldtest_order": "X"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stored("ticket") == {}


def test_read_only_fields_give_no_form_and_posting_is_refused(portal, site, plugin):
    plugin.fields[("ticket", "portal_ticket")] = [plugin.text(editable=False)]
    customer = portal.customer()
    ticket = portal.ticket(customer)
    _seed(plugin, "ticket", ticket.id, fieldtest_order="R-1")
    client = portal.client_for(site, customer)
    url = portal.url(site, f"tickets/{ticket.number}")
    page = client.get(url).get_data(as_text=True)
    assert "R-1" in page and 'name="fieldtest_order"' not in page
    assert client.post(url + "/fields", data={"fieldtest_order": "X"}).status_code == 302
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "R-1"}


def test_the_ticket_page_s_queries_do_not_grow_with_the_fields(portal, site, plugin, count_queries):
    customer = portal.customer()
    ticket = portal.ticket(customer)
    client = portal.client_for(site, customer)
    url = portal.url(site, f"tickets/{ticket.number}")
    none = _queries(count_queries, client, url)
    plugin.many(1, ("ticket", "portal_ticket"))
    one = _queries(count_queries, client, url)
    assert one == none + 1
    fields = plugin.many(10, ("ticket", "portal_ticket"))
    _seed(plugin, "ticket", ticket.id, **{f.name: f"v{i}" for i, f in enumerate(fields)})
    assert _queries(count_queries, client, url) == one


# the profile --------------------------------------------------------------------------------------

def test_the_profile_saves_contact_fields_with_the_profile(portal, site, plugin):
    plugin.fields[("contact", "portal_profile")] = [plugin.number(), plugin.text(editable=False)]
    customer = portal.customer(name="Grace")
    _seed(plugin, "contact", customer.id, fieldtest_order="K-9")
    client = portal.client_for(site, customer)
    page = client.get(portal.url(site, "profile")).get_data(as_text=True)
    assert 'name="profile-fieldtest_count"' in page and "K-9" in page and 'name="profile-fieldtest_order"' not in page
    form = {"profile-name": "Grace H", "profile-locale": "", "profile-fieldtest_count": "7", "profile-fieldtest_order": "nope"}
    response = client.post(portal.url(site, "profile"), data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert stored("contact", customer.id) == {(customer.id, "fieldtest_count"): 7,
                                              (customer.id, "fieldtest_order"): "K-9"}
    context = plugin.asked[-1][2]
    assert context["contact"] == customer.id


def test_a_bad_profile_value_stores_nothing(portal, site, plugin):
    plugin.fields[("contact", "portal_profile")] = [plugin.number()]
    customer = portal.customer(name="Grace")
    client = portal.client_for(site, customer)
    response = client.post(portal.url(site, "profile"), data={"profile-name": "Changed", "profile-locale": "", "profile-fieldtest_count": "500"})
    assert response.status_code == 400 and "Number must be between 1 and 99." in response.get_data(as_text=True)
    assert stored("contact") == {}
    db.session.expire_all()
    assert db.session.get(type(customer), customer.id).name == "Grace"


def test_the_profile_s_queries_do_not_grow_with_the_fields(portal, site, plugin, count_queries):
    customer = portal.customer()
    client = portal.client_for(site, customer)
    url = portal.url(site, "profile")
    none = _queries(count_queries, client, url)
    plugin.many(1, ("contact", "portal_profile"))
    one = _queries(count_queries, client, url)
    assert one == none + 1
    plugin.many(10, ("contact", "portal_profile"))
    assert _queries(count_queries, client, url) == one


# the new-ticket page ---------------------------------------------------------------------------------

def test_the_new_ticket_page_asks_with_the_chosen_topic(portal, site, plugin):
    plugin.fields[("ticket", "portal_new")] = [plugin.text(required=True)]
    customer = portal.customer()
    client = portal.client_for(site, customer)
    topic = db.session.scalar(select(Topic))
    if topic is None:
        client.get(portal.url(site, "tickets/new"))
        topic = db.session.scalar(select(Topic))
    refused = client.post(portal.url(site, "tickets/new"), data={"subject": "s", "body": "b", "topic": topic.id})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0 and stored("ticket") == {}
    done = client.post(portal.url(site, "tickets/new"),
                       data={"subject": "s", "body": "b", "topic": topic.id, "fieldtest_order": "N-1"})
    assert done.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "N-1"}
    asked = [c for s, p, c in plugin.asked if (s, p) == ("ticket", "portal_new")]
    assert asked[-1]["topic"] == topic.id and asked[-1]["ticket"] is None


def test_a_disabled_plugin_s_fields_disappear_and_the_portal_works(portal, site, plugin, factory):
    plugin.fields[("ticket", "portal_new")] = [plugin.text(required=True)]
    plugin.fields[("ticket", "portal_ticket")] = [plugin.text()]
    plugin.fields[("contact", "portal_profile")] = [plugin.number()]
    customer = portal.customer()
    ticket = portal.ticket(customer)
    _seed(plugin, "ticket", ticket.id, fieldtest_order="D-1")
    host().set_enabled(plugin.name, False, user=factory.admin())
    db.session.commit()
    client = portal.client_for(site, customer)
    assert "D-1" not in client.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert 'fieldtest' not in client.get(portal.url(site, "profile")).get_data(as_text=True)
    assert client.post(portal.url(site, "tickets/new"), data={"subject": "s", "body": "b"}).status_code == 302
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "D-1"}  # kept
