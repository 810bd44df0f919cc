"""Counting the SQL statements a block of code runs."""
from __future__ import annotations

import contextlib
from typing import Iterator

from sqlalchemy import event

from crm.extensions import db


class QueryCounter:
    """The statements run inside :func:`counting_queries`; ``count`` is how many."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        """The number of statements run."""
        return len(self.statements)


@contextlib.contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    """``with counting_queries() as q: ...`` records every statement the current app's engine runs."""
    counter = QueryCounter()
    engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
