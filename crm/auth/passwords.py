"""Password checks that take the same time whether the account exists, is deactivated or has no password."""
from __future__ import annotations

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# Checked instead of a real hash, so that every answer costs exactly one hash check.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def verify_password(account, password: str) -> bool:
    """Whether ``account`` (or None) is active and ``password`` is its password; always one hash check."""
    stored = getattr(account, "password_hash", "") if account is not None else ""
    matches = check_password_hash(stored or _DUMMY_HASH, password)
    return matches and bool(stored) and bool(getattr(account, "is_active", False))
