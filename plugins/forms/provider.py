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
from plugins.forms.definitions import definitions
from plugins.forms.models import Response
from plugins.forms.stores import ANSWERS, DATA_VALUES, FIELD_PREFIX, QUESTION_PREFIX, TOPIC_FORM, TOPIC_FORMS

NEW_PLACES = ("staff_new", "portal_new", "public_form")
# the builder's place whose choice applies at a place (the public form follows the portal's new-ticket page)
PLACE_SETTING = {"public_form": "portal_new"}


def _field(row, name: str, store, *, editable: bool, section, searchable: bool = False) -> Field:
    item = item_of(row)
    return Field(name=name, label=item.label, make=lambda: unbound_field(item), store=store, editable=editable,
                 help=item.help, section=section, position=row.position, searchable=searchable, kind=row.kind,
                 choices=item.options)


def topic_questions(topic) -> list:
    """The questions of the form attached to ``topic`` (none without a topic or a form), in order."""
    topic_id = getattr(topic, "id", None)
    found = definitions()
    form_id = found.topic_forms.get(topic_id) if topic_id is not None else None
    return list(found.questions.get(form_id, ())) if form_id is not None else []


def answered_questions(ticket) -> list:
    """The questions of every form answered for ``ticket``, in form order (no query while no form has questions)."""
    ticket_id = getattr(ticket, "id", None)
    found = definitions()
    if ticket_id is None or not found.questions:
        return []
    form_ids = db.session.scalars(select(Response.form_id).where(Response.ticket_id == ticket_id)
                                  .order_by(Response.id))
    return [q for form_id in form_ids for q in found.questions.get(form_id, ())]


def question_fields(questions, *, editable: bool) -> list[Field]:
    """Field records of questions under "Additional information"."""
    section = _("Additional information")
    return [_field(q, f"{QUESTION_PREFIX}{q.id}", ANSWERS, editable=editable, section=section, searchable=True)
            for q in questions]


def data_field_records(subject: str, place: str) -> list[Field]:
    """The data fields of ``subject`` shown at ``place``; editable where the builder says "edit"."""
    rows = definitions().fields.get(subject, ())
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
    lang = _language()
    forms = [(str(form_id), (translations.get(lang) or {}).get("label") or label)
             for form_id, label, translations in definitions().form_labels]
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
        questions = topic_questions(context.get("topic"))
        if place == "staff_new":
            # the wizard keeps step 2 in a draft between requests, where an upload cannot wait: staff attach
            # files to the ticket itself instead
            questions = [q for q in questions if q.kind != "file"]
        found += question_fields(questions, editable=True)
    elif place == "staff_ticket":
        found += question_fields(answered_questions(context.get("ticket")), editable=False)
    found += data_field_records("ticket", place)
    return found or None
