"""Text folding for search: the same words whatever the case, the accents and the database.

Search never relies on a database's own lower-casing or accent handling (SQLite
and PostgreSQL differ, and neither knows Turkish casing). Instead the text is
folded in Python, once when it is written (the ``search_text`` columns) and
again when a query is read, with :func:`fold`:

- Turkish dotted and dotless i are one letter: ``I``, ``ı``, ``İ`` and ``i``
  all become ``i``, so ``SIFIRLAMA``, ``sıfırlama`` and ``Sifirlama`` are the same
  word (Unicode's own lower-casing turns ``I`` into ``i`` and ``İ`` into
  ``i̇``, which would miss the Turkish pairs);
- everything else is case-folded (``ß`` → ``ss``);
- accents are dropped (``ş`` → ``s``, ``ğ`` → ``g``, ``é`` → ``e``), so ``sifre``
  finds ``şifre`` and ``şifre`` finds ``sifre``, on every database.
"""
from __future__ import annotations

import re
import unicodedata

# letters without a decomposition that people type without their stroke
_EXTRA = str.maketrans({"ı": "i", "İ": "i", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
                        "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe"})
_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"^(\d{4})-(\d+)$")


def fold(text: str | None) -> str:
    """``text`` in lower case without accents, Turkish i's made one letter; the same on every database."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_EXTRA)


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` (punctuation dropped)."""
    return _WORD.findall(fold(text))


def serial_word(digits: str) -> str:
    """The word that stands for a ticket's serial number: ``00050`` and ``50`` both give ``n50``."""
    return "n" + (digits.lstrip("0") or "0")


def number_words(number: str | None) -> list[str]:
    """The words a ticket number is found by: ``2026-00050`` gives ``2026``, ``00050`` and ``n50``.

    A query of digits finds the serial word whatever its leading zeros (see
    :func:`plugins.support.search.matching_tickets`), so ``50`` finds ticket
    ``2026-00050`` without every number starting with 5 matching.
    """
    found = words(number)
    match = _NUMBER.match(number or "")
    if match:
        found.append(serial_word(match.group(2)))
    return found


def post_text(body: str | None) -> str:
    """The folded words a post is found by, separated by spaces (both databases split them the same way)."""
    return " ".join(words(body))


def ticket_text(number: str | None, subject: str | None, *people: str | None) -> str:
    """The folded text a ticket is found by: its number, subject and the customer's name, email and company."""
    return " ".join([*number_words(number), *words(subject), *(w for p in people for w in words(p))])


def field_text(text: str | None) -> str:
    """The folded words of a ticket's searchable data-field values (their plain text), space separated."""
    return " ".join(words(text))


def with_fields(own: str, fields: str | None) -> str:
    """A ticket's ``search_text``: its own folded text, then its data-field words (when it has any).

    The field words always come last, so :mod:`plugins.support.search_plan`
    can tell them apart for searches that must not match them (customers').
    """
    return f"{own} {fields}" if fields else own
