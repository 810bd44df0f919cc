"""A database counter that tells every worker process when cached configuration is stale.

Plugin states, settings and role grants are cached per process. Any change to
them bumps the generation in the same transaction; each request reads the
generation once (one primary-key lookup) and drops process caches built for
an older one.
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select, update
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db

KEY = "config"


class Generation(db.Model):
    """One named counter; the row ``config`` covers plugins, settings and grants."""

    __tablename__ = "crm_generation"
    key: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def read() -> int:
    """Return the current generation, read at most once per request."""
    if has_request_context() and "crm_generation" in g:
        return g.crm_generation
    value = _read_db()
    if has_request_context():
        g.crm_generation = value
    return value


def _read_db() -> int:
    value = db.session.execute(select(Generation.value).where(Generation.key == KEY)).scalar()
    return value or 0


def bump() -> None:
    """Increase the generation inside the current transaction; caches refresh after commit."""
    result = db.session.execute(update(Generation).where(Generation.key == KEY).values(value=Generation.value + 1))
    if result.rowcount == 0:
        db.session.add(Generation(key=KEY, value=1))
    db.session.flush()
    if has_request_context():
        g.pop("crm_generation", None)


def forget() -> None:
    """Forget the generation read in this request (after a commit that bumped it)."""
    if has_request_context():
        g.pop("crm_generation", None)
