"""A changed password or a deactivated account ends the account's sessions and one-time links.

:func:`watch` registers a model whose rows are accounts (it must have
``get_id()``, ``password_hash`` and ``active``). Whenever a flush writes a new
password hash or ``active = False`` for such a row, the same transaction
revokes every session, remember cookie and unused one-time link of that
account, whichever code made the change (a service, an admin page, a
command). The host watches staff users; a plugin that signs in other people
watches its own model::

    from crm.auth import credentials
    credentials.watch(Contact)
"""
from __future__ import annotations

from sqlalchemy import event, inspect, update

from crm.auth import sessions
from crm.auth.models import AuthSession, OneTimeToken
from crm.extensions import db
from crm.timeutil import utcnow

_watched: list[type] = []


def watch(model: type) -> None:
    """End sessions and links of ``model`` rows whose password changes or that are deactivated."""
    if model not in _watched:
        _watched.append(model)
    if not event.contains(db.session, "before_flush", _before_flush):
        event.listen(db.session, "before_flush", _before_flush)


def _changed_accounts(session) -> set[str]:
    accounts = set()
    watched = tuple(_watched)
    for obj in session.dirty:
        if not isinstance(obj, watched):
            continue
        attrs = inspect(obj).attrs
        if attrs.password_hash.history.added or (attrs.active.history.added and not obj.active):
            accounts.add(obj.get_id())
    return accounts


def _before_flush(session, flush_context, instances) -> None:
    accounts = _changed_accounts(session)
    if not accounts:
        return
    now = utcnow()
    accounts = sorted(accounts)
    session.execute(update(AuthSession).where(AuthSession.account.in_(accounts), AuthSession.revoked_at.is_(None))
                    .values(**sessions.ended(now)).execution_options(synchronize_session=False))
    session.execute(update(OneTimeToken).where(OneTimeToken.account.in_(accounts), OneTimeToken.revoked_at.is_(None),
                                               OneTimeToken.used_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))
