"""Permission checks: plugins declare permissions, admins grant them to roles, views require them."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select

from crm import generation
from crm.extensions import db


class Grants:
    """Role → granted permission names, cached per process until the configuration generation moves."""

    def __init__(self):
        self._grants = generation.Cached(self._load)

    @staticmethod
    def _load() -> dict[int, frozenset[str]]:
        from crm.people.models import RolePermission

        grants: dict[int, set[str]] = {}
        for role, perm in db.session.execute(select(RolePermission.role_id, RolePermission.permission)):
            grants.setdefault(role, set()).add(perm)
        return {k: frozenset(v) for k, v in grants.items()}

    def for_role(self, role_id: int) -> frozenset[str]:
        """The permission names granted to role ``role_id``."""
        return self._grants().get(role_id, frozenset())


def has_permission(user, name: str) -> bool:
    """Whether ``user`` holds permission ``name`` now.

    Admins hold every permission. A permission of a disabled plugin is held
    by nobody. Unknown names raise KeyError: a typo must fail loudly.
    """
    host = current_app.extensions["crm"]
    if name not in host.permissions:
        raise KeyError(f"unknown permission {name!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff_user", False):
        return False
    if not host.is_enabled(host.permission_owner[name]):
        return False
    if user.is_admin:
        return True
    return name in current_app.extensions["crm_grants"].for_role(user.role_id)


def _require(check):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def permission_required(name: str):
    """Decorate a view: anonymous users go to the login page, users without ``name`` get 403."""
    return _require(lambda user: has_permission(user, name))


def admin_required(view):
    """Decorate a view that only admins may use."""
    return _require(lambda user: getattr(user, "is_staff_user", False) and user.is_admin)(view)


def staff_required(view):
    """Decorate a view for any logged-in staff user (admin, staff or non-staff member)."""
    return _require(lambda user: getattr(user, "is_staff_user", False))(view)
