"""The forms plugin's answer to ``crm_data_fields``: topic-form questions, data fields, and the topic's form select.

- ticket at ``staff_new``/``portal_new``/``public_form`` with a topic that has
  a form: the form's questions (editable) under "Additional information";
- ticket at ``staff_ticket``: the answers of the ticket's responses, read-only;
- ticket and contact data fields at the places chosen in the builder
  (``public_form`` follows ``portal_new``; ``staff_list`` gets the ticket
  fields marked as list filters, ``export`` those and the staff page's, read-only);
- topic at ``topic_settings``: a "Form" select storing topic → form.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectField

from crm.extensions import db
from crm.fields import DataField as Field
from plugins.forms.inputs import item_of, unbound_field
from plugins.forms.models import DataField, Form, Question, Response, TopicForm
from plugins.forms.stores import ANSWERS, DATA_VALUES, FIELD_PREFIX, QUESTION_PREFIX, TOPIC_FORM, TOPIC_FORMS

NEW_PLACES = ("staff_new", "portal_new", "public_form")
# the builder's place whose choice applies at a place (the public form follows the portal's new-ticket page)
PLACE_SETTING = {"public_form": "portal_new"}


def _field(row, name: str, store, *, editable: bool, section, searchable: bool = False) -> Field:
    item = item_of(row)
    return Field(name=name, label=item.label, make=lambda: unbound_field(item), store=store, editable=editable,
                 help=item.help, section=section, position=row.position, searchable=searchable, kind=row.kind,
                 choices=item.options)


def topic_questions(topic) -> list[Question]:
    """The questions of the form attached to ``topic`` (none without a topic or a form), in order."""
    topic_id = getattr(topic, "id", None)
    if topic_id is None:
        return []
    return list(db.session.scalars(select(Question).join(TopicForm, TopicForm.form_id == Question.form_id)
                                   .where(TopicForm.topic_id == topic_id)
                                   .order_by(Question.position, Question.id)))


def answered_questions(ticket) -> list[Question]:
    """The questions of every form answered for ``ticket``, in form order."""
    ticket_id = getattr(ticket, "id", None)
    if ticket_id is None:
        return []
    return list(db.session.scalars(select(Question).join(Response, Response.form_id == Question.form_id)
                                   .where(Response.ticket_id == ticket_id)
                                   .order_by(Response.id, Question.position, Question.id)))


def question_fields(questions, *, editable: bool) -> list[Field]:
    """Field records of questions under "Additional information"."""
    section = _("Additional information")
    return [_field(q, f"{QUESTION_PREFIX}{q.id}", ANSWERS, editable=editable, section=section, searchable=True)
            for q in questions]


def data_field_records(subject: str, place: str) -> list[Field]:
    """The data fields of ``subject`` shown at ``place``; editable where the builder says "edit"."""
    rows = db.session.scalars(select(DataField).where(DataField.subject == subject)
                              .order_by(DataField.position, DataField.id))
    section = _("Details")
    found = []
    for row in rows:
        if place in ("staff_list", "export"):
            # the list: fields marked as list filters; exports: those too and every field staff see on tickets
            shown_to_staff = row.list_filter or (place == "export" and "staff_ticket" in (row.places or {}))
            if not shown_to_staff:
                continue
            editable = False
        else:
            mode = (row.places or {}).get(PLACE_SETTING.get(place, place))
            if mode not in ("view", "edit") or (place in NEW_PLACES and mode != "edit"):
                continue
            editable = mode == "edit"
        found.append(_field(row, f"{FIELD_PREFIX}{row.id}", DATA_VALUES, editable=editable, section=section,
                            searchable=row.searchable))
    return found


def topic_form_field() -> Field:
    """The "Form" select of a topic's settings: no form, or one of the forms."""
    forms = [(str(f.id), f.text_in(_language())) for f in db.session.scalars(select(Form).order_by(Form.label,
                                                                                                      Form.id))]
    choices = [("", _("No form"))] + forms
    return Field(name=TOPIC_FORM, label=_("Form"), make=lambda: SelectField(_("Form"), choices=choices),
                 store=TOPIC_FORMS, help=_("Its questions are asked under “Additional information” when a "
                                          "ticket of this topic is opened."),
                 kind="choice", choices=tuple(choices))


def _language() -> str:
    from plugins.forms.inputs import language

    return language()


def fields_for(subject: str, place: str, context: dict) -> list[Field] | None:
    """The implementation of ``crm_data_fields`` (see the module's description)."""
    context = context or {}
    if subject == "topic":
        return [topic_form_field()] if place == "topic_settings" else None
    if subject == "contact":
        return data_field_records("contact", place) if place in ("portal_profile", "staff_contact") else None
    if subject != "ticket":
        return None
    found: list[Field] = []
    if place in NEW_PLACES:
        found += question_fields(topic_questions(context.get("topic")), editable=True)
    elif place == "staff_ticket":
        found += question_fields(answered_questions(context.get("ticket")), editable=False)
    found += data_field_records("ticket", place)
    return found or None
