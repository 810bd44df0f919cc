"""Admin → Outgoing mail: failed messages listed with the server's answer, retried or discarded, audited."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.extensions import db as _db
from crm.notify.outbox import OutboxMessage
from crm.timeutil import utcnow
from tests.conftest import PASSWORD, Factory


@pytest.fixture
def app_plugins():
    return []


def message(subject="Your ticket", to=("ayse@example.org",), status="failed", attempts=1,
            error="ayse@example.org: 550 5.1.1 No such user", tried=None, **fields) -> OutboxMessage:
    row = OutboxMessage(kind="email", status=status, attempts=attempts, last_error=error,
                        last_attempt_at=tried or utcnow(),
                        payload={"to": list(to), "subject": subject, "text": "Hello"}, **fields)
    _db.session.add(row)
    _db.session.commit()
    return row


def reload(row_id: int) -> OutboxMessage | None:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, row_id)


def audit_actions() -> list[tuple[str, str]]:
    _db.session.expire_all()
    entries = _db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "outbox").order_by(AuditEntry.id))
    return [(e.action, e.object_id) for e in entries]


@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin(email="boss@example.com"))
    return client


# access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/admin/outbox"), ("POST", "/admin/outbox/retry"),
                                          ("POST", "/admin/outbox/discard")])
def test_staff_and_anonymous_are_refused(client, auth, factory, method, path):
    row = message()
    response = client.open(path, method=method, data={"ids": [row.id]})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(factory.user(role="staff"))
    response = client.open(path, method=method, data={"ids": [row.id]})
    assert response.status_code == 403
    assert "ayse@example.org" not in response.get_data(as_text=True)
    assert (reload(row.id).status, reload(row.id).attempts) == ("failed", 1)
    assert audit_actions() == []


def test_admins_find_the_page_in_the_admin_navigation(admin_client):
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/outbox"' in html and "Outgoing mail" in html


def test_the_actions_need_a_csrf_token(make_app, app):
    strict = make_app(plugins=[], WTF_CSRF_ENABLED=True)
    with strict.app_context():
        email = Factory(strict).admin().email
        row_id = message().id
    client = strict.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": token.group(1)}).status_code == 302
    for path in ("/admin/outbox/retry", "/admin/outbox/discard"):
        assert client.post(path, data={"ids": [row_id]}).status_code == 400
    with strict.app_context():
        row = _db.session.get(OutboxMessage, row_id)
        assert (row.status, row.attempts) == ("failed", 1)
    # with the page's token the action goes through
    page = client.get("/admin/outbox").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/admin/outbox/discard", data={"ids": [row_id], "csrf_token": token}).status_code == 302
    with strict.app_context():
        assert _db.session.get(OutboxMessage, row_id) is None


# the list -------------------------------------------------------------------------------------

def test_failed_messages_are_listed_with_the_servers_answer(admin_client):
    tried = utcnow() - timedelta(hours=2)
    message("Şifre sıfırlama", to=("ayse@example.org", "ali@example.org"), attempts=3,
            error="ayse@example.org: 550 5.1.1 <ayse@example.org>: Recipient address rejected", tried=tried)
    message("Still trying", status="pending", error="451 4.3.0 Try later")
    message("Delivered", status="sent", error="")
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    (row,) = re.findall(r'<tr class="outbox-message">(.*?)</tr>', html, re.S)
    assert "ayse@example.org, ali@example.org" in row and "Şifre sıfırlama" in row
    assert "<td>3</td>" in row
    assert "550 5.1.1 &lt;ayse@example.org&gt;: Recipient address rejected" in row  # escaped, never markup
    assert tried.isoformat() in row
    assert "Still trying" not in html and "Delivered" not in html


def test_an_empty_list_says_so(admin_client):
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "No message has failed." in html and "Retry selected" not in html


def test_the_list_is_paginated_most_recent_failure_first(admin_client):
    now = utcnow()
    rows = [message(f"Message {n:02}", tried=now - timedelta(minutes=n)) for n in range(55)]
    first = admin_client.get("/admin/outbox").get_data(as_text=True)
    second = admin_client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert first.count('class="outbox-message"') == 50 and second.count('class="outbox-message"') == 5
    assert first.index("Message 00") < first.index("Message 49") and "Message 50" in second
    assert 'href="/admin/outbox?page=2"' in first
    assert admin_client.get("/admin/outbox?page=99").status_code == 200
    assert admin_client.get("/admin/outbox?page=abc").status_code == 200
    assert len(rows) == 55


def test_a_message_without_recipient_or_of_another_kind_is_listed(admin_client):
    message("", to=(), error="ValueError: the message has no recipient")
    _db.session.add(OutboxMessage(kind="webhook", payload={}, status="failed", attempts=1,
                                  last_error="PermanentError: no delivery for messages of kind 'webhook'"))
    _db.session.commit()
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert html.count('class="outbox-message"') == 2 and "<code>webhook</code>" in html


# retry and discard ----------------------------------------------------------------------------

def test_retry_puts_the_chosen_messages_back_and_they_are_sent(app, admin_client):
    first, second, untouched = message("First", attempts=8), message("Second", attempts=1), message("Third")
    response = admin_client.post("/admin/outbox/retry", data={"ids": [first.id, second.id]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/outbox?page=1")
    # the relay ran at once (QUEUE_IMMEDIATE); without an SMTP server mail becomes .eml files
    sent = sorted(p.read_text() for p in Path(app.config["MAIL_DIR"]).glob("*.eml"))
    assert len(sent) == 2 and "Subject: First" in sent[0] + sent[1] and "Subject: Second" in sent[0] + sent[1]
    for row_id in (first.id, second.id):
        row = reload(row_id)
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert reload(untouched.id).status == "failed"
    assert audit_actions() == [("outbox.retried", str(first.id)), ("outbox.retried", str(second.id))]
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "outbox",
                                                        AuditEntry.object_id == str(first.id)))
    assert entry.actor_label == "boss@example.com"
    assert entry.changes["attempts"] == [8, 0] and entry.changes["status"] == ["failed", "pending"]
    assert "2 messages will be sent again." in admin_client.get("/admin/outbox").get_data(as_text=True)


def test_retry_resets_the_attempts_and_makes_the_message_due(make_app, factory):
    quiet = make_app(plugins=[], QUEUE_IMMEDIATE=False)  # no relay: look at the row as the retry left it
    with quiet.app_context():
        email = Factory(quiet).admin().email
        row = message(attempts=8, next_attempt_at=utcnow() + timedelta(days=3))
        client = quiet.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        before = utcnow()
        assert client.post("/admin/outbox/retry", data={"ids": [row.id]}).status_code == 302
        row = reload(row.id)
        assert (row.status, row.attempts, row.last_error, row.claimed_until) == ("pending", 0, "", None)
        assert before - timedelta(seconds=1) <= row.next_attempt_at <= utcnow()
        quiet.extensions["crm_queue"].flush()


def test_discard_deletes_the_chosen_messages_and_audits_them(admin_client):
    gone, kept = message("Gone", error="550 5.1.1 No such user"), message("Kept")
    gone_id = gone.id
    response = admin_client.post("/admin/outbox/discard", data={"ids": [gone_id]})
    assert response.status_code == 302
    assert reload(gone_id) is None and reload(kept.id).status == "failed"
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "outbox"))
    assert (entry.action, entry.object_type, entry.object_id) == ("outbox.discarded", "outbox", str(gone_id))
    assert entry.changes["subject"] == ["Gone", None]
    assert entry.changes["to"] == ["ayse@example.org", None]
    assert entry.changes["last_error"] == ["550 5.1.1 No such user", None]
    assert "1 message was discarded." in admin_client.get("/admin/outbox").get_data(as_text=True)


def test_messages_that_have_not_failed_are_never_retried_or_discarded(admin_client):
    pending = message("On its way", status="pending", attempts=2, next_attempt_at=utcnow() + timedelta(hours=1))
    sent = message("Sent", status="sent")
    sending = message("Sending", status="sending", claimed_until=utcnow() + timedelta(minutes=5))
    ids = [pending.id, sent.id, sending.id]
    admin_client.post("/admin/outbox/discard", data={"ids": ids})
    admin_client.post("/admin/outbox/retry", data={"ids": ids})
    assert [reload(i).status for i in ids] == ["pending", "sent", "sending"]
    assert reload(pending.id).attempts == 2
    assert audit_actions() == []


@pytest.mark.parametrize("ids", [[], ["abc"], ["1e3", "-1", "0"], ["99999999999999999999999"], [" ", "１"]])
def test_a_bad_or_empty_selection_changes_nothing(admin_client, ids):
    row = message()
    for path in ("/admin/outbox/retry", "/admin/outbox/discard"):
        response = admin_client.post(path, data={"ids": ids, "page": "x"})
        assert response.status_code == 302
    html = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert (reload(row.id).status, reload(row.id).attempts) == ("failed", 1)
    assert audit_actions() == []
    assert "Choose at least one message." in html or "0 messages" in html
