"""What the support services raise: refused input, refused actions and edits made on stale data."""
from __future__ import annotations


class TicketError(ValueError):
    """Input a service refuses; ``str(err)`` is the translated reason, ``field`` the form field (if any)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class TicketForbidden(TicketError):
    """The actor may not do this to this ticket (or may not see it at all)."""


class TicketConflict(TicketError):
    """The ticket changed since the form was shown; nothing was saved."""
