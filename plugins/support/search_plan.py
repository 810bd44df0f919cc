"""How a search is run: rare words from the full-text index, common words by checking the newest tickets.

A ticket matches a search when every word starts a word of its own text
(number, subject, customer, and for staff its searchable data-field values)
or of one of its posts. The page shows the newest
50 matches and counts them up to a cap, so the cost must follow the 50, not
the number of matches:

- one probe query asks the index for at most :data:`RARE` + 1 hits of each
  word, in tickets and in posts (SQLite's FTS5 reads a whole word lazily and
  stops there); on PostgreSQL, whose GIN index gathers every hit before the
  first, the planner's statistics name the common words first
  (:mod:`plugins.support.search_stats`) and only the others are probed;
- a part (tickets or posts of a word) with at most :data:`RARE` hits is
  *rare*: its tickets are known, and the condition is ``id IN (those)``;
- a *common* part is checked row by row on the tickets the list reads in its
  own order (its sort index), with ``LIKE`` on the folded text: a common
  word is found among the first tickets read, so the walk stops early;
- when one word is rare in both parts, the tickets it names are the only
  candidates: the database starts from them and sorts them.

Which path a query takes changes its speed, never its answer: both apply the
same rule to the same folded text (:mod:`plugins.support.folding`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, text

from crm.extensions import db
from plugins.support import folding, search_stats
from plugins.support.models import Post, Ticket

# a word part with at most this many index hits is looked up; above, it is checked on the tickets read
RARE = 1000


@dataclass
class Word:
    """One folded search word and what the index probe found for it.

    ``tickets``/``posts``: the ids of the tickets whose own text / whose
    posts have the word, or None when there are more than :data:`RARE` hits
    (a common part, checked row by row).
    """

    word: str
    tickets: set[int] | None = None
    posts: set[int] | None = None

    @property
    def rare(self) -> bool:
        """Whether every ticket with this word is known from the index."""
        return self.tickets is not None and self.posts is not None

    @property
    def found(self) -> set[int]:
        """The tickets with this word (only for a :attr:`rare` word)."""
        return self.tickets | self.posts


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


# Per word and part (ticket text "t", posts "p") two arms: how many hits the part has, at most RARE + 1, and,
# only when that is at most RARE, the tickets of those hits. A prefix query makes the index gather every hit
# of every word with that prefix before it returns the first, so the count asks for the whole word first
# (read lazily, stopping after RARE + 1 hits) and for the prefix only when the whole word is rare.
_SQLITE_EXACT = "(SELECT count(*) FROM (SELECT rowid FROM support_{t}_fts WHERE support_{t}_fts MATCH :e{i} LIMIT :n))"
_SQLITE_COUNT = ("(SELECT count(*) FROM (SELECT rowid FROM support_{t}_fts WHERE support_{t}_fts MATCH "
                 "(CASE WHEN " + _SQLITE_EXACT + " <= :rare THEN :p{i} ELSE :e{i} END) LIMIT :n))")
# the hits only when there are few: else the whole word is read with an empty rowid range
_SQLITE_HITS = ("SELECT rowid FROM support_{t}_fts WHERE support_{t}_fts MATCH "
                "(CASE WHEN " + _SQLITE_COUNT + " <= :rare THEN :p{i} ELSE :e{i} END) "
                "AND rowid <= (CASE WHEN " + _SQLITE_COUNT + " <= :rare THEN :top ELSE 0 END)")
_SQLITE_ARMS = (
    "SELECT {i}, 'tc', " + _SQLITE_COUNT.replace("{t}", "ticket") + ", ''",
    "SELECT {i}, 't', rowid, '' FROM (" + _SQLITE_HITS.replace("{t}", "ticket") + ")",
    "SELECT {i}, 'pc', " + _SQLITE_COUNT.replace("{t}", "post") + ", ''",
    "SELECT {i}, 'p', p.ticket_id, p.kind FROM support_post p WHERE p.id IN ("
    + _SQLITE_HITS.replace("{t}", "post") + ")",
)
# PostgreSQL: the hits of the words its statistics do not call common (plugins.support.search_stats)
_POSTGRES_HITS = {
    "t": "SELECT {i}, 't', id, '' FROM support_ticket "
         "WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', :p{i}) LIMIT :n",
    "p": "SELECT {i}, 'p', ticket_id, kind FROM support_post "
         "WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', :p{i}) LIMIT :n",
}


def _sqlite_probes(words: list[str]):
    """One query (a UNION ALL) of ``(word index, part, ticket id or count, post kind)`` rows."""
    params = {"n": RARE + 1, "rare": RARE, "top": 2 ** 63 - 1}
    for i, word in enumerate(words):
        params[f"e{i}"], params[f"p{i}"] = _exact(word), _prefix(word)
    return _sqlite_statement(len(words)).bindparams(**params)


@functools.lru_cache(maxsize=16)
def _sqlite_statement(words: int):
    """The probe's SQL for this many words, parsed once (a query has at most ten words)."""
    return text(" UNION ALL ".join(f"SELECT * FROM ({arm.format(i=i)}) AS a{i}{n}"
                                   for i in range(words) for n, arm in enumerate(_SQLITE_ARMS)))


def _postgres_probes(words: list[str], connection) -> tuple[dict, object | None]:
    """The parts PostgreSQL's statistics call common (``{(word index, part): RARE + 1}``) and one query
    (a UNION ALL, or None) of the hits of the others, at most RARE + 1 each."""
    frequencies = search_stats.frequencies(connection)
    common, arms, params = {}, [], {"n": RARE + 1}
    for i, word in enumerate(words):
        spelled = (folding.serial_word(word), word) if word.isdigit() else (word,)
        for part in ("t", "p"):
            if frequencies[part].estimate(spelled, prefix=not word.isdigit()) > RARE:
                common[i, part] = RARE + 1
            else:
                arms.append(f"SELECT * FROM ({_POSTGRES_HITS[part].format(i=i)}) AS a{i}{part}")
                params[f"p{i}"] = _ts_prefix(word)
    return common, text(" UNION ALL ".join(arms)).bindparams(**params) if arms else None


def probe(words: list[str], include_internal: bool) -> list[Word]:
    """Ask the full-text index about each word, in one query (see the module's description)."""
    counted: dict[tuple[int, str], int] = {}
    hits: dict[tuple[int, str], list] = {}
    if db.session.get_bind().dialect.name == "sqlite":
        query = _sqlite_probes(words)
    else:
        counted, query = _postgres_probes(words, db.session.connection())
    for index, part, value, kind in db.session.execute(query) if query is not None else ():
        if part in ("tc", "pc"):
            counted[index, part[0]] = value
        else:
            hits.setdefault((index, part), []).append((value, kind))

    def known(index: int, part: str) -> list | None:
        found = hits.get((index, part), [])
        return None if counted.get((index, part), 0) > RARE or len(found) > RARE else found

    probed = []
    for i, word in enumerate(words):
        ticket_hits, post_hits = known(i, "t"), known(i, "p")
        probed.append(Word(
            word,
            tickets=None if ticket_hits is None else {t for t, _kind in ticket_hits},
            posts=None if post_hits is None else {
                t for t, kind in post_hits if include_internal or kind != "internal_note"},
        ))
    return probed


def _like(column, word: str):
    """``column`` (folded words separated by spaces) has a word starting with ``word`` (a whole number for digits)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    spaced = literal(" ") + column
    if word.isdigit():
        spaced = spaced + literal(" ")
        serial = folding.serial_word(word)
        return or_(spaced.like(f"% {escaped} %", escape="\\"), spaced.like(f"% {serial} %", escape="\\"))
    return spaced.like(f"% {escaped}%", escape="\\")


def _in(ids: set[int]) -> ColumnElement[bool]:
    return Ticket.id.in_(sorted(ids)) if ids else false()


def _word_condition(word: Word, include_internal: bool) -> ColumnElement[bool]:
    """The SQL check of one word on a ticket row: id lists for rare parts, LIKE for common ones."""
    if word.tickets is not None:
        own = _in(word.tickets)
    elif db.session.get_bind().dialect.name == "postgresql":
        # the full-text match, not LIKE: the planner has statistics for it (and its index) to choose
        # between reading the matches from the index and walking the list's sort index
        own = func.to_tsvector("simple", Ticket.search_text).op("@@")(func.to_tsquery("simple", _ts_prefix(word.word)))
    else:
        own = _like(Ticket.search_text, word.word)
    return or_(own, _posts_condition(word, include_internal))


def _posts_condition(word: Word, include_internal: bool) -> ColumnElement[bool]:
    """The SQL check that one of the ticket's posts has the word: the index's ids, or a LIMIT 1 subquery."""
    if word.posts is not None:
        posts = _in(word.posts)
    else:
        # a scalar subquery with LIMIT 1 runs per ticket read, on the post index of that ticket; the
        # database cannot turn it into "first find every post with the word", which is what a common word
        # must avoid
        public = () if include_internal else (Post.kind != "internal_note",)
        first = (select(Post.id).where(Post.ticket_id == Ticket.id, *public, _like(Post.search_text, word.word))
                 .limit(1).correlate(Ticket).scalar_subquery())
        posts = first.is_not(None)
    return posts


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

    Runs the index probe (one query) to choose, per word, between the ids the
    index gave and a row-by-row check. Without ``include_fields`` a word
    found only among a ticket's data-field words does not count.
    """
    probed = probe(words, include_internal)
    rare = [w for w in probed if w.rare]
    clauses = []
    if rare:
        candidates = set.intersection(*(w.found for w in rare))
        clauses.append(_in(candidates))
    clauses.extend(_word_condition(w, include_internal) for w in probed if not w.rare)
    if not include_fields:
        clauses.extend(_without_fields(w, include_internal) for w in probed)
    return and_(*clauses)
