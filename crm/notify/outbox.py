"""The outbox: every email (or other side effect) is a row written in the same transaction as its cause."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, insert
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow


class OutboxMessage(db.Model):
    """One message to deliver; ``status`` is pending, sending, sent or failed."""

    __tablename__ = "crm_outbox"
    __table_args__ = (Index("ix_crm_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(20), default="email")
    payload: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(db.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(db.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()


ADDED = "crm_outbox_added"  # session.info: this transaction added outbox rows (relay after commit)


def queue_email(to: str | list[str], subject: str, text: str, html: str | None = None, *,
                headers: dict[str, str] | None = None, reply_to: str | None = None,
                message_id: str | None = None, attachments: list[dict] | None = None) -> OutboxMessage:
    """Add an email to the outbox in the current transaction; the worker delivers it after commit.

    :param to: one address or a list.
    :param subject: the subject line, already in the recipient's language.
    :param text: the plain-text body; ``html`` the optional HTML alternative.
    :param headers: extra headers (``In-Reply-To``, ``References`` ...).
    :param message_id: a fixed Message-ID (threading); generated when None.
    :param attachments: ``[{"filename", "content_type", "storage_key"}]``.
    :return: the outbox row.
    """
    row = OutboxMessage(kind="email", payload=_payload(to, subject, text, html, headers, reply_to, message_id,
                                                       attachments))
    db.session.add(row)
    return row


_INSERT = insert(OutboxMessage.__table__)


def add_email(to: str | list[str], subject: str, text: str, html: str | None = None, *,
              headers: dict[str, str] | None = None, reply_to: str | None = None,
              message_id: str | None = None, attachments: list[dict] | None = None) -> None:
    """:func:`queue_email` for a sender that needs no row back: one plain INSERT now, no ORM object to flush.

    Same transaction, same delivery (the relay is asked for after the commit).
    """
    db.session.execute(_INSERT, dict(kind="email", payload=_payload(to, subject, text, html, headers, reply_to,
                                                                    message_id, attachments)))
    db.session.info[ADDED] = True


def _payload(to, subject, text, html, headers, reply_to, message_id, attachments) -> dict:
    return {
        "to": [to] if isinstance(to, str) else list(to),
        "subject": subject, "text": text, "html": html,
        "headers": headers or {}, "reply_to": reply_to, "message_id": message_id,
        "attachments": attachments or [],
    }
