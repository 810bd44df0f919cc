"""Attempt limits shared by every worker and machine: per address and per account on the login form.

A limit is written like ``"10 per minute"`` (the ``limits`` library's notation)
and counted in fixed windows. With ``REDIS_URL`` the counters live in Redis
(through ``limits``' Redis storage); otherwise in the ``crm_auth_attempt``
table, incremented inside the database (``INSERT ... ON CONFLICT DO UPDATE
SET hits = hits + 1 RETURNING hits``), so parallel requests on any number of
workers never count the same attempt twice or miss one. Keys are stored as
digests: no address or email address is kept in the table.

``RATELIMIT_ENABLED = False`` (tests) switches every limit off.
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, current_app, request
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete

from crm.auth.models import AttemptWindow
from crm.extensions import db
from crm.timeutil import utcnow

_EXTENSION = "crm_attempt_limiter"


def allow(scope: str, identifier: str, limit: str) -> bool:
    """Count one attempt of ``identifier`` in ``scope`` and say whether it is within ``limit``.

    Commits the count at once (in a transaction of its own: the caller must
    have no uncommitted changes), so it stands whatever the request does next.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    item = parse(limit)
    redis = _redis_limiter()
    if redis is not None:
        # keys live under the app's rate-limit prefix, like Flask-Limiter's own, so desks sharing a Redis stay apart
        namespace = f"{current_app.config.get('RATELIMIT_KEY_PREFIX') or ''}crm-auth"
        return redis.hit(item, namespace, scope, identifier)
    return _database_hit(item, scope, identifier) <= item.amount


def limit_posts(scope: str, config_key: str):
    """Decorate a view: each POST counts against the limit ``config[config_key]`` of the client's address; 429 beyond it.

    Unlike an in-memory limit, the count is shared by every worker (see the module docstring).
    """
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method == "POST" and not allow(scope, request.remote_addr or "", current_app.config[config_key]):
                abort(429)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _redis_limiter() -> FixedWindowRateLimiter | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        limiter = current_app.extensions[_EXTENSION] = FixedWindowRateLimiter(RedisStorage(url))
    return limiter


def _database_hit(item: RateLimitItem, scope: str, identifier: str) -> int:
    """Add one hit to the identifier's current window in the database; returns the hits in that window."""
    from crm.auth.sessions import digest
    from crm.database import unit_of_work, upsert_insert

    key = digest(f"{scope}\x00{identifier}")
    now = utcnow()
    ends = now + timedelta(seconds=item.get_expiry())
    table = AttemptWindow.__table__
    expired = table.c.window_ends_at <= now
    stmt = upsert_insert(table).values(key=key, hits=1, window_ends_at=ends)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "hits": case((expired, 1), else_=table.c.hits + 1),
        "window_ends_at": case((expired, ends), else_=table.c.window_ends_at),
    }).returning(table.c.hits)
    with unit_of_work():
        return db.session.execute(stmt).scalar_one()


def purge_expired() -> int:
    """Delete database counters whose window has ended; the caller commits."""
    return db.session.execute(delete(AttemptWindow).where(AttemptWindow.window_ends_at <= utcnow())).rowcount
