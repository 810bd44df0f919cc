"""Reading a form's responses: the filters of its page (date range, topic) and one query per page or export."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import inspect, select

from crm.extensions import db
from crm.parsing import parse_id
from plugins.forms.models import Answer, Response


@dataclass(frozen=True)
class Filters:
    """What the responses page shows: responses from ``start`` to ``end`` (days, inclusive), of ``topic_id``."""

    start: date | None = None
    end: date | None = None
    topic_id: int | None = None
    errors: tuple = ()

    def query_args(self) -> dict:
        """The filters as query arguments (for the export link and the pager)."""
        args = {"from": self.start.isoformat() if self.start else "", "to": self.end.isoformat() if self.end else "",
                "topic": str(self.topic_id or "")}
        return {k: v for k, v in args.items() if v}


def _day(raw: str | None, errors: list, message: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]) if len(raw) == 10 else date.fromisoformat(raw)
    except ValueError:
        errors.append(message)
        return None


def read_filters(args) -> Filters:
    """The filters of the query string; a date that cannot be read is left out with a localized error."""
    errors: list[str] = []
    start = _day(args.get("from"), errors, _("The start date is not a date (YYYY-MM-DD)."))
    end = _day(args.get("to"), errors, _("The end date is not a date (YYYY-MM-DD)."))
    if start and end and start > end:
        errors.append(_("The start date is after the end date."))
        start = end = None
    topic_id = parse_id(args.get("topic"))
    return Filters(start, end, topic_id, tuple(errors))


def topic_model():
    """The support topic class, reached through the ticket model support's API exports."""
    from plugins.support import api

    return inspect(api.Ticket).relationships["topic"].mapper.class_


def responses_query(form_id: int, filters: Filters, viewer, *, with_ticket: bool = False):
    """A SELECT of a form's responses (with the ticket's number and subject), newest first, visible to ``viewer``."""
    from plugins.support import api

    columns = (Response, api.Ticket.number, api.Ticket.subject) if with_ticket else (Response,)
    stmt = (select(*columns)
            .join(api.Ticket, api.Ticket.id == Response.ticket_id)
            .where(Response.form_id == form_id, api.visible_tickets(viewer)))
    if filters.start:
        stmt = stmt.where(Response.created_at >= datetime.combine(filters.start, time()))
    if filters.end and filters.end < date.max:  # the last possible day has no day after it to stop before
        stmt = stmt.where(Response.created_at < datetime.combine(filters.end + timedelta(days=1), time()))
    if filters.topic_id:
        stmt = stmt.where(Response.topic_id == filters.topic_id)
    return stmt.order_by(Response.created_at.desc(), Response.id.desc())


def answers_of(response_ids) -> dict[int, dict[int, Answer]]:
    """``{response id: {question id: answer}}`` in one query."""
    found: dict[int, dict[int, Answer]] = {}
    if not response_ids:
        return found
    for answer in db.session.scalars(select(Answer).where(Answer.response_id.in_(list(response_ids)))):
        found.setdefault(answer.response_id, {})[answer.question_id] = answer
    return found


def tickets_of(ticket_ids) -> dict[int, tuple[str, str]]:
    """``{ticket id: (number, subject)}`` in one query."""
    from plugins.support import api

    if not ticket_ids:
        return {}
    return {i: (n, s) for i, n, s in db.session.execute(select(api.Ticket.id, api.Ticket.number, api.Ticket.subject)
                                                        .where(api.Ticket.id.in_(list(ticket_ids))))}


def topic_labels() -> dict[int, str]:
    """``{topic id: label}`` of every support topic (a short list)."""
    model = topic_model()
    return {t.id: t.label for t in db.session.scalars(select(model).order_by(model.position, model.id))}
