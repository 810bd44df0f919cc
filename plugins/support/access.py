"""Who may see and work which tickets: the one place the support plugin decides it (SPEC S-11, S-17, S-18)."""
from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, false, select, true

from crm import settings
from crm.auth.permissions import has_permission
from crm.extensions import db
from plugins.support import permissions as perms
from plugins.support.models import Ticket


def _is_staff_user(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_staff_user", False))


def may_use_desk(user) -> bool:
    """Whether ``user`` may use the staff ticket desk at all.

    Admins always; staff with the view permission; non-staff members only
    while ``support.members_access`` is on (and they hold the permission).
    """
    if not _is_staff_user(user):
        return False
    if user.is_admin:
        return True
    if user.is_member and not settings.get("support.members_access"):
        return False
    return has_permission(user, perms.VIEW)


def visible_department_ids(user) -> set[int] | None:
    """The departments whose tickets ``user`` sees; None means every ticket."""
    if user.is_admin or not settings.get("support.staff_department_only"):
        return None
    return set(user.department_ids)


def visible_tickets(user) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Ticket` selecting the tickets ``user`` may see.

    Used by the list, counts, search, ticket page, attachments, bulk actions
    and notifications alike.
    """
    if not may_use_desk(user):
        return false()
    departments = visible_department_ids(user)
    if departments is None:
        return true()
    if not departments:
        return false()
    return Ticket.department_id.in_(sorted(departments))


def can_see(user, ticket: Ticket) -> bool:
    """Whether ``user`` may see ``ticket`` (the in-memory twin of :func:`visible_tickets`)."""
    if not may_use_desk(user):
        return False
    departments = visible_department_ids(user)
    return departments is None or ticket.department_id in departments


def can(user, permission: str) -> bool:
    """Whether ``user`` may use the desk and holds ``permission``."""
    return may_use_desk(user) and has_permission(user, permission)


def can_delete(user) -> bool:
    """Deleting tickets and replies: admins, or staff holding the permission while S-18's setting is on."""
    if not may_use_desk(user):
        return False
    if user.is_admin:
        return True
    return bool(settings.get("support.staff_may_delete")) and has_permission(user, perms.DELETE)


def visible_ticket_or_404(user, number: str, options=()) -> Ticket:
    """The ticket numbered ``number`` if ``user`` may see it; otherwise 404, never revealing that it exists."""
    stmt = select(Ticket).where(Ticket.number == number, visible_tickets(user)).options(*options)
    ticket = db.session.scalar(stmt)
    if ticket is None:
        abort(404)
    return ticket


def visible_ids(user, ticket_ids) -> list[int]:
    """The subset of ``ticket_ids`` that ``user`` may see (bulk actions)."""
    ids = [int(i) for i in ticket_ids]
    if not ids:
        return []
    return list(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(ids), visible_tickets(user))))


__all__ = ["can", "can_delete", "can_see", "may_use_desk", "visible_department_ids",
           "visible_ticket_or_404", "visible_ids", "visible_tickets"]
