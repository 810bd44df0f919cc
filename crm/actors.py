"""Who acts when no person does: the system actor.

Services that check permissions take an explicit actor; code that acts on its
own account (email import, scheduled jobs, plugins reacting to events) passes
:data:`SYSTEM` instead of ``None``, so "nobody checked" can never happen by
accident. The system actor holds every permission a service asks of it, sees
everything, and is recorded in history and the audit log without a user.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class SystemActor:
    """The desk itself acting (not a person); use the :data:`SYSTEM` instance."""

    is_system = True
    is_authenticated = True
    is_staff_user = False
    is_admin = False
    id = None
    email = ""
    name = _l("System")

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    """Whether ``actor`` is the system actor."""
    return actor is SYSTEM
