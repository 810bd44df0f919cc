"""The colour setting type stores only #rrggbb: nothing can follow a colour into a page's style attribute."""
from __future__ import annotations

import pytest

from crm.colours import normalise_colour
from crm.settings import Colour, SettingError


@pytest.mark.parametrize("value", [
    "#123456;background:url(https://evil.test/x)", "#123456 url(x)", "#1234567", "#" + "a" * 500, "#abc",
    "123456", "#12345g", "red", "", None, 123456, ["#123456"],
])
def test_anything_but_rrggbb_is_refused(value):
    with pytest.raises(SettingError) as caught:
        Colour("accent").validate(value)
    assert str(caught.value) == "Enter a colour such as #1a73e8."
    assert normalise_colour(value) is None


def test_a_colour_is_stored_in_lower_case_without_spaces():
    assert Colour("accent").validate("  #1A73E8\n") == "#1a73e8"
