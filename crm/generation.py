"""Database counters that tell every worker process when cached configuration is stale.

Plugin states, settings and role grants are cached per process under the
generation ``config``; other process caches (a plugin's lookup tables) may
use a counter of their own, so that changing them does not reload the rest.
Any change bumps its counter in the same transaction; each request reads
every counter once (one query on a tiny table) and drops process caches
built for an older value.
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.extensions import db

KEY = "config"


class Generation(db.Model):
    """One named counter; the row ``config`` covers plugins, settings and grants."""

    __tablename__ = "crm_generation"
    key: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def read(key: str = KEY) -> int:
    """Return the current value of counter ``key``; every counter is read at most once per request."""
    if has_request_context():
        if "crm_generation" not in g:
            g.crm_generation = _read_all()
        return g.crm_generation.get(key, 0)
    return _read_all().get(key, 0)


def _read_all() -> dict[str, int]:
    return {key: value or 0 for key, value in db.session.execute(select(Generation.key, Generation.value))}


def _bump(connection_or_session, key: str) -> None:
    table = Generation.__table__
    result = connection_or_session.execute(update(table).where(table.c.key == key).values(value=table.c.value + 1))
    if result.rowcount == 0:
        connection_or_session.execute(insert(table).values(key=key, value=1))


def bump(key: str = KEY) -> None:
    """Increase counter ``key`` inside the current transaction; caches refresh after commit."""
    _bump(db.session, key)
    db.session.flush()
    forget()


def forget() -> None:
    """Forget the counters read in this request (after a commit that bumped one)."""
    if has_request_context():
        g.pop("crm_generation", None)


_watched: dict[type, str] = {}


def watch(key: str, *models: type) -> None:
    """Bump counter ``key`` in the same transaction whenever a flush adds, changes or deletes rows of ``models``.

    For small admin-managed tables (statuses, departments, ...) that pages
    cache per process: whichever code writes them, every worker notices.
    Bulk statements that bypass the ORM (``insert(Model)``) are not seen.
    """
    for model in models:
        _watched[model] = key


@event.listens_for(Session, "after_flush")
def _bump_on_watched_change(session, flush_context) -> None:
    if not _watched:
        return
    keys = {_watched[type(obj)] for obj in (*session.new, *session.dirty, *session.deleted) if type(obj) in _watched}
    if not keys:
        return
    connection = session.connection()
    for key in sorted(keys):
        _bump(connection, key)
    forget()
