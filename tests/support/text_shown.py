"""Helpers for the plain-text body tests: what a reader sees of rendered HTML, and its links.

:func:`shown_text` applies the browser's whitespace rules to the HTML of a
post (``<br>`` breaks a line; spaces, tabs and newlines of the source
collapse into one space and vanish at a line's start and end; ``&nbsp;``
never collapses), so comparing it with the typed text proves that nothing
typed was lost, reordered or read as markup.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from plugins.support.text import TAB_WIDTH

# Typed by a customer or an agent: brackets around an address, comparisons, tags that are text,
# lists, Turkish letters, indented code, links with punctuation around them.
SAMPLE = (
    "Email me at <john@example.com> please\n"
    "a<b and c>d, then <b>not bold</b> & <script>alert(1)</script>\n"
    "\n"
    "- first item\n"
    "- second item after <tag>\n"
    "1. numbered\n"
    "2. Türkçe: İıŞşĞğÜüÖöÇç\n"
    "\n"
    "    def check(x):\n"
    "        return 0 < x and x > -1  # two  spaces\n"
    "\tTabbed line\n"
    "See https://example.com/a?b=1&c=2, or write to destek@örnek.com.tr.\n"
    "."
)
SAMPLE_LINKS = [("mailto:john@example.com", "john@example.com"),
                ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
                ("mailto:destek@örnek.com.tr", "destek@örnek.com.tr")]

_COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = [""]
        self.tags = []
        self.links = []
        self._link = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "br":
            self.lines.append("")
        elif tag == "a":
            self._link = [dict(attrs), ""]

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append(tuple(self._link))
            self._link = None

    def handle_data(self, data):
        self.lines[-1] += data
        if self._link is not None:
            self._link[1] += data


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(str(html))
    reader.close()
    return reader


def shown_text(html: str) -> str:
    """The text a browser shows for ``html``: lines joined with ``\\n``, no-break spaces as spaces,
    spaces at the end of a line (invisible) left out."""
    lines = [_COLLAPSIBLE.sub(" ", line).strip(" \t\n\r\f") for line in _read(html).lines]
    return "\n".join(line.replace("\xa0", " ").rstrip(" ") for line in lines)


def as_shown(typed: str) -> str:
    """What ``typed`` looks like on screen: tabs as spaces, trailing spaces of lines invisible."""
    return "\n".join(line.replace("\t", " " * TAB_WIDTH).rstrip(" ") for line in typed.split("\n"))


def tags(html: str) -> list[tuple[str, dict]]:
    """Every start tag of ``html`` with its attributes."""
    return _read(html).tags


def links(html: str) -> list[tuple[str, str]]:
    """``(href, label)`` of every link in ``html``."""
    return [(attrs.get("href"), label) for attrs, label in _read(html).links]


def post_bodies(page: str) -> list[str]:
    """The HTML inside each ``<div class="body">`` of a ticket page, in page order."""
    return re.findall(r'<div class="body">(.*?)</div>', page, flags=re.S)
