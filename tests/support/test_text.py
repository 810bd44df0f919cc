"""Post bodies are plain text: ``clean_body`` keeps what was typed, ``render`` shows it exactly, with links."""
from __future__ import annotations

import pytest
from flask import render_template_string
from markupsafe import Markup

from plugins.support.text import LINK_REL, clean_body, normalise, render
from tests.support.text_shown import SAMPLE, SAMPLE_LINKS, as_shown, links, shown_text, tags

TYPED = [
    pytest.param("Email me at <john@example.com> please", id="address-in-brackets"),
    pytest.param("a<b and c>d\nthe rest is not bold", id="comparison"),
    pytest.param("<b>bold?</b> <script>alert(1)</script> <!-- comment --> &amp; &lt;", id="tags-as-text"),
    pytest.param("Steps:\n- open <Settings>\n- click <Save>\n1. one\n2. two", id="lists-after-brackets"),
    pytest.param("İıŞşĞğÜüÖöÇç — Iı İi: büyük harf/küçük harf", id="turkish"),
    pytest.param("  indented first line\n    def f(x):\n\treturn x  # two  spaces", id="code"),
    pytest.param("line one\n\n\nline four after two empty lines", id="empty-lines-inside"),
    pytest.param(SAMPLE, id="everything"),
]


@pytest.mark.parametrize("typed", TYPED)
def test_text_is_exactly_what_was_typed(typed):
    html, text = clean_body(typed)
    assert text == typed


@pytest.mark.parametrize("typed", TYPED)
def test_html_shows_exactly_what_was_typed(typed):
    html, _text = clean_body(typed)
    assert shown_text(html) == as_shown(typed)


@pytest.mark.parametrize("typed", TYPED)
def test_html_has_only_links_and_line_breaks(typed):
    html, _text = clean_body(typed)
    assert {tag for tag, _attrs in tags(html)} <= {"a", "br"}
    for tag, attrs in tags(html):
        if tag == "a":
            assert set(attrs) == {"href", "rel", "target"}
            assert attrs["rel"] == LINK_REL and attrs["target"] == "_blank"


def test_line_breaks_are_br_and_line_endings_are_normalised():
    html, text = clean_body("one\r\ntwo\rthree\n\nfive")
    assert text == "one\ntwo\nthree\n\nfive"
    assert html == "one<br>\ntwo<br>\nthree<br>\n<br>\nfive"


def test_outer_blank_lines_go_and_nothing_else():
    html, text = clean_body("\r\n  \r\n\t\r\n    indented\r\n\r\n  last  \r\n \r\n\r\n")
    assert text == "    indented\n\n  last  "
    assert shown_text(html) == "    indented\n\n  last"


@pytest.mark.parametrize("blank", ["", None, "   ", "\r\n\t \r\n", "\x00"])
def test_blank_bodies_are_empty(blank):
    assert clean_body(blank) == ("", "")
    assert render(blank) == ""


def test_nul_characters_are_dropped():
    assert normalise("a\x00b") == "ab"


def test_angle_brackets_and_ampersands_are_escaped():
    html, _text = clean_body("a<b and c>d & <b>x</b>")
    assert html == "a&lt;b and c&gt;d &amp; &lt;b&gt;x&lt;/b&gt;"


def test_web_and_email_addresses_become_links():
    html, _text = clean_body(SAMPLE)
    assert links(html) == SAMPLE_LINKS


def test_link_ends_before_brackets_and_punctuation():
    html, _text = clean_body("<https://example.com/a> (see http://example.org/x). Mail ayse@example.com, thanks.")
    assert links(html) == [("https://example.com/a", "https://example.com/a"),
                           ("http://example.org/x", "http://example.org/x"),
                           ("mailto:ayse@example.com", "ayse@example.com")]
    assert shown_text(html) == "<https://example.com/a> (see http://example.org/x). Mail ayse@example.com, thanks."


@pytest.mark.parametrize("typed", [
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://example.com/file",
    "//example.com/path", "setup.py and www.example.com and example.com", "user@localhost", "vbscript:x",
])
def test_other_schemes_and_bare_names_stay_text(typed):
    html, _text = clean_body(typed)
    assert links(html) == []
    assert shown_text(html) == typed


def test_quotes_in_an_address_cannot_leave_the_attribute():
    html, _text = clean_body('https://example.com/"onmouseover="alert(1)')
    [(tag, attrs)] = tags(html)
    assert tag == "a" and set(attrs) == {"href", "rel", "target"}
    assert attrs["href"].startswith("https://example.com/")
    assert shown_text(html) == 'https://example.com/"onmouseover="alert(1)'


def test_render_is_markup_and_equals_the_stored_html():
    html, text = clean_body(SAMPLE)
    rendered = render(text)
    assert isinstance(rendered, Markup) and str(rendered) == html


def test_template_filter_renders_once_and_is_not_escaped_again(app):
    out = render_template_string("<div>{{ body|plain_text }}</div>", body="a<b\nhttps://example.com")
    assert out == ('<div>a&lt;b<br>\n<a href="https://example.com" target="_blank" rel="noopener noreferrer '
                   'nofollow">https://example.com</a></div>')
