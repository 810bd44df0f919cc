"""The outbox relay: delivery once, retries with backoff, failure, concurrent relays, lost claims, .eml files, Huey."""
from __future__ import annotations

import io
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import func, select

from crm import settings
from crm.extensions import db as _db
from crm.notify.outbox import OutboxMessage, queue_email
from crm.notify.relay import backoff, relay
from crm.storage import storage
from crm.timeutil import utcnow
from tests.host.test_mail import (  # noqa: F401 (fixtures)
    app, free_port, outbox_row, queue, smtp_server, smtp_servers, use_smtp,
)


def eml_files(app) -> list[Path]:
    folder = Path(app.config["MAIL_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def parse(path: Path):
    return message_from_bytes(path.read_bytes(), policy=policy.default)


# delivery ------------------------------------------------------------------------

def test_queued_email_arrives_once_as_multipart_with_threading_headers(app, smtp_server):
    use_smtp(smtp_server.port, from_address="desk@acme.test", from_name="Acme")
    row_id = queue("Your ticket #12", to=["ayse@example.org", "ali@example.org"], text="Hello Ayşe",
                   html="<p>Hello <b>Ayşe</b></p>", reply_to="reply+12@acme.test",
                   headers={"In-Reply-To": "<m1@example.org>", "References": "<m0@example.org> <m1@example.org>"})
    report = relay()
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert relay().sent == 0  # nothing left to deliver
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["Subject"] == "Your ticket #12"
    assert message["To"] == "ayse@example.org, ali@example.org"
    assert message["From"] == "Acme <desk@acme.test>"
    assert message["Reply-To"] == "reply+12@acme.test"
    assert message["In-Reply-To"] == "<m1@example.org>"
    assert message["References"] == "<m0@example.org> <m1@example.org>"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Hello Ayşe"
    assert message.get_body(("html",)).get_content().strip() == "<p>Hello <b>Ayşe</b></p>"
    assert sorted(smtp_server.inbox.envelopes[0].rcpt_tos) == ["ali@example.org", "ayse@example.org"]
    row = outbox_row(row_id)
    assert row.status == "sent" and row.sent_at is not None and row.claimed_until is None
    assert message["Message-ID"] == row.payload["message_id"]


def test_text_only_email_is_not_multipart(app, smtp_server):
    use_smtp(smtp_server.port)
    queue(text="Just text")
    relay()
    message = smtp_server.messages[0]
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "Just text"


def test_given_message_id_is_used(app, smtp_server):
    use_smtp(smtp_server.port)
    queue(message_id="<ticket-12-post-3@acme.test>")
    relay()
    assert smtp_server.messages[0]["Message-ID"] == "<ticket-12-post-3@acme.test>"


def test_attachments_are_read_through_storage(app, smtp_server):
    use_smtp(smtp_server.port)
    key = storage().save(io.BytesIO(b"%PDF-1.4 invoice"), "invoice.pdf", prefix="support")
    queue(html="<p>See attached</p>",
          attachments=[{"filename": "Fatura.pdf", "content_type": "application/pdf", "storage_key": key}])
    relay()
    message = smtp_server.messages[0]
    assert message.get_content_type() == "multipart/mixed"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "Fatura.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 invoice"


# failure, retry, backoff -------------------------------------------------------------

def test_server_down_keeps_message_pending_then_delivers_it_once(app, smtp_servers):
    port = free_port()
    use_smtp(port)
    row_id = queue()
    before = utcnow()
    report = relay(now=before)
    assert report.retried == 1
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.next_attempt_at >= before + backoff(1) > before
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    message_id = row.payload["message_id"]

    server = smtp_servers(port=port)
    assert relay(now=before + timedelta(seconds=1)).sent == 0  # the backoff has not passed
    assert server.messages == []
    assert relay(now=row.next_attempt_at).sent == 1
    assert relay(now=row.next_attempt_at + timedelta(hours=1)).sent == 0
    assert len(server.messages) == 1
    assert server.messages[0]["Message-ID"] == message_id  # a retry keeps the first attempt's id
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_backoff_doubles_and_is_capped(app):
    app.config.update(OUTBOX_BACKOFF_SECONDS=10, OUTBOX_BACKOFF_MAX_SECONDS=65)
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 65, 65]


def test_message_fails_after_max_attempts(app):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    use_smtp(free_port())
    row_id = queue()
    now = utcnow()
    outcomes = []
    for _ in range(5):
        report = relay(now=now)
        outcomes.append((report.retried, report.failed))
        now += timedelta(days=1)
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    row = outbox_row(row_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 3, None)
    assert row.last_error


def test_one_bad_message_does_not_hold_up_the_others(app, smtp_server):
    use_smtp(smtp_server.port)
    bad = queue(to=[])
    unknown = OutboxMessage(kind="webhook", payload={})
    _db.session.add(unknown)
    _db.session.commit()
    good = queue("Good one")
    report = relay()
    assert (report.sent, report.failed) == (1, 2)
    assert [m["Subject"] for m in smtp_server.messages] == ["Good one"]
    assert outbox_row(bad).status == "failed" and "recipient" in outbox_row(bad).last_error
    assert outbox_row(unknown.id).status == "failed" and "webhook" in outbox_row(unknown.id).last_error
    assert outbox_row(good).status == "sent"


# claims ---------------------------------------------------------------------------

def test_two_relays_at_once_deliver_each_message_exactly_once(app, smtp_server):
    use_smtp(smtp_server.port)
    subjects = [f"Message {n}" for n in range(24)]
    for subject in subjects:
        queue_email("customer@example.org", subject, "Body")
    _db.session.commit()
    start = threading.Barrier(3)
    reports, errors = [], []

    def run_relay():
        try:
            with app.app_context():
                start.wait()
                reports.append(relay())
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run_relay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in reports) == len(subjects)
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(subjects)
    statuses = _db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    assert dict(statuses) == {"sent": len(subjects)}


def test_a_claim_that_ran_out_is_delivered_again(app, smtp_server):
    use_smtp(smtp_server.port)
    now = utcnow()
    lost = OutboxMessage(payload={"to": ["a@example.org"], "subject": "Lost", "text": "x"},
                         status="sending", claimed_until=now - timedelta(seconds=1))
    held = OutboxMessage(payload={"to": ["b@example.org"], "subject": "Held", "text": "x"},
                         status="sending", claimed_until=now + timedelta(minutes=5))
    _db.session.add_all([lost, held])
    _db.session.commit()
    assert relay(now=now).sent == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["Lost"]
    assert outbox_row(lost.id).status == "sent"
    assert outbox_row(held.id).status == "sending"


def test_an_outcome_is_not_stored_over_another_relays_claim(app, smtp_server, monkeypatch):
    """A relay whose claim ran out while it delivered must not mark the row sent again."""
    from crm.notify import relay as relay_module

    use_smtp(smtp_server.port)
    row_id = queue()
    original = relay_module.deliver_email

    def slow_delivery(row, config):
        original(row, config)
        # Meanwhile another relay took the row over (its claim is a different one).
        with app.app_context():
            _db.session.execute(OutboxMessage.__table__.update().values(claimed_until=utcnow() + timedelta(days=1)))
            _db.session.commit()

    monkeypatch.setitem(relay_module.DELIVERERS, "email", slow_delivery)
    relay()
    row = outbox_row(row_id)
    assert row.status == "sending" and row.sent_at is None


# without SMTP ----------------------------------------------------------------------

def test_without_smtp_the_message_is_written_as_an_eml_file(app):
    row_id = queue("Password reset", text="Follow the link", html="<a href='x'>Follow</a>")
    assert relay().sent == 1
    (path,) = eml_files(app)
    message = parse(path)
    assert message["Subject"] == "Password reset"
    assert message["To"] == "customer@example.org"
    assert message.get_body(("plain",)).get_content().strip() == "Follow the link"
    assert outbox_row(row_id).status == "sent"
    assert relay().sent == 0 and len(eml_files(app)) == 1


def test_smtp_host_of_blanks_counts_as_none(app):
    settings.set_many("crm", {"smtp_host": "   "})
    _db.session.commit()
    queue()
    relay()
    assert len(eml_files(app)) == 1


# Huey ----------------------------------------------------------------------------------

def test_committing_a_queued_email_triggers_delivery(make_app):
    application = make_app(plugins=[])  # QUEUE_IMMEDIATE: tasks run when queued
    with application.app_context():
        row = queue_email("customer@example.org", "Right away", "Body")
        _db.session.flush()
        assert eml_files(application) == []  # nothing leaves before the commit
        _db.session.commit()
        assert [parse(p)["Subject"] for p in eml_files(application)] == ["Right away"]
        assert outbox_row(row.id).status == "sent"


def test_a_rolled_back_email_is_never_sent(make_app):
    application = make_app(plugins=[])
    with application.app_context():
        queue_email("customer@example.org", "Never", "Body")
        _db.session.flush()
        _db.session.rollback()
        _db.session.commit()
        assert eml_files(application) == []
        assert _db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_periodic_tick_relays_and_schedules_runs_within_the_minute(make_app):
    application = make_app(plugins=[], QUEUE_IMMEDIATE=False, OUTBOX_RELAY_SECONDS=20)
    with application.app_context():
        huey = application.extensions["crm_queue"]
        queue_email("customer@example.org", "Periodic", "Body")
        _db.session.commit()
        assert eml_files(application) == []
        assert huey.pending_count() == 1  # the commit queued a relay run for the worker
        (tick,) = huey.read_periodic(utcnow())  # due every minute
        assert tick.name == "crm.outbox.tick"
        start = utcnow()
        tick.execute()
        assert [parse(p)["Subject"] for p in eml_files(application)] == ["Periodic"]
        later = sorted(round((t.eta - start).total_seconds()) for t in huey.pending() if t.eta)
        assert later == [20, 40]  # relay runs at +20 s and +40 s
        huey.flush()


def test_worker_command_runs_the_consumer(app, monkeypatch):
    started = {}

    class FakeConsumer:
        def run(self):
            started["ran"] = True

    def create_consumer(**options):
        started.update(options)
        return FakeConsumer()

    monkeypatch.setattr(app.extensions["crm_queue"], "create_consumer", create_consumer)
    result = app.test_cli_runner().invoke(args=["crm", "worker", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert started == {"workers": 3, "worker_type": "thread", "periodic": True, "ran": True}


def test_worker_command_refuses_immediate_mode(make_app):
    application = make_app(plugins=[])
    result = application.test_cli_runner().invoke(args=["crm", "worker"])
    assert result.exit_code != 0 and "QUEUE_IMMEDIATE" in result.output


def test_worker_command_refuses_zero_workers(app):
    result = app.test_cli_runner().invoke(args=["crm", "worker", "--workers", "0"])
    assert result.exit_code != 0 and "at least one worker" in result.output
