"""Data fields of tickets (:mod:`crm.fields`): saved with a new ticket, changed from the ticket pages.

Other plugins add fields to tickets through the host's ``crm_data_fields``
hook; support never knows which plugin answered. Values are saved through
each field's store inside support's unit of work, so they commit with the
ticket (or its change, with history, audit and a new version) or not at all.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import gettext as _

from crm import audit
from crm.database import retrying, unit_of_work
from crm.fields import DataField, data_fields, load_values, save_values
from crm.timeutil import utcnow
from plugins.support import access, field_search
from plugins.support import permissions as perms
from plugins.support.models import Ticket
from plugins.support.services import history
from plugins.support.services.common import locked, require, require_actor
from plugins.support.services.errors import TicketConflict, TicketError, TicketForbidden
from plugins.support.services.events import fire_after_commit

HISTORY_FIELD = 40  # length of support_ticket_history.field


def place_for(actor) -> str:
    """Where ``actor`` edits a ticket's data fields: ``portal_ticket`` for customers, else ``staff_ticket``."""
    return "portal_ticket" if access.audience(actor) == access.CUSTOMER else "staff_ticket"


def ticket_fields(ticket: Ticket, actor, place: str | None = None) -> list[DataField]:
    """The data fields of ``ticket`` at ``place`` (default: the actor's ticket page) for ``actor``."""
    actor = access.as_actor(actor)
    return data_fields("ticket", place or place_for(actor), ticket=ticket, topic=ticket.topic, viewer=actor)


def save_with_ticket(ticket: Ticket, pairs: Iterable[tuple[DataField, Any]], actor) -> None:
    """Stage the ``(field, value)`` pairs of a ticket being opened; the opening unit of work commits them."""
    pairs = [(f, v) for f, v in pairs or () if isinstance(f, DataField) and f.editable]
    if pairs:
        save_values("ticket", ticket.id, [f for f, _v in pairs], {f.name: v for f, v in pairs}, actor)
        field_search.refold(ticket)  # staff search finds the searchable values


def _same(field: DataField, old, new) -> bool:
    def norm(value):
        if value in (None, "", [], ()):
            return None
        if isinstance(value, (list, tuple, set, frozenset)):
            return sorted(str(v) for v in value)
        return str(value) if field.kind != "checkbox" else bool(value)
    return norm(old) == norm(new)


@retrying
def set_field_values(ticket: Ticket, values: dict[str, Any], *, actor, version: int | None = None,
                     fields: list[DataField] | None = None) -> dict[str, tuple]:
    """Change data fields of a ticket with history and audit, a new ticket version, then ``support_ticket_updated``.

    :param values: ``{field name: value}``, values already validated by the page's form.
    :param actor: a staff user who may see the ticket and holds
        ``support.tickets.edit``, or the ticket's customer while they may
        write to it, or :data:`crm.actors.SYSTEM`.
    :param version: the ticket's ``version`` when the form was shown; when it
        moved since, :class:`TicketConflict` is raised and nothing changes.
    :param fields: the fields the page offered; default: asked of the plugins
        for the actor's place (``staff_ticket`` or ``portal_ticket``).
    :return: ``{field name: (old text, new text)}`` of what changed.
    :raises TicketError: for a field that is unknown or read-only here (nothing changes).
    :raises TicketForbidden: when ``actor`` may not change the ticket.
    """
    require_actor(actor)
    actor = access.as_actor(actor)
    kind = access.audience(actor)
    with unit_of_work() as work:
        ticket = locked(ticket, actor)
        if kind in (access.STAFF, access.MEMBER):
            require(actor, perms.EDIT)
        elif kind == access.CUSTOMER:
            if not access.may_write_as_customer(actor, ticket):
                raise TicketForbidden(_("You may not do this."))
        elif kind != access.SYSTEM_AUDIENCE:
            raise TicketForbidden(_("You may not do this."))
        if version is not None and version != ticket.version:
            raise TicketConflict(_("Someone else changed this ticket while you were editing it. "
                                   "Check the current values and save again."))
        offered = ticket_fields(ticket, actor) if fields is None else list(fields)
        editable = {f.name: f for f in offered if f.editable}
        for name in values:
            if name not in editable:
                raise TicketError(_("This field cannot be changed."), name)
        old = load_values("ticket", [ticket.id], list(editable.values()))[ticket.id]
        changes = {name: (editable[name].text(old.get(name)) or None, editable[name].text(value) or None)
                   for name, value in values.items() if not _same(editable[name], old.get(name), value)}
        if not changes:
            return {}
        save_values("ticket", ticket.id, list(editable.values()), {n: values[n] for n in changes}, actor)
        field_search.refold(ticket)  # staff search finds the new values, not the old ones
        ticket.updated_at = utcnow()
        ticket.version = (ticket.version or 0) + 1  # the row is locked: no other writer in between
        recorded = {name[:HISTORY_FIELD]: (o and o[:400], n and n[:400]) for name, (o, n) in changes.items()}
        user = history.user_of(actor)
        history.record(ticket, recorded, actor=actor,
                       contact_id=actor.contact_id if kind == access.CUSTOMER else None)
        audit.record("ticket.fields_changed", "ticket", ticket.number, recorded, user=user)
        fire_after_commit(work, "support_ticket_updated", ticket=ticket, changes=recorded)
    return changes
