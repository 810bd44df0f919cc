"""How a search is run: rare words from the full-text index, common words by checking the newest tickets.

A ticket matches a search when every word starts a word of its own text
(number, subject, customer, and for staff its searchable data-field values)
or of one of its posts. The page shows the newest
50 matches and counts them up to a cap, so the cost must follow the 50, not
the number of matches:

- one probe query counts at most :data:`RARE` + 1 hits of each word, in
  tickets and in posts (SQLite's FTS5 reads a whole word lazily and stops
  there); on PostgreSQL, whose GIN index gathers every hit before the first,
  the planner's statistics name the common words first
  (:mod:`plugins.support.search_stats`) and only the others are counted; the
  probe returns one row of counts, never the hits themselves;
- a part (tickets or posts of a word) with at most :data:`RARE` hits is
  *rare*: the condition is ``id IN (the index's hits)``, a subquery the
  database runs itself (no id lists travel through Python);
- a *common* part is checked row by row on the tickets the list reads in its
  own order (its sort index), with ``LIKE`` on the folded text: a common
  word is found among the first tickets read, so the walk stops early;
- when one word is rare in both parts, the tickets it names are the only
  candidates: the database starts from them (its index hits) and sorts them,
  and the other words are checked on them with ``LIKE``.

Which path a query takes changes its speed, never its answer: both apply the
same rule to the same folded text (:mod:`plugins.support.folding`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import (ColumnElement, and_, any_, column, false, func, literal, literal_column, or_, select, table,
                        text, union_all)

from crm.extensions import db
from plugins.support import folding, search_stats
from plugins.support.models import Post, Ticket

# a word part with at most this many index hits is looked up; above, it is checked on the tickets read
RARE = 1000


@dataclass
class Word:
    """One folded search word and what the index probe counted for it.

    ``tickets``/``posts``: how many tickets' own texts / posts have the word
    (at most :data:`RARE`), or None when there are more (a common part,
    checked row by row).
    """

    word: str
    tickets: int | None = None
    posts: int | None = None

    @property
    def rare(self) -> bool:
        """Whether every ticket with this word is found from the index."""
        return self.tickets is not None and self.posts is not None


def _exact(word: str) -> str:
    """The index query of one whole word: digits are a number or a serial number, other words themselves."""
    if word.isdigit():
        return f'"{folding.serial_word(word)}" OR "{word}"'
    return '"%s"' % word


def _prefix(word: str) -> str:
    """The index query of the words starting with ``word`` (digits: whole numbers only)."""
    return _exact(word) if word.isdigit() else '"%s"*' % word


def _ts_prefix(word: str) -> str:
    """The tsquery of the words starting with ``word`` (digits: whole numbers only)."""
    return f"{folding.serial_word(word)} | {word}" if word.isdigit() else f"{word}:*"


# Per word and part (ticket text "t", posts "p") one count: how many hits the whole word has, at most RARE + 1
# (read lazily: a common word stops there), and only when that is at most RARE, how many the word has as a
# prefix, at most RARE + 1 (a prefix query makes the index gather every hit of every word with that prefix
# before it returns the first, so it is asked only when the whole word is rare; an uncorrelated subquery in a
# CASE branch runs only when the branch is taken).
_SQLITE_COUNT = ("(SELECT CASE WHEN c <= :rare THEN (SELECT count(*) FROM (SELECT 1 FROM support_{table}_fts "
                 "WHERE support_{table}_fts MATCH :p{i} LIMIT :n)) ELSE c END FROM (SELECT count(*) AS c FROM "
                 "(SELECT 1 FROM support_{table}_fts WHERE support_{table}_fts MATCH :e{i} LIMIT :n)))")
# PostgreSQL: the count of the parts its statistics do not call common (plugins.support.search_stats)
_POSTGRES_COUNT = ("(SELECT count(*) FROM (SELECT 1 FROM support_{table} "
                   "WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', :p{i}) LIMIT :n) AS c)")
_TABLES = {"t": "ticket", "p": "post"}


def _sqlite_probes(words: list[str]) -> tuple[dict, object]:
    """No part known before asking, and one query: a row of counts, ``(word, part)`` by ``(word, part)``."""
    params = {"n": RARE + 1, "rare": RARE}
    for i, word in enumerate(words):
        params[f"e{i}"], params[f"p{i}"] = _exact(word), _prefix(word)
    return {}, _sqlite_statement(len(words)).bindparams(**params)


@functools.lru_cache(maxsize=16)
def _sqlite_statement(words: int):
    """The probe's SQL for this many words, parsed once (a query has at most ten words)."""
    return text("SELECT " + ", ".join(_SQLITE_COUNT.format(i=i, table=_TABLES[part])
                                      for i in range(words) for part in ("t", "p")))


def _postgres_probes(words: list[str], connection) -> tuple[dict, object | None]:
    """The parts PostgreSQL's statistics call common (``{(word index, part): RARE + 1}``) and one query
    (or None) of a row of counts of the others, at most RARE + 1 each, in the order of ``(word, part)``."""
    frequencies = search_stats.frequencies(connection)
    common, counts, params = {}, [], {"n": RARE + 1}
    for i, word in enumerate(words):
        spelled = (folding.serial_word(word), word) if word.isdigit() else (word,)
        for part in ("t", "p"):
            if frequencies[part].estimate(spelled, prefix=not word.isdigit()) > RARE:
                common[i, part] = RARE + 1
            else:
                counts.append(_POSTGRES_COUNT.format(i=i, table=_TABLES[part]))
                params[f"p{i}"] = _ts_prefix(word)
    return common, text("SELECT " + ", ".join(counts)).bindparams(**params) if counts else None


def probe(words: list[str]) -> list[Word]:
    """Count each word's hits in the full-text index, in one query (see the module's description)."""
    if db.session.get_bind().dialect.name == "sqlite":
        counted, query = _sqlite_probes(words)
    else:
        counted, query = _postgres_probes(words, db.session.connection())
    if query is not None:
        asked = [(i, part) for i in range(len(words)) for part in ("t", "p") if (i, part) not in counted]
        counted.update(zip(asked, db.session.execute(query).one()))

    def known(index: int, part: str) -> int | None:
        found = counted[index, part]
        return None if found > RARE else found

    return [Word(word, tickets=known(i, "t"), posts=known(i, "p")) for i, word in enumerate(words)]


def _like(column, word: str):
    """``column`` (folded words separated by spaces) has a word starting with ``word`` (a whole number for digits)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    spaced = literal(" ") + column
    if word.isdigit():
        spaced = spaced + literal(" ")
        serial = folding.serial_word(word)
        return or_(spaced.like(f"% {escaped} %", escape="\\"), spaced.like(f"% {serial} %", escape="\\"))
    return spaced.like(f"% {escaped}%", escape="\\")


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _ts_match(column, word: str) -> ColumnElement[bool]:
    """PostgreSQL: ``column`` has a word starting with ``word``, in the expression of its full-text index
    (the configuration written out, so that even a prepared statement's generic plan can use the index)."""
    simple = literal_column("'simple'")
    return func.to_tsvector(simple, column).op("@@")(func.to_tsquery(simple, _ts_prefix(word)))


def _fts_hits(name: str, word: str):
    """SQLite: a SELECT of the rowids the FTS5 table ``name`` finds for ``word`` (a prefix)."""
    fts = table(name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(name).op("MATCH")(_prefix(word)))


def _hits(word: Word, include_internal: bool, parts: str = "tp"):
    """A SELECT of the tickets the index finds ``word`` in: their own text ("t") and their posts ("p").

    Only for parts with at most :data:`RARE` hits: the database reads them
    from the index itself; None when there are none.
    """
    selects = []
    if "t" in parts and word.tickets:
        if _sqlite():
            selects.append(_fts_hits("support_ticket_fts", word.word))
        else:
            hit = Ticket.__table__.alias("hit")  # not the outer query's row
            selects.append(select(hit.c.id).where(_ts_match(hit.c.search_text, word.word)))
    if "p" in parts and word.posts:
        public = () if include_internal else (Post.kind != "internal_note",)
        found = Post.id.in_(_fts_hits("support_post_fts", word.word)) if _sqlite() else _ts_match(
            Post.search_text, word.word)
        selects.append(select(Post.ticket_id).where(found, *public).correlate(None))  # never the outer query's posts
    if not selects:
        return None
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _in_hits(word: Word, include_internal: bool, parts: str = "tp") -> ColumnElement[bool]:
    """The ticket is among the index's hits of ``word`` in ``parts`` (all rare)."""
    found = _hits(word, include_internal, parts)
    if found is None:
        return false()
    if parts == "tp" and not _sqlite():
        # the hits of a rare word are where the database must start. PostgreSQL gets them as an array computed
        # once (an InitPlan), which it estimates at a few ids, so it reads those tickets by their key; with
        # IN (a subquery) it may estimate the other words' LIKE as rare instead, read every ticket with
        # LIKE and look each one up in the hits
        return Ticket.id == any_(func.array(found.scalar_subquery()))
    return Ticket.id.in_(found)


def _word_condition(word: Word, include_internal: bool, candidates: bool = False) -> ColumnElement[bool]:
    """The SQL check of one word on a ticket row: the index's hits for rare parts, LIKE for common ones.

    ``candidates``: a rare word already names the only tickets to check (then
    the database starts from them, and each is checked as cheaply as possible).
    """
    if word.rare:
        return _in_hits(word, include_internal)
    if word.tickets is not None:
        own = _in_hits(word, include_internal, "t")
    elif not _sqlite() and not candidates:
        # the full-text match, not LIKE: the planner has statistics for it (and its index) to choose
        # between reading the matches from the index and walking the list's sort index; on a rare word's
        # candidates LIKE is the cheaper check (@@ parses the whole text of each row into a tsvector again)
        own = _ts_match(Ticket.search_text, word.word)
    else:
        own = _like(Ticket.search_text, word.word)
    return or_(own, _posts_condition(word, include_internal))


def _posts_condition(word: Word, include_internal: bool) -> ColumnElement[bool]:
    """The SQL check that one of the ticket's posts has the word: the index's hits, or a LIMIT 1 subquery."""
    if word.posts is not None:
        return _in_hits(word, include_internal, "p")
    # a scalar subquery with LIMIT 1 runs per ticket read, on the post index of that ticket; the
    # database cannot turn it into "first find every post with the word", which is what a common word
    # must avoid
    public = () if include_internal else (Post.kind != "internal_note",)
    first = (select(Post.id).where(Post.ticket_id == Ticket.id, *public, _like(Post.search_text, word.word))
             .limit(1).correlate(Ticket).scalar_subquery())
    return first.is_not(None)


def _own_text() -> ColumnElement[str]:
    """A ticket's ``search_text`` without its data-field words (they are its end: :func:`folding.with_fields`)."""
    cut = func.length(Ticket.search_text) - func.length(Ticket.field_text) - 1
    return func.substr(Ticket.search_text, 1, cut)


def _without_fields(word: Word, include_internal: bool) -> ColumnElement[bool]:
    """The ticket has the word outside its data-field words: in its own text or a post.

    Checked row by row only on tickets that have field words, and only for
    searches that leave them out (customers'), which read their own tickets.
    """
    return or_(Ticket.field_text == "", _like(_own_text(), word.word), _posts_condition(word, include_internal))


def condition(words: list[str], include_internal: bool, include_fields: bool = True) -> ColumnElement[bool]:
    """The WHERE condition on :class:`Ticket` for tickets having every one of ``words`` (folded).

    Runs the index probe (one query) to choose, per word, between the
    index's hits and a row-by-row check. Without ``include_fields`` a word
    found only among a ticket's data-field words does not count.
    """
    probed = probe(words)
    candidates = any(w.rare for w in probed)
    # the rare words first: the database starts from the first one's hits
    clauses = [_word_condition(w, include_internal, candidates) for w in sorted(probed, key=lambda w: not w.rare)]
    if not include_fields:
        clauses.extend(_without_fields(w, include_internal) for w in probed)
    return and_(*clauses)
