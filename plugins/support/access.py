"""Who may see and work which tickets: the one place the support plugin decides it.

Four audiences, one policy each (SPEC S-11, S-17, S-18, S-19, P-3, P-6):

- **staff** (admins and staff roles): admins see every ticket; staff see every
  ticket, or, while ``support.staff_department_only`` is on (S-11), the tickets
  of their departments and the tickets assigned to them or to a team they
  belong to;
- **members** (non-staff roles): like staff, but only while
  ``support.members_access`` is on (S-17);
- **customers**: their own tickets (those of their contact), and their
  company's when the portal gives them a company-wide view;
- **the system** (:data:`crm.actors.SYSTEM`): every ticket.

Each policy is one :class:`Scope`: "all", "none", or "any of these columns
holding one of these values". The SQL filter (:func:`visible_tickets`) and the
per-ticket check (:func:`can_see`) are both derived from it, so they cannot
disagree. The list, counts per status, search, ticket page, attachments, bulk
actions, notifications, assignee choices and every service go through here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import ColumnElement, exists, false, or_, select, true

from crm import settings
from crm.actors import is_system
from crm.auth.permissions import has_permission
from crm.extensions import db
from crm.parsing import parse_id
from plugins.support import permissions as perms
from plugins.support.models import Ticket

STAFF, MEMBER, CUSTOMER, SYSTEM_AUDIENCE, NOBODY = "staff", "member", "customer", "system", "nobody"


@dataclass(frozen=True)
class Customer:
    """A customer acting on tickets (portal, public form, email): their contact and, optionally, company.

    :param contact_id: the customer's contact; they see its tickets.
    :param company_id: their company; with ``company_wide`` they also see its tickets.
    """

    contact_id: int
    company_id: int | None = None
    company_wide: bool = False
    is_authenticated = True
    is_staff_user = False
    is_customer = True

    @classmethod
    def of(cls, contact, company_wide: bool = False) -> "Customer":
        """The customer actor of a :class:`~crm.people.models.Contact`."""
        return cls(contact_id=contact.id, company_id=contact.company_id, company_wide=company_wide)


@dataclass(frozen=True)
class Scope:
    """Which tickets an actor sees: all, none, or those where any of ``columns`` holds one of its values."""

    everything: bool = False
    columns: tuple[tuple[str, frozenset], ...] = field(default_factory=tuple)

    def where(self) -> ColumnElement[bool]:
        """The SQL condition on :class:`Ticket`."""
        if self.everything:
            return true()
        parts = [getattr(Ticket, name).in_(sorted(values)) for name, values in self.columns if values]
        return or_(*parts) if parts else false()

    def contains(self, ticket) -> bool:
        """The same condition evaluated on one loaded ticket (or any object with the same attributes)."""
        if self.everything:
            return True
        return any(getattr(ticket, name) in values for name, values in self.columns)

    def values(self, name: str) -> frozenset | None:
        """The values of one column condition, or None when the scope has no such condition."""
        return next((values for column, values in self.columns if column == name), None)


ALL = Scope(everything=True)
NONE = Scope()


def as_actor(actor):
    """Normalise an actor: a :class:`~crm.people.models.Contact` becomes a :class:`Customer`."""
    from crm.people.models import Contact

    return Customer.of(actor) if isinstance(actor, Contact) else actor


def audience(actor) -> str:
    """The audience whose policy applies to ``actor``: staff, member, customer, system or nobody."""
    actor = as_actor(actor)
    if is_system(actor):
        return SYSTEM_AUDIENCE
    if isinstance(actor, Customer):
        return CUSTOMER
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_staff_user", False):
        return NOBODY
    if getattr(actor, "is_member", False) and not actor.is_admin:
        return MEMBER
    return STAFF


def may_use_desk(user) -> bool:
    """Whether ``user`` may use the staff ticket desk at all.

    Admins always; staff with the view permission; non-staff members only
    while ``support.members_access`` is on (and they hold the permission).
    """
    kind = audience(user)
    if kind not in (STAFF, MEMBER):
        return False
    if user.is_admin:
        return True
    if kind == MEMBER and not settings.get("support.members_access"):
        return False
    return has_permission(user, perms.VIEW)


def scope(actor) -> Scope:
    """The tickets ``actor`` may see, as a :class:`Scope` (the one definition of every audience's policy)."""
    actor = as_actor(actor)
    kind = audience(actor)
    if kind == SYSTEM_AUDIENCE:
        return ALL
    if kind == CUSTOMER:
        columns = [("contact_id", frozenset({actor.contact_id}))]
        if actor.company_wide and actor.company_id is not None:
            columns.append(("company_id", frozenset({actor.company_id})))
        return Scope(columns=tuple(columns))
    if not may_use_desk(actor):
        return NONE
    if actor.is_admin or not settings.get("support.staff_department_only"):
        return ALL
    departments = frozenset(actor.department_ids)
    return Scope(columns=(
        ("department_id", departments),
        ("assignee_department_id", departments),
        ("assignee_user_id", frozenset({actor.id})),
    ))


def visible_tickets(actor) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Ticket` selecting the tickets ``actor`` may see."""
    return scope(actor).where()


def can_see(actor, ticket: Ticket) -> bool:
    """Whether ``actor`` may see ``ticket`` (the same policy as :func:`visible_tickets`)."""
    return scope(actor).contains(ticket)


def visible_department_ids(user) -> set[int] | None:
    """The departments whose tickets ``user`` sees by department; None means every ticket."""
    found = scope(user)
    if found.everything:
        return None
    return set(found.values("department_id") or ())


def can(user, permission: str) -> bool:
    """Whether ``user`` may use the desk and holds ``permission`` (the system actor may do anything)."""
    if is_system(user):
        return True
    return may_use_desk(user) and has_permission(user, permission)


def can_delete(user) -> bool:
    """Deleting tickets and replies: admins, or staff holding the permission while S-18's setting is on."""
    if is_system(user):
        return True
    if not may_use_desk(user):
        return False
    if user.is_admin:
        return True
    return bool(settings.get("support.staff_may_delete")) and has_permission(user, perms.DELETE)


def can_open_for(user, contact) -> bool:
    """Whether ``user`` may open a ticket on behalf of ``contact`` (SPEC S-15).

    Needs the create permission. With ``support.staff_open_for_any_contact``
    off, non-admins may only open tickets for contacts of companies they
    manage, or contacts who already have tickets they can see.
    """
    from crm.people.models import CompanyManager

    if contact is None or not can(user, perms.CREATE):
        return False
    if is_system(user) or user.is_admin or settings.get("support.staff_open_for_any_contact"):
        return True
    if contact.company_id is not None and db.session.scalar(select(exists().where(
            CompanyManager.company_id == contact.company_id, CompanyManager.user_id == user.id))):
        return True
    found = scope(user)
    if not found.everything and not found.columns:
        return False
    return bool(db.session.scalar(select(exists().where(Ticket.contact_id == contact.id, found.where()))))


def customer_may_set_status(actor, ticket: Ticket, target, current=None, default_open=None) -> bool:
    """Whether a customer may put their ticket into status ``target`` (SPEC S-19, P-6).

    Only on a ticket the customer sees, never on chat tickets (view-only).
    Closing and reopening (to ``default_open``) are always allowed; any
    other status only while ``support.customer_may_change_status`` is on.
    """
    actor = as_actor(actor)
    if audience(actor) != CUSTOMER or ticket is None or not can_see(actor, ticket):
        return False
    if ticket.channel == "chat" or target is None or target.id == ticket.status_id:
        return False
    if target.is_closed:
        return True
    if current is not None and current.is_closed and default_open is not None and target.id == default_open.id:
        return True
    return bool(settings.get("support.customer_may_change_status"))


def may_write_as_customer(actor, ticket: Ticket) -> bool:
    """Whether a customer may add a message to ``ticket``: their own ticket, not from chat (P-6)."""
    actor = as_actor(actor)
    return audience(actor) == CUSTOMER and can_see(actor, ticket) and ticket.channel != "chat"


def assignable_users(department_id: int | None = None, memberships: bool = False) -> list:
    """The active staff who may be assigned a ticket of ``department_id``: those whose policy lets them see it.

    Admins, and staff holding ``support.tickets.view``; members too while S-17
    is on; with S-11 on, only admins and members of the department (any
    department when ``department_id`` is None: the list's bulk toolbar). Returns
    :class:`plugins.support.roster.StaffRow` rows (``id``, ``name``, ...), by
    name, from the per-process roster: no query on most requests.
    (``memberships`` is accepted for older callers and ignored.)
    """
    from flask import current_app

    from plugins.support import roster

    kinds = {"admin", "staff"} | ({"member"} if settings.get("support.members_access") else set())
    department_only = settings.get("support.staff_department_only")
    grants = current_app.extensions["crm_grants"]
    out = []
    for row in roster.staff():
        if row.kind not in kinds:
            continue
        if row.is_admin:
            out.append(row)
        elif (not department_only or department_id is None or department_id in row.department_ids) \
                and perms.VIEW in grants.for_role(row.role_id):
            out.append(row)
    return out


def may_be_assigned(user, department_id: int | None) -> bool:
    """Whether ``user`` (a user or an id) may be assigned a ticket of ``department_id`` (see :func:`assignable_users`)."""
    user_id = getattr(user, "id", user)
    return any(row.id == user_id for row in assignable_users(department_id))


def visible_ticket_or_404(user, number: str, options=()) -> Ticket:
    """The ticket numbered ``number`` if ``user`` may see it; otherwise 404, never revealing that it exists."""
    stmt = select(Ticket).where(Ticket.number == str(number)[:20], visible_tickets(user)).options(*options)
    ticket = db.session.scalars(stmt).unique().first()  # unique(): options may join collections
    if ticket is None:
        abort(404)
    return ticket


def visible_ids(user, ticket_ids) -> list[int]:
    """The subset of ``ticket_ids`` that ``user`` may see (bulk actions); malformed ids are dropped."""
    ids = sorted({i for i in (parse_id(v) for v in ticket_ids) if i is not None})
    if not ids:
        return []
    return list(db.session.scalars(select(Ticket.id).where(Ticket.id.in_(ids), visible_tickets(user))))


__all__ = ["ALL", "CUSTOMER", "Customer", "MEMBER", "NONE", "STAFF", "Scope", "assignable_users", "audience", "may_be_assigned",
           "can", "can_delete", "can_open_for", "can_see", "customer_may_set_status", "may_use_desk",
           "may_write_as_customer", "scope", "visible_department_ids", "visible_ticket_or_404", "visible_ids",
           "visible_tickets"]
