"""Questions and data fields as inputs: their WTForms field with its validators, and values to store and back.

An :class:`Item` is a snapshot of a question or a data field in the reader's
language (no database row is kept in a field record). :func:`unbound_field`
makes the WTForms field that validates an answer; :func:`to_stored` turns a
validated answer into what is stored (JSON value, plain text, filter key);
:func:`from_stored` turns a stored value back into what the form field and
the display expect.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale, lazy_gettext as _l, ngettext
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, DecimalField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, NumberRange, Optional, Regexp, StopValidation,
                                ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget


# the longest text answer accepted per kind when the admin set no maximum
TEXT_LIMITS = {"text": 500, "textarea": 10000, "email": 254, "phone": 40}
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{2,39}$")
NUMBER_LIMIT = Decimal("1e15")
NUMBER_CHARS = 40
MATCH_MAX = 400
_TURKISH_I = str.maketrans({"ı": "i", "İ": "i", "I": "i"})


@dataclass(frozen=True)
class Item:
    """A question or a data field as an input in one language: what the WTForms field and the store need."""

    id: int
    kind: str
    label: str
    help: str = ""
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    options: tuple = ()  # ((str(option id), label), ...)


def language() -> str:
    """The reader's language code (``"tr"``, ``"en"`` ...)."""
    locale = get_locale()
    return locale.language if locale is not None else ""


def item_of(row, lang: str | None = None) -> Item:
    """The :class:`Item` of a question or data field row in ``lang`` (default: the reader's)."""
    lang = language() if lang is None else lang
    options = tuple((str(o.id), o.text_in(lang)) for o in row.options) if row.kind in ("choice", "multichoice") \
        else ()
    return Item(row.id, row.kind, row.text_in(lang), row.text_in(lang, "help"), bool(row.required),
                row.min_value, row.max_value, options)


class Length:
    """Text length between the item's limits, counted in characters, with a localized message."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def __call__(self, form, field):
        text = field.data or ""
        if len(text) > self.high:
            raise ValidationError(ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                                           self.high))
        if text and len(text) < self.low:
            raise ValidationError(ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                                           self.low))


class NoControlCharacters:
    """Refuses NUL and other control characters (tabs and line breaks are text)."""

    def __call__(self, form, field):
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in field.data or ""):
            raise ValidationError(_l("Remove the control characters from this text."))


class Finite:
    """A number, not NaN or infinity (which no range check may compare)."""

    def __call__(self, form, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if isinstance(field.data, Decimal) and (not field.data.is_finite() or len(str(raw)) > NUMBER_CHARS):
            field.data = None
            raise StopValidation(_l("Enter a number."))


class CheckedFile:
    """Checks an uploaded file against support's attachment rules; keeps the checked upload as the field's data."""

    def __call__(self, form, field):
        data = field.data
        if data is None or not getattr(data, "filename", ""):
            field.data = None
            return
        from plugins.support import api

        try:
            checked = api.check_uploads([data])
        except api.AttachmentRefused as refused:
            field.data = None
            raise ValidationError(str(refused)) from None
        field.data = checked[0] if checked else None


class FileRequired:
    """A file must be chosen."""

    def __call__(self, form, field):
        if field.data is None or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))


def _text_validators(item: Item) -> list:
    high = TEXT_LIMITS[item.kind]
    if item.max_value is not None and item.kind in ("text", "textarea"):
        high = max(1, min(high, int(item.max_value)))
    low = int(item.min_value) if item.min_value is not None and item.kind in ("text", "textarea") else 0
    return [Length(min(low, high), high), NoControlCharacters()]


def unbound_field(item: Item):
    """The WTForms unbound field asking ``item``, with every validator (required, limits, type)."""
    required = [DataRequired()] if item.required else [Optional()]
    common = {"label": item.label, "description": item.help}
    kind = item.kind
    if kind in ("text", "email", "phone"):
        checks = list(required) + _text_validators(item)
        if kind == "email":
            checks.append(Email(message=_l("Enter a valid email address.")))
        elif kind == "phone":
            checks.append(Regexp(PHONE, message=_l("Enter a phone number: digits, spaces and + ( ) - . /")))
        return StringField(validators=checks, filters=[_strip], render_kw={"type": "tel"} if kind == "phone" else
                           ({"type": "email"} if kind == "email" else None), **common)
    if kind == "textarea":
        return TextAreaField(validators=list(required) + _text_validators(item), filters=[_strip], **common)
    if kind == "number":
        low = _limit(item.min_value) if item.min_value is not None else -NUMBER_LIMIT
        high = _limit(item.max_value) if item.max_value is not None else NUMBER_LIMIT
        checks = [InputRequired()] if item.required else [Optional()]
        return DecimalField(validators=checks + [Finite(), NumberRange(low, high)], places=None,
                            render_kw={"inputmode": "decimal"}, **common)
    if kind == "date":
        return DateField(validators=list(required), render_kw={"type": "date"}, **common)
    if kind == "choice":
        blank = [] if item.required else [("", "—")]
        return SelectField(choices=blank + list(item.options), validators=list(required), **common)
    if kind == "multichoice":
        return SelectMultipleField(choices=list(item.options), validators=list(required), widget=ListWidget(
            prefix_label=False), option_widget=CheckboxInput(), **common)
    if kind == "checkbox":
        return BooleanField(validators=list(required), **common)
    if kind == "file":
        return FileField(validators=[CheckedFile()] + ([FileRequired()] if item.required else []), **common)
    raise ValueError(f"unknown kind {kind!r}")


def fold(text: str) -> str:
    """``text`` lower-cased without accents, Turkish dotted and dotless i one letter (list filters compare it)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_TURKISH_I).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _limit(value: float) -> Decimal | int:
    """A stored limit as the error message shows it: ``10`` rather than ``10.0``."""
    return int(value) if float(value).is_integer() else Decimal(str(value))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def to_stored(item: Item, value) -> tuple[Any, str, str] | None:
    """``(JSON value, plain text, filter key)`` of a validated answer; None when there is nothing to store.

    Files are not handled here (see :mod:`plugins.forms.files`).
    """
    if value is None or value == "" or value == [] or (item.kind != "checkbox" and value is False):
        return None
    kind = item.kind
    labels = dict(item.options)
    if kind == "number":
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            return None
        text = format(number.normalize(), "f") if number == number.to_integral() else str(number)
        return text, text, text[:MATCH_MAX]
    if kind == "date":
        if not isinstance(value, date):
            return None
        return value.isoformat(), value.isoformat(), value.isoformat()
    if kind == "checkbox":
        return bool(value), "yes" if value else "no", "yes" if value else "no"
    if kind == "choice":
        chosen = str(value)
        return chosen, labels.get(chosen, chosen), f"|{chosen}|"
    if kind == "multichoice":
        chosen = [str(v) for v in value]
        return chosen, ", ".join(labels.get(v, v) for v in chosen), ("|" + "|".join(chosen) + "|")[:MATCH_MAX]
    text = str(value)
    return text, text, fold(text)[:MATCH_MAX]


def from_stored(kind: str, value) -> Any:
    """A stored JSON value as the form field and :meth:`crm.fields.DataField.display` expect it."""
    if value is None:
        return None
    try:
        if kind == "number":
            return Decimal(str(value))
        if kind == "date":
            return date.fromisoformat(str(value))
    except (InvalidOperation, ValueError):
        return None
    if kind == "checkbox":
        return bool(value)
    if kind == "multichoice":
        return [str(v) for v in value] if isinstance(value, list) else []
    if kind == "choice":
        return str(value)
    return value
