"""The builder's WTForms forms: a form, a question, a data field, each with its translations per language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from plugins.forms.inputs import Length, NoControlCharacters
from plugins.forms.models import CHOICE_KINDS, FIELD_PLACES, HELP_MAX, KINDS, NAME_MAX

KIND_LABELS = {"text": _l("Short text"), "textarea": _l("Long text"), "number": _l("Number"),
               "email": _l("Email address"), "phone": _l("Phone number"), "date": _l("Date"),
               "choice": _l("Single choice"), "multichoice": _l("Multiple choice"), "checkbox": _l("Checkbox"),
               "file": _l("File")}
# kinds whose minimum and maximum mean something: a number's value, a text's length
RANGED = ("number", "text", "textarea")
FIELD_KINDS = tuple(k for k in KINDS if k != "file")
PLACE_LABELS = {"staff_ticket": _l("Staff ticket page"),
                "portal_ticket": _l("Ticket parameters in the customer's account"),
                "staff_new": _l("Staff new-ticket form"),
                "portal_new": _l("Portal new-ticket page and public form"),
                "portal_profile": _l("Customer profile"), "staff_contact": _l("Staff contact form")}
MODES = [("", _l("Not shown")), ("view", _l("View only")), ("edit", _l("Editable"))]
SUBJECT_LABELS = {"ticket": _l("Tickets"), "contact": _l("Customer profiles")}
OPTIONS_MAX = 100
LIMIT = 10**12


def option_lines(text: str | None) -> list[str]:
    """The non-empty lines of an options box, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class OptionLines:
    """Each option at most NAME_MAX characters, at most OPTIONS_MAX options, none twice."""

    def __call__(self, form, field):
        lines = option_lines(field.data)
        if len(lines) > OPTIONS_MAX:
            raise ValidationError(ngettext("Give at most %(num)d option.", "Give at most %(num)d options.",
                                           OPTIONS_MAX))
        if any(len(line) > NAME_MAX for line in lines):
            raise ValidationError(ngettext("Use at most %(num)d character per option.",
                                           "Use at most %(num)d characters per option.", NAME_MAX))
        if len({line.casefold() for line in lines}) != len(lines):
            raise ValidationError(_l("Give each option once."))


def _label():
    return StringField(_l("Label"), validators=[DataRequired(), Length(1, NAME_MAX), NoControlCharacters()],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


def _help():
    return TextAreaField(_l("Help text"), validators=[Optional(), Length(0, HELP_MAX), NoControlCharacters()],
                         filters=[lambda v: v.strip() if isinstance(v, str) else v])


class FormForm(FlaskForm):
    """A form's title and the note shown above its questions."""

    label = _label()
    help = _help()


class ItemForm(FlaskForm):
    """A question (or a data field): kind, label, help, required, limits, options."""

    kind = SelectField(_l("Type"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    label = _label()
    help = _help()
    required = BooleanField(_l("Required"))
    min_value = DecimalField(_l("Minimum"), places=None, validators=[Optional()],
                             description=_l("A number's smallest value, or a text's fewest characters."))
    max_value = DecimalField(_l("Maximum"), places=None, validators=[Optional()],
                             description=_l("A number's largest value, or a text's most characters."))
    options = TextAreaField(_l("Options"), validators=[OptionLines(), NoControlCharacters()],
                            description=_l("For single and multiple choice: one option per line."))

    def validate(self, extra_validators=None) -> bool:
        """The field rules, then: limits in range and in order, options for choice kinds."""
        ok = super().validate(extra_validators)
        for field in (self.min_value, self.max_value):
            if field.data is not None and (not field.data.is_finite() or abs(field.data) > LIMIT):
                field.errors.append(_l("Enter a smaller number."))
                ok = False
        if ok and self.kind.data in ("text", "textarea"):
            for field in (self.min_value, self.max_value):
                if field.data is not None and (field.data < 0 or field.data != field.data.to_integral()):
                    field.errors.append(_l("Enter a whole number of characters, 0 or more."))
                    ok = False
        if ok and self.kind.data in RANGED and self.min_value.data is not None \
                and self.max_value.data is not None and self.min_value.data > self.max_value.data:
            self.max_value.errors.append(_l("The maximum must not be smaller than the minimum."))
            ok = False
        if self.kind.data in CHOICE_KINDS and not option_lines(self.options.data) and not self.options.errors:
            self.options.errors.append(_l("Give at least one option."))
            ok = False
        return ok


class FieldForm(ItemForm):
    """A data field: a question's settings plus where it is shown and how staff find it."""

    kind = SelectField(_l("Type"), choices=[(k, KIND_LABELS[k]) for k in FIELD_KINDS])
    list_filter = BooleanField(_l("Column and filter in the staff ticket list"))
    searchable = BooleanField(_l("Staff search finds its values"))


def with_translations(form_class, languages, *, options: bool, places_of: str | None = None):
    """``form_class`` with a label, help (and options) box per language, and a place select per place."""
    attrs = {}
    for code in languages:
        attrs[f"label_{code}"] = StringField(_l("Label"), validators=[Optional(), Length(0, NAME_MAX), NoControlCharacters()],
                                             filters=[lambda v: v.strip() if isinstance(v, str) else v])
        attrs[f"help_{code}"] = TextAreaField(_l("Help text"), validators=[Optional(), Length(0, HELP_MAX), NoControlCharacters()],
                                              filters=[lambda v: v.strip() if isinstance(v, str) else v])
        if options:
            attrs[f"options_{code}"] = TextAreaField(_l("Options"), validators=[OptionLines(), NoControlCharacters()])
    if places_of is not None:
        for place in FIELD_PLACES[places_of]:
            attrs[f"place_{place}"] = SelectField(PLACE_LABELS[place], choices=MODES, default="")
    return type(form_class.__name__, (form_class,), attrs)
