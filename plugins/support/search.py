"""Full-text search over tickets (number, subject, customer, data-field values) and posts behind one interface.

Both databases index the same folded words, the ``search_text`` columns of
tickets and posts (:mod:`plugins.support.folding`, kept by
:mod:`plugins.support.search_text`), so a query finds the same tickets on
either. SQLite: two FTS5 tables with external content over those columns,
kept in sync by triggers, so every writer — services, bulk demo inserts,
deletes — keeps the index right. PostgreSQL: GIN indexes on
``to_tsvector('simple', search_text)``. Both are created with the tables (DDL events), and
:data:`FOLDED_SQLITE_DDL` / :data:`FOLDED_POSTGRES_DDL` (and their ``POST`` lists) are what
the migration that introduced them runs.
"""
from __future__ import annotations

import re

from flask import current_app, has_app_context
from sqlalchemy import DDL, ColumnElement, Index, Select, event, inspect, or_, select
from sqlalchemy.orm import Session

from crm.extensions import db
from crm.people.models import Company, Contact
from plugins.support import folding, search_plan, search_text
from plugins.support.models import Post, Ticket

FOLDED_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS support_ticket_fts USING fts5("
    "search_text, content='support_ticket', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS support_ticket_fts_ai AFTER INSERT ON support_ticket BEGIN "
    "INSERT INTO support_ticket_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS support_ticket_fts_ad AFTER DELETE ON support_ticket BEGIN "
    "INSERT INTO support_ticket_fts(support_ticket_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS support_ticket_fts_au AFTER UPDATE OF search_text ON support_ticket BEGIN "
    "INSERT INTO support_ticket_fts(support_ticket_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO support_ticket_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
FOLDED_SQLITE_POST_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS support_post_fts USING fts5("
    "search_text, content='support_post', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS support_post_fts_ai AFTER INSERT ON support_post BEGIN "
    "INSERT INTO support_post_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS support_post_fts_ad AFTER DELETE ON support_post BEGIN "
    "INSERT INTO support_post_fts(support_post_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS support_post_fts_au AFTER UPDATE OF search_text ON support_post BEGIN "
    "INSERT INTO support_post_fts(support_post_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO support_post_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS support_ticket_fts", "DROP TABLE IF EXISTS support_post_fts"]
SQLITE_DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS support_{table}_fts_{when}"
                        for table in ("ticket", "post") for when in ("ai", "ad", "au")]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_support_ticket_subject_fts", "DROP INDEX IF EXISTS ix_support_post_body_fts"]

# The first support revision's index, over the raw subject and body text; a later revision replaces it
# with the FOLDED_* one above. Kept unchanged because that revision runs these lists.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS support_ticket_fts USING fts5("
    "subject, content='support_ticket', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS support_ticket_fts_ai AFTER INSERT ON support_ticket BEGIN "
    "INSERT INTO support_ticket_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER IF NOT EXISTS support_ticket_fts_ad AFTER DELETE ON support_ticket BEGIN "
    "INSERT INTO support_ticket_fts(support_ticket_fts, rowid, subject) VALUES ('delete', old.id, old.subject); END",
    "CREATE TRIGGER IF NOT EXISTS support_ticket_fts_au AFTER UPDATE OF subject ON support_ticket BEGIN "
    "INSERT INTO support_ticket_fts(support_ticket_fts, rowid, subject) VALUES ('delete', old.id, old.subject); "
    "INSERT INTO support_ticket_fts(rowid, subject) VALUES (new.id, new.subject); END",
]
SQLITE_POST_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS support_post_fts USING fts5("
    "body_text, content='support_post', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS support_post_fts_ai AFTER INSERT ON support_post BEGIN "
    "INSERT INTO support_post_fts(rowid, body_text) VALUES (new.id, new.body_text); END",
    "CREATE TRIGGER IF NOT EXISTS support_post_fts_ad AFTER DELETE ON support_post BEGIN "
    "INSERT INTO support_post_fts(support_post_fts, rowid, body_text) VALUES ('delete', old.id, old.body_text); END",
    "CREATE TRIGGER IF NOT EXISTS support_post_fts_au AFTER UPDATE OF body_text ON support_post BEGIN "
    "INSERT INTO support_post_fts(support_post_fts, rowid, body_text) VALUES ('delete', old.id, old.body_text); "
    "INSERT INTO support_post_fts(rowid, body_text) VALUES (new.id, new.body_text); END",
]
POSTGRES_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_support_ticket_subject_fts ON support_ticket "
    "USING gin (to_tsvector('simple', subject))",
]
POSTGRES_POST_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_support_post_body_fts ON support_post "
    "USING gin (to_tsvector('simple', body_text))",
]
FOLDED_POSTGRES_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_support_ticket_search_fts ON support_ticket "
    "USING gin (to_tsvector('simple', search_text))",
]
FOLDED_POSTGRES_POST_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_support_post_search_fts ON support_post "
    "USING gin (to_tsvector('simple', search_text))",
]
# The GIN indexes take new rows at once instead of in a pending list: every search reads the whole pending list
# (unsorted) until autovacuum merges it, so on a busy desk each index lookup of a search would cost a few ms more
# (up to the list's 4 MB); a post's insert costs some 0.05 ms more instead.
POSTGRES_TICKET_GIN_SETTING = "ALTER INDEX ix_support_ticket_search_fts SET (fastupdate = off)"
POSTGRES_POST_GIN_SETTING = "ALTER INDEX ix_support_post_search_fts SET (fastupdate = off)"
POSTGRES_GIN_SETTINGS = [POSTGRES_TICKET_GIN_SETTING, POSTGRES_POST_GIN_SETTING]
POSTGRES_GIN_FLUSH = [
    "SELECT gin_clean_pending_list('ix_support_ticket_search_fts'::regclass)",
    "SELECT gin_clean_pending_list('ix_support_post_search_fts'::regclass)",
]

# The list's newest-first walk with the staff access filter (plugins.support.access: department, assigned department,
# assignee) and its status: a search for a common word walks the tickets in this order until the 51st match, and a
# member of one department sees a fifth of them. With these columns in the index the database skips the tickets the
# user may not see without reading their rows (SQLite checks index columns before it reads the row), and
# PostgreSQL's list of ids can be read from the index alone. Support migration b3e7d1f9a2c4 creates it.
UPDATED_ACCESS_INDEX = Index("ix_support_ticket_updated_access", Ticket.updated_at, Ticket.id, Ticket.department_id,
                             Ticket.assignee_department_id, Ticket.assignee_user_id, Ticket.status_id)

for statement in FOLDED_SQLITE_DDL:
    event.listen(Ticket.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in FOLDED_SQLITE_POST_DDL:
    event.listen(Post.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in SQLITE_DROP:
    event.listen(Ticket.__table__, "before_drop", DDL(statement).execute_if(dialect="sqlite"))
for statement in FOLDED_POSTGRES_DDL:
    event.listen(Ticket.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
for statement in FOLDED_POSTGRES_POST_DDL:
    event.listen(Post.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
event.listen(Ticket.__table__, "after_create", DDL(POSTGRES_TICKET_GIN_SETTING).execute_if(dialect="postgresql"))
event.listen(Post.__table__, "after_create", DDL(POSTGRES_POST_GIN_SETTING).execute_if(dialect="postgresql"))


# keeping search_text right on ORM updates -------------------------------------------------------

def _changed(target, *names) -> bool:
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Ticket, "before_update")
def _refold_ticket(mapper, connection, target) -> None:
    """A ticket whose number, subject, contact, company or data-field words changed is found by the new ones."""
    if _changed(target, "number", "subject", "contact_id", "company_id", "field_text"):
        people = search_text.people_of(connection, target.contact_id, target.company_id)
        target.search_text = folding.with_fields(folding.ticket_text(target.number, target.subject, *people),
                                                 target.field_text)


@event.listens_for(Post, "before_update")
def _refold_post(mapper, connection, target) -> None:
    """A post whose text changed is found by the new text."""
    if _changed(target, "body_text"):
        target.search_text = folding.post_text(target.body_text)


@event.listens_for(Session, "after_flush")
def _refold_people(session, flush_context) -> None:
    """A renamed contact or company (or a contact's new email or company) refolds their tickets' text."""
    contacts = {c.id for c in session.dirty
                if isinstance(c, Contact) and _changed(c, "name", "email", "company_id")}
    companies = {c.id for c in session.dirty if isinstance(c, Company) and _changed(c, "name")}
    if not (contacts or companies) or not _support_installed():
        return
    ids = session.execute(select(Ticket.id).where(
        or_(Ticket.contact_id.in_(contacts), Ticket.company_id.in_(companies)))).scalars().all()
    if ids:
        search_text.refresh_tickets(session.connection(), ids)


def _support_installed() -> bool:
    """Whether this app has the support plugin (and so its tables); people change in apps without it too."""
    return has_app_context() and "support" in current_app.extensions["crm"].infos


_FULL_NUMBER = re.compile(r"^\s*#?(\d{4})-(\d{1,9})\s*$")


def terms(query: str) -> list[str]:
    """The folded words of a search query (punctuation and operators dropped), at most ten."""
    return folding.words(query)[:10]


def matching_tickets(query: str, include_internal: bool = False, include_fields: bool | None = None) -> Select | None:
    """A SELECT of the ids of tickets where every word of ``query`` starts a word of the ticket or a post.

    The same tickets as :func:`condition`, as a subquery; None when the query
    has no words.
    """
    found = condition(query, include_internal, include_fields)
    return None if found is None else select(Ticket.id).where(found)


def condition(query: str, include_internal: bool = False,
              include_fields: bool | None = None) -> ColumnElement[bool] | None:
    """The WHERE condition on :class:`Ticket` for tickets where every word of ``query`` is found.

    A ticket is found by its number (``2026-00050``, ``00050`` or ``50``; a
    word of digits matches whole numbers, other words match word starts), its
    subject, its customer's name and email, its company's name and the text
    of its posts; words may be found in different places. Case, accents and
    the Turkish i's do not matter (:mod:`plugins.support.folding`). Internal
    notes are searched only with ``include_internal`` (staff); so are the
    ticket's searchable data-field values (:mod:`plugins.support.field_search`)
    unless ``include_fields`` says otherwise (None: as ``include_internal``;
    customers' searches must leave them out, as the fields they see are not
    all the fields staff search). Returns None
    when the query has no words. Asks the full-text index once (one query)
    to choose how each word is checked (:mod:`plugins.support.search_plan`),
    so the newest matches of a common word cost no more than those of a rare
    one. Access is not checked here; callers combine it with
    :func:`plugins.support.access.visible_tickets`.
    """
    words = terms(query)
    if not words:
        return None
    whole = _FULL_NUMBER.match(query or "")
    if whole:  # a whole ticket number names one ticket: look it up by its unique column, not by two words
        from plugins.support.numbers import format_number

        return Ticket.number == format_number(int(whole.group(1)), int(whole.group(2)))
    fields = include_internal if include_fields is None else include_fields
    return search_plan.condition(words, include_internal, fields)
