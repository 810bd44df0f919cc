"""Signed, expiring password-reset tokens that stop working once the password changes."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from crm.extensions import db
from crm.people.models import User

SALT = "crm.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """A digest of the current password hash: a new password makes older tokens invalid."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """A URL-safe token that lets ``user`` set a new password once, until ``PASSWORD_RESET_MAX_AGE`` seconds pass."""
    return _serializer().dumps({"user": user.id, "password": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The active user a token was made for, or None if it is forged, expired, used or for an inactive user."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or data.get("password") != _fingerprint(user):
        return None
    return user
