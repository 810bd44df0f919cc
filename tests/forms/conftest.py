"""What the forms tests share: an admin client, topics, and forms built through the builder's services."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.extensions import db
from plugins.forms.models import DataField, Form, Option, Question, TopicForm


@pytest.fixture
def admin(factory):
    return factory.admin()


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login(admin)
    return client


class Kit:
    """Rows of the forms plugin made directly (the builder's pages are tested on their own)."""

    def topic(self, name="Teknik Sorun"):
        from plugins.support.models import Topic

        topic = Topic(name=name, position=1)
        db.session.add(topic)
        db.session.commit()
        return topic

    def form(self, label="Teknik Arıza Destek Formu", questions=(), topic=None, translations=None):
        """A form with ``questions`` (dicts of Question columns plus ``options``), attached to ``topic``."""
        form = Form(label=label, help="", translations=translations or {})
        db.session.add(form)
        db.session.flush()
        for position, spec in enumerate(questions):
            spec = dict(spec)
            options = spec.pop("options", ())
            question = Question(form_id=form.id, position=position, help=spec.pop("help", ""),
                                translations=spec.pop("translations", {}), **spec)
            db.session.add(question)
            db.session.flush()
            for index, label in enumerate(options):
                db.session.add(Option(question_id=question.id, label=label, position=index, translations={}))
        if topic is not None:
            db.session.add(TopicForm(topic_id=topic.id, form_id=form.id))
        db.session.commit()
        return form

    def field(self, subject="ticket", kind="text", label="Serial number", places=None, options=(), **columns):
        """A data field with ``places`` (``{place: "view"|"edit"}``)."""
        field = DataField(subject=subject, kind=kind, label=label, help="", places=places or {},
                          translations=columns.pop("translations", {}), position=columns.pop("position", 0),
                          **columns)
        db.session.add(field)
        db.session.flush()
        for index, text in enumerate(options):
            db.session.add(Option(field_id=field.id, label=text, position=index, translations={}))
        db.session.commit()
        return field

    def questions(self, form):
        return list(db.session.scalars(select(Question).where(Question.form_id == form.id)
                                       .order_by(Question.position, Question.id)))


@pytest.fixture
def kit(app):
    return Kit()
