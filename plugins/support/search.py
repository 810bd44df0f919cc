"""Full-text search over ticket subjects and posts behind one interface.

SQLite: two FTS5 tables with external content (subjects, post texts) kept in
sync by triggers, so every writer — services, bulk demo inserts, deletes —
keeps the index right. PostgreSQL: GIN indexes on ``to_tsvector('simple', ...)``
of the same columns. Both are created with the tables (DDL events), and
:data:`SQLITE_DDL` / :data:`POSTGRES_DDL` are what a migration runs.
"""
from __future__ import annotations

import re

from sqlalchemy import DDL, Select, and_, bindparam, event, func, literal_column, or_, select, text

from crm.extensions import db
from plugins.support.models import Post, Ticket

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
SQLITE_DROP = ["DROP TABLE IF EXISTS support_ticket_fts", "DROP TABLE IF EXISTS support_post_fts"]
POSTGRES_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_support_ticket_subject_fts ON support_ticket "
    "USING gin (to_tsvector('simple', subject))",
]
POSTGRES_POST_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_support_post_body_fts ON support_post "
    "USING gin (to_tsvector('simple', body_text))",
]

for statement in SQLITE_DDL:
    event.listen(Ticket.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in SQLITE_POST_DDL:
    event.listen(Post.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in SQLITE_DROP:
    event.listen(Ticket.__table__, "before_drop", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_DDL:
    event.listen(Ticket.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
for statement in POSTGRES_POST_DDL:
    event.listen(Post.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))

_WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words of a search query (punctuation and operators dropped), at most ten."""
    return _WORD.findall(query or "")[:10]


def _word_clause(word: str, dialect: str, include_internal: bool):
    """Tickets whose subject or one of whose posts contains a word starting with ``word``.

    Without ``include_internal``, internal notes (and the private descriptions
    staff write as the first note) are not searched.
    """
    public = () if include_internal else (Post.kind != "internal_note",)
    if dialect == "sqlite":
        match = '"%s"*' % word
        subjects = select(literal_column("rowid")).select_from(text("support_ticket_fts")).where(
            text("support_ticket_fts MATCH :q").bindparams(bindparam("q", match, unique=True)))
        posts = select(Post.ticket_id).where(Post.id.in_(
            select(literal_column("rowid")).select_from(text("support_post_fts")).where(
                text("support_post_fts MATCH :q").bindparams(bindparam("q", match, unique=True)))), *public)
        return or_(Ticket.id.in_(subjects), Ticket.id.in_(posts))
    tsquery = func.to_tsquery("simple", f"{word}:*")
    subject_match = func.to_tsvector("simple", Ticket.subject).op("@@")(tsquery)
    posts = select(Post.ticket_id).where(func.to_tsvector("simple", Post.body_text).op("@@")(tsquery), *public)
    return or_(subject_match, Ticket.id.in_(posts))


def matching_tickets(query: str, include_internal: bool = False) -> Select | None:
    """A SELECT of the ids of tickets where every word of ``query`` starts a word of the subject or a post.

    Words may be found in different posts. Internal notes are searched only
    with ``include_internal`` (staff). Returns None when the query has no
    words. Access is not checked here; callers combine it with
    :func:`plugins.support.access.visible_tickets`.
    """
    words = terms(query)
    if not words:
        return None
    dialect = db.session.get_bind().dialect.name
    return select(Ticket.id).where(and_(*(_word_clause(w, dialect, include_internal) for w in words)))
