"""The staff ticket list: filters, sorting, search, pagination and counts, in a fixed number of queries."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from datetime import datetime

from sqlalchemy import bindparam, func, select

from crm import settings
from crm.extensions import db
from crm.fields import DataField, filter_statement, load_values
from crm.parsing import parse_id, parse_int
from crm.people.models import Company, Contact, User
from plugins.support import access, counts, lookups, search
from plugins.support.models import CHANNELS, Priority, Tag, Ticket, ticket_tags

PER_PAGE = 50
# a search counts its matches (per status) up to this many, then shows "50+": it counts the newest matches,
# the ones the page reads anyway, so counting costs no more than the page (a common word has thousands)
SEARCH_COUNT_CAP = 50
SORTS = {
    "updated": Ticket.updated_at,
    "created": Ticket.created_at,
    "number": Ticket.id,
    "waiting": Ticket.waiting_since,
    "priority": Priority.position,
    "subject": Ticket.subject,
}
INT_FILTERS = ("status", "priority", "department", "brand", "service")


@dataclass
class Filters:
    """The list's filters as read from the query string; ``invalid`` names the ones that were ignored."""

    status: int | None = None
    priority: int | None = None
    department: int | None = None
    brand: int | None = None
    service: int | None = None
    assignee: str = ""
    tag: str = ""
    channel: str = ""
    q: str = ""
    sort: str = "-updated"
    page: int = 1
    invalid: list[str] = field(default_factory=list)
    data: list[tuple[DataField, str]] = field(default_factory=list)  # data-field filters: (field, raw value)
    # the search's condition, worked out once (it asks the index) for the counts and the page
    searched: tuple | None = field(default=None, repr=False, compare=False)
    # a search's first matches in the list's order (without the status filter), found while counting them
    first_matches: list[int] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Read filters from ``request.args``; values that do not parse are dropped and named in ``invalid``."""
        f = cls()
        for name in INT_FILTERS:
            raw = (args.get(name) or "").strip()
            if raw:
                if parse_id(raw) is not None:
                    setattr(f, name, parse_id(raw))
                else:
                    f.invalid.append(name)
        if f.service is not None and not settings.get("support.use_services"):
            f.service = None
        assignee = (args.get("assignee") or "").strip()
        if assignee in ("me", "none") or (assignee[:1] in ("u", "d") and parse_id(assignee[1:]) is not None):
            f.assignee = assignee
        elif assignee:
            f.invalid.append("assignee")
        f.tag = (args.get("tag") or "").strip()[:60]
        channel = (args.get("channel") or "").strip()
        if channel in CHANNELS:
            f.channel = channel
        elif channel:
            f.invalid.append("channel")
        f.q = (args.get("q") or "").strip()[:200]
        sort = (args.get("sort") or "-updated").strip()
        f.sort = sort if sort.lstrip("-") in SORTS else "-updated"
        page = (args.get("page") or "1").strip()
        f.page = parse_int(page, 1, 999_999) or 1
        return f

    def only_status(self) -> bool:
        """Whether nothing but the status narrows the list (then the maintained counts give the total)."""
        return not (self.priority or self.department or self.brand or self.service or self.assignee
                    or self.tag or self.channel or self.q or self.data)

    def read_data_fields(self, args, fields) -> None:
        """Add the filters of the list's data fields (``df_<name>`` in the query string); a field whose
        store cannot filter is named in ``invalid``."""
        self.data = []
        for data_field in fields:
            raw = (args.get(f"df_{data_field.name}") or "").strip()[:200]
            if not raw:
                continue
            if filter_statement("ticket", data_field, raw) is None:
                self.invalid.append(data_field.name)
            else:
                self.data.append((data_field, raw))

    def data_value(self, name: str) -> str:
        """The raw filter value of the data field ``name`` ("" when it does not filter)."""
        return next((raw for data_field, raw in self.data if data_field.name == name), "")


@dataclass(slots=True)
class TicketRow:
    """One line of the list: the ticket's own columns and the names the list shows, read as plain rows."""

    id: int
    number: str
    subject: str
    status_id: int
    priority_id: int
    updated_at: datetime
    waiting_since: datetime | None
    contact_name: str | None
    company_name: str | None
    department_name: str | None
    assignee_name: str | None
    assignee_department_name: str | None
    brand_name: str | None
    service_name: str | None
    tags: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # data-field values (see attach_data_values)
    updated_label: str = ""  # display texts the view fills in
    waited_label: str | None = None
    href: str = ""  # the ticket page's address, filled in by the view


# departments, brands and services are named from the process's lookups (plugins/support/lookups.py), not
# joined: the query joins three tables instead of seven, which keeps PostgreSQL's planning of it short
ROW_COLUMNS = (
    Ticket.id, Ticket.number, Ticket.subject, Ticket.status_id, Ticket.priority_id, Ticket.updated_at,
    Ticket.waiting_since, Contact.name, Company.name, Ticket.department_id, User.name,
    Ticket.assignee_department_id, Ticket.brand_id, Ticket.service_id,
)


def _with_names(stmt):
    """Outer-join the tables whose names a list row shows and the lookups do not hold."""
    return (stmt.outerjoin(Contact, Contact.id == Ticket.contact_id)
            .outerjoin(Company, Company.id == Contact.company_id)
            .outerjoin(User, User.id == Ticket.assignee_user_id))


# the tag names of a page's tickets, by name; built once (the ids are an expanding parameter)
_TAGS_OF = (select(ticket_tags.c.ticket_id, Tag.name).join(Tag, Tag.id == ticket_tags.c.tag_id)
            .where(ticket_tags.c.ticket_id.in_(bindparam("ids", expanding=True))).order_by(Tag.name))


def _rows(stmt) -> list[TicketRow]:
    """The list rows of ``stmt`` (a select of :data:`ROW_COLUMNS`) with their tag names: two queries."""
    names = lookups.current()
    departments, brands, services = names.department_names, names.brand_names, names.service_names
    rows = [TicketRow(id_, number, subject, status_id, priority_id, updated_at, waiting_since, contact, company,
                      departments.get(department_id), assignee, departments.get(assigned_department_id),
                      brands.get(brand_id), services.get(service_id))
            for (id_, number, subject, status_id, priority_id, updated_at, waiting_since, contact, company,
                 department_id, assignee, assigned_department_id, brand_id, service_id) in db.session.execute(stmt)]
    if rows:
        by_id = {r.id: r for r in rows}
        for ticket_id, name in db.session.execute(_TAGS_OF, {"ids": list(by_id)}):
            by_id[ticket_id].tags.append(name)
    return rows


@dataclass
class Page:
    """One page of tickets, shaped like Flask-SQLAlchemy's pagination for the ``pager`` macro."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _where(user, f: Filters, with_status: bool = True) -> list:
    clauses = [access.visible_tickets(user)]
    for name in INT_FILTERS:
        value = getattr(f, name)
        if value is not None and (with_status or name != "status"):
            clauses.append(getattr(Ticket, f"{name}_id") == value)
    if f.assignee == "me":
        clauses.append(Ticket.assignee_user_id == user.id)
    elif f.assignee == "none":
        clauses.append(Ticket.assignee_user_id.is_(None) & Ticket.assignee_department_id.is_(None))
    elif f.assignee.startswith("u"):
        clauses.append(Ticket.assignee_user_id == int(f.assignee[1:]))
    elif f.assignee.startswith("d"):
        clauses.append(Ticket.assignee_department_id == int(f.assignee[1:]))
    if f.tag:
        clauses.append(Ticket.id.in_(select(ticket_tags.c.ticket_id).join(Tag).where(Tag.name == f.tag)))
    if f.channel:
        clauses.append(Ticket.channel == f.channel)
    for data_field, raw in f.data:
        matching_ids = filter_statement("ticket", data_field, raw)
        if matching_ids is not None:
            clauses.append(Ticket.id.in_(matching_ids))
    if f.q:
        if f.searched is None:
            f.searched = (search.condition(f.q, include_internal=access.audience(user) != access.CUSTOMER),)
        if f.searched[0] is not None:
            clauses.append(f.searched[0])
    return clauses


def status_counts(user) -> dict[int, int]:
    """``{status id: count}`` of the tickets ``user`` may see, through the user's access policy."""
    return counts.per_status(access.scope(user))


@dataclass
class StatusCounts:
    """Tickets per status for the list's chips; ``capped``: the counting stopped at :data:`SEARCH_COUNT_CAP`."""

    per_status: dict[int, int]
    capped: bool = False

    def total(self, status: int | None = None) -> int:
        """The count of one status, or of all."""
        return self.per_status.get(status, 0) if status is not None else sum(self.per_status.values())

    def label(self, status: int | None = None) -> str:
        """The count as shown: ``"500+"`` once the counting stopped (then each count is "at least")."""
        count = self.total(status)
        if not self.capped:
            return str(count)
        if status is None:
            return f"{SEARCH_COUNT_CAP}+"
        return f"{count}+" if count else "0"  # a sample of the first matches: at least this many


def search_status_counts(user, f: Filters) -> StatusCounts:
    """Per status, the tickets ``user`` may see that match the search and other filters of ``f``; one query.

    Without a status filter, the matches counted are the first page's: they
    are kept in ``f`` for :func:`ticket_page`.

    The status filter itself is left out (the chips choose it). Counting stops
    after :data:`SEARCH_COUNT_CAP` matches, taken in the list's order (the
    database walks its sort index and stops), so a common word costs no more
    than a rare one.
    """
    matches = _ordered(select(Ticket.id, Ticket.status_id).where(*_where(user, f, with_status=False)), f)
    first = db.session.execute(matches.limit(SEARCH_COUNT_CAP + 1)).all()
    if f.status is None:  # these are the first page's tickets too: ticket_page need not look for them again
        f.first_matches = [ticket_id for ticket_id, _status in first]
    per_status: dict[int, int] = {}
    for _ticket_id, status_id in first:
        per_status[status_id] = per_status.get(status_id, 0) + 1
    return StatusCounts(per_status, capped=len(first) > SEARCH_COUNT_CAP)


def ticket_page(user, f: Filters, per_page: int | None = None, status_totals: dict[int, int] | None = None,
                search_counts: StatusCounts | None = None) -> Page:
    """The page of tickets ``user`` may see under filters ``f``: one count (or none) plus two queries.

    Items are :class:`TicketRow` (plain rows, no ORM objects): the list only
    shows them, and loading 50 tickets with their relations as objects costs
    more than the rest of the page. With ``search_counts`` (a search's
    :func:`search_status_counts`) the total is taken from them; when they are
    capped, the page reads one row more to know whether a next page exists.
    """
    per_page = per_page or PER_PAGE
    clauses = None
    capped = search_counts is not None and search_counts.capped
    if search_counts is not None:
        total = search_counts.total(f.status)
    elif f.only_status() and status_totals is not None:
        total = status_totals.get(f.status, 0) if f.status is not None else sum(status_totals.values())
    else:
        clauses = _where(user, f)
        total = db.session.scalar(select(func.count(Ticket.id)).where(*clauses)) or 0
    # a capped count says "at least": any page may follow, and one more row tells whether another does
    page = f.page if capped else min(f.page, max(1, math.ceil(total / per_page)))
    # the page's ids first, from the ticket table alone; the names are joined for those rows only, so a
    # search matching thousands of tickets does not join seven tables for each of them before sorting
    wanted = per_page + 1 if capped else per_page
    if search_counts is not None and page == 1 and f.first_matches is not None and wanted <= SEARCH_COUNT_CAP + 1:
        chosen = f.first_matches[:wanted]  # the counting walked to them already, in this order
        stmt = _ordered(_with_names(select(*ROW_COLUMNS)), f).where(Ticket.id.in_(chosen))
    else:
        key = _statement_key(user, f, page, wanted)
        stmt = _kept_statements.get(key) if key is not None else None
        if stmt is None:
            chosen = _ordered(select(Ticket.id).where(*(clauses or _where(user, f))), f)
            chosen = chosen.limit(wanted).offset((page - 1) * per_page).scalar_subquery()
            stmt = _ordered(_with_names(select(*ROW_COLUMNS)), f).where(Ticket.id.in_(chosen))
            if key is not None:
                _keep_statement(key, stmt)
    rows = _rows(stmt)
    if capped:
        total = (page - 1) * per_page + len(rows)
        rows = rows[:per_page]
    return Page(rows, page, per_page, total)


# the pages' statements, built once per scope and filters: building one costs more than running it, and a
# statement used again also keeps its cache key (SQLAlchemy memoizes it per statement)
_kept_statements: dict[tuple, object] = {}
_KEPT_STATEMENTS = 512


def _statement_key(user, f: Filters, page: int, wanted: int) -> tuple | None:
    """What a list page's statement depends on; None for searches and data-field filters (not kept)."""
    if f.q or f.data:
        return None
    return (access.scope(user), f.status, f.priority, f.department, f.brand, f.service, f.assignee,
            user.id if f.assignee == "me" else None, f.tag, f.channel, f.sort, page, wanted)


def _keep_statement(key: tuple, stmt) -> None:
    if len(_kept_statements) >= _KEPT_STATEMENTS:
        _kept_statements.clear()  # rare: many filter combinations; they are rebuilt as they come back
    _kept_statements[key] = stmt


def _ordered(stmt, f: Filters):
    """``stmt`` (a select from tickets) in the order of the list's sort, ties broken by the id."""
    key, descending = f.sort.lstrip("-"), f.sort.startswith("-")
    column = SORTS[key]
    order = column.desc() if descending else column.asc()
    if key == "waiting":
        order = order.nulls_last()
    if key == "priority":
        stmt = stmt.join(Priority, Priority.id == Ticket.priority_id)
    return stmt.order_by(order, Ticket.id.desc() if descending else Ticket.id.asc())


def attach_data_values(rows: list[TicketRow], fields: list[DataField]) -> None:
    """Fill ``row.data`` with the values of the list's data fields: one query per store, none without fields."""
    if not fields or not rows:
        return
    found = load_values("ticket", [r.id for r in rows], fields)
    for row in rows:
        row.data = found.get(row.id, {})
