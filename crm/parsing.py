"""Reading numbers that people and browsers send, without surprises.

Python's ``int()`` accepts more than a form should: other scripts' digits
(``int("٣") == 3``), while ``"²".isdigit()`` is True and ``int("²")`` fails,
and integers of any size, which SQLite refuses to bind beyond 64 bits and
PostgreSQL refuses to compare with an ``integer`` column beyond 32 bits (every
id column is one: SQLAlchemy's ``Integer``). These helpers accept ASCII digits
only (with an optional minus sign and surrounding spaces) within the range of
an ``integer`` column, and answer None for anything else instead of raising.

Use them wherever a view reads a number from the query string or a form
without a WTForms field, e.g. list filters::

    status = parse_id(request.args.get("status"))     # None when absent or invalid
    ids = parse_ids(request.form.getlist("ids"))      # None when any is invalid
"""
from __future__ import annotations

import re
from typing import Iterable

MAX_INT = 2**31 - 1  # PostgreSQL's ``integer``, the type of every id and number column
MIN_INT = -(2**31)
MAX_ID = MAX_INT
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_int(value: object, minimum: int = MIN_INT, maximum: int = MAX_INT) -> int | None:
    """``value`` as an int if it is ASCII digits (optionally signed, spaces around allowed) within
    ``minimum``..``maximum``; None otherwise (absent, empty, other digits, too large, not a string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A database id (1 to 2**31-1) typed as ASCII digits, else None."""
    return parse_int(value, 1, MAX_ID)


def parse_ids(values: Iterable[object]) -> list[int] | None:
    """Every value as an id (see :func:`parse_id`), or None if any of them is not one."""
    ids = [parse_id(v) for v in values]
    return None if any(i is None for i in ids) else ids


def strict_int(value: object) -> int:
    """:func:`parse_int` for converters that must raise: ``ValueError`` for anything it refuses."""
    number = parse_int(value)
    if number is None:
        raise ValueError(f"not an integer column's number in ASCII digits: {str(value)[:40]!r}")
    return number
