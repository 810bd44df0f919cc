"""The CSV export of a form's responses, streamed: rows are read in batches and written as they come.

Memory stays constant whatever the number of responses: the query is read
with ``yield_per`` (a server-side cursor on PostgreSQL) and each response's
answers arrive next to it (one ordered outer join), so a line is written as
soon as its response's rows are read. Cells that a spreadsheet would run as
a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) get a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
from typing import Iterator

from sqlalchemy import select

from crm.extensions import db
from plugins.forms.models import Answer
from plugins.forms.responses import Filters, responses_query

BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell's text, defused when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _line(cells) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(c) for c in cells])
    return out.getvalue()


def csv_lines(form, questions, filters: Filters, viewer, topics: dict[int, str], header: list[str]) -> Iterator[str]:
    """The export's lines: the header, then one line per response (newest first) with its answers in order."""
    yield _line(header + [q.label for q in questions])
    positions = {q.id: i for i, q in enumerate(questions)}
    base = responses_query(form.id, filters, viewer, with_ticket=True).subquery()
    stmt = (select(base.c.id, base.c.created_at, base.c.topic_id, base.c.number, base.c.subject,
                   Answer.question_id, Answer.text)
            .outerjoin(Answer, Answer.response_id == base.c.id)
            .order_by(base.c.created_at.desc(), base.c.id.desc())
            .execution_options(yield_per=BATCH))
    current, cells = None, []
    for row in db.session.execute(stmt):
        if row.id != current:
            if current is not None:
                yield _line(cells)
            current = row.id
            cells = [row.number, row.subject, row.created_at.strftime("%Y-%m-%d %H:%M"),
                     topics.get(row.topic_id, "")] + [""] * len(questions)
        if row.question_id in positions:
            cells[4 + positions[row.question_id]] = row.text or ""
    if current is not None:
        yield _line(cells)


