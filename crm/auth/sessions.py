"""Server-side sessions: every sign-in is a row that logout, a password change or an admin can end.

The Flask session cookie carries a random session token; the database keeps
only its digest (:class:`~crm.auth.models.AuthSession`), with the account,
the browser's user agent and address, when it was last seen and when it
expires. A session is valid while its row is neither revoked nor expired, so
ending it takes effect on every worker and machine at once.

"Keep me signed in" sets a second cookie with its own random token. When the
browser comes back without a session cookie, the remember token is exchanged,
once, for a new session and a new remember token (the old row is revoked):
a stolen remember cookie stops working as soon as either party uses it.

Sessions belong to accounts named like Flask-Login user ids (``staff:<id>``,
``customer:<id>``), so a plugin that signs other people in uses the same
functions: :func:`start` at sign-in, :func:`end_current` at sign-out.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update

from crm.auth.models import AuthSession
from crm.extensions import db
from crm.timeutil import utcnow

SESSION_KEY = "_crm_session"  # the key of the session token inside the Flask session
REMEMBER_COOKIE = "crm_remember"
DEFAULT_REMEMBER_SECONDS = 30 * 24 * 60 * 60
TOUCH_SECONDS = 60  # last_seen_at is written at most this often per session
REUSE_GRACE_SECONDS = 60  # a rotated remember cookie coming back later than this was copied


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _seconds(value, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def remember_lifetime() -> timedelta:
    """How long a "keep me signed in" cookie lasts (``REMEMBER_COOKIE_DURATION``, default 30 days)."""
    return timedelta(seconds=_seconds(current_app.config.get("REMEMBER_COOKIE_DURATION"), DEFAULT_REMEMBER_SECONDS))


def idle_lifetime() -> timedelta:
    """How long a session without a remember cookie lives after it was last seen (``PERMANENT_SESSION_LIFETIME``)."""
    return timedelta(seconds=_seconds(current_app.config.get("PERMANENT_SESSION_LIFETIME"), 12 * 60 * 60))


def is_valid(row: AuthSession | None, account: str, now: datetime | None = None) -> bool:
    """Whether ``row`` is a live session of ``account``: not revoked and not expired."""
    now = now or utcnow()
    return row is not None and row.account == account and row.revoked_at is None and row.expires_at > now


def _printable(text: str | None, limit: int) -> str:
    """``text`` without control characters (a NUL byte is refused by PostgreSQL), cut to ``limit``."""
    return "".join(c for c in (text or "") if c.isprintable())[:limit]


def _request_details() -> dict[str, str]:
    return {"user_agent": _printable(request.user_agent.string, 300), "ip": _printable(request.remote_addr, 45)}


def ended(now: datetime | None = None) -> dict:
    """The column values of a session that was ended (not rotated): revoked, and its remember cookie forgotten.

    A revoked row that still knows its remember digest was *rotated*: its
    cookie was exchanged for a new one. If that cookie comes back later, a
    copy of it is in someone else's hands (see :mod:`crm.auth.loading`).
    """
    return {"revoked_at": now or utcnow(), "remember_hash": None}


def start(user, remember: bool = False, fresh: bool = True) -> AuthSession:
    """Sign ``user`` in on this browser with a new session; the caller commits.

    Everything in the old Flask session goes, the CSRF secret included, so a
    session or form token planted before sign-in is worthless after it.

    :param remember: also set a "keep me signed in" cookie.
    :param fresh: False when restored from a remember cookie rather than a password.
    """
    had_remember_cookie = REMEMBER_COOKIE in request.cookies
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AuthSession(id=digest(token), account=user.get_id(), created_at=now, last_seen_at=now,
                      expires_at=now + (remember_lifetime() if remember else idle_lifetime()), **_request_details())
    if remember:
        remember_token = secrets.token_urlsafe(32)
        row.remember_hash = digest(remember_token)
        g.crm_remember_token = remember_token
    elif had_remember_cookie:
        g.crm_remember_clear = True
    db.session.add(row)
    login_user(user, remember=False, fresh=fresh)
    session[SESSION_KEY] = token
    g.crm_auth_session = row
    return row


def current() -> AuthSession | None:
    """The session row of this request's signed-in person, once the user has been loaded."""
    return g.get("crm_auth_session")


def end_current() -> None:
    """Sign out of this browser: end its session and remember cookie; the caller commits."""
    now = utcnow()
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db.session.execute(update(AuthSession).where(AuthSession.id == digest(token), AuthSession.revoked_at.is_(None))
                           .values(**ended(now)))
    remembered = request.cookies.get(REMEMBER_COOKIE)
    if remembered:
        db.session.execute(update(AuthSession).where(AuthSession.remember_hash == digest(remembered),
                                                     AuthSession.revoked_at.is_(None)).values(**ended(now)))
        g.crm_remember_clear = True
    logout_user()
    session.clear()
    g.pop("crm_auth_session", None)


def end_all(account: str) -> int:
    """End every session and remember cookie of ``account``; returns how many were live. The caller commits."""
    result = db.session.execute(
        update(AuthSession).where(AuthSession.account == account, AuthSession.revoked_at.is_(None))
        .values(**ended()).execution_options(synchronize_session=False))
    return result.rowcount


def end_one(account: str, session_id: str) -> bool:
    """End one session of ``account`` (by its row id); False if there is no such live session. The caller commits."""
    result = db.session.execute(
        update(AuthSession).where(AuthSession.id == session_id, AuthSession.account == account,
                                  AuthSession.revoked_at.is_(None))
        .values(**ended()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def active_sessions(account: str) -> list[AuthSession]:
    """The live sessions of ``account``, most recently seen first."""
    return list(db.session.scalars(
        select(AuthSession).where(AuthSession.account == account, AuthSession.revoked_at.is_(None),
                                  AuthSession.expires_at > utcnow())
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.created_at.desc())))


def purge_expired(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete session rows that expired more than ``older_than`` ago; the caller commits."""
    from sqlalchemy import delete

    result = db.session.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow() - older_than))
    return result.rowcount
