"""Contact search for the wizard: by name or email, at most ten, only contacts the agent may open tickets for."""
from __future__ import annotations

import pytest

from crm.people.models import CompanyManager
from crm.extensions import db


def _found(client, q):
    response = client.get("/support/contacts/search", query_string={"q": q})
    assert response.status_code == 200 and response.is_json
    return [c["email"] for c in response.get_json()["contacts"]]


def test_finds_by_name_or_email_case_insensitively(app, client, auth, factory):
    factory.contact(name="Ahmet Kaya", email="ahmet@example.org")
    factory.contact(name="Zeynep Ak", email="zeynep@kaya-lojistik.example")
    factory.contact(name="Other Person", email="other@example.org")
    auth.login(factory.admin())
    assert sorted(_found(client, "KAYA")) == ["ahmet@example.org", "zeynep@kaya-lojistik.example"]
    assert _found(client, "other@") == ["other@example.org"]
    assert _found(client, "k") == []  # too short
    assert _found(client, "%") == [] and _found(client, "__") == []  # wildcards are literal


def test_at_most_ten(app, client, auth, factory):
    for i in range(14):
        factory.contact(name=f"Deniz {i:02d}", email=f"deniz{i}@example.org")
    auth.login(factory.admin())
    assert len(_found(client, "deniz")) == 10


def test_follows_the_s15_rule(app, client, auth, factory, desk, set_support):
    set_support(staff_open_for_any_contact=False)
    dep = factory.department()
    agent = factory.user(departments=[dep])
    managed_company = factory.company(name="Managed Ltd")
    db.session.add(CompanyManager(company_id=managed_company.id, user_id=agent.id))
    db.session.commit()
    managed = factory.contact(name="Kaya Managed", email="managed@example.org")
    managed.company_id = managed_company.id
    with_ticket = factory.contact(name="Kaya Ticket", email="ticket@example.org")
    desk.ticket(contact=with_ticket, department=dep)
    stranger = factory.contact(name="Kaya Stranger", email="stranger@example.org")
    db.session.commit()
    auth.login(agent)
    assert sorted(_found(client, "kaya")) == ["managed@example.org", "ticket@example.org"]
    assert stranger.email not in _found(client, "stranger")
    set_support(staff_open_for_any_contact=True)
    assert "stranger@example.org" in _found(client, "kaya")


def test_needs_the_desk(app, client, auth, factory):
    assert client.get("/support/contacts/search?q=ab").status_code == 302
    auth.login(factory.user(role="member"))
    assert client.get("/support/contacts/search?q=ab").status_code == 403


def test_wizard_email_field_points_at_the_search(app, client, auth, factory):
    auth.login(factory.admin())
    start = client.get("/support/tickets/new")
    draft_url = start.headers["Location"].rstrip("/").rsplit("/", 1)[0] + "/2"
    html = client.get(draft_url).get_data(as_text=True)
    assert 'data-search-url="/support/contacts/search"' in html and "contact_search.js" in html
