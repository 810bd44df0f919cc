"""The customer's tickets in the portal (P-5, P-6, S-19, S-20): list, page, new ticket, reply, close, reopen."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.settings import set_many
from plugins.support import services, statuses
from plugins.support.models import Attachment, Post, Ticket
from tests.portal.portal_kit import portal, site  # noqa: F401


@pytest.fixture
def customer(portal):
    return portal.customer(email="me@example.org", name="Me Myself")


@pytest.fixture
def signed_in(portal, site, customer):
    return portal.client_for(site, customer)


def test_list_shows_only_the_customers_tickets_with_filter_and_sort(portal, site, customer, signed_in, factory):
    mine_open = portal.ticket(customer, subject="Mine and open")
    mine_closed = portal.ticket(customer, subject="Mine and closed", status="closed")
    other = portal.ticket(factory.contact(), subject="Somebody else's")
    page = signed_in.get(portal.url(site, "tickets")).get_data(as_text=True)
    assert mine_open.number in page and mine_closed.number in page and other.number not in page
    open_only = signed_in.get(portal.url(site, "tickets?state=open")).get_data(as_text=True)
    assert mine_open.number in open_only and mine_closed.number not in open_only
    closed_only = signed_in.get(portal.url(site, "tickets?state=closed")).get_data(as_text=True)
    assert mine_closed.number in closed_only and mine_open.number not in closed_only
    oldest = signed_in.get(portal.url(site, "tickets?sort=created")).get_data(as_text=True)
    assert oldest.index(mine_open.number) < oldest.index(mine_closed.number)
    newest = signed_in.get(portal.url(site, "tickets?sort=-created")).get_data(as_text=True)
    assert newest.index(mine_closed.number) < newest.index(mine_open.number)
    # unknown values fall back to the defaults instead of failing
    assert signed_in.get(portal.url(site, "tickets?state=s99999999999999999999&sort=drop")).status_code == 200


def test_list_is_paginated(portal, site, customer, signed_in):
    for n in range(23):
        portal.ticket(customer, subject=f"Ticket {n:02d}")
    first = signed_in.get(portal.url(site, "tickets")).get_data(as_text=True)
    second = signed_in.get(portal.url(site, "tickets?page=2")).get_data(as_text=True)
    assert "Ticket 22" in first and "Ticket 00" not in first
    assert "Ticket 00" in second and "Ticket 22" not in second


def test_search_never_finds_words_of_internal_notes(portal, site, customer, signed_in, factory):
    ticket = portal.ticket(customer, subject="Invoice question")
    services.add_note(ticket, "zanzibar secret", author=factory.admin())
    assert ticket.number not in signed_in.get(portal.url(site, "tickets?q=zanzibar")).get_data(as_text=True)
    assert ticket.number in signed_in.get(portal.url(site, "tickets?q=invoice")).get_data(as_text=True)


def test_ticket_page_hides_internal_notes_and_the_private_description(portal, site, customer, signed_in, factory):
    staff = factory.admin()
    ticket = services.open_ticket("Staff opened it", author=staff, contact=customer, body="PRIVATE-DESCRIPTION",
                                  channel="phone")
    services.add_note(ticket, "INTERNAL-NOTE-MARKER", author=staff)
    services.add_reply(ticket, "A visible answer", author=staff)
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert "A visible answer" in page
    assert "INTERNAL-NOTE-MARKER" not in page and "PRIVATE-DESCRIPTION" not in page


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_ticket_page_follows_the_reply_order(portal, site, customer, signed_in, factory, order):
    set_many("support", {"reply_order": order})
    db.session.commit()
    ticket = portal.ticket(customer, body="FIRST-POST")
    services.add_reply(ticket, "SECOND-POST", author=factory.admin())
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert (page.index("FIRST-POST") < page.index("SECOND-POST")) == (order == "asc")


def test_ticket_page_shows_department_priority_and_assignee(portal, site, customer, signed_in, factory):
    department = factory.department(name="Billing desk")
    agent = factory.admin(name="Agent Smith")
    ticket = portal.ticket(customer, department=department, assignee_user=agent, priority="high")
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert "Billing desk" in page and "Agent Smith" in page and "High" in page


def test_reply_reopens_an_answered_ticket(portal, site, customer, signed_in, factory):
    ticket = portal.ticket(customer)
    services.add_reply(ticket, "Try turning it off", author=factory.admin(), status="answered")
    response = signed_in.post(portal.url(site, f"tickets/{ticket.number}/reply"), data={"body": "Still smoking"})
    assert response.status_code == 302
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status.key == statuses.default_status().key
    last = db.session.scalar(select(Post).where(Post.ticket_id == ticket.id).order_by(Post.id.desc()).limit(1))
    assert (last.kind, last.author_contact_id, last.body_text) == ("customer_message", customer.id, "Still smoking")


def test_empty_reply_is_refused_with_a_message(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    response = signed_in.post(portal.url(site, f"tickets/{ticket.number}/reply"), data={"body": ""})
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.ticket_id == ticket.id)) == 1


def test_close_and_reopen(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    closed = statuses.status_by_key("closed")
    assert signed_in.post(portal.url(site, f"tickets/{ticket.number}/status"),
                          data={"status": str(closed.id)}).status_code == 302
    assert db.session.get(Ticket, ticket.id).status.key == "closed"
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert "Reopen the ticket" in page
    reopen = statuses.default_status()
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/status"), data={"status": str(reopen.id)})
    assert db.session.get(Ticket, ticket.id).status.key == reopen.key


def test_the_pages_close_form_posts_one_status(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    form = page[page.index('data-status="closed"') - 700:page.index('data-status="closed"')]
    form = form[form.rindex("<form"):]
    closed = statuses.status_by_key("closed")
    assert form.count('name="status"') == 1 and f'name="status" value="{closed.id}"' in form


def test_other_statuses_only_when_the_setting_allows(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    on_hold = statuses.status_by_key("on_hold")
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/status"), data={"status": str(on_hold.id)})
    assert db.session.get(Ticket, ticket.id).status.key == "open"
    assert "on_hold" not in signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    set_many("support", {"customer_may_change_status": True})
    db.session.commit()
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/status"), data={"status": str(on_hold.id)})
    assert db.session.get(Ticket, ticket.id).status.key == "on_hold"


def test_chat_tickets_are_read_only(portal, site, customer, signed_in):
    ticket = portal.ticket(customer, channel="chat")
    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert "Continue it there" in page and 'name="body"' not in page
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/reply"), data={"body": "hello"})
    closed = statuses.status_by_key("closed")
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/status"), data={"status": str(closed.id)})
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.post_count == 1 and ticket.status.key == "open"


def test_new_ticket_belongs_to_the_customer_and_the_brand(portal, site, customer, signed_in):
    response = signed_in.post(portal.url(site, "tickets/new"), data={
        "subject": "My new problem", "body": "Details", "attachments": [(io.BytesIO(b"log line\n"), "log.txt")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ticket = db.session.scalar(select(Ticket).where(Ticket.subject == "My new problem"))
    assert (ticket.contact_id, ticket.brand_id, ticket.channel) == (customer.id, site.brand_id, "portal")
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket.id)) == 1


def test_new_ticket_attachments_follow_the_support_limits(portal, site, customer, signed_in):
    response = signed_in.post(portal.url(site, "tickets/new"), data={
        "subject": "With a program", "body": "See attached",
        "attachments": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "tool.exe")],
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_new_ticket_hides_the_topic_selector_with_one_topic(portal, site, customer, signed_in):
    page = signed_in.get(portal.url(site, "tickets/new")).get_data(as_text=True)
    assert 'name="topic"' not in page
    response = signed_in.post(portal.url(site, "tickets/new"), data={"subject": "s", "body": "b"})
    assert response.status_code == 302
    assert db.session.scalar(select(Ticket.topic_id)) is not None


def test_bad_new_ticket_stores_nothing(portal, site, customer, signed_in):
    response = signed_in.post(portal.url(site, "tickets/new"), data={"subject": "", "body": "", "topic": "999"})
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_attachment_download_only_from_visible_posts(portal, site, customer, signed_in, factory):
    staff = factory.admin()
    ticket = portal.ticket(customer)
    shared = services.add_reply(ticket, "Here is the manual", author=staff,
                                attachments=[_upload("manual.txt", b"read me\n")])
    hidden = services.add_note(ticket, "internal file", author=staff, attachments=[_upload("secret.txt", b"psst\n")])
    shared_id = db.session.scalar(select(Attachment.id).where(Attachment.post_id == shared.id))
    hidden_id = db.session.scalar(select(Attachment.id).where(Attachment.post_id == hidden.id))
    ok = signed_in.get(portal.url(site, f"tickets/{ticket.number}/files/{shared_id}"))
    assert ok.status_code == 200 and ok.data == b"read me\n"
    assert signed_in.get(portal.url(site, f"tickets/{ticket.number}/files/{hidden_id}")).status_code == 404
    files = signed_in.get(portal.url(site, "files")).get_data(as_text=True)
    assert "manual.txt" in files and "secret.txt" not in files


def _upload(name, data):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=name)


def test_notifications_and_activity(portal, site, customer, signed_in, factory):
    staff = factory.admin()
    ticket = portal.ticket(customer, subject="Feeds")
    services.add_reply(ticket, "We replied", author=staff)
    services.add_note(ticket, "NOTE-IN-FEED", author=staff)
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/reply"), data={"body": "Thanks"})
    notes = signed_in.get(portal.url(site, "notifications")).get_data(as_text=True)
    assert "The support team replied." in notes and "NOTE-IN-FEED" not in notes
    activity = signed_in.get(portal.url(site, "activity")).get_data(as_text=True)
    assert "You wrote a message." in activity


def test_a_long_conversation_is_shown_a_window_at_a_time_without_notes(portal, site, customer, signed_in, factory):
    """The customer's page shows the newest window of the posts they may read, with a link to earlier ones."""
    import re

    from sqlalchemy import insert

    from crm.timeutil import utcnow
    from plugins.support.conversation import CONVERSATION_WINDOW

    ticket = portal.ticket(customer, body="message 0")
    now = utcnow()
    db.session.execute(insert(Post), [
        {"ticket_id": ticket.id, "kind": "internal_note" if i % 3 == 0 else "public_reply", "body": f"message {i}",
         "body_text": f"message {i}", "created_at": now} for i in range(1, 300)])
    db.session.commit()
    readable = [0] + [i for i in range(1, 300) if i % 3]

    def shown(page):
        return [int(n) for n in re.findall(r'<div class="body">message (\d+)</div>', page)]

    page = signed_in.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert shown(page) == readable[-CONVERSATION_WINDOW:]
    earlier = re.search(r'href="([^"]*before=\d+)[^"]*"', page).group(1).replace("&amp;", "&")
    older = signed_in.get(earlier).get_data(as_text=True)
    assert shown(older) == readable[-2 * CONVERSATION_WINDOW:-CONVERSATION_WINDOW]
    assert "Show the newest messages" in older
