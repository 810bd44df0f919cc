"""Database counters that tell every worker process when cached configuration is stale.

Plugin states, settings and role grants are cached per process under the
generation ``config``; other process caches (a plugin's lookup tables) may
use a counter of their own, so that changing them does not reload the rest.
Any change bumps its counter in the same transaction; each request reads
every counter once (one query on a tiny table) and drops process caches
built for an older value.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Hashable

from flask import current_app, g, has_request_context
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
    return _values().get(key, 0)


def _values() -> dict[str, int]:
    """Every counter: read once per request (kept in ``g``), or afresh outside a request."""
    if has_request_context():
        found = g.get("crm_generation")
        if found is None:
            found = g.crm_generation = _read_all()
        return found
    return _read_all()


def snapshot() -> tuple[tuple[str, int], ...]:
    """Every counter's current value as one hashable tuple: a cache key part that moves when any does."""
    values = _values()
    return tuple(sorted(values.items()))


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


class Cached:
    """Values built by ``load(*args)``, kept until one of the generation counters ``keys`` moves.

    The one way the app caches something per process "until it changes":
    each call reads the counters (free after the first read of a request,
    see :func:`read`) and returns the value kept for these arguments while
    the counters still have the values they had when it was built; otherwise
    it calls ``load`` again. ``args`` are the extra key (a locale, a role,
    a set of departments) and must be hashable. At most ``size`` entries are
    kept; beyond that the oldest are dropped. Use an instance for an object
    that lives once per app (``self.rows = Cached(self._load_rows)``), or
    the :func:`cached` decorator for a module's function.

    Example::

        grants = Cached(load_grants, "config")
        grants()            # loads
        grants()            # same value, no query, until the config generation moves
    """

    def __init__(self, load: Callable[..., Any], *keys: str, size: int = 64):
        self.load = load
        self.keys = keys or (KEY,)
        self.size = size
        self._entries: dict[tuple, tuple[tuple[int, ...], Any]] = {}

    def stamp(self) -> tuple[int, ...]:
        """The current values of this cache's counters."""
        values = _values()
        return tuple(values.get(key, 0) for key in self.keys)

    def __call__(self, *args: Hashable) -> Any:
        """The value for ``args``: the kept one while the counters have not moved, else a fresh one."""
        stamp = self.stamp()
        found = self._entries.get(args)
        if found is not None and found[0] == stamp:
            return found[1]
        # the counters are read before loading: a change committed while loading makes the next call load again
        value = self.load(*args)
        if found is None and len(self._entries) >= self.size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[args] = (stamp, value)
        return value

    def clear(self) -> None:
        """Drop every kept value."""
        self._entries.clear()


def app_cache(owner: Hashable, load: Callable[..., Any], *keys: str, size: int = 64) -> Cached:
    """The current app's :class:`Cached` of ``owner`` (any hashable name), made from ``load`` on first use.

    Each app, and so each database, keeps its own values.
    """
    caches = current_app.extensions.setdefault("crm_generation_cached", {})
    found = caches.get(owner)
    if found is None:
        found = caches[owner] = Cached(load, *keys, size=size)
    return found


def cached(*keys: str, size: int = 64):
    """Decorate a function of hashable arguments: its results are kept per app in a :class:`Cached`.

    The cache lives in ``current_app.extensions`` (each app, and so each
    database, has its own), and the decorated function has a ``clear()``.

    Example::

        @generation.cached("support.lookups", "config")
        def departments(locale: str) -> tuple:
            return tuple(db.session.execute(select(Department.id, Department.name)))
    """
    def decorate(load: Callable[..., Any]) -> Callable[..., Any]:
        def for_app() -> Cached:
            return app_cache(wrapper, load, *keys, size=size)

        @wraps(load)
        def wrapper(*args: Hashable) -> Any:
            return for_app()(*args)

        wrapper.clear = lambda: for_app().clear()
        return wrapper

    return decorate


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
