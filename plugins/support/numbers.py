"""Human-readable ticket numbers (``2026-00042``), unique under concurrency.

One counter row per year is incremented with ``UPDATE ... RETURNING``: the
row lock (PostgreSQL) or the write lock (SQLite) makes concurrent
transactions take turns, so no two tickets get the same number.
"""
from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from crm.timeutil import utcnow
from plugins.support.models import TicketCounter


def next_number(year: int | None = None) -> str:
    """Take the next ticket number of ``year`` (default: this year) in the current transaction."""
    year = year or utcnow().year
    value = db.session.execute(_TAKE, {"of_year": year}).scalar()
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.execute(_TABLE.insert().values(year=year, value=0))
        except IntegrityError:
            pass  # another transaction created this year's row first
        value = db.session.execute(_TAKE, {"of_year": year}).scalar()
    return format_number(year, value)


_TABLE = TicketCounter.__table__
# built once: the same statement object every time (the year is a parameter)
_TAKE = (update(_TABLE).where(_TABLE.c.year == bindparam("of_year")).values(value=_TABLE.c.value + 1)
         .returning(_TABLE.c.value))


def format_number(year: int, value: int) -> str:
    """The printed form of a ticket number."""
    return f"{year}-{value:05d}"
