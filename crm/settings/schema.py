"""Typed setting fields, sections and schemas that plugins declare.

Defaults, labels and validation live in code; only values (JSON) are stored.
Each field converts a submitted value into its stored form or raises
:class:`SettingError` with a translated message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask_babel import lazy_gettext as _l, lazy_ngettext


class SettingError(ValueError):
    """A value that a field refuses; ``str(err)`` is the translated reason."""


@dataclass
class Field:
    """Base of every setting type; ``kind`` names the type for forms and docs."""

    name: str
    default: Any = None
    label: Any = ""
    help: Any = ""
    kind = "text"

    def validate(self, value: Any) -> Any:
        """Return the value to store, or raise :class:`SettingError`."""
        return value

    def dependencies(self) -> tuple[str, ...]:
        """Names of other settings of the namespace that :meth:`validate_together` reads."""
        return ()

    def validate_together(self, value: Any, values: dict[str, Any]) -> None:
        """Check the value against the namespace's other values (after they all passed :meth:`validate`).

        ``values`` holds every value of the namespace as it would be after
        the save. Called when this setting or one of its
        :meth:`dependencies` is being saved; raise :class:`SettingError` to
        refuse the save.
        """

    def choices_list(self) -> list[tuple[str, Any]]:
        """The allowed (value, label) pairs; empty for free-form fields."""
        return []


@dataclass
class Bool(Field):
    """A switch."""

    default: bool = False
    kind = "bool"

    def validate(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "y"):
            return True
        if value in (None, "", 0) or (isinstance(value, str) and value.lower() in ("0", "false", "no", "off", "n")):
            return False
        raise SettingError(_l("Choose yes or no."))


@dataclass
class Int(Field):
    """A whole number, optionally between ``min`` and ``max``."""

    default: int = 0
    min: int | None = None
    max: int | None = None
    kind = "int"

    def validate(self, value):
        if isinstance(value, bool):
            raise SettingError(_l("Enter a whole number."))
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise SettingError(_l("Enter a whole number.")) from None
        if self.min is not None and number < self.min:
            raise SettingError(_l("Enter a number of at least %(min)s.", min=self.min))
        if self.max is not None and number > self.max:
            raise SettingError(_l("Enter a number of at most %(max)s.", max=self.max))
        return number


@dataclass
class Choice(Field):
    """One value out of ``choices``: a list of (value, label) or a callable returning one."""

    choices: Iterable | Callable[[], Iterable] = ()
    kind = "choice"

    def choices_list(self):
        items = self.choices() if callable(self.choices) else self.choices
        return [(str(v), label) for v, label in items]

    def validate(self, value):
        value = "" if value is None else str(value)
        if value not in {v for v, _ in self.choices_list()}:
            raise SettingError(_l("Choose one of the offered values."))
        return value


@dataclass
class MultiChoice(Choice):
    """Any number of values out of ``choices``."""

    default: list = field(default_factory=list)
    kind = "multichoice"

    def validate(self, value):
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        allowed = {v for v, _ in self.choices_list()}
        values = [str(v) for v in value]
        if any(v not in allowed for v in values):
            raise SettingError(_l("Choose only offered values."))
        return list(dict.fromkeys(values))


@dataclass
class Text(Field):
    """A text; ``multiline`` shows a text area; ``max_length`` bounds it."""

    default: str = ""
    max_length: int = 500
    multiline: bool = False
    required: bool = False
    pattern: str | None = None
    kind = "text"

    def validate(self, value):
        value = "" if value is None else str(value).strip()
        if self.required and not value:
            raise SettingError(_l("This field is required."))
        if len(value) > self.max_length:
            raise SettingError(lazy_ngettext("Enter at most %(num)s character.", "Enter at most %(num)s characters.", self.max_length))
        if value and self.pattern and not re.fullmatch(self.pattern, value):
            raise SettingError(_l("This value has the wrong format."))
        return value


@dataclass
class Secret(Text):
    """A password or key: never shown back; an empty submission keeps the stored value."""

    kind = "secret"


@dataclass
class ListField(Field):
    """A list of short strings, entered one per line or separated by commas."""

    default: list = field(default_factory=list)
    item_pattern: str | None = None
    max_items: int = 200
    lowercase: bool = False
    kind = "list"

    def validate(self, value):
        if value is None:
            items = []
        elif isinstance(value, str):
            items = re.split(r"[,\n]", value)
        else:
            items = list(value)
        cleaned = []
        for item in items:
            item = str(item).strip()
            if self.lowercase:
                item = item.lower()
            if not item:
                continue
            if self.item_pattern and not re.fullmatch(self.item_pattern, item):
                raise SettingError(_l("“%(item)s” is not a valid entry.", item=item))
            cleaned.append(item)
        cleaned = list(dict.fromkeys(cleaned))
        if len(cleaned) > self.max_items:
            raise SettingError(lazy_ngettext("Enter at most %(num)s entry.", "Enter at most %(num)s entries.", self.max_items))
        return cleaned


List = ListField


@dataclass
class Colour(Field):
    """A colour as ``#rrggbb`` (see :mod:`crm.colours`); stored in lower case."""

    default: str = "#000000"
    kind = "colour"

    def validate(self, value):
        from crm.colours import MESSAGE, normalise_colour

        colour = normalise_colour("" if value is None else str(value))
        if colour is None:
            raise SettingError(MESSAGE)
        return colour


@dataclass
class OutboundUrl(Text):
    """An http(s) address the server itself will request (a callback, a webhook).

    ``allow_private_setting`` names a :class:`Bool` of the same namespace; while
    it is off, saving an address whose host is or resolves to an internal
    address (see :mod:`crm.security.addresses`) is refused. Every request
    checks the address again (see :mod:`crm.security.outbound`).
    """

    allow_private_setting: str | None = None
    kind = "url"

    def validate(self, value):
        from crm.security import outbound

        value = super().validate(value)
        if value:
            try:
                outbound.parse_url(value)
            except outbound.InvalidURL:
                raise SettingError(_l("Enter an address starting with http:// or https://.")) from None
        return value

    def dependencies(self):
        return (self.allow_private_setting,) if self.allow_private_setting else ()

    def validate_together(self, value, values):
        from crm.security import outbound

        if not value or (self.allow_private_setting and values.get(self.allow_private_setting)):
            return
        try:
            outbound.check_url(value, allow_private=False)
        except outbound.InternalAddress as exc:
            raise SettingError(_l("%(host)s is an internal address; allow private addresses to use it.",
                                  host=exc.host)) from None
        except outbound.HostNotFound as exc:
            raise SettingError(_l("The host %(host)s could not be found.", host=exc.host)) from None
        except outbound.DeadlineExceeded:
            raise SettingError(_l("The address could not be checked in time. Please try again.")) from None
        except outbound.InvalidURL:
            raise SettingError(_l("Enter an address starting with http:// or https://.")) from None


@dataclass
class File(Field):
    """An uploaded file kept in file storage; the stored value is its storage key.

    ``extensions`` is the allow-list of file name endings; ``max_bytes`` bounds
    the size.
    """

    default: str | None = None
    extensions: tuple[str, ...] = ("png", "jpg", "jpeg", "gif", "ico", "webp")
    max_bytes: int = 2 * 1024 * 1024
    kind = "file"

    def validate(self, value):
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise SettingError(_l("Upload a file."))
        return value


@dataclass
class Section:
    """A titled group of fields; each section gets its own admin page."""

    name: str
    label: Any
    fields: list[Field]
    description: Any = ""


@dataclass
class SettingsSchema:
    """All settings of one namespace (a plugin's name, or ``crm`` for the host).

    ``validators`` check fields together (cross-field validation): each is
    called as ``validator(values)`` with every value of the namespace as it
    would be after the save (already converted by each field), and returns a
    dictionary ``{field name: translated message}`` of what it refuses (empty
    or None when all is well). A validator runs on every save of the
    namespace; an error for a field that is not on the page being saved is
    shown on the first field that is. Example::

        def opening_hours(values):
            if values["open_from"] >= values["open_until"]:
                return {"open_until": _("Closing time must be after opening time.")}

        SettingsSchema("office_hours", _l("Office hours"), [...], validators=[opening_hours])

    .. versionadded:: 0.1
    """

    namespace: str
    label: Any
    sections: list[Section]
    validators: list[Callable[[dict[str, Any]], dict[str, Any] | None]] = field(default_factory=list)

    def __post_init__(self):
        seen = set()
        for section in self.sections:
            for f in section.fields:
                if f.name in seen:
                    raise ValueError(f"setting {self.namespace}.{f.name} is declared twice")
                seen.add(f.name)

    def fields(self) -> dict[str, Field]:
        """Every field of the schema by name."""
        return {f.name: f for s in self.sections for f in s.fields}

    def section(self, name: str) -> Section | None:
        """The section called ``name``, or None."""
        return next((s for s in self.sections if s.name == name), None)
