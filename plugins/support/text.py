"""Post bodies are plain text: what is typed is stored, shown and emailed exactly.

A reply or note is never read as HTML or Markdown. :func:`clean_body` keeps
the typed text (line endings normalised, outer blank lines dropped) and
:func:`render` turns that text into HTML for pages and emails: every
character escaped, line breaks as ``<br>``, runs of spaces and tabs kept,
and web addresses (``http``/``https``) and email addresses made into links.
Templates use the ``plain_text`` filter (:func:`render`) on ``body_text``, so
rows stored by older versions are shown the same way.
"""
from __future__ import annotations

import re
from functools import lru_cache

import nh3
from linkify_it import LinkifyIt
from markupsafe import Markup, escape

LINK_REL = "noopener noreferrer nofollow"
TAB_WIDTH = 4

_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t\f\v]*\n)+")
_TRAILING_BLANK_LINES = re.compile(r"(?:\n[ \t\f\v]*)+\Z")
_SPACES = re.compile(r"^ +| {2,}")


def _linkifier() -> LinkifyIt:
    """A link finder for web addresses with a scheme and email addresses only.

    Bare domains (``setup.py``, ``www.example.com``), ``ftp:`` and ``//host``
    links are not links here: ``.py`` is a top-level domain, and a support
    conversation is full of file names.
    """
    finder = LinkifyIt(options={"fuzzy_link": False, "fuzzy_ip": False, "fuzzy_email": True})
    finder.add("ftp:", None)
    finder.add("//", None)
    return finder


_FINDER = _linkifier()


def normalise(raw: str | None) -> str:
    """The typed text as it is kept: ``\\r\\n`` and lone ``\\r`` become ``\\n``, outer blank lines go.

    Nothing else changes: angle brackets, indentation, spaces inside and at
    the end of lines stay. NUL characters are dropped (no database stores
    them in text). Text that is only whitespace becomes ``""``.
    """
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        return ""
    text = _LEADING_BLANK_LINES.sub("", text)
    return _TRAILING_BLANK_LINES.sub("", text)


def _spaces_in_line(match: re.Match) -> str:
    """A run of spaces HTML would collapse, kept: ``&nbsp;`` for all but the last, which may wrap."""
    run = match.group(0)
    if match.start() == 0 and len(run) == 1:
        return "&nbsp;"
    return "&nbsp;" * (len(run) - 1) + " "


def _keep_spaces_in(line: str) -> str:
    """One line of escaped HTML with its leading spaces and runs of spaces kept."""
    return _SPACES.sub(_spaces_in_line, line)


def _plain(segment: str) -> str:
    """A piece of text that is no link, escaped, with its tabs as spaces."""
    return str(escape(segment.replace("\t", " " * TAB_WIDTH)))


def _link(url: str, label: str) -> str:
    """An escaped link to ``url`` that shows ``label``."""
    return f'<a href="{escape(url)}" rel="{LINK_REL}" target="_blank">{_plain(label)}</a>'


# rendered bodies kept per process: a ticket page shows the same posts to every agent, and rendering one
# (links found, escaped, cleaned) costs more than the rest of its row; bounded in count and in size
RENDERED_KEPT = 512
RENDERED_MAX_CHARS = 8_000


def render(text: str | None) -> Markup:
    """The HTML of a plain-text body: escaped, links made clickable, line breaks and spacing kept.

    Used as the ``plain_text`` template filter. The result contains only
    ``<a>`` (``http``, ``https`` and ``mailto`` links) and ``<br>`` elements;
    it is passed through nh3 as a last check, so it is safe to show anywhere.
    The result depends on the text only, so the last :data:`RENDERED_KEPT`
    bodies of up to :data:`RENDERED_MAX_CHARS` characters are remembered.
    """
    if text and len(text) <= RENDERED_MAX_CHARS:
        return _render_kept(text)
    return _render(text)


@lru_cache(maxsize=RENDERED_KEPT)
def _render_kept(text: str) -> Markup:
    return _render(text)


def _render(text: str | None) -> Markup:
    text = normalise(text)
    if not text:
        return Markup("")
    pieces, end = [], 0
    for match in _FINDER.match(text) or ():
        pieces.append(_plain(text[end:match.index]))
        pieces.append(_link(match.url, match.raw))
        end = match.last_index
    pieces.append(_plain(text[end:]))
    html = "<br>\n".join(_keep_spaces_in(line) for line in "".join(pieces).split("\n"))
    return Markup(nh3.clean(html, tags={"a", "br"}, attributes={"a": {"href", "target"}},
                            url_schemes={"http", "https", "mailto"}, link_rel=LINK_REL))


def clean_body(raw: str | None) -> tuple[str, str]:
    """Return ``(html, text)`` of a post body typed as plain text.

    ``text`` is exactly what was typed (see :func:`normalise`); ``html`` is
    :func:`render` of it, as a string ready to store. Nothing typed is ever
    read as markup: ``<john@example.com>`` or ``a<b and c>d`` stay as typed.
    """
    text = normalise(raw)
    return str(render(text)), text
