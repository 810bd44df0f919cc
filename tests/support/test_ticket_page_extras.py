"""The ticket page header shows the assignee; the customer's other tickets are listed through the access policy."""
from __future__ import annotations

import re
from datetime import timedelta

from crm.extensions import db
from plugins.support.models import Ticket


def _page(client, ticket):
    return client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)


def _header(html):
    return re.search(r'<div class="toolbar">\s*<h1>.*?</div>', html, re.S).group(0)


def _others(html):
    block = re.search(r'<div class="card other-tickets".*?</ul>', html, re.S)
    return re.findall(r'/support/tickets/(\d{4}-\d+)"', block.group(0)) if block else []


def test_header_shows_the_assignee_and_the_team(app, client, auth, factory, desk):
    admin = factory.admin()
    team = factory.department(name="Billing team")
    agent = factory.user(name="Ayşe Demir", departments=[team])
    ticket = desk.ticket(department=team)
    auth.login(admin)
    assert "Unassigned" in _header(_page(client, ticket))
    row = db.session.get(Ticket, ticket.id)
    row.assignee_user_id, row.assignee_department_id = agent.id, team.id
    db.session.commit()
    header = _header(_page(client, ticket))
    assert "Ayşe Demir" in header and "Billing team" in header and "Unassigned" not in header


def test_customers_other_tickets_newest_first_at_most_ten(app, client, auth, factory, desk):
    admin = factory.admin()
    contact = factory.contact()
    tickets = [desk.ticket(subject=f"Question {i}", contact=contact) for i in range(13)]
    for i, ticket in enumerate(tickets):
        db.session.get(Ticket, ticket.id).created_at -= timedelta(days=100 - i)
    db.session.commit()
    stranger = desk.ticket(contact=factory.contact())
    auth.login(admin)
    shown = _others(_page(client, tickets[0]))
    assert shown == [t.number for t in reversed(tickets[1:])][:10]
    assert tickets[0].number not in shown and stranger.number not in shown


def test_other_tickets_respect_the_access_policy(app, client, auth, factory, desk, set_support):
    set_support(staff_department_only=True)
    mine, theirs = factory.department(), factory.department()
    contact = factory.contact()
    current = desk.ticket(contact=contact, department=mine)
    visible = desk.ticket(contact=contact, department=mine)
    hidden = desk.ticket(contact=contact, department=theirs)
    auth.login(factory.user(departments=[mine]))
    shown = _others(_page(client, current))
    assert shown == [visible.number] and hidden.number not in shown


def test_no_list_without_other_tickets(app, client, auth, factory, desk):
    ticket = desk.ticket()
    auth.login(factory.admin())
    assert "other-tickets" not in _page(client, ticket)


def test_saving_the_edit_form_unchanged_says_nothing_was_changed(app, client, auth, factory, desk):
    ticket = desk.ticket()
    auth.login(factory.admin())
    row = db.session.get(Ticket, ticket.id)
    response = client.post(f"/support/tickets/{ticket.number}/edit", data={
        "status": row.status_id, "priority": row.priority_id, "department": row.department_id or "",
        "assignee_user": "", "assignee_department": "", "tags": "", "version": row.version},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was changed." in html
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).version == row.version
