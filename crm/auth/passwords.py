"""Password hashing, and checks that take the same time whether the account exists, is deactivated or has no password.

Hashes use werkzeug's default method (scrypt at a cost meant to slow down an
attacker) unless the configuration's ``PASSWORD_HASH_METHOD`` names another
(e.g. ``"scrypt:128:8:1"``, which the test kit uses: the same code path at a
fraction of the cost). Stored hashes carry their method, so changing it only
affects new passwords.
"""
from __future__ import annotations

import secrets
from functools import lru_cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash


def _method() -> str | None:
    return current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None


def hash_password(password: str) -> str:
    """The hash to store for ``password``, with the configured method."""
    method = _method()
    return generate_password_hash(password, method) if method else generate_password_hash(password)


@lru_cache(maxsize=8)
def _dummy_hash(method: str | None) -> str:
    """A hash checked instead of a real one, so that every answer costs exactly one check of the same cost."""
    secret = secrets.token_hex(16)
    return generate_password_hash(secret, method) if method else generate_password_hash(secret)


def verify_password(account, password: str) -> bool:
    """Whether ``account`` (or None) is active and ``password`` is its password; always one hash check."""
    stored = getattr(account, "password_hash", "") if account is not None else ""
    matches = check_password_hash(stored or _dummy_hash(_method()), password)
    return matches and bool(stored) and bool(getattr(account, "is_active", False))
