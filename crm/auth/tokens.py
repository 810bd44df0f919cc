"""One-time links: password resets, auto-login links, email verification.

A link carries a random token; the database keeps its digest
(:class:`~crm.auth.models.OneTimeToken`) with the purpose, the account it
signs in or changes, an optional subject it is bound to (``"ticket:7"``) and
its expiry. A token works once, however many requests race with it:
:func:`consume` marks it used with a conditional ``UPDATE ... WHERE used_at IS
NULL`` and only the request whose update changed the row wins. Issuing a new
link revokes the older unused ones of the same purpose, account and subject,
and :mod:`crm.auth.credentials` revokes all of an account's links when its
password changes or it is deactivated.

Usage (the portal's auto-login link)::

    token = tokens.issue("portal.auto-login", contact.get_id(), timedelta(days=7), subject=f"ticket:{ticket.id}")
    ...
    row = tokens.consume("portal.auto-login", token, subject=f"ticket:{ticket_id}")
    if row is None: ...  # forged, used, revoked or expired
    db.session.commit()
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, insert, select, update

from crm.auth.models import OneTimeToken
from crm.auth.sessions import digest
from crm.extensions import db
from crm.timeutil import utcnow

MAX_TOKEN_LENGTH = 200
_TABLE = OneTimeToken.__table__
# issuing runs for every email with a link: its two statements are built once, plain rows (nothing reads a new
# token back in its transaction)
_REVOKE_OLDER = (update(_TABLE).where(_TABLE.c.purpose == bindparam("p_purpose"),
                                      _TABLE.c.account == bindparam("p_account"),
                                      _TABLE.c.subject == bindparam("p_subject"),
                                      _TABLE.c.used_at.is_(None), _TABLE.c.revoked_at.is_(None))
                 .values(revoked_at=bindparam("p_now")))
_INSERT = insert(_TABLE)


def issue(purpose: str, account: str, max_age: timedelta | int, subject: str = "") -> str:
    """A new link token for ``account``, valid once for ``max_age`` (seconds or timedelta); the caller commits.

    Older unused tokens of the same purpose, account and subject stop working.
    """
    if not isinstance(max_age, timedelta):
        max_age = timedelta(seconds=max_age)
    now = utcnow()
    db.session.execute(_REVOKE_OLDER, dict(p_purpose=purpose, p_account=account, p_subject=subject, p_now=now))
    token = secrets.token_urlsafe(32)
    db.session.execute(_INSERT, dict(token_hash=digest(token), purpose=purpose, account=account, subject=subject,
                                     created_at=now, expires_at=now + max_age, used_at=None, revoked_at=None))
    return token


def _live(purpose: str, token: str, subject: str | None):
    conditions = [OneTimeToken.token_hash == digest(token), OneTimeToken.purpose == purpose,
                  OneTimeToken.used_at.is_(None), OneTimeToken.revoked_at.is_(None),
                  OneTimeToken.expires_at > utcnow()]
    if subject is not None:
        conditions.append(OneTimeToken.subject == subject)
    return conditions


def _plausible(token) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_LENGTH


def peek(purpose: str, token: str, subject: str | None = None) -> OneTimeToken | None:
    """The token's row if it is valid now (not used, revoked or expired), without using it up."""
    if not _plausible(token):
        return None
    return db.session.scalar(select(OneTimeToken).where(*_live(purpose, token, subject)))


def consume(purpose: str, token: str, subject: str | None = None) -> OneTimeToken | None:
    """Use the token up and return its row, or None if it is not valid or another request used it first.

    The use belongs to the caller's transaction: commit it together with what
    the link does (a rollback makes the link usable again).
    """
    if not _plausible(token):
        return None
    result = db.session.execute(update(OneTimeToken).where(*_live(purpose, token, subject))
                                .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return None
    return db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == digest(token))
                             .execution_options(populate_existing=True))


def revoke_all(account: str, purpose: str | None = None) -> int:
    """Make every unused token of ``account`` (of one purpose, or all) stop working; the caller commits."""
    stmt = update(OneTimeToken).where(OneTimeToken.account == account, OneTimeToken.used_at.is_(None),
                                      OneTimeToken.revoked_at.is_(None))
    if purpose is not None:
        stmt = stmt.where(OneTimeToken.purpose == purpose)
    return db.session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def purge_expired(older_than: timedelta = timedelta(days=7)) -> int:
    """Delete tokens that expired more than ``older_than`` ago; the caller commits."""
    return db.session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at < utcnow() - older_than)).rowcount
