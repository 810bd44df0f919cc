"""The forms plugin's tables: forms, questions, options, topic attachments, responses, data fields and values.

Labels and help texts are stored in the default language in their own
columns; the other languages live in a ``translations`` JSON column of the
same row (``{"tr": {"label": "...", "help": "..."}}``) so that a form and
all its translations load in one query. Everything an admin or a customer
types is stored as plain text and escaped when shown.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

# Question and data-field kinds; the DataField kinds of the host use the same names.
KINDS = ("text", "textarea", "number", "email", "phone", "date", "choice", "multichoice", "checkbox", "file")
CHOICE_KINDS = ("choice", "multichoice")
SUBJECTS = ("ticket", "contact")
# Where a data field may be shown, per subject; each place is "view" or "edit" when chosen.
# (the public form follows ``portal_new``; list filters are the ``list_filter`` flag)
FIELD_PLACES = {"ticket": ("staff_ticket", "portal_ticket", "staff_new", "portal_new"),
                "contact": ("portal_profile", "staff_contact")}
NAME_MAX = 200
HELP_MAX = 500


class Translated:
    """Mixin: ``label``/``help`` in the default language, other languages in ``translations``."""

    def text_in(self, language: str, part: str = "label") -> str:
        """The ``part`` ("label" or "help") in ``language``, falling back to the default language's text."""
        wanted = (self.translations or {}).get(language or "", {}).get(part, "")
        return wanted or getattr(self, part, "") or ""


class Form(Translated, db.Model):
    """A form built by an admin; attached to support topics, its questions are asked when a ticket is opened."""

    __tablename__ = "forms_form"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(db.String(NAME_MAX))
    help: Mapped[str] = mapped_column(db.String(HELP_MAX), default="")
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list["Question"]] = relationship(
        back_populates="form", cascade="all, delete-orphan", passive_deletes=True, lazy="select",
        order_by="(Question.position, Question.id)")


class Question(Translated, db.Model):
    """One question of a form: its kind, whether it is required, its limits and its place in the form."""

    __tablename__ = "forms_question"
    __table_args__ = (Index("ix_forms_question_form_position", "form_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms_form.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(db.String(20))
    label: Mapped[str] = mapped_column(db.String(NAME_MAX))
    help: Mapped[str] = mapped_column(db.String(HELP_MAX), default="")
    required: Mapped[bool] = mapped_column(default=False)
    # number: the smallest and largest value; texts: the shortest and longest answer in characters
    min_value: Mapped[float | None] = mapped_column()
    max_value: Mapped[float | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    form: Mapped[Form] = relationship(back_populates="questions", lazy="select")
    options: Mapped[list["Option"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        primaryjoin="Question.id == Option.question_id", order_by="(Option.position, Option.id)")


class DataField(Translated, db.Model):
    """A custom field of tickets or of customer profiles (``subject``), with the places it is shown at.

    ``places`` maps a place (see :data:`FIELD_PLACES`) to ``"view"`` or
    ``"edit"``; places not named do not show the field.
    """

    __tablename__ = "forms_data_field"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(db.String(20), index=True)
    kind: Mapped[str] = mapped_column(db.String(20))
    label: Mapped[str] = mapped_column(db.String(NAME_MAX))
    help: Mapped[str] = mapped_column(db.String(HELP_MAX), default="")
    required: Mapped[bool] = mapped_column(default=False)
    min_value: Mapped[float | None] = mapped_column()
    max_value: Mapped[float | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    places: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    list_filter: Mapped[bool] = mapped_column(default=False)
    searchable: Mapped[bool] = mapped_column(default=False)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    options: Mapped[list["Option"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        primaryjoin="DataField.id == Option.field_id", order_by="(Option.position, Option.id)")


class Option(Translated, db.Model):
    """A choice of a single- or multiple-choice question or data field (exactly one of the two owners)."""

    __tablename__ = "forms_option"
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("forms_question.id", ondelete="CASCADE"),
                                                    index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("forms_data_field.id", ondelete="CASCADE"),
                                                 index=True)
    label: Mapped[str] = mapped_column(db.String(NAME_MAX))
    position: Mapped[int] = mapped_column(default=0)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    help = ""


class TopicForm(db.Model):
    """The form asked for tickets of a support topic (at most one per topic)."""

    __tablename__ = "forms_topic_form"
    topic_id: Mapped[int] = mapped_column(ForeignKey("support_topic.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms_form.id", ondelete="CASCADE"), index=True)


class Response(db.Model):
    """A form filled in for a ticket: the ticket, its topic then, and when."""

    __tablename__ = "forms_response"
    __table_args__ = (UniqueConstraint("ticket_id", "form_id"),
                      Index("ix_forms_response_form_created", "form_id", "created_at", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms_form.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("support_topic.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Answer(db.Model):
    """One question's answer in a response: the value (JSON) and its text as shown, searched and exported.

    Files are stored with the host storage; ``value`` then holds
    ``{"key", "filename", "content_type", "size"}``.
    """

    __tablename__ = "forms_answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("forms_response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("forms_question.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    text: Mapped[str] = mapped_column(db.Text, default="")


class TicketValue(db.Model):
    """A ticket data field's value on one ticket."""

    __tablename__ = "forms_ticket_value"
    __table_args__ = (Index("ix_forms_ticket_value_field_key", "field_id", "match_key"),)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    field_id: Mapped[int] = mapped_column(ForeignKey("forms_data_field.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    text: Mapped[str] = mapped_column(db.Text, default="")
    # what list filters compare: "|3|7|" for chosen option ids, "yes"/"no" for a checkbox, else the folded text
    match_key: Mapped[str] = mapped_column(db.String(400), default="")


class ContactValue(db.Model):
    """A customer-profile data field's value for one contact."""

    __tablename__ = "forms_contact_value"
    contact_id: Mapped[int] = mapped_column(ForeignKey("crm_contact.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    field_id: Mapped[int] = mapped_column(ForeignKey("forms_data_field.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False, index=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    text: Mapped[str] = mapped_column(db.Text, default="")


__all__ = ["Answer", "CHOICE_KINDS", "ContactValue", "DataField", "FIELD_PLACES", "Form", "KINDS", "Option",
           "Question", "Response", "SUBJECTS", "TicketValue", "TopicForm"]
