"""Admin forms generated from a settings schema: one WTForms form per section.

Each setting type maps to a widget; validation is the setting field's own
:meth:`~crm.settings.schema.Field.validate`, so the page and
:func:`crm.settings.set_many` refuse exactly the same values.
"""
from __future__ import annotations

import os
from typing import Any

import filetype
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, Field as FormField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms import TextAreaField, widgets
from wtforms.validators import ValidationError

try:  # WTForms 3.3 and later
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms takes (value, label) tuples
    SelectChoice = None

from crm.settings.schema import Field, File, Section, SettingError

REMOVE_SUFFIX = "__remove"
SNIFF_BYTES = 8192
# File name endings that name the same content type.
_SAME_TYPE = {"jpeg": "jpg", "tiff": "tif"}
_DETECTABLE = {t.extension for t in filetype.types}


class _Keep:
    """Marks a value the submission leaves as stored (an empty secret, a file not replaced)."""

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()


class StrictBooleanField(BooleanField):
    """A checkbox whose submitted value must be a yes or no word; anything else is a field error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "BooleanField"  # rendered like any checkbox by the shared field() macro

    def submitted(self) -> Any:
        """The raw submitted word, or False when the box was not ticked."""
        return self.raw_data[0] if self.raw_data else False


class CheckboxListField(SelectMultipleField):
    """Several values out of fixed choices, shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _raw(setting: Field, field: FormField) -> Any:
    """The submitted value in the form the setting's ``validate`` expects."""
    if isinstance(field, StrictBooleanField):
        return field.submitted()
    return field.data


class SettingCheck:
    """WTForms validator that runs the setting's own validation and keeps the cleaned value on the field."""

    def __init__(self, setting: Field):
        self.setting = setting

    def __call__(self, form, field) -> None:
        if self.setting.kind == "secret" and not (field.data or ""):
            # An empty secret keeps the stored one; a required secret with none stored is refused below.
            if form.stored.get(self.setting.name) or not getattr(self.setting, "required", False):
                field.cleaned = KEEP
                return
        if self.setting.kind == "file":
            field.cleaned = self._file(form, field)
            return
        try:
            field.cleaned = self.setting.validate(_raw(self.setting, field))
        except SettingError as exc:
            raise ValidationError(str(exc)) from None

    def _file(self, form, field):
        upload = field.data
        if isinstance(upload, FileStorage) and upload.filename:
            try:
                check_upload(self.setting, upload)
            except SettingError as exc:
                raise ValidationError(str(exc)) from None
            return upload
        remove = form._fields.get(self.setting.name + REMOVE_SUFFIX)
        if remove is not None and remove.data:
            return None
        return KEEP


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=f"{size / (1024 * 1024):.3g}")
    return _("%(size)s KB", size=f"{max(size / 1024, 1):.3g}")


def _same_type(ext: str) -> str:
    return _SAME_TYPE.get(ext, ext)


def check_upload(setting: File, upload: FileStorage) -> None:
    """Refuse an upload whose name ending, size or content does not fit the file setting.

    Raises :class:`SettingError` with a translated reason; reads at most a
    few kilobytes and leaves the stream at its start.
    """
    allowed = sorted({e.lower().lstrip(".") for e in setting.extensions})
    ext = os.path.splitext(upload.filename or "")[1].lower().lstrip(".")
    if ext not in allowed:
        raise SettingError(_("Upload a file of one of these types: %(types)s.", types=", ".join(allowed)))
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise SettingError(_("The file is empty."))
    if size > setting.max_bytes:
        raise SettingError(_("Upload a file of at most %(size)s.", size=_size_text(setting.max_bytes)))
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    kind = filetype.guess(head)
    allowed_types = {_same_type(e) for e in allowed}
    if kind is not None and _same_type(kind.extension) not in allowed_types:
        raise SettingError(_("The file's content does not match its type."))
    if kind is None and _same_type(ext) in _DETECTABLE:
        raise SettingError(_("The file's content does not match its type."))


def _choices(setting: Field) -> list:
    """The setting's choices in the form the installed WTForms expects."""
    pairs = setting.choices_list()
    return [SelectChoice(v, label) for v, label in pairs] if SelectChoice else pairs


def _form_field(setting: Field, value: Any) -> tuple[FormField, Any]:
    """The unbound WTForms field for a setting and the value it starts with."""
    options = {"label": setting.label, "description": setting.help, "validators": [SettingCheck(setting)]}
    kind = setting.kind
    if kind == "bool":
        return StrictBooleanField(false_values=(False, "false", "", "0", "off", "no", "n"), **options), bool(value)
    if kind == "int":
        widget = widgets.NumberInput(min=getattr(setting, "min", None), max=getattr(setting, "max", None))
        return StringField(widget=widget, **options), "" if value is None else str(value)
    if kind == "choice":
        return SelectField(choices=_choices(setting), validate_choice=False, **options), value
    if kind == "multichoice":
        return CheckboxListField(choices=_choices(setting), validate_choice=False, **options), list(value or [])
    if kind == "list":
        return TextAreaField(**options), "\n".join(str(v) for v in value or [])
    if kind == "colour":
        return StringField(widget=widgets.ColorInput(), **options), value
    if kind == "url":
        return StringField(widget=widgets.URLInput(), **options), value
    if kind == "secret":
        return PasswordField(**options), ""
    if kind == "file":
        return FileField(**options), None
    if getattr(setting, "multiline", False):
        return TextAreaField(**options), value
    return StringField(**options), value


class SettingsForm(FlaskForm):
    """Base of the generated forms; ``section`` names the schema section it edits."""

    section: Section
    stored: dict[str, Any]

    def setting_fields(self) -> list[tuple[Field, FormField]]:
        """``(setting, form field)`` pairs in schema order."""
        return [(setting, self[setting.name]) for setting in self.section.fields]

    def remove_field(self, setting: Field) -> FormField | None:
        """The "remove the stored file" checkbox of a file setting, or None."""
        return self._fields.get(setting.name + REMOVE_SUFFIX)

    def cleaned_values(self) -> dict[str, Any]:
        """After a successful ``validate()``: the values to store, without those the submission keeps.

        A new upload is returned as its :class:`~werkzeug.datastructures.FileStorage`;
        the caller stores it and passes the storage key on.
        """
        out = {}
        for setting, field in self.setting_fields():
            value = getattr(field, "cleaned", KEEP)
            if value is not KEEP:
                out[setting.name] = value
        return out

    def add_errors(self, errors: dict[str, str]) -> None:
        """Show errors found after validation (e.g. by the store) beside their fields."""
        for key, message in errors.items():
            if key in self._fields:
                self._fields[key].errors = list(self._fields[key].errors) + [message]


_RESERVED = set(dir(SettingsForm)) | {"section", "stored"}


def section_form(section: Section, values: dict[str, Any]) -> SettingsForm:
    """Build the form of one settings section, filled with the current ``values``.

    On a POST request the form reads the submitted data (and files); on GET
    it shows ``values`` (secrets and files are never shown back).
    """
    attrs: dict[str, Any] = {"section": section}
    data: dict[str, Any] = {}
    for setting in section.fields:
        if setting.name in _RESERVED or setting.name.endswith(REMOVE_SUFFIX):
            raise ValueError(f"setting name {setting.name!r} cannot be used in a form")
        attrs[setting.name], data[setting.name] = _form_field(setting, values.get(setting.name))
        if setting.kind == "file":
            attrs[setting.name + REMOVE_SUFFIX] = BooleanField(_l("Remove the stored file"))
    form_class = type(f"SettingsForm_{section.name}", (SettingsForm,), attrs)
    form = form_class(data=data)
    form.stored = dict(values)
    return form
