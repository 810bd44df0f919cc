"""Flask-SQLAlchemy with page numbers the database can always take.

``db.paginate`` turns the page number into an SQL ``OFFSET``; a page such as
``?page=99999999999999999999999`` overflows the database's 64-bit integers
(SQLite refuses to bind it). This subclass reads the ``page`` and
``per_page`` query arguments with :func:`crm.parsing.parse_int` (ASCII digits
only) and caps both, so any page number gives a page (an empty one when it is
past the end) instead of an error.
"""
from __future__ import annotations

import flask_sqlalchemy
from flask import has_request_context, request

from crm.parsing import parse_int

MAX_PAGE = 10**9
MAX_PER_PAGE = 10**6


def _argument(name: str, default: int) -> int:
    value = request.args.get(name) if has_request_context() else None
    return default if value is None else parse_int(value, 1, 2**63 - 1) or 0


class SQLAlchemy(flask_sqlalchemy.SQLAlchemy):
    """Flask-SQLAlchemy's extension with :meth:`paginate` bounded (see the module's description)."""

    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, error_out=True, count=True):
        """:meth:`flask_sqlalchemy.SQLAlchemy.paginate`, with ``page`` capped at :data:`MAX_PAGE` and
        ``per_page`` at :data:`MAX_PER_PAGE`; an unreadable ``page`` argument counts as 0 (404, or page 1
        when ``error_out`` is False), as Flask-SQLAlchemy does for one that is not a number."""
        page = _argument("page", 1) if page is None else page
        per_page = _argument("per_page", 20) if per_page is None else per_page
        return super().paginate(select, page=min(page, MAX_PAGE), per_page=min(per_page, MAX_PER_PAGE),
                                max_per_page=max_per_page, error_out=error_out, count=count)
