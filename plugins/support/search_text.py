"""The folded ``search_text`` of tickets and posts, kept right by every writer.

- Inserts (the services' ORM inserts and the bulk ``insert(Ticket)`` /
  ``insert(Post)`` of demo data and the benchmark seed) fill the column through
  the column defaults :func:`ticket_default` and :func:`post_default`, unless
  the row brings its own value.
- ORM updates of a ticket's subject, number, contact, company or data-field
  words (``field_text``), or of a post's text, refold it (listeners in :mod:`plugins.support.search`).
- A renamed contact or company (or a contact's changed email or company)
  refolds the text of their tickets in the same flush.

:func:`refresh_tickets` and :func:`refresh_posts` refold existing rows in
batches; the migration that added the columns runs them.
"""
from __future__ import annotations

from sqlalchemy import bindparam, text

from plugins.support.folding import post_text, ticket_text, with_fields

BATCH = 2000

_PEOPLE = text(
    "SELECT c.name, c.email, (SELECT name FROM crm_company WHERE id = :company_id) "
    "FROM crm_contact c WHERE c.id = :contact_id")
_COMPANY = text("SELECT name FROM crm_company WHERE id = :company_id")


def people_of(connection, contact_id, company_id) -> tuple:
    """(contact name, contact email, company name) of a ticket, read on ``connection``."""
    if contact_id is not None:
        row = connection.execute(_PEOPLE, {"contact_id": contact_id, "company_id": company_id}).first()
        if row is not None:
            return tuple(row)
    if company_id is not None:
        return (None, None, connection.execute(_COMPANY, {"company_id": company_id}).scalar())
    return ()


def ticket_default(context) -> str:
    """Column default of ``support_ticket.search_text``: number, subject, customer and field words, folded."""
    params = context.get_current_parameters()
    people = people_of(context.connection, params.get("contact_id"), params.get("company_id"))
    return with_fields(ticket_text(params.get("number"), params.get("subject"), *people), params.get("field_text"))


def post_default(context) -> str:
    """Column default of ``support_post.search_text``: the words of the post's plain text, folded."""
    return post_text(context.get_current_parameters().get("body_text"))


_TICKET_ROWS = ("SELECT t.id, {fields}, t.number, t.subject, c.name, c.email, co.name FROM support_ticket t "
                "LEFT JOIN crm_contact c ON c.id = t.contact_id LEFT JOIN crm_company co ON co.id = t.company_id ")
_FIELDS = {True: "t.field_text", False: "''"}  # False: a schema before support_ticket.field_text
_TICKETS = {k: text(_TICKET_ROWS.format(fields=v) + "WHERE t.id > :after ORDER BY t.id LIMIT :size")
            for k, v in _FIELDS.items()}
_SET_TICKET = text("UPDATE support_ticket SET search_text = :text WHERE id = :row_id")
_POSTS = text("SELECT id, body_text FROM support_post WHERE id > :after ORDER BY id LIMIT :size")
_SET_POST = text("UPDATE support_post SET search_text = :text WHERE id = :row_id")


def refresh_tickets(connection, ids=None, *, fields: bool = True) -> int:
    """Refold ``search_text`` of the tickets ``ids`` (all when None) on ``connection``; return how many.

    ``fields=False`` leaves the data-field words out: for the migrations that
    run before ``support_ticket.field_text`` exists.
    """
    if ids is not None:
        ids = sorted(set(ids))
        done = 0
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            rows = connection.execute(text(_TICKET_ROWS.format(fields=_FIELDS[fields]) + "WHERE t.id IN :ids")
                                      .bindparams(bindparam("ids", expanding=True)), {"ids": chunk}).all()
            _write(connection, _SET_TICKET, [(r[0], _ticket(r)) for r in rows])
            done += len(rows)
        return done
    return _refresh_all(connection, _TICKETS[fields], _SET_TICKET, _ticket)


def _ticket(row) -> str:
    """The search text of a ``(id, field_text, number, subject, names...)`` row."""
    return with_fields(ticket_text(*row[2:]), row[1])


def refresh_posts(connection) -> int:
    """Refold ``search_text`` of every post on ``connection``, in batches; return how many."""
    return _refresh_all(connection, _POSTS, _SET_POST, lambda r: post_text(r[1]))


def _refresh_all(connection, read, write, folded) -> int:
    after, done = 0, 0
    while True:
        rows = connection.execute(read, {"after": after, "size": BATCH}).all()
        if not rows:
            return done
        _write(connection, write, [(r[0], folded(r)) for r in rows])
        after, done = rows[-1][0], done + len(rows)


def _write(connection, statement, pairs) -> None:
    if pairs:
        connection.execute(statement, [{"row_id": row_id, "text": value} for row_id, value in pairs])
