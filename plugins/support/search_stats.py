"""How many tickets and posts a word is in, estimated from PostgreSQL's own statistics, without a scan.

PostgreSQL's ``ANALYZE`` (run by autovacuum) keeps, for each full-text index,
its most common words and how often they occur (``pg_stats``: the
``most_common_elems`` of the index's expression). The query planner
estimates ``@@`` from the same numbers. A GIN index cannot stop after the
first few hits, so asking it how common a word is costs as much as finding
every hit; these statistics answer at no cost. They are read once and kept
for :data:`KEEP_SECONDS` per database; out-of-date statistics only make a
search slower, never its answer different
(:mod:`plugins.support.search_plan` checks every word exactly).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text

KEEP_SECONDS = 300.0
INDEXES = {"t": "ix_support_ticket_search_fts", "p": "ix_support_post_search_fts"}

_STATISTICS = text(
    "SELECT s.tablename, s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
    "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
    "WHERE s.schemaname = current_schema() AND s.tablename IN :names"
).bindparams(bindparam("names", tuple(INDEXES.values()), expanding=True))


@dataclass
class Frequencies:
    """One index's common words: ``{word: share of rows}`` and how many rows it has."""

    rows: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)

    def estimate(self, words: tuple[str, ...], prefix: bool) -> float:
        """Rows holding one of ``words`` (or a word starting with it, with ``prefix``); 0 when not common."""
        if prefix:
            share = sum(s for w, s in self.shares.items() if w.startswith(words))
        else:
            share = sum(self.shares.get(w, 0.0) for w in words)
        return share * self.rows


_cache: dict[str, tuple[float, dict[str, Frequencies]]] = {}
_lock = threading.Lock()


def frequencies(connection) -> dict[str, Frequencies]:
    """``{"t": tickets' index, "p": posts' index}`` frequencies for the database of ``connection``."""
    key = connection.engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _lock:
        kept = _cache.get(key)
        if kept is not None and now - kept[0] < KEEP_SECONDS:
            return kept[1]
    found = {part: Frequencies() for part in INDEXES}
    parts = {name: part for part, name in INDEXES.items()}
    for name, words, shares, rows in connection.execute(_STATISTICS):
        if words and shares:
            # the array ends with the minimum, maximum and null frequencies
            found[parts[name]] = Frequencies(float(rows), dict(zip(words, shares[:len(words)])))
    with _lock:
        _cache[key] = (now, found)
    return found
