"""The form builder (F-1, F-5): forms and their questions, data fields (F-4); for holders of ``forms.manage``.

Plain HTML forms without scripts: order changes with up/down buttons,
translations are one box per language, options one per line.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from crm.auth.permissions import permission_required
from crm.extensions import db
from crm.i18n import language_name, languages
from plugins.forms import builder
from plugins.forms.builder_forms import (FieldForm, FormForm, ItemForm, KIND_LABELS, PLACE_LABELS, SUBJECT_LABELS,
                                         with_translations)
from plugins.forms.models import FIELD_PLACES, SUBJECTS, DataField, Form, Question, Response, TopicForm
from plugins.forms.permissions import MANAGE
from plugins.forms.views import admin_bp


@admin_bp.before_request
@permission_required(MANAGE)
def _managers_only():
    """Every builder page needs ``forms.manage``."""
    return None


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


def _get(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def _languages() -> list[str]:
    return list(languages())


def _render(template: str, form, status: int | None = None, **context):
    code = status if status is not None else (400 if form.errors else 200)
    return render_template(template, form=form, languages=_languages(), language_name=language_name,
                           kind_labels=KIND_LABELS, **context), code


# forms ---------------------------------------------------------------------------------------------------------


@admin_bp.route("/", methods=["GET", "POST"])
def index():
    """Every form with its number of questions, topics and responses; a form to create one."""
    form = with_translations(FormForm, _languages(), options=False)()
    if form.validate_on_submit():
        created = builder.create_form(form.label.data, form.help.data, builder.translations_of(
            form, _languages(), options=False), actor=current_user)
        flash(_("The form was created. Add its questions."), "success")
        return redirect(url_for("forms_admin.form_edit", form_id=created.id))
    counts = {}
    for model in (Question, TopicForm, Response):
        counts[model.__name__] = dict(db.session.execute(
            select(model.form_id, func.count()).group_by(model.form_id)).all())
    forms = list(db.session.scalars(select(Form).order_by(Form.label, Form.id)))
    return _render("forms/admin/index.html", form, forms=forms, counts=counts, action=ActionForm())


@admin_bp.route("/<int:form_id>", methods=["GET", "POST"])
def form_edit(form_id: int):
    """A form's title, note and translations, and its questions in order."""
    row = _get(Form, form_id)
    form = with_translations(FormForm, _languages(), options=False)(obj=None if request.method == "POST" else row)
    if request.method == "GET":
        builder.fill_translations(form, row, _languages(), options=False)
    if form.validate_on_submit():
        changes = builder.update_form(row, form.label.data, form.help.data, builder.translations_of(
            form, _languages(), options=False), actor=current_user)
        flash(_("Your changes were saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for("forms_admin.form_edit", form_id=row.id))
    return _render("forms/admin/form.html", form, row=row, questions=row.questions, action=ActionForm())


@admin_bp.post("/<int:form_id>/delete")
def form_delete(form_id: int):
    """Delete a form, its questions and its responses."""
    row = _get(Form, form_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    builder.delete_form(row, actor=current_user)
    flash(_("The form was deleted."), "success")
    return redirect(url_for("forms_admin.index"))


@admin_bp.route("/<int:form_id>/questions/new", methods=["GET", "POST"])
def question_new(form_id: int):
    """Add a question at the end of a form."""
    row = _get(Form, form_id)
    form = with_translations(ItemForm, _languages(), options=True)()
    if form.validate_on_submit():
        builder.add_question(row, form, _languages(), actor=current_user)
        flash(_("The question was added."), "success")
        return redirect(url_for("forms_admin.form_edit", form_id=row.id))
    return _render("forms/admin/item.html", form, owner=row, item=None, back=url_for(
        "forms_admin.form_edit", form_id=row.id), title=_("New question"))


@admin_bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def question_edit(question_id: int):
    """Change a question."""
    question = _get(Question, question_id)
    form = with_translations(ItemForm, _languages(), options=True)(obj=None if request.method == "POST" else question)
    if request.method == "GET":
        form.options.data = "\n".join(o.label for o in question.options)
        builder.fill_translations(form, question, _languages(), options=True)
    if form.validate_on_submit():
        changes = builder.update_question(question, form, _languages(), actor=current_user)
        flash(_("Your changes were saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for("forms_admin.form_edit", form_id=question.form_id))
    return _render("forms/admin/item.html", form, owner=question.form, item=question, back=url_for(
        "forms_admin.form_edit", form_id=question.form_id), title=_("Question"))


@admin_bp.post("/questions/<int:question_id>/move")
def question_move(question_id: int):
    """Move a question up or down."""
    question = _get(Question, question_id)
    if ActionForm().validate_on_submit():
        siblings = db.session.scalars(select(Question).where(Question.form_id == question.form_id)
                                      .order_by(Question.position, Question.id))
        builder.move(question, request.form.get("direction", ""), siblings, actor=current_user)
    return redirect(url_for("forms_admin.form_edit", form_id=question.form_id))


@admin_bp.post("/questions/<int:question_id>/delete")
def question_delete(question_id: int):
    """Delete a question and its answers."""
    question = _get(Question, question_id)
    form_id = question.form_id
    if not ActionForm().validate_on_submit():
        abort(400)
    builder.delete_question(question, actor=current_user)
    flash(_("The question was deleted."), "success")
    return redirect(url_for("forms_admin.form_edit", form_id=form_id))


# data fields ---------------------------------------------------------------------------------------------------


def _field_form(subject: str, obj=None):
    return with_translations(FieldForm, _languages(), options=True, places_of=subject)(obj=obj)


@admin_bp.get("/fields")
def fields():
    """The data fields of tickets and of customer profiles, in order."""
    rows = list(db.session.scalars(select(DataField).order_by(DataField.subject, DataField.position,
                                                              DataField.id)))
    return render_template("forms/admin/fields.html", rows=rows, subjects=SUBJECTS, subject_labels=SUBJECT_LABELS,
                           kind_labels=KIND_LABELS, place_labels=PLACE_LABELS, action=ActionForm())


@admin_bp.route("/fields/new", methods=["GET", "POST"])
def field_new():
    """Add a data field of tickets (default) or of customer profiles (``?subject=contact``)."""
    subject = request.args.get("subject", "ticket")
    if subject not in SUBJECTS:
        abort(404)
    form = _field_form(subject)
    if form.validate_on_submit():
        builder.add_field(subject, form, _languages(), actor=current_user)
        flash(_("The data field was added."), "success")
        return redirect(url_for("forms_admin.fields"))
    return _render("forms/admin/item.html", form, owner=None, item=None, back=url_for("forms_admin.fields"),
                   title=SUBJECT_LABELS[subject], places=FIELD_PLACES[subject])


@admin_bp.route("/fields/<int:field_id>", methods=["GET", "POST"])
def field_edit(field_id: int):
    """Change a data field."""
    field = _get(DataField, field_id)
    form = _field_form(field.subject, obj=None if request.method == "POST" else field)
    if request.method == "GET":
        form.options.data = "\n".join(o.label for o in field.options)
        builder.fill_translations(form, field, _languages(), options=True)
        builder.fill_field(form, field)
    if form.validate_on_submit():
        changes = builder.update_field(field, form, _languages(), actor=current_user)
        flash(_("Your changes were saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for("forms_admin.fields"))
    return _render("forms/admin/item.html", form, owner=None, item=field, back=url_for("forms_admin.fields"),
                   title=SUBJECT_LABELS[field.subject], places=FIELD_PLACES[field.subject])


@admin_bp.post("/fields/<int:field_id>/move")
def field_move(field_id: int):
    """Move a data field up or down among its subject's fields."""
    field = _get(DataField, field_id)
    if ActionForm().validate_on_submit():
        siblings = db.session.scalars(select(DataField).where(DataField.subject == field.subject)
                                      .order_by(DataField.position, DataField.id))
        builder.move(field, request.form.get("direction", ""), siblings, actor=current_user)
    return redirect(url_for("forms_admin.fields"))


@admin_bp.post("/fields/<int:field_id>/delete")
def field_delete(field_id: int):
    """Delete a data field and its values."""
    field = _get(DataField, field_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    builder.delete_field(field, actor=current_user)
    flash(_("The data field was deleted."), "success")
    return redirect(url_for("forms_admin.fields"))
