"""Failed outbox messages: listing them, and retrying or discarding them with an audit entry for each.

Used by the admin page **Admin → Outgoing mail** (:mod:`crm.admin.outbox`).
Only rows whose status is ``failed`` are touched: an id of a pending, sent or
missing message is ignored, so a stale page never resends or deletes mail
that is on its way.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.notify.outbox import OutboxMessage
from crm.timeutil import utcnow

# At most this many messages are retried or discarded by one request.
MAX_BATCH = 500
_MAX_ID = 2**31 - 1  # ids beyond the column's range name no row (and SQLite cannot even compare them)


def failed_messages():
    """The query for failed messages, the most recently tried first."""
    return (select(OutboxMessage).where(OutboxMessage.status == "failed")
            .order_by(OutboxMessage.last_attempt_at.desc().nulls_last(), OutboxMessage.id.desc()))


def recipients(row: OutboxMessage) -> str:
    """The message's recipients as one line (empty for a message without any)."""
    to = (row.payload or {}).get("to") or []
    return ", ".join(str(address) for address in (to if isinstance(to, list) else [to]))


def subject(row: OutboxMessage) -> str:
    """The message's subject line."""
    return str((row.payload or {}).get("subject") or "")


def _failed_rows(ids: Iterable[int]) -> list[OutboxMessage]:
    wanted = sorted({int(i) for i in ids if 0 < int(i) <= _MAX_ID})[:MAX_BATCH]
    if not wanted:
        return []
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(wanted), OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id).with_for_update()
    ))


def retry(ids: Iterable[int], user=None) -> list[OutboxMessage]:
    """Put failed messages back in the queue: pending, due now, attempts and error cleared.

    Audited as ``outbox.retried``; the caller commits and then asks for a
    relay run (:func:`crm.notify.queue.request_relay`).

    :param ids: outbox ids; those of messages that have not failed are ignored.
    :param user: who did it (default: the signed-in user).
    :return: the rows put back.
    """
    rows = _failed_rows(ids)
    now = utcnow()
    for row in rows:
        audit.record("outbox.retried", "outbox", row.id, {
            "status": (row.status, "pending"), "attempts": (row.attempts, 0), "last_error": (row.last_error, ""),
        }, user=user)
        row.status, row.attempts, row.last_error = "pending", 0, ""
        row.next_attempt_at, row.claimed_until = now, None
    return rows


def discard(ids: Iterable[int], user=None) -> int:
    """Delete failed messages for good; audited as ``outbox.discarded`` with recipient, subject and error.

    :param ids: outbox ids; those of messages that have not failed are ignored.
    :param user: who did it (default: the signed-in user).
    :return: how many were deleted. The caller commits.
    """
    rows = _failed_rows(ids)
    for row in rows:
        audit.record("outbox.discarded", "outbox", row.id, {
            "to": (recipients(row), None), "subject": (subject(row), None),
            "attempts": (row.attempts, None), "last_error": (row.last_error, None),
        }, user=user)
        db.session.delete(row)
    return len(rows)
