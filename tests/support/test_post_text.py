"""What is typed in a reply, a note or the new-ticket wizard is shown on the ticket page and emailed exactly.

The same sample (angle brackets, email addresses, lists, Turkish letters,
indented code, links) goes through the real page, the outbox and a real
SMTP server; the HTML is read back with the browser's whitespace rules.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm import settings
from crm.extensions import db
from crm.notify.outbox import OutboxMessage
from crm.notify.relay import relay
from plugins.support import services, statuses
from plugins.support.models import Post, Ticket
from tests.host.test_mail import SmtpServer
from tests.support.text_shown import SAMPLE, SAMPLE_LINKS, as_shown, links, post_bodies, shown_text

# A browser sends a textarea with \r\n line endings; people paste blank lines around their text.
TYPED = "\r\n\r\n" + SAMPLE.replace("\n", "\r\n") + "\r\n \r\n"


@pytest.fixture
def admin(factory):
    return factory.admin()


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login(admin)
    return client


def _posts(ticket_id: int) -> list[Post]:
    db.session.expire_all()
    return list(db.session.scalars(select(Post).where(Post.ticket_id == ticket_id).order_by(Post.id)))


def _emails() -> list[dict]:
    return [m.payload for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _body_of_email(html: str) -> str:
    """The post's part of a reply email's HTML (before the footer's rule)."""
    return html.split("<body", 1)[1].split(">", 1)[1].split("<hr>", 1)[0]


def assert_shown_exactly(html: str) -> None:
    assert shown_text(html) == as_shown(SAMPLE)
    assert links(html) == SAMPLE_LINKS
    assert "<script>" not in html and "<b>" not in html and "<tag>" not in html


# the staff ticket page ----------------------------------------------------------------------------


def test_reply_and_note_typed_on_the_page_are_stored_and_shown_exactly(app, admin_client, desk):
    ticket = desk.ticket(body="First message.")
    answered = statuses.status_by_key("answered").id
    for path in ("reply", "note"):
        response = admin_client.post(f"/support/tickets/{ticket.number}/{path}",
                                     data={"body": TYPED, "status": answered})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    _first, reply, note = _posts(ticket.id)
    assert (reply.kind, note.kind) == ("public_reply", "internal_note")
    assert reply.body_text == SAMPLE and note.body_text == SAMPLE
    page = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    bodies = post_bodies(page)
    assert len(bodies) == 3
    for html in bodies[1:]:
        assert_shown_exactly(html)


def test_rows_stored_before_are_shown_from_their_text(app, admin_client, desk):
    """Stored HTML is never trusted: the page renders ``body_text``, so old rows look like new ones."""
    ticket = desk.ticket(body="First message.")
    db.session.add(Post(ticket_id=ticket.id, kind="public_reply", body='<b onclick="x()">Old</b> stored HTML',
                        body_text="Old <text> from https://example.com\n- item"))
    db.session.commit()
    page = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    html = post_bodies(page)[1]
    assert shown_text(html) == "Old <text> from https://example.com\n- item"
    assert links(html) == [("https://example.com", "https://example.com")]
    assert "onclick" not in page and "stored HTML" not in page


# customer emails ----------------------------------------------------------------------------------


def test_reply_email_carries_the_text_exactly_in_both_parts(app, desk, factory):
    ticket = desk.ticket(contact=factory.contact(email="ada@example.org"))
    services.add_reply(ticket, TYPED, author=factory.user())
    [mail] = _emails()
    assert mail["text"].startswith(SAMPLE + "\n\n--\n")
    assert_shown_exactly(_body_of_email(mail["html"]))


def _reply_over_smtp(desk, factory, typed: str) -> tuple[str, str]:
    """Reply with ``typed``, deliver through a real local SMTP server; the (text, html) parts that arrived."""
    server = SmtpServer()
    try:
        settings.set_many("crm", {"smtp_host": "127.0.0.1", "smtp_port": server.port})
        db.session.commit()
        ticket = desk.ticket(contact=factory.contact(email="ada@example.org"))
        services.add_reply(ticket, typed, author=factory.user())
        relay()
    finally:
        server.stop()
    [message] = server.messages
    assert message["To"] == "ada@example.org"
    # the parts travel with \r\n line endings, as SMTP requires
    return tuple(message.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n")
                 for kind in ("plain", "html"))


def test_reply_email_arrives_exactly_over_smtp(app, desk, factory):
    text, html = _reply_over_smtp(desk, factory, TYPED)
    assert text.startswith(SAMPLE + "\n\n--\n")
    assert_shown_exactly(_body_of_email(html))


def test_a_line_starting_with_from_arrives_unchanged_over_smtp(app, desk, factory):
    """Mailbox-style "From " quoting must not add ">" to what was typed (it is not an mbox file)."""
    text, html = _reply_over_smtp(desk, factory, "Thanks,\nFrom the team\n.\nEnd")
    assert text.startswith("Thanks,\nFrom the team\n.\nEnd\n\n--\n")
    assert shown_text(_body_of_email(html)) == "Thanks,\nFrom the team\n.\nEnd"


# the new-ticket wizard ----------------------------------------------------------------------------


@pytest.fixture
def wizard_desk(app, db, factory):
    from tests.support.test_new_ticket import Desk

    return Desk(db, factory)


def _open_with_description(client, auth, wizard_desk, description: str) -> Ticket:
    from tests.support.test_new_ticket import fill, start, step1, step2, step3

    auth.login(wizard_desk.agent)
    draft = start(client)
    response = fill(client, wizard_desk, draft, two=step2(description=description), three=step3(wizard_desk))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    [ticket] = db.session.scalars(select(Ticket))
    return ticket


def test_wizard_first_message_is_stored_and_shown_exactly(app, client, auth, wizard_desk):
    ticket = _open_with_description(client, auth, wizard_desk, TYPED)
    [note] = _posts(ticket.id)
    assert note.kind == "internal_note" and note.body_text == SAMPLE
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    [html] = post_bodies(page)
    assert_shown_exactly(html)


def test_wizard_keeps_the_indentation_of_the_first_line(app, client, auth, wizard_desk):
    code = "    indented code\r\n        more\r\n"
    ticket = _open_with_description(client, auth, wizard_desk, code)
    [note] = _posts(ticket.id)
    assert note.body_text == "    indented code\n        more"
