"""A ticket with thousands of replies opens like one with fifty: the conversation is shown a window at a time."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, update

from crm.extensions import db
from crm.timeutil import utcnow
from plugins.support.models import Post, Ticket
from plugins.support.conversation import CONVERSATION_WINDOW

REPLIES = 5_000


@pytest.fixture
def long_ticket(app, desk):
    ticket = desk.ticket(body="message 0")
    now = utcnow()
    db.session.execute(insert(Post), [
        {"ticket_id": ticket.id, "kind": "public_reply", "body": f"message {i}", "body_text": f"message {i}",
         "created_at": now} for i in range(1, REPLIES)])
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(post_count=REPLIES))
    db.session.commit()
    return ticket


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<div class="body">message (\d+)</div>', page)]


def test_the_newest_window_in_reply_order_then_earlier_ones(long_ticket, client, auth, factory, set_support,
                                                            count_queries):
    auth.login(factory.admin())
    url = f"/support/tickets/{long_ticket.number}"
    client.get(url)
    with count_queries() as q:
        page = client.get(url).get_data(as_text=True)
    assert shown(page) == list(range(REPLIES - CONVERSATION_WINDOW, REPLIES))
    assert q.count <= 9
    earlier = re.search(r'href="([^"]*before=\d+)[^"]*"', page).group(1).replace("&amp;", "&")
    older = client.get(earlier).get_data(as_text=True)
    assert shown(older) == list(range(REPLIES - 2 * CONVERSATION_WINDOW, REPLIES - CONVERSATION_WINDOW))
    assert "Show the newest messages" in older

    set_support(reply_order="desc")
    newest_first = client.get(url).get_data(as_text=True)
    assert shown(newest_first) == list(range(REPLIES - 1, REPLIES - CONVERSATION_WINDOW - 1, -1))


def test_the_first_window_has_no_earlier_link(app, desk, client, auth, factory):
    ticket = desk.ticket(body="message 0")
    auth.login(factory.admin())
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert shown(page) == [0]
    assert "before=" not in page


def test_a_bad_window_start_is_ignored(long_ticket, client, auth, factory):
    auth.login(factory.admin())
    for value in ("²", "-1", "99999999999999999999999", "abc"):
        response = client.get(f"/support/tickets/{long_ticket.number}", query_string={"before": value})
        assert response.status_code in (200, 400)
