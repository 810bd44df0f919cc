"""Changing a ticket's fields: one ticket from its page, many from the list, with history and conflicts."""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import audit, settings
from crm.database import lock, retrying, unit_of_work
from crm.extensions import db
from crm.parsing import parse_id
from crm.people.models import Department, User
from crm.timeutil import utcnow
from plugins.support import access, counts, notifications
from plugins.support import permissions as perms
from plugins.support.models import Brand, Priority, Service, Status, Tag, Ticket, Topic, ticket_tags
from plugins.support.services import history, values
from plugins.support.services.common import locked, require, require_actor
from plugins.support.services.errors import TicketConflict, TicketError, TicketForbidden
from plugins.support.services.events import fire_after_commit

EDITABLE = ("subject", "status", "priority", "department", "service", "topic", "brand", "tags",
            "assignee_user", "assignee_department")
ASSIGNMENT = ("assignee_user", "assignee_department")
_MODELS = {"department": Department, "service": Service, "topic": Topic, "brand": Brand,
           "assignee_user": User, "assignee_department": Department}


def apply_changes(ticket: Ticket, changes_wanted: dict[str, Any], actor) -> dict[str, tuple]:
    """Apply validated values to a locked ``ticket``; return ``{field: (old label, new label)}``; no commit.

    ``actor`` None means the change follows from an action already allowed
    (a reply's status, auto-assignment); otherwise each field needs its
    permission.
    """
    changes: dict[str, tuple] = {}
    old_status, old_department = ticket.status_id, ticket.department_id
    for field, value in changes_wanted.items():
        if field not in EDITABLE:
            raise TicketError(_("This field cannot be changed."), field)
        if actor is not None:
            require(actor, perms.ASSIGN if field in ASSIGNMENT else perms.EDIT)
        if field == "subject":
            new = values.clean_subject(value)
            if new != ticket.subject:
                changes["subject"] = (ticket.subject, new)
                ticket.subject = new
        elif field == "status":
            row = values.status(value)
            if row.id != ticket.status_id:
                changes["status"] = (history.label(db.session.get(Status, ticket.status_id)), row.key)
                ticket.status_id = row.id
                ticket.closed_at = utcnow() if row.is_closed else None
        elif field == "priority":
            row = values.priority(value)
            if row.id != ticket.priority_id:
                changes["priority"] = (history.label(db.session.get(Priority, ticket.priority_id)), row.key)
                ticket.priority_id = row.id
        elif field == "tags":
            rows = values.tags_by_name(value)
            old_names = sorted(t.name for t in _tags_of(ticket))
            new_names = sorted(t.name for t in rows)
            if old_names != new_names:
                changes["tags"] = (", ".join(old_names), ", ".join(new_names))
                ticket.tags = rows
        else:
            if field == "service" and not settings.get("support.use_services"):
                continue
            model = _MODELS[field]
            row = values.resolve(model, value, field)
            attr = f"{field}_id"
            new_id = row.id if row is not None else None
            old_id = getattr(ticket, attr)
            if new_id != old_id:
                old_row = db.session.get(model, old_id) if old_id is not None else None
                changes[field] = (history.label(old_row), history.label(row))
                setattr(ticket, attr, new_id)
    if ticket.assignee_user_id is not None and ("assignee_user" in changes or "department" in changes):
        assignee = db.session.get(User, ticket.assignee_user_id)
        if not access.may_be_assigned(assignee, ticket.department_id):
            raise TicketError(_("%(name)s cannot see tickets of this department.", name=assignee.name),
                              "assignee_user" if "assignee_user" in changes else "department")
    counts.moved(old_status, old_department, ticket.status_id, ticket.department_id)
    if changes:
        ticket.updated_at = utcnow()
        ticket.version = (ticket.version or 0) + 1  # the row is locked: no other writer in between
    return changes


def _tags_of(ticket: Ticket) -> list[Tag]:
    if "tags" in ticket.__dict__:
        return list(ticket.tags)
    return list(db.session.scalars(select(Tag).join(ticket_tags).where(ticket_tags.c.ticket_id == ticket.id)))


def _record(ticket: Ticket, changes: dict, actor, work) -> None:
    user = history.user_of(actor)
    history.record(ticket, changes, actor=actor)
    audit.record("ticket.updated", "ticket", ticket.number, changes, user=user)
    notifications.ticket_changed(ticket, changes, actor=user)
    fire_after_commit(work, "support_ticket_updated", ticket=ticket, changes=changes)


@retrying
def update_ticket(ticket: Ticket, changes_wanted: dict[str, Any], *, actor, version: int | None = None
                  ) -> dict[str, tuple]:
    """Change fields of a ticket, record history and audit, notify, commit, then fire ``support_ticket_updated``.

    :param changes_wanted: any of :data:`EDITABLE`: ``status``/``priority`` as rows, ids
        or keys; ``department``, ``service``, ``topic``, ``brand``,
        ``assignee_user``, ``assignee_department`` as rows or ids (None clears);
        ``tags`` as names; ``subject`` as text.
    :param actor: who changes it: a user who may see the ticket and holds
        ``support.tickets.edit`` (and ``.assign`` for assignees), or
        :data:`crm.actors.SYSTEM`.
    :param version: the ticket's ``version`` when the form was shown; when it
        moved since, :class:`TicketConflict` is raised and nothing changes.
    :return: ``{field: (old, new)}`` of what changed (empty: nothing changed).
    :raises TicketError: on bad input; nothing is changed.
    """
    require_actor(actor)
    with unit_of_work() as work:
        ticket = locked(ticket, actor)
        if version is not None and version != ticket.version:
            raise TicketConflict(_("Someone else changed this ticket while you were editing it. "
                                   "Check the current values and save again."))
        changes = apply_changes(ticket, changes_wanted, actor)
        if changes:
            _record(ticket, changes, actor, work)
    return changes


class BulkResult(int):
    """What a bulk change did: its value is how many tickets changed (so it compares like the old count).

    ``skipped``: tickets asked for that the actor may not see (or that no longer
    exist), left alone; ``unchanged``: tickets that already had the values.
    """

    skipped: int
    unchanged: int

    def __new__(cls, changed: int, skipped: int = 0, unchanged: int = 0) -> "BulkResult":
        result = super().__new__(cls, changed)
        result.skipped, result.unchanged = skipped, unchanged
        return result

    @property
    def changed(self) -> int:
        """How many tickets changed."""
        return int(self)

    def __repr__(self) -> str:
        return f"BulkResult(changed={int(self)}, skipped={self.skipped}, unchanged={self.unchanged})"


@retrying
def bulk_update(actor, ticket_ids: Iterable, changes_wanted: dict[str, Any]) -> BulkResult:
    """Apply the same change to every ticket of ``ticket_ids`` that ``actor`` may see; one commit.

    :return: a :class:`BulkResult`: how many tickets changed (its int value),
        how many were skipped because the actor may not see them (malformed
        ids are not counted), how many already had the values.
    :raises TicketError: on bad input or a refused change; nothing is changed.
    """
    require_actor(actor)
    asked = {i for i in (parse_id(v) for v in ticket_ids) if i is not None}
    ids = access.visible_ids(actor, asked)
    if not ids:
        return BulkResult(0, skipped=len(asked))
    changed = 0
    with unit_of_work() as work:
        lock(Ticket, *ids)  # in id order: two bulk edits never deadlock
        tickets = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids), access.visible_tickets(actor))
                                          .options(selectinload(Ticket.tags)).order_by(Ticket.id)))
        for ticket in tickets:
            changes = apply_changes(ticket, changes_wanted, actor)
            if changes:
                _record(ticket, changes, actor, work)
                changed += 1
    return BulkResult(changed, skipped=len(asked) - len(tickets), unchanged=len(tickets) - changed)


def assign(ticket: Ticket, *, actor, user=None, department=None) -> dict[str, tuple]:
    """Assign a ticket to a user and/or a team (None clears); see :func:`update_ticket`."""
    return update_ticket(ticket, {"assignee_user": user, "assignee_department": department}, actor=actor)


def customer_can_set_status(actor, ticket: Ticket, status) -> bool:
    """Whether a customer may put ``ticket`` into ``status`` (a row, id or key) from the portal (S-19, P-6)."""
    from plugins.support import statuses

    try:
        target = values.status(status)
    except TicketError:
        return False
    current = db.session.get(Status, ticket.status_id)
    return access.customer_may_set_status(actor, ticket, target, current, statuses.default_status())


@retrying
def set_status_as_customer(ticket: Ticket, status, *, author) -> dict[str, tuple]:
    """A customer closes, reopens or (when S-19 allows) otherwise moves their ticket; commit; fire events.

    :raises TicketForbidden: when :func:`customer_can_set_status` says no.
    """
    require_actor(author)
    author = access.as_actor(author)
    with unit_of_work() as work:
        if access.audience(author) != access.CUSTOMER:
            raise TicketForbidden(_("You may not do this."))
        ticket = locked(ticket, author)
        if not customer_can_set_status(author, ticket, status):
            raise TicketForbidden(_("You may not do this."))
        changes = apply_changes(ticket, {"status": status}, actor=None)
        history.record(ticket, changes, contact_id=author.contact_id)
        audit.record("ticket.updated", "ticket", ticket.number, changes, user=None)
        notifications.ticket_changed(ticket, changes, actor=None)
        fire_after_commit(work, "support_ticket_updated", ticket=ticket, changes=changes)
    return changes


CUSTOMER_FIELDS = ("priority", "topic")


@retrying
def update_ticket_as_customer(ticket: Ticket, changes_wanted: dict[str, Any], *, author,
                              allowed: Iterable[str] = CUSTOMER_FIELDS) -> dict[str, tuple]:
    """A customer changes their ticket's priority or topic from the portal; commit; fire events.

    :param allowed: the fields the portal lets customers change (a subset of
        :data:`CUSTOMER_FIELDS`); any other field is refused.
    :raises TicketForbidden: when the customer may not see the ticket or a field is not allowed.
    :raises TicketError: on a bad value; nothing is changed.
    """
    require_actor(author)
    author = access.as_actor(author)
    permitted = set(allowed) & set(CUSTOMER_FIELDS)
    with unit_of_work() as work:
        if access.audience(author) != access.CUSTOMER or not set(changes_wanted) <= permitted:
            raise TicketForbidden(_("You may not do this."))
        ticket = locked(ticket, author)
        changes = apply_changes(ticket, changes_wanted, actor=None)
        if changes:
            history.record(ticket, changes, contact_id=author.contact_id)
            audit.record("ticket.updated", "ticket", ticket.number, changes, user=None)
            notifications.ticket_changed(ticket, changes, actor=None)
            fire_after_commit(work, "support_ticket_updated", ticket=ticket, changes=changes)
    return changes
