"""The wizard's customer search without JavaScript: Search lists the customers the agent may open tickets for
(S-15, the same rule as the search-as-you-type endpoint), Use this customer fills in name and email; a customer
not offered is refused when posted and nothing changes."""
from __future__ import annotations

import re

import pytest

from crm.extensions import db
from crm.people.models import CompanyManager
from plugins.support.wizard import TicketDraft


@pytest.fixture
def world(app, factory, desk, set_support):
    set_support(staff_open_for_any_contact=False)
    dep = factory.department()
    agent = factory.user(departments=[dep])
    company = factory.company(name="Managed Ltd")
    db.session.add(CompanyManager(company_id=company.id, user_id=agent.id))
    managed = factory.contact(name="Kaya Managed", email="managed@example.org", company=company)
    with_ticket = factory.contact(name="Kaya Ticket", email="ticket@example.org")
    desk.ticket(contact=with_ticket, department=dep)
    stranger = factory.contact(name="Kaya Stranger", email="stranger@example.org")
    db.session.commit()
    return {"agent": agent, "managed": managed, "with_ticket": with_ticket, "stranger": stranger}


def _draft(client) -> str:
    response = client.get("/support/tickets/new")
    assert response.status_code == 302
    return response.headers["Location"].rstrip("/").split("/")[-2]


def _post(client, draft, **data):
    return client.post(f"/support/tickets/new/{draft}/2", data=data, content_type="multipart/form-data")


def _offered(page: str) -> list[str]:
    found = re.search(r'<select id="contact_id" name="contact_id">(.*?)</select>', page, re.S)
    return re.findall(r'<option value="(\d+)">', found.group(1)) if found else []


def test_step_two_has_a_search_field_and_button(app, client, auth, world):
    auth.login(world["agent"])
    page = client.get(f"/support/tickets/new/{_draft(client)}/2").get_data(as_text=True)
    assert 'name="contact_query"' in page and 'name="go" value="find_contact"' in page


def test_search_offers_only_customers_the_agent_may_open_tickets_for(app, client, auth, world):
    auth.login(world["agent"])
    draft = _draft(client)
    response = _post(client, draft, go="find_contact", contact_query="KAYA", customer_name="typed",
                     subject="Kept subject")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert sorted(_offered(page)) == sorted([str(world["managed"].id), str(world["with_ticket"].id)])
    assert "stranger@example.org" not in page
    assert 'value="KAYA"' in page  # the search stays in the box
    values = db.session.get(TicketDraft, draft).values
    assert values["subject"] == "Kept subject"  # what was typed in the step is kept


def test_using_a_found_customer_fills_in_name_and_email(app, client, auth, world):
    auth.login(world["agent"])
    draft = _draft(client)
    response = _post(client, draft, go="use_contact", contact_id=str(world["managed"].id),
                     customer_name="", customer_email="", subject="Order")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Kaya Managed"' in page and 'value="managed@example.org"' in page
    db.session.expire_all()
    values = db.session.get(TicketDraft, draft).values
    assert (values["customer_name"], values["customer_email"], values["subject"]) == \
        ("Kaya Managed", "managed@example.org", "Order")


@pytest.mark.parametrize("contact_id", ["stranger", "999999", "abc", "", "-1", "１"])
def test_a_customer_not_offered_is_refused_when_posted(app, client, auth, world, contact_id):
    auth.login(world["agent"])
    draft = _draft(client)
    raw = str(world["stranger"].id) if contact_id == "stranger" else contact_id
    response = _post(client, draft, go="use_contact", contact_id=raw, customer_name="Typed Name",
                     customer_email="typed@example.org")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose one of the customers found." in page
    assert "stranger@example.org" not in page
    db.session.expire_all()
    values = db.session.get(TicketDraft, draft).values
    assert (values["customer_name"], values["customer_email"]) == ("Typed Name", "typed@example.org")


def test_with_open_for_any_contact_the_stranger_is_offered(app, client, auth, world, set_support):
    set_support(staff_open_for_any_contact=True)
    auth.login(world["agent"])
    draft = _draft(client)
    page = _post(client, draft, go="find_contact", contact_query="stranger").get_data(as_text=True)
    assert _offered(page) == [str(world["stranger"].id)]
    assert _post(client, draft, go="use_contact", contact_id=str(world["stranger"].id)).status_code == 200


@pytest.mark.parametrize("query", ["", " ", "k"])
def test_too_short_a_search_is_explained(app, client, auth, world, query):
    auth.login(world["agent"])
    response = _post(client, _draft(client), go="find_contact", contact_query=query)
    assert response.status_code == 400
    assert "Type at least 2 characters." in response.get_data(as_text=True)


def test_nothing_found_says_so(app, client, auth, world):
    auth.login(world["agent"])
    response = _post(client, _draft(client), go="find_contact", contact_query="<b>nobody</b>")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No customer you may open tickets for matches “&lt;b&gt;nobody&lt;/b&gt;”" in page
    assert _offered(page) == []


def test_another_agents_draft_is_404(app, client, auth, factory, world):
    auth.login(world["agent"])
    draft = _draft(client)
    other = auth.client_for(factory.user())
    assert _post(other, draft, go="find_contact", contact_query="kaya").status_code == 404
    assert _post(other, draft, go="use_contact", contact_id=str(world["managed"].id)).status_code == 404
