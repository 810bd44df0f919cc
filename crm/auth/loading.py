"""Who is signed in: Flask-Login's loaders on top of the server-side sessions of :mod:`crm.auth.sessions`.

- The user loader checks the session row and loads a staff user in ONE query
  (session row, user, role and department memberships, all by primary key,
  and the count of their unread notifications);
  other accounts are checked by their session row and loaded through the
  ``crm_load_user`` hook. The result is kept for the rest of the request.
- The request loader exchanges a "keep me signed in" cookie for a new session;
  an exchanged cookie that comes back later was copied, and ends every
  session of its account.
- An ``after_request`` handler writes or deletes the remember cookie.
"""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from flask import Flask, current_app, g, request, session
from sqlalchemy import bindparam, select, true, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from crm.auth import sessions
from crm.auth.models import AuthSession
from crm.extensions import db, login_manager
from crm.timeutil import utcnow

STAFF_PREFIX = "staff:"
_MAX_ID = 2**31 - 1


def init_app(app: Flask) -> None:
    """Register the user loader, the remember-cookie loader and the cookie writer; watch staff credentials."""
    from crm.auth import credentials
    from crm.people.models import User

    credentials.watch(User)
    login_manager.user_loader(load_user)
    login_manager.request_loader(restore_from_remember_cookie)
    app.after_request(write_remember_cookie)


def _staff_id(account: str) -> int | None:
    digits = account[len(STAFF_PREFIX):]
    if not account.startswith(STAFF_PREFIX) or not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits)
    return value if 0 < value <= _MAX_ID else None


def _usable(user, row: AuthSession) -> bool:
    """An active person whose password has not changed since the session began."""
    if user is None or not getattr(user, "is_active", False):
        return False
    changed = getattr(user, "password_changed_at", None)
    return changed is None or row.created_at >= changed


@lru_cache(maxsize=1)
def _staff_sign_in():
    """The staff sign-in statement, built once (its values are bound parameters): two primary-key lookups side
    by side (JOIN ... ON true), the account compared by the caller, and the unread notifications every staff
    page shows in its top bar alongside."""
    from crm.notify.inapp import unread_count_column
    from crm.people.models import User

    return (select(AuthSession, User, unread_count_column(User.id)).join_from(AuthSession, User, true())
            .where(AuthSession.id == bindparam("session_id"), User.id == bindparam("user_id"))
            .options(joinedload(User.memberships)))  # access checks on every page read them


def load_user(account: str):
    """Flask-Login user loader: the person of this browser's live session, or None."""
    token = session.get(sessions.SESSION_KEY)
    if not isinstance(token, str) or not isinstance(account, str):
        return None
    now = utcnow()
    if account.startswith(STAFF_PREFIX):
        from crm.notify.inapp import remember_unread_count

        user_id = _staff_id(account)
        if user_id is None:
            return None
        found = db.session.execute(_staff_sign_in(), {"session_id": sessions.digest(token), "user_id": user_id}
                                   ).unique().first()
        if found is None:
            return None
        row, user, unread = found
        remember_unread_count(user, unread)
    else:
        row = db.session.get(AuthSession, sessions.digest(token))
        user = current_app.extensions["crm"].hook.crm_load_user(user_id=account) if row is not None else None
    if not sessions.is_valid(row, account, now) or not _usable(user, row):
        return None
    g.crm_auth_session = row
    _touch(row, now)
    return user


def _session_is_clean() -> bool:
    from crm.database import current, has_pending_changes

    return current() is None and not has_pending_changes()


def _touch(row: AuthSession, now) -> None:
    """Record that the session was seen (at most once a minute) and slide an idle session's expiry.

    Written in a short transaction of its own, only when the request has no
    uncommitted work of its own; otherwise it waits for a later request.
    """
    if now - row.last_seen_at < timedelta(seconds=sessions.TOUCH_SECONDS) or not _session_is_clean():
        return
    values = {"last_seen_at": now}
    if not row.remembered:
        values["expires_at"] = now + sessions.idle_lifetime()
    db.session.execute(update(AuthSession).where(AuthSession.id == row.id).values(**values)
                       .execution_options(synchronize_session=False))
    real_session = db.session()
    keep = real_session.expire_on_commit
    real_session.expire_on_commit = False  # the rows just loaded stay loaded: nothing else was pending
    try:
        db.session.commit()
    finally:
        real_session.expire_on_commit = keep
    for key, value in values.items():
        set_committed_value(row, key, value)  # what the database now holds; nothing to flush


def _load_account(account: str):
    if account.startswith(STAFF_PREFIX):
        from crm.people.models import User

        user_id = _staff_id(account)
        return db.session.get(User, user_id) if user_id is not None else None
    return current_app.extensions["crm"].hook.crm_load_user(user_id=account)


def _end_copied_account(row: AuthSession) -> None:
    """A remember cookie that was already exchanged came back: someone holds a copy. End every session of the account.

    (Within a short grace period it is rather a second tab racing the first
    one to restore the session, and is simply refused.)
    """
    current_app.logger.warning("a used remember cookie of %s came back; ending all its sessions", row.account)
    sessions.end_all(row.account)
    db.session.execute(update(AuthSession).where(AuthSession.id == row.id).values(remember_hash=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def restore_from_remember_cookie(req):
    """Flask-Login request loader: exchange a valid remember cookie, once, for a new session and cookie."""
    token = req.cookies.get(sessions.REMEMBER_COOKIE)
    if not token or len(token) > 200 or not _session_is_clean():
        return None
    now = utcnow()
    row = db.session.scalar(select(AuthSession).where(AuthSession.remember_hash == sessions.digest(token)))
    if row is not None and row.revoked_at is not None and now - row.revoked_at > timedelta(
            seconds=sessions.REUSE_GRACE_SECONDS):
        _end_copied_account(row)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        g.crm_remember_clear = True
        return None
    claimed = db.session.execute(
        update(AuthSession).where(AuthSession.id == row.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # another request used this cookie first
        db.session.rollback()
        g.crm_remember_clear = True
        return None
    user = _load_account(row.account)
    if not _usable(user, row):
        db.session.commit()
        g.crm_remember_clear = True
        return None
    sessions.start(user, remember=True, fresh=False)
    db.session.commit()
    return user


def write_remember_cookie(response):
    """Set a newly issued remember cookie, or delete one that was ended or refused."""
    config = current_app.config
    secure = config.get("REMEMBER_COOKIE_SECURE")
    if secure is None:
        secure = config.get("SESSION_COOKIE_SECURE", False)
    options = {
        "path": config.get("REMEMBER_COOKIE_PATH") or "/",
        "domain": config.get("REMEMBER_COOKIE_DOMAIN"),
        "secure": bool(secure),
        "httponly": config.get("REMEMBER_COOKIE_HTTPONLY", True),
        "samesite": config.get("REMEMBER_COOKIE_SAMESITE") or "Lax",
    }
    token = g.get("crm_remember_token")
    if token:
        response.set_cookie(sessions.REMEMBER_COOKIE, token,
                            max_age=int(sessions.remember_lifetime().total_seconds()), **options)
    elif g.get("crm_remember_clear") and sessions.REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(sessions.REMEMBER_COOKIE, **options)
    return response
