"""Tables of sign-in state shared by every worker: sessions, one-time links and attempt counters.

Each row belongs to an *account*, the string Flask-Login keeps as the user id
(``staff:<id>``; plugins use their own prefix, e.g. ``customer:<id>``), so
staff and customers share one store. Secrets are never stored: a session,
remember or link token is kept as its SHA-256 hex digest.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow


class AuthSession(db.Model):
    """One signed-in browser: ended by logout, expiry, a password change or deactivation."""

    __tablename__ = "crm_auth_session"
    id: Mapped[str] = mapped_column(db.String(64), primary_key=True)  # digest of the token in the session cookie
    account: Mapped[str] = mapped_column(db.String(80), index=True)
    remember_hash: Mapped[str | None] = mapped_column(db.String(64), unique=True)  # digest of the remember cookie
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None] = mapped_column()
    user_agent: Mapped[str] = mapped_column(db.String(300), default="")
    ip: Mapped[str] = mapped_column(db.String(45), default="")

    @property
    def remembered(self) -> bool:
        """Whether a "keep me signed in" cookie can restore this session."""
        return self.remember_hash is not None


class OneTimeToken(db.Model):
    """A link that works once (password reset, auto-login, email verification) until it expires."""

    __tablename__ = "crm_auth_token"
    __table_args__ = (Index("ix_crm_auth_token_purpose_account", "purpose", "account"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(db.String(40))
    account: Mapped[str] = mapped_column(db.String(80))
    subject: Mapped[str] = mapped_column(db.String(80), default="")  # what the link is bound to, e.g. "ticket:7"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class AttemptWindow(db.Model):
    """How many attempts one key (an address, an account) made in the current fixed window."""

    __tablename__ = "crm_auth_attempt"
    key: Mapped[str] = mapped_column(db.String(64), primary_key=True)  # digest of "scope:identifier"
    hits: Mapped[int] = mapped_column(default=0)
    window_ends_at: Mapped[datetime] = mapped_column(index=True)
