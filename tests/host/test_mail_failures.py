"""SMTP answers decide retries: a 5xx refusal fails a message at once with the answer stored, a 4xx one is retried."""
from __future__ import annotations

import smtplib
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from crm.notify.mail import describe_error, is_permanent
from crm.notify.relay import backoff, relay
from crm.timeutil import utcnow
from tests.host.test_mail import app, free_port, outbox_row, queue, use_smtp  # noqa: F401 (fixtures)


class Answering:
    """An aiosmtpd handler that answers MAIL, RCPT or DATA as told and keeps what it accepts.

    ``rcpt`` maps a recipient address to the answer for it; ``mail`` and
    ``data`` are the answers to MAIL FROM and DATA (None: accept).
    """

    def __init__(self, mail=None, rcpt=None, data=None):
        self.mail, self.rcpt, self.data = mail, dict(rcpt or {}), data
        self.messages = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail:
            return self.mail
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt:
            return self.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data:
            return self.data
        self.messages.append((sorted(envelope.rcpt_tos),
                              message_from_bytes(envelope.original_content or envelope.content,
                                                 policy=policy.default)))
        return "250 Message accepted"


@pytest.fixture
def answering():
    """Start a server with ``answering(mail=..., rcpt={...}, data=...)``; stopped after the test."""
    controllers = []

    def start(**answers):
        handler = Answering(**answers)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        use_smtp(port)
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def test_a_refused_recipient_fails_at_once_with_the_servers_answer(app, answering):
    server = answering(rcpt={"nobody@example.org": "550 5.1.1 <nobody@example.org>: Recipient address rejected"})
    row_id = queue(to="nobody@example.org")
    report = relay()
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert row.last_error == "nobody@example.org: 550 5.1.1 <nobody@example.org>: Recipient address rejected"
    assert row.last_attempt_at is not None
    assert relay(now=utcnow() + timedelta(days=1)).failed == 0  # never tried again
    assert outbox_row(row_id).attempts == 1 and server.messages == []


def test_a_temporary_refusal_is_retried_with_backoff_and_then_delivered(app, answering):
    server = answering(rcpt={"busy@example.org": "451 4.3.0 Mailbox busy, try again later"})
    row_id = queue(to="busy@example.org")
    now = utcnow()
    assert relay(now=now).retried == 1
    row = outbox_row(row_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "busy@example.org: 451 4.3.0 Mailbox busy, try again later"
    assert row.next_attempt_at == now + backoff(1)
    assert row.last_attempt_at == now
    server.rcpt.clear()  # the mailbox is free again
    assert relay(now=row.next_attempt_at).sent == 1
    assert [rcpts for rcpts, _message in server.messages] == [["busy@example.org"]]
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_a_refused_sender_fails_at_once(app, answering):
    answering(mail="550 5.7.1 Sender not allowed to relay")
    row_id = queue()
    assert relay().failed == 1
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "550 5.7.1 Sender not allowed to relay")


def test_refused_content_fails_at_once(app, answering):
    answering(data="554 5.6.0 Message content rejected")
    row_id = queue()
    assert relay().failed == 1
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "554 5.6.0 Message content rejected")


def test_a_temporary_content_refusal_is_retried(app, answering):
    answering(data="452 4.3.1 Insufficient system storage")
    row_id = queue()
    assert relay().retried == 1
    row = outbox_row(row_id)
    assert (row.status, row.last_error) == ("pending", "452 4.3.1 Insufficient system storage")


def test_one_refused_recipient_of_two_does_not_stop_the_other(app, answering):
    server = answering(rcpt={"gone@example.org": "550 5.1.1 No such user"})
    row_id = queue(to=["gone@example.org", "here@example.org"])
    assert relay().sent == 1
    assert [rcpts for rcpts, _message in server.messages] == [["here@example.org"]]
    assert outbox_row(row_id).status == "sent"


def test_mixed_answers_for_all_recipients_are_retried(app, answering):
    answering(rcpt={"gone@example.org": "550 5.1.1 No such user", "busy@example.org": "450 4.2.1 Busy"})
    row_id = queue(to=["gone@example.org", "busy@example.org"])
    assert relay().retried == 1
    row = outbox_row(row_id)
    assert row.status == "pending"
    assert row.last_error == "gone@example.org: 550 5.1.1 No such user; busy@example.org: 450 4.2.1 Busy"


def test_a_server_that_is_down_is_still_retried(app):
    use_smtp(free_port())
    row_id = queue()
    assert relay().retried == 1
    assert outbox_row(row_id).status == "pending"


@pytest.mark.parametrize("error, permanent", [
    (smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"No such user")}), True),
    (smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"No"), "b@x.org": (451, b"Later")}), False),
    (smtplib.SMTPSenderRefused(553, b"Bad sender", "desk@x.org"), True),
    (smtplib.SMTPDataError(554, b"Rejected"), True),
    (smtplib.SMTPDataError(451, b"Later"), False),
    # the desk's own settings are wrong: fixing them delivers the waiting mail
    (smtplib.SMTPSenderRefused(530, b"Must issue a STARTTLS command first", "desk@x.org"), False),
    (smtplib.SMTPAuthenticationError(535, b"Authentication credentials invalid"), False),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
    (ConnectionRefusedError(111, "Connection refused"), False),
    (TimeoutError("timed out"), False),
])
def test_which_errors_are_permanent(error, permanent):
    assert is_permanent(error) is permanent


def test_the_stored_error_is_the_servers_answer_in_one_line():
    assert describe_error(smtplib.SMTPDataError(554, b"5.6.0 Rejected\nsee https://example.org")) == \
        "554 5.6.0 Rejected see https://example.org"
    assert describe_error(smtplib.SMTPDataError(550, b"Ung\xc3\xbcltig \xff")) == "550 Ungültig \ufffd"
    assert describe_error(ConnectionRefusedError(111, "Connection refused")) == \
        "ConnectionRefusedError: [Errno 111] Connection refused"
