"""Staff passwords: the minimum length and changing one (audited without the value)."""
from __future__ import annotations

from flask_babel import gettext as _, ngettext

from crm import audit
from crm.people.models import User
from crm.people.services.shared import InvalidChange
from crm.timeutil import utcnow


def password_min_length() -> int:
    """The minimum length of a staff password (setting ``crm.password_min_length``)."""
    from crm import settings

    return settings.get("crm.password_min_length")


def check_password_length(password: str, field: str = "password") -> None:
    """Raise :class:`InvalidChange` (on ``field``) when ``password`` is shorter than the minimum."""
    minimum = password_min_length()
    if len(password) < minimum:
        raise InvalidChange({field: ngettext("Use at least %(num)s character.", "Use at least %(num)s characters.", minimum)})


def change_password(user: User, password: str, actor=None, reason: str = "changed") -> None:
    """Set a staff user's password (checked against the minimum length) and audit it without the value.

    :param reason: ``"changed"`` (by the user or an admin) or ``"reset"`` (through an emailed link).
    """
    check_password_length(password)
    old_changed_at = user.password_changed_at
    user.set_password(password)
    user.password_changed_at = utcnow()
    audit.record(f"user.password_{reason}", "user", user.id,
                 {"password": ("***", "***"), "password_changed_at": (old_changed_at, user.password_changed_at)},
                 user=actor)
