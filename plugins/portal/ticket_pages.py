"""What the portal shows of tickets: the customer's list, one ticket's visible posts, parameters and files.

Every query starts from :func:`plugins.support.access.visible_tickets` of the
customer, and posts are only those customers may see (never internal notes;
a ticket staff opened starts with an internal note, its private
description, which stays hidden too). Each page runs a fixed number of
queries however many tickets or posts there are.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from crm import settings
from crm.extensions import db
from crm.parsing import parse_id
from crm.i18n import format_datetime
from crm.people.models import User
from plugins.support import access, search, statuses
from plugins.support.conversation import conversation_window
from plugins.support.models import Attachment, Post, Ticket
from plugins.support.services import CUSTOMER_FIELDS

PER_PAGE = 20
CUSTOMER_KINDS = ("public_reply", "customer_message")
SORTS = {
    "-updated": (_l("Last updated first"), Ticket.updated_at.desc()),
    "updated": (_l("Last updated last"), Ticket.updated_at.asc()),
    "-created": (_l("Newest first"), Ticket.created_at.desc()),
    "created": (_l("Oldest first"), Ticket.created_at.asc()),
    "subject": (_l("Subject"), Ticket.subject.asc()),
}
STATE_FILTERS = {"": _l("All tickets"), "open": _l("Open tickets"), "closed": _l("Closed tickets")}
DEFAULT_PARAMETERS = ("department", "priority", "assignee")
PARAMETER_LABELS = {"department": _l("Department"), "priority": _l("Priority"), "assignee": _l("Assignee"),
                    "topic": _l("Topic"), "status": _l("Status"), "brand": _l("Brand"), "created": _l("Created"),
                    "channel": _l("Channel")}


def visible_parameters(site) -> list[str]:
    """The ticket parameters the portal's ticket page shows (the ``portal.ticket_parameters`` setting).

    One setting for every portal of the desk; ``site`` is accepted so that a
    per-brand choice can later be made here, the one place the page asks.
    """
    return [name for name in settings.get("portal.ticket_parameters") if name in PARAMETER_LABELS]


def editable_parameters(site) -> list[str]:
    """The parameters customers may change on the ticket page: allowed by the admin and also shown."""
    shown = visible_parameters(site)
    return [name for name in settings.get("portal.editable_parameters")
            if name in shown and name in CUSTOMER_FIELDS]


@dataclass
class ListFilters:
    """The ticket list's drop-downs as read from the query string; unknown values fall back to the defaults."""

    state: str = ""
    status: int | None = None
    sort: str = "-updated"
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "ListFilters":
        """Read ``state`` (all/open/closed or a status id), ``sort`` and ``q``; anything else is ignored."""
        f = cls()
        raw = (args.get("state") or "").strip()
        if raw in STATE_FILTERS:
            f.state = raw
        elif raw.startswith("s") and parse_id(raw[1:]) is not None:
            f.status = parse_id(raw[1:])
            f.state = raw
        sort = args.get("sort") or ""
        f.sort = sort if sort in SORTS else "-updated"
        f.q = " ".join((args.get("q") or "").split())[:200]
        return f


def state_choices() -> list[tuple[str, str]]:
    """The filter drop-down: all, open, closed, then each status."""
    choices = [(k, str(v)) for k, v in STATE_FILTERS.items()]
    choices += [(f"s{s.id}", statuses.status_label(s)) for s in statuses.statuses()]
    return choices


def sort_choices() -> list[tuple[str, str]]:
    """The sort drop-down."""
    return [(k, str(label)) for k, (label, _order) in SORTS.items()]


def ticket_list(customer, filters: ListFilters):
    """A page of the customer's tickets (Flask-SQLAlchemy pagination) with status and priority loaded."""
    rows = statuses.statuses()
    closed_ids = [s.id for s in rows if s.is_closed]
    stmt = select(Ticket).where(access.visible_tickets(customer.actor))
    if filters.state == "open":
        stmt = stmt.where(Ticket.status_id.not_in(closed_ids)) if closed_ids else stmt
    elif filters.state == "closed":
        stmt = stmt.where(Ticket.status_id.in_(closed_ids or [-1]))
    elif filters.status is not None:
        stmt = stmt.where(Ticket.status_id == filters.status)
    if filters.q:
        matching = search.matching_tickets(filters.q, include_internal=False)
        if matching is not None:
            stmt = stmt.where(Ticket.id.in_(matching))
    stmt = stmt.options(lazyload("*")).order_by(SORTS[filters.sort][1], Ticket.id.desc())
    return db.paginate(stmt, per_page=PER_PAGE, error_out=False)


def status_map() -> dict:
    """Statuses by id (read once per request)."""
    return {s.id: s for s in statuses.statuses()}


def priority_map() -> dict:
    """Priorities by id (read once per request)."""
    return {p.id: p for p in statuses.priorities()}


def customer_ticket(customer, number: str) -> Ticket:
    """The customer's ticket with this number, with what the page shows loaded; 404 for any other."""
    return access.visible_ticket_or_404(customer.actor, number, options=(
        joinedload(Ticket.department), joinedload(Ticket.topic), joinedload(Ticket.brand),
        joinedload(Ticket.assignee_user).lazyload(User.memberships),
    ))


def visible_posts(ticket: Ticket, before: int | None = None) -> tuple[list, int | None]:
    """The newest window of the posts of ``ticket`` a customer may read (older than post ``before`` when
    given), in the support reply order (S-20), with authors' names and files, and the id to ask for the
    window before them (None when there is nothing earlier): support's conversation window, one query."""
    descending = settings.get("support.reply_order") == "desc"
    return conversation_window(ticket, before, descending, kinds=CUSTOMER_KINDS)


def visible_attachment(customer, number: str, attachment_id: int) -> Attachment | None:
    """An attachment of a customer-visible post of one of the customer's tickets, else None."""
    return db.session.scalar(
        select(Attachment).join(Post, Post.id == Attachment.post_id).join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Attachment.id == attachment_id, Ticket.number == str(number)[:20], Post.kind.in_(CUSTOMER_KINDS),
               access.visible_tickets(customer.actor)))


def customer_files(customer, limit: int = 200) -> list[tuple[Attachment, Ticket, Post]]:
    """Files on the customer's tickets' visible posts, newest first: theirs and those staff shared with them."""
    return list(db.session.execute(
        select(Attachment, Ticket, Post).join(Post, Post.id == Attachment.post_id)
        .join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Post.kind.in_(CUSTOMER_KINDS), access.visible_tickets(customer.actor))
        .options(lazyload("*")).order_by(Attachment.id.desc()).limit(limit)).all())


def parameter_values(ticket: Ticket, names: list[str]) -> list[tuple[str, str, str]]:
    """``(name, label, value)`` of the parameters ``names`` of a ticket, for the ticket page."""
    values = []
    for name in names:
        if name not in PARAMETER_LABELS:
            continue
        if name == "department":
            value = ticket.department.name if ticket.department else ""
        elif name == "priority":
            value = statuses.priority_label(priority_map().get(ticket.priority_id))
        elif name == "assignee":
            value = ticket.assignee_user.name if ticket.assignee_user else ""
        elif name == "topic":
            value = ticket.topic.name if ticket.topic else ""
        elif name == "status":
            value = statuses.status_label(status_map().get(ticket.status_id))
        elif name == "brand":
            value = ticket.brand.name if ticket.brand else ""
        elif name == "created":
            value = format_datetime(ticket.created_at) if ticket.created_at else ""
        else:
            continue
        values.append((name, str(PARAMETER_LABELS[name]), value or "—"))
    return values
