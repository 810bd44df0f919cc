"""What the builder made, kept per process until it changes: questions per form, data fields, topic forms.

Pages ask ``crm_data_fields`` on every request; reading the forms, questions,
options, data fields and topic attachments from the database each time
would add queries to every ticket and portal page. They are read once into
plain snapshots and kept until the ``forms.definitions`` generation counter
moves (bumped in the same transaction as any change to those tables, see
:func:`crm.generation.watch`), so a page pays nothing for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import generation
from crm.extensions import db
from plugins.forms.models import DataField, Form, Option, Question, Translated, TopicForm

KEY = "forms.definitions"
generation.watch(KEY, Form, Question, Option, DataField, TopicForm)


@dataclass
class OptionDef(Translated):
    """An option as kept in the cache."""

    id: int
    label: str
    translations: dict = field(default_factory=dict)
    help: str = ""


@dataclass
class ItemDef(Translated):
    """A question or data field as kept in the cache (the attributes :func:`plugins.forms.inputs.item_of` reads)."""

    id: int
    kind: str
    label: str
    help: str
    required: bool
    min_value: float | None
    max_value: float | None
    position: int
    translations: dict
    options: tuple = ()
    form_id: int | None = None
    subject: str = ""
    places: dict = field(default_factory=dict)
    list_filter: bool = False
    searchable: bool = False


@dataclass
class Definitions:
    """Everything the hook needs: questions per form, data fields per subject, the form of each topic."""

    questions: dict[int, list[ItemDef]]
    fields: dict[str, list[ItemDef]]
    topic_forms: dict[int, int]
    form_labels: list[tuple[int, str, dict]]


def _options(row) -> tuple:
    return tuple(OptionDef(o.id, o.label, dict(o.translations or {})) for o in row.options)


def _item(row, **extra: Any) -> ItemDef:
    return ItemDef(row.id, row.kind, row.label, row.help or "", bool(row.required), row.min_value, row.max_value,
                   row.position, dict(row.translations or {}), _options(row), **extra)


@generation.cached(KEY)
def definitions() -> Definitions:
    """The builder's current forms and fields (four queries when the counter moved, none otherwise)."""
    questions: dict[int, list[ItemDef]] = {}
    for row in db.session.scalars(select(Question).options(selectinload(Question.options))
                                  .order_by(Question.form_id, Question.position, Question.id)):
        questions.setdefault(row.form_id, []).append(_item(row, form_id=row.form_id))
    fields: dict[str, list[ItemDef]] = {}
    for row in db.session.scalars(select(DataField).options(selectinload(DataField.options))
                                  .order_by(DataField.position, DataField.id)):
        fields.setdefault(row.subject, []).append(_item(
            row, subject=row.subject, places=dict(row.places or {}), list_filter=bool(row.list_filter),
            searchable=bool(row.searchable)))
    topic_forms = dict(db.session.execute(select(TopicForm.topic_id, TopicForm.form_id)).all())
    forms = [(f.id, f.label, dict(f.translations or {})) for f in db.session.scalars(
        select(Form).order_by(Form.label, Form.id))]
    return Definitions(questions, fields, topic_forms, forms)


def changed() -> None:
    """Tell every process the definitions changed (for writes the ORM does not see, e.g. bulk deletes)."""
    generation.bump(KEY)
