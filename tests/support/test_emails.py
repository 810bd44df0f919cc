"""Customer emails: multipart, localized, threaded, linked through the portal's hook, never with internal notes."""
import json

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.notify.outbox import OutboxMessage
from plugins.support import services
from tests.conftest import builtin_plugins


@pytest.fixture
def app_plugins(recorder):
    return builtin_plugins() + [recorder]


def _emails():
    return [m.payload for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_reply_email_is_multipart_and_carries_the_reply(app, factory, desk):
    contact = factory.contact(email="ada@example.org")
    ticket = desk.ticket("Lost parcel", contact=contact)
    services.add_reply(ticket, "Your parcel is in Ankara.", author=factory.user())
    [mail] = _emails()
    assert mail["to"] == ["ada@example.org"]
    assert ticket.number in mail["subject"] and "Lost parcel" in mail["subject"]
    assert "Your parcel is in Ankara." in mail["text"] and "Your parcel is in Ankara." in mail["html"]
    assert mail["html"].lstrip().startswith("<!doctype html>")


def test_email_is_in_the_customers_language(app, factory, desk):
    ticket = desk.ticket(contact=factory.contact(locale="tr"))
    services.add_reply(ticket, "Merhaba", author=factory.user())
    ticket2 = desk.ticket(contact=factory.contact(locale="en"))
    services.add_reply(ticket2, "Hello", author=factory.user())
    tr_mail, en_mail = _emails()
    assert 'lang="tr"' in tr_mail["html"] and 'lang="en"' in en_mail["html"]


def test_emails_are_threaded_per_ticket(app, factory, desk):
    ticket = desk.ticket()
    staff = factory.user()
    services.add_reply(ticket, "one", author=staff)
    services.add_reply(ticket, "two", author=staff)
    services.add_reply(ticket, "three", author=staff)
    first, second, third = _emails()
    assert first["message_id"] and ticket.number in first["message_id"]
    assert not first["headers"]
    for later in (second, third):
        assert later["headers"]["In-Reply-To"] == first["message_id"]
        assert later["headers"]["References"] == first["message_id"]
        assert later["message_id"] != first["message_id"]


def test_link_comes_from_the_portal_hook(app, factory, desk, recorder):
    ticket = desk.ticket()
    services.add_reply(ticket, "no link yet", author=factory.user())
    recorder.url = "https://help.example.com/t"
    services.add_reply(ticket, "with link", author=factory.user())
    without, with_link = _emails()
    assert "https://" not in without["text"] and ticket.number in without["text"]
    assert f"https://help.example.com/t/{ticket.number}" in with_link["text"]
    assert f'href="https://help.example.com/t/{ticket.number}"' in with_link["html"]


def test_internal_notes_never_reach_an_email(app, factory, desk):
    marker = "NOTE-7f3a9c-SECRET"
    staff = factory.user()
    ticket = services.open_ticket("Call from customer", contact=factory.contact(), author=staff,
                                  body=f"Description {marker}", notify_customer=True)
    services.add_note(ticket, f"Do not tell {marker}", author=staff)
    services.add_reply(ticket, "We are on it.", author=staff)
    mails = _emails()
    assert len(mails) == 2
    assert marker not in json.dumps(mails)


def test_ticket_opened_email_uses_the_given_or_default_subject(app, factory, desk, set_support):
    staff = factory.user()
    contact = factory.contact()
    services.open_ticket("Order 42", contact=contact, author=staff, notify_customer=True,
                         email_subject="Your order")
    services.open_ticket("Order 43", contact=contact, author=staff, notify_customer=True)
    set_support(new_ticket_email_subject="Destek talebiniz")
    services.open_ticket("Order 44", contact=contact, author=staff, notify_customer=True)
    custom, default, configured = _emails()
    assert "Your order" in custom["subject"]
    assert "About your support request" in default["subject"]
    assert "Destek talebiniz" in configured["subject"]
    assert "Order 43" in default["text"]


def test_no_email_invites_a_reply_by_email(app, factory, desk, recorder):
    """Nothing reads incoming mail yet: no customer email may ask the customer to answer by email."""
    staff = factory.user()
    ticket = services.open_ticket("Printer jam", contact=factory.contact(), author=staff,
                                  body="Paper stuck", notify_customer=True)
    services.add_reply(ticket, "without a portal link", author=staff)
    recorder.url = "https://help.example.com/t"
    services.add_reply(ticket, "with a portal link", author=staff)
    mails = _emails()
    assert len(mails) == 3
    for mail in mails:
        for part in (mail["text"], mail["html"]):
            assert "reply to this email" not in part.lower()
    assert "not read" in mails[1]["text"]
