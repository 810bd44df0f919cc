"""The portal's ticket list and ticket page run a fixed number of queries, however many tickets and posts."""
from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from plugins.support import services
from tests.portal.portal_kit import portal, site  # noqa: F401


def _queries(count_queries, client, url):
    client.get(url)  # warm: per-process caches (settings, statuses) are filled once
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_ticket_list_queries_do_not_grow(portal, site, factory, count_queries):
    customer = portal.customer()
    client = portal.client_for(site, customer)
    department, agent = factory.department(), factory.admin()
    portal.ticket(customer, department=department, assignee_user=agent)
    few = _queries(count_queries, client, portal.url(site, "tickets"))
    for n in range(15):
        portal.ticket(customer, subject=f"More {n}", department=factory.department(), assignee_user=factory.admin())
    many = _queries(count_queries, client, portal.url(site, "tickets"))
    assert many == few
    assert few <= 8


def test_ticket_page_queries_do_not_grow(portal, site, factory, count_queries):
    customer = portal.customer()
    client = portal.client_for(site, customer)
    ticket = portal.ticket(customer, department=factory.department(), assignee_user=factory.admin())
    url = portal.url(site, f"tickets/{ticket.number}")
    few = _queries(count_queries, client, url)
    for n in range(6):
        author = factory.admin()
        services.add_reply(ticket, f"Reply {n}", author=author,
                           attachments=[FileStorage(io.BytesIO(b"text\n"), filename=f"f{n}.txt")])
        client.post(portal.url(site, f"tickets/{ticket.number}/reply"), data={"body": f"Answer {n}"})
        services.add_note(ticket, f"Note {n}", author=author)
    many = _queries(count_queries, client, url)
    assert many == few
    assert few <= 10
