"""Where the forms plugin keeps field values (:class:`crm.fields.ValueStore`): answers, data-field values, topic forms.

Every ``load`` is one query whatever the number of ids; ``save`` stages
rows in ``db.session`` and never commits (the caller's unit of work does).
Field names carry the row id: ``forms_q<id>`` (a question), ``forms_df<id>``
(a data field), ``forms_form`` (the form of a topic).
"""
from __future__ import annotations

from typing import Any, Sequence

from flask import url_for
from markupsafe import Markup
from sqlalchemy import delete, select

from crm.extensions import db
from crm.parsing import parse_id
from plugins.forms import definitions, files
from plugins.forms.inputs import fold, from_stored, item_of, to_stored
from plugins.forms.models import Answer, ContactValue, DataField, Question, Response, TicketValue, TopicForm

QUESTION_PREFIX = "forms_q"
FIELD_PREFIX = "forms_df"
TOPIC_FORM = "forms_form"


def ids_of(names, prefix: str) -> dict[int, str]:
    """``{row id: name}`` of the names that start with ``prefix`` followed by digits."""
    found = {}
    for name in names:
        row_id = parse_id(name[len(prefix):]) if name.startswith(prefix) else None
        if row_id is not None:
            found[row_id] = name
    return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _file_link(endpoint: str, value: dict, **ids) -> Markup:
    if not isinstance(value, dict) or not value.get("filename"):
        return Markup("")
    return Markup('<a href="{}" download>{}</a>').format(url_for(endpoint, **ids), value["filename"])


class AnswerStore:
    """The answers to a topic form's questions, saved with a new ticket as one response."""

    def load(self, subject: str, ids: Sequence[int], fields) -> dict[int, dict[str, Any]]:
        """``{ticket id: {name: value}}`` of the fields' answers, in one query."""
        wanted = ids_of([f.name for f in fields], QUESTION_PREFIX)
        kinds = {f.name: f.kind for f in fields}
        out: dict[int, dict[str, Any]] = {}
        if subject != "ticket" or not wanted or not ids:
            return out
        rows = db.session.execute(select(Answer.id, Answer.ticket_id, Answer.question_id, Answer.value).where(
            Answer.ticket_id.in_(list(ids)), Answer.question_id.in_(list(wanted))))
        for answer_id, ticket_id, question_id, value in rows:
            name = wanted[question_id]
            if kinds[name] == "file":
                shown = dict(value, answer_id=answer_id) if isinstance(value, dict) else None
            else:
                shown = from_stored(kinds[name], value)
            out.setdefault(ticket_id, {})[name] = shown
        return out

    def save(self, subject: str, id: int, values: dict[str, Any], actor) -> None:
        """Store the answers of a ticket being opened as one response per form (nothing for other subjects)."""
        wanted = ids_of(values, QUESTION_PREFIX)
        if subject != "ticket" or not wanted:
            return
        from plugins.support import api

        questions = list(db.session.scalars(select(Question).where(Question.id.in_(list(wanted)))))
        ticket = db.session.get(api.Ticket, id)
        responses: dict[int, Response] = {}
        for question in questions:
            response = responses.get(question.form_id)
            if response is None:
                response = db.session.scalar(select(Response).where(Response.ticket_id == id,
                                                                    Response.form_id == question.form_id))
                if response is None:
                    response = Response(form_id=question.form_id, ticket_id=id,
                                        topic_id=ticket.topic_id if ticket is not None else None)
                    db.session.add(response)
                    db.session.flush()
                responses[question.form_id] = response
            stored = _stored(question, values[wanted[question.id]])
            existing = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                              Answer.question_id == question.id))
            if stored is None:
                if existing is not None:
                    db.session.delete(existing)
                continue
            value, text, _key = stored
            if existing is None:
                db.session.add(Answer(response_id=response.id, question_id=question.id, ticket_id=id,
                                      value=value, text=text))
            else:
                existing.value, existing.text = value, text

    def matching_ids(self, subject: str, field, raw: str):
        """Answers are not list filters."""
        return None

    def display(self, field, value):
        """A file answer as a download link (served only to those who may see the ticket)."""
        if field.kind == "file" and isinstance(value, dict) and value.get("answer_id"):
            return _file_link("forms.answer_file", value, answer_id=value["answer_id"])
        return None

    def search_text(self, subject: str, id: int) -> str:
        """The text of every answer of a ticket (form answers are searchable by staff)."""
        if subject != "ticket":
            return ""
        return " ".join(t for t in db.session.scalars(select(Answer.text).where(Answer.ticket_id == id)) if t)


def _stored(row, value):
    """``(value, text, key)`` for an answer or data-field value; files are written to storage here."""
    if row.kind == "file":
        return files.stored_file(value)
    return to_stored(item_of(row), value)


class DataValueStore:
    """Values of data fields of tickets (``forms_ticket_value``) and of customer profiles (``forms_contact_value``)."""

    TABLES = {"ticket": (TicketValue, TicketValue.ticket_id), "contact": (ContactValue, ContactValue.contact_id)}

    def load(self, subject: str, ids: Sequence[int], fields) -> dict[int, dict[str, Any]]:
        """``{subject id: {name: value}}`` of the fields, in one query."""
        wanted = ids_of([f.name for f in fields], FIELD_PREFIX)
        kinds = {f.name: f.kind for f in fields}
        out: dict[int, dict[str, Any]] = {}
        if subject not in self.TABLES or not wanted or not ids:
            return out
        model, owner = self.TABLES[subject]
        rows = db.session.execute(select(owner, model.field_id, model.value).where(
            owner.in_(list(ids)), model.field_id.in_(list(wanted))))
        for owner_id, field_id, value in rows:
            name = wanted[field_id]
            out.setdefault(owner_id, {})[name] = from_stored(kinds[name], value)
        return out

    def save(self, subject: str, id: int, values: dict[str, Any], actor) -> None:
        """Stage the values; an empty value removes the stored one."""
        wanted = ids_of(values, FIELD_PREFIX)
        if subject not in self.TABLES or not wanted:
            return
        model, owner = self.TABLES[subject]
        rows = {r.id: r for r in db.session.scalars(select(DataField).where(
            DataField.id.in_(list(wanted)), DataField.subject == subject))}
        existing = {v.field_id: v for v in db.session.scalars(select(model).where(
            owner == id, model.field_id.in_(list(rows))))}
        for field_id, row in rows.items():
            stored = _stored(row, values[wanted[field_id]])
            current = existing.get(field_id)
            if stored is None:
                if current is not None:
                    db.session.delete(current)
                continue
            value, text, key = stored
            if current is None:
                current = model(field_id=field_id, value=value, text=text)
                setattr(current, owner.key, id)
                db.session.add(current)
            else:
                current.value, current.text = value, text
            if subject == "ticket":
                current.match_key = key

    def matching_ids(self, subject: str, field, raw: str):
        """A SELECT of ticket ids whose value matches ``raw`` (an option id, yes/no, or words of the text)."""
        wanted = ids_of([field.name], FIELD_PREFIX)
        if subject != "ticket" or not wanted:
            return None
        field_id = next(iter(wanted))
        raw = (raw or "").strip()[:200]
        stmt = select(TicketValue.ticket_id).where(TicketValue.field_id == field_id)
        if field.kind in ("choice", "multichoice"):
            if parse_id(raw) is None or raw not in {str(k) for k, _label in field.choices}:
                return stmt.where(False)
            return stmt.where(TicketValue.match_key.like(f"%|{raw}|%"))
        if field.kind == "checkbox":
            return stmt.where(TicketValue.match_key == ("yes" if raw.lower() in ("yes", "1", "on", "true") else "no"))
        if field.kind in ("number", "date"):
            return stmt.where(TicketValue.match_key == raw)
        return stmt.where(TicketValue.match_key.like(f"%{_escape_like(fold(raw))}%", escape="\\"))

    def search_text(self, subject: str, id: int) -> str:
        """The text of the searchable data fields' values of one ticket or contact."""
        if subject not in self.TABLES:
            return ""
        model, owner = self.TABLES[subject]
        texts = db.session.scalars(select(model.text).join(DataField, DataField.id == model.field_id).where(
            owner == id, DataField.searchable.is_(True)))
        return " ".join(t for t in texts if t)


class TopicFormStore:
    """Which form a support topic asks (``forms_topic_form``), edited on the topic's settings page."""

    def load(self, subject: str, ids: Sequence[int], fields) -> dict[int, dict[str, Any]]:
        """``{topic id: {"forms_form": form id as text}}``, in one query."""
        if subject != "topic" or not ids:
            return {}
        rows = db.session.execute(select(TopicForm.topic_id, TopicForm.form_id).where(
            TopicForm.topic_id.in_(list(ids))))
        return {topic_id: {TOPIC_FORM: str(form_id)} for topic_id, form_id in rows}

    def save(self, subject: str, id: int, values: dict[str, Any], actor) -> None:
        """Attach the chosen form to the topic, or detach it for an empty choice."""
        if subject != "topic" or TOPIC_FORM not in values:
            return
        raw = str(values[TOPIC_FORM] or "")
        db.session.execute(delete(TopicForm).where(TopicForm.topic_id == id))
        definitions.changed()  # the bulk delete is not seen by the ORM's change watch
        form_id = parse_id(raw)
        if form_id is not None:
            db.session.add(TopicForm(topic_id=id, form_id=form_id))

    def matching_ids(self, subject: str, field, raw: str):
        """Topics are not filtered by form."""
        return None


ANSWERS = AnswerStore()
DATA_VALUES = DataValueStore()
TOPIC_FORMS = TopicFormStore()
