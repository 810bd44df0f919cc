"""The form of a canned reply: a title, a text box per offered language and, for shared replies, its scope."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from crm.i18n import language_name


class _Base(FlaskForm):
    title = StringField(_l("Title"), description=_l("What agents pick in the list on the ticket page."))


def text_field_name(language: str) -> str:
    """The form field holding the text in ``language``."""
    return f"text_{language}"


def build(personal: bool, departments, **kwargs) -> FlaskForm:
    """A form for a personal reply, or a shared one (with who sees it and which department).

    ``departments`` is a list of ``(id, name)``. Keyword arguments go to the
    form (``formdata``, ``obj``...).
    """
    attrs = {}
    for language in current_app.config["LANGUAGES"]:
        attrs[text_field_name(language)] = TextAreaField(_("Text (%(language)s)", language=language_name(language)))
    if not personal:
        attrs["scope"] = SelectField(_l("Seen by"), choices=[
            ("desk", _l("Every agent")), ("department", _l("The staff of one department"))], validate_choice=False)
        attrs["department_id"] = SelectField(_l("Department"), choices=[("", "—")] + [
            (str(i), name) for i, name in departments], validate_choice=False,
            description=_l("Only for replies seen by one department's staff."))
    attrs["position"] = StringField(_l("Order"), default="0",
                                    description=_l("Lower numbers come first in the list."))
    attrs["active"] = BooleanField(_l("Offered on the ticket page"), default=True)
    form_class = type("CannedReplyForm", (_Base,), attrs)
    return form_class(**kwargs)


def values(form) -> dict:
    """The form's input as the values :func:`plugins.support.canned_replies.service.save` takes."""
    texts = {language: form[text_field_name(language)].data or ""
             for language in current_app.config["LANGUAGES"]}
    found = {"title": form.title.data, "texts": texts, "position": form.position.data,
             "active": form.active.data}
    if "scope" in form:
        found.update(scope=form.scope.data, department_id=form.department_id.data)
    return found


def fill(form, reply) -> None:
    """Show ``reply``'s values in ``form`` (the edit page's first view)."""
    form.title.data = reply.title
    for text in reply.texts:
        name = text_field_name(text.language)
        if name in form:
            form[name].data = text.body
    form.position.data = str(reply.position)
    form.active.data = reply.active
    if "scope" in form:
        form.scope.data = reply.scope
        form.department_id.data = str(reply.department_id or "")


def show_errors(form, errors: dict) -> None:
    """Put the service's messages on the fields they belong to (the title for errors of no field)."""
    for key, message in errors.items():
        if key.startswith("text-"):
            key = text_field_name(key[5:])
        elif key == "texts":
            key = text_field_name(current_app.config["LANGUAGES"][0])
        target = form[key] if key in form else form.title
        target.errors = list(target.errors or []) + [message]
