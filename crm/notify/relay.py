"""The outbox relay: claim due messages, deliver each one, and record the outcome with retries and backoff.

A message is due when it is ``pending`` and its ``next_attempt_at`` has come,
or when it is ``sending`` and its claim (``claimed_until``) ran out because the
worker that held it died. Claims are safe with any number of relays running
at once: PostgreSQL picks a row with ``SELECT ... FOR UPDATE SKIP LOCKED``,
SQLite with a conditional ``UPDATE`` that only one writer can win. Each
message is claimed, delivered and recorded in its own transactions, so one
bad message never holds up the others.

A failed attempt is retried with backoff, unless it can never succeed: a
:class:`PermanentError` (a message that cannot be built) or an SMTP server's
5xx answer refusing the message (:func:`crm.notify.mail.is_permanent`) fails
it at once, with the server's answer stored in ``last_error``. Temporary 4xx
answers and connection errors are retried. Failed messages are listed,
retried or discarded under **Admin → Outgoing mail** (:mod:`crm.admin.outbox`).

Configuration: ``OUTBOX_MAX_ATTEMPTS`` (then the message is ``failed``),
``OUTBOX_BACKOFF_SECONDS`` (first retry delay, doubled per attempt, capped at
``OUTBOX_BACKOFF_MAX_SECONDS``) and ``OUTBOX_LEASE_SECONDS`` (how long a claim
holds; keep it well above ``SMTP_TIMEOUT``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import and_, or_, select, update

from crm.extensions import db
from crm.notify import mail
from crm.notify.outbox import OutboxMessage
from crm.timeutil import utcnow

MAX_ERROR_LENGTH = 2000


class PermanentError(Exception):
    """A message that can never be delivered as it stands; it fails without further retries."""


@dataclass
class RelayReport:
    """What one relay run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def due(now: datetime):
    """The SQL condition for messages a relay may claim at ``now``."""
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: exponential, capped."""
    base = current_app.config.get("OUTBOX_BACKOFF_SECONDS", 30)
    cap = current_app.config.get("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _claim_postgresql(now: datetime, lease_until: datetime) -> int | None:
    candidate = (
        select(OutboxMessage.id).where(due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1).with_for_update(skip_locked=True).scalar_subquery()
    )
    statement = (
        update(OutboxMessage).where(OutboxMessage.id == candidate)
        .values(status="sending", claimed_until=lease_until).returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).scalar()


def _claim_conditional(now: datetime, lease_until: datetime) -> int | None:
    while True:
        candidates = db.session.scalars(
            select(OutboxMessage.id).where(due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(20)
        ).all()
        if not candidates:
            return None
        for message_id in candidates:
            # Only one writer can move a row out of the due state; a lost race updates nothing.
            result = db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id, due(now))
                .values(status="sending", claimed_until=lease_until)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                return message_id
        db.session.commit()


def claim(now: datetime) -> tuple[OutboxMessage, datetime] | None:
    """Claim the next due message for this relay and commit the claim.

    The first claim fixes an email's Message-ID in its payload, so every
    retry sends the same one. Returns the row and the claim's expiry (which
    identifies the claim), or None when nothing is due.
    """
    lease_until = now + timedelta(seconds=current_app.config.get("OUTBOX_LEASE_SECONDS", 300))
    if db.session.get_bind().dialect.name == "postgresql":
        message_id = _claim_postgresql(now, lease_until)
    else:
        message_id = _claim_conditional(now, lease_until)
    if message_id is None:
        db.session.commit()
        return None
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if row.kind == "email" and not (row.payload or {}).get("message_id"):
        row.payload = {**(row.payload or {}), "message_id": mail.new_message_id(mail.mail_settings().from_address)}
    db.session.commit()
    return row, lease_until


def deliver_email(row: OutboxMessage, config: mail.MailSettings) -> None:
    """Deliver an email row: through SMTP when configured, else as an .eml file in ``MAIL_DIR``."""
    try:
        message = mail.build_message(row.payload or {}, config)
    except (ValueError, TypeError, KeyError) as exc:
        raise PermanentError(str(exc)) from exc
    if config.uses_smtp:
        mail.send_smtp(message, config)
    else:
        mail.write_eml(message, f"{row.created_at:%Y%m%dT%H%M%S}-{row.id}")


DELIVERERS: dict[str, Callable[[OutboxMessage, mail.MailSettings], None]] = {"email": deliver_email}


def _record(row_id: int, lease_until: datetime, **values) -> bool:
    """Store an outcome only while our claim still holds; False if another relay took the row over."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "sending",
               OutboxMessage.claimed_until == lease_until)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver(row: OutboxMessage, lease_until: datetime, now: datetime, config: mail.MailSettings) -> str:
    """Attempt one claimed message and record the outcome; return ``sent``, ``retried`` or ``failed``."""
    row_id, attempts = row.id, row.attempts + 1
    deliverer = DELIVERERS.get(row.kind)
    error: Exception | None = None
    try:
        if deliverer is None:
            raise PermanentError(f"no delivery for messages of kind {row.kind!r}")
        deliverer(row, config)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row (and retried unless permanent)
        error = exc
        db.session.rollback()
    if error is None:
        outcome, values = "sent", {"status": "sent", "sent_at": utcnow(), "last_error": ""}
    else:
        message = mail.describe_error(error)[:MAX_ERROR_LENGTH]
        if (isinstance(error, PermanentError) or mail.is_permanent(error)
                or attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]):
            outcome, values = "failed", {"status": "failed", "last_error": message}
        else:
            outcome, values = "retried", {"status": "pending", "last_error": message,
                                          "next_attempt_at": now + backoff(attempts)}
        current_app.logger.warning("outbox message %s, attempt %s: %s", row_id, attempts, message)
    if not _record(row_id, lease_until, attempts=attempts, last_attempt_at=now, **values):
        current_app.logger.warning("outbox message %s: the claim ran out before the outcome was stored", row_id)
    return outcome


def relay(now: datetime | None = None, limit: int = 100) -> RelayReport:
    """Deliver up to ``limit`` due outbox messages, one transaction per message.

    Call inside an app context whose session has nothing uncommitted (the
    relay commits). ``now`` defaults to the current UTC time; tests pass a
    later time to reach messages waiting for their retry.
    """
    now = now or utcnow()
    report = RelayReport()
    config = mail.mail_settings()
    for _ in range(limit):
        claimed = claim(now)
        if claimed is None:
            break
        row, lease_until = claimed
        outcome = deliver(row, lease_until, now, config)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
