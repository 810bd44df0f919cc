"""Moving every ticket of a department, status or priority to another one, before the old one is deleted.

Each move locks the tickets it moves (in id order), records one history row
per ticket and field, keeps the per-status counts right and runs in the
caller's transaction; the caller deletes the old row and commits. Tickets
keep their ``updated_at``: an admin reorganising the desk is not news on
the ticket. No ticket event is fired, but each moved ticket's ``version``
moves, so an edit form shown before the move cannot silently undo it.
"""
from __future__ import annotations

from sqlalchemy import DateTime, Integer, String, func, insert, literal, select, update

from crm.extensions import db
from crm.people.models import Department
from crm.timeutil import utcnow
from plugins.support import counts
from plugins.support.models import Priority, Status, Ticket, TicketHistory, Topic


def _user_id(actor) -> int | None:
    if actor is None or not getattr(actor, "is_staff_user", False):
        return None
    return getattr(actor, "id", None)


def _lock_tickets(condition) -> list[int]:
    """Lock the tickets matching ``condition`` (PostgreSQL ``FOR UPDATE``, in id order); their ids."""
    return list(db.session.scalars(select(Ticket.id).where(condition).order_by(Ticket.id).with_for_update()))


def _history(condition, field: str, old: str | None, new: str | None, actor) -> None:
    """One history row ``field: old -> new`` for every ticket matching ``condition``, in one statement."""
    now = utcnow()
    db.session.execute(insert(TicketHistory).from_select(
        ["ticket_id", "user_id", "contact_id", "created_at", "field", "old", "new"],
        select(Ticket.id, literal(_user_id(actor), Integer), literal(None, Integer), literal(now, DateTime),
               literal(field, String), literal(old, String), literal(new, String)).where(condition),
    ))


def _per_status(condition) -> list[tuple[int, int | None, int]]:
    """``(status id, department id, tickets)`` of the tickets matching ``condition``."""
    rows = db.session.execute(select(Ticket.status_id, Ticket.department_id, func.count())
                              .where(condition).group_by(Ticket.status_id, Ticket.department_id))
    return [(status_id, department_id, count) for status_id, department_id, count in rows]


def move_department(old: Department, new: Department, actor=None) -> int:
    """Move tickets (their department and team assignment) and topics from ``old`` to ``new``; how many moved."""
    in_department = Ticket.department_id == old.id
    assigned_team = Ticket.assignee_department_id == old.id
    moved = len(_lock_tickets(in_department | assigned_team))
    for status_id, _department, count in _per_status(in_department):
        counts.bump(status_id, old.id, -count)
        counts.bump(status_id, new.id, count)
    _history(in_department, "department", old.name, new.name, actor)
    _history(assigned_team, "assignee_department", old.name, new.name, actor)
    db.session.execute(update(Ticket).where(in_department).values(department_id=new.id, version=Ticket.version + 1))
    db.session.execute(update(Ticket).where(assigned_team)
                       .values(assignee_department_id=new.id, version=Ticket.version + 1))
    topics = db.session.execute(update(Topic).where(Topic.department_id == old.id).values(department_id=new.id))
    return moved + (topics.rowcount or 0)


def move_status(old: Status, new: Status, actor=None) -> int:
    """Give every ticket of status ``old`` the status ``new`` (closing or reopening them); how many moved.

    The counts of ``old`` are left to go with its row; the caller deletes it.
    """
    condition = Ticket.status_id == old.id
    ids = _lock_tickets(condition)
    if not ids:
        return 0
    for _status, department_id, count in _per_status(condition):
        counts.bump(new.id, department_id, count)
    _history(condition, "status", old.key, new.key, actor)
    values: dict = {"status_id": new.id}
    if new.is_closed and not old.is_closed:
        values["closed_at"] = func.coalesce(Ticket.closed_at, literal(utcnow(), DateTime))
    elif old.is_closed and not new.is_closed:
        values["closed_at"] = None
    db.session.execute(update(Ticket).where(condition).values(**values, version=Ticket.version + 1))
    return len(ids)


def move_priority(old: Priority, new: Priority, actor=None) -> int:
    """Give every ticket of priority ``old`` the priority ``new``; how many moved."""
    condition = Ticket.priority_id == old.id
    ids = _lock_tickets(condition)
    if not ids:
        return 0
    _history(condition, "priority", old.key, new.key, actor)
    db.session.execute(update(Ticket).where(condition).values(priority_id=new.id, version=Ticket.version + 1))
    return len(ids)
