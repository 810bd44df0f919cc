"""Colours as ``#rrggbb``: the only form a stored colour may take, because pages write it into style attributes.

A colour is checked in full (not as a prefix), so nothing can follow it into
the page's CSS (``#123456;background:url(...)``) and it always fits the
seven characters the columns hold.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
MESSAGE = _l("Enter a colour such as #1a73e8.")


def normalise_colour(value) -> str | None:
    """``value`` as a lower-case ``#rrggbb`` (surrounding spaces ignored), or None when it is anything else."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if HEX_COLOUR.fullmatch(value) else None


class HexColour:
    """WTForms validator: the field must hold a ``#rrggbb`` colour; on success ``field.data`` is normalised.

    ``HexColour()`` in a form's validators replaces ``Regexp``, which only
    checks the start of the value.
    """

    def __init__(self, message=None):
        self.message = message or MESSAGE

    def __call__(self, form, field) -> None:
        colour = normalise_colour(field.data)
        if colour is None:
            raise ValidationError(str(self.message))
        field.data = colour
