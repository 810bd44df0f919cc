"""Hostile request values and the machinery that sends them to every route of an app.

Used by ``tests/test_fuzz_routes.py``. The pieces:

- :data:`VALUES`: the hostile values, each with a name; :data:`ALWAYS` are sent to
  every field and parameter, the rest are sampled per field with a fixed seed;
- :class:`FormParser`: the forms of an HTML page (``html.parser``), with the
  values a person who fills in every field would send;
- :class:`ReadKeys`: a request parameter class that records which query and
  form keys a view reads, so parameters that no form shows are fuzzed too;
- :func:`encode_query`, :func:`encode_urlencoded`, :func:`encode_multipart`:
  request encodings that can carry raw bytes that are not UTF-8.
"""
from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit


class Raw(bytes):
    """A value sent as these exact bytes (never UTF-8 encoded)."""


class Repeated(tuple):
    """A value sent as the same key repeated once per item."""


HUGE = "99999999999999999999999"
INT32_OVERFLOW = str(2**31)  # one past PostgreSQL's integer: fits 64 bits, not an id column
VALUES: dict[str, object] = {
    "nul": "a\x00b",
    "unicode_digit": "²",
    "huge_int": HUGE,
    "overlong": "x" * 100_000,
    "arabic_digit": "٣",
    "fullwidth_digits": "１２",
    "negative": "-1",
    "huge_negative": "-" + HUGE,
    "zero": "0",
    "float": "1e309",
    "empty": "",
    "blank": " \t\n",
    "invalid_utf8": Raw(b"\xff\xfe"),
    "repeated": Repeated(("1", "2")),
    "markup": "<b>\"'&</b>",
    "long_word": "é" * 300,
}
ALWAYS = ("nul", "unicode_digit", "huge_int", "overlong")
SAMPLED = tuple(name for name in VALUES if name not in ALWAYS)

# values for URL variables, by converter; every variable of every route gets all of its kind
INT_VARIABLES = {"arabic_digit": "٣", "huge_int": HUGE, "int32_overflow": INT32_OVERFLOW, "zero": "0",
                 "fullwidth_digits": "１２"}
STRING_VARIABLES = {
    "nul": "a%00b", "unicode_digit": "%C2%B2", "huge_int": HUGE, "overlong": "x" * 100_000,
    "invalid_utf8": "%FF%FE",
}


def plan(seed: str, extra: int = 3, sample: str | None = None) -> list[tuple[str, object]]:
    """The (name, value) pairs one field gets: :data:`ALWAYS`, ``extra`` others chosen by ``seed``
    (deterministic) and, when the field has a real ``sample`` value with digits (``u12``), that value with
    its digits replaced by a Unicode digit, a huge number and one past a 32-bit integer (``u²``,
    ``u999...``, ``u2147483648``)."""
    rng = random.Random(zlib.crc32(seed.encode()))
    pairs = [(name, VALUES[name]) for name in (*ALWAYS, *rng.sample(SAMPLED, extra))]
    if sample and re.search(r"[0-9]", sample) and "://" not in sample:  # never a real address: no lookups
        pairs += [("unicode_digit_in_value", re.sub(r"[0-9]+", "²", sample)),
                  ("huge_int_in_value", re.sub(r"[0-9]+", HUGE, sample)),
                  ("int32_overflow_in_value", re.sub(r"[0-9]+", INT32_OVERFLOW, sample))]
    return pairs


# encodings ---------------------------------------------------------------------------------------

def _pairs(fields: list[tuple[str, object]]):
    for key, value in fields:
        if isinstance(value, Repeated):
            for item in value:
                yield key, item
        else:
            yield key, value


def _url_part(value: object, raw_as_bytes: bool) -> bytes:
    if isinstance(value, Raw):
        return bytes(value) if raw_as_bytes else "".join(f"%{b:02X}" for b in value).encode()
    return quote(str(value), safe="").encode()


def encode_query(fields: list[tuple[str, object]]) -> str:
    """A query string; :class:`Raw` values are percent-encoded bytes (``%FF%FE``)."""
    return b"&".join(_url_part(k, False) + b"=" + _url_part(v, False) for k, v in _pairs(fields)).decode()


def encode_urlencoded(fields: list[tuple[str, object]]) -> bytes:
    """An ``application/x-www-form-urlencoded`` body; :class:`Raw` values are sent as raw bytes."""
    return b"&".join(_url_part(k, True) + b"=" + _url_part(v, True) for k, v in _pairs(fields))


@dataclass
class Upload:
    """A file part of a multipart body."""

    filename: object
    content: bytes = b"hello\n"


def encode_multipart(fields: list[tuple[str, object]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type; :class:`Raw` values are raw bytes."""
    boundary = "fuzzboundary7MA4YWxkTrZu0gW"
    out = bytearray()
    for key, value in _pairs(fields):
        out += f"--{boundary}\r\n".encode()
        name = key.replace('"', "%22").encode()
        if isinstance(value, Upload):
            filename = value.filename
            raw_name = bytes(filename) if isinstance(filename, Raw) else str(filename).replace('"', "%22").encode()
            out += b'Content-Disposition: form-data; name="' + name + b'"; filename="' + raw_name + b'"\r\n'
            out += b"Content-Type: application/octet-stream\r\n\r\n" + value.content + b"\r\n"
        else:
            data = bytes(value) if isinstance(value, Raw) else str(value).encode()
            out += b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


# forms -------------------------------------------------------------------------------------------

@dataclass
class Form:
    """One ``<form>``: where it goes, how, and the values of a filled-in form."""

    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, object]] = field(default_factory=list)  # what a filled-in form sends
    names: list[str] = field(default_factory=list)  # every named control, in page order
    files: list[str] = field(default_factory=list)  # names of file inputs
    choices: dict[str, list[str]] = field(default_factory=dict)  # every value offered per name

    def sample(self, name: str) -> str | None:
        """A value the page offers for ``name`` that contains digits (an id), else its filled-in value."""
        offered = [*self.choices.get(name, ()), *(str(v) for k, v in self.fields if k == name)]
        return next((v for v in offered if re.search(r"[0-9]", v)), offered[0] if offered else None)

    def fill(self, name: str, value: object) -> list[tuple[str, object]]:
        """The filled-in form with ``name`` set to ``value`` (replacing whatever it had)."""
        if name in self.files:
            value = Upload(value)
        return [(k, v) for k, v in self.fields if k != name] + [(name, value)]


class FormParser(HTMLParser):
    """Collects the forms of a page and the links on it.

    Filled-in values are what a thorough person sends: text as shown (an
    empty text field or text area gets a plausible value), the first
    non-empty option of each select, every checkbox ticked, the first radio
    button when none is chosen, and the first named submit button.
    """

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._radios: dict[str, bool] = {}
        self._submitted = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action") or self.page_url, method=(a.get("method") or "get").lower(),
                              multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
            self._radios, self._submitted = {}, False
        elif self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button":
            self._button(a)
        elif tag == "select":
            self._select = (a["name"], [], [])
            self._names(a["name"])
        elif tag == "textarea":
            self._textarea = (a["name"], [])
            self._names(a["name"])

    def _names(self, name):
        if name not in self._form.names:
            self._form.names.append(name)

    def _input(self, a):
        name, kind = a["name"], a.get("type", "text").lower()
        self._names(name)
        if kind == "file":
            self._form.files.append(name)
        elif kind == "checkbox":
            self._form.fields.append((name, a.get("value") or "on"))
            self._form.choices.setdefault(name, []).append(a.get("value") or "on")
        elif kind == "radio":
            self._form.choices.setdefault(name, []).append(a.get("value") or "on")
            if "checked" in a or name not in self._radios:
                if name in self._radios:
                    self._form.fields = [(k, v) for k, v in self._form.fields if k != name]
                self._form.fields.append((name, a.get("value") or "on"))
                self._radios[name] = self._radios.get(name, False) or "checked" in a
        elif kind in ("submit", "image", "button", "reset"):
            self._button(a)
        elif name != "csrf_token":
            self._form.fields.append((name, a.get("value") or self._plausible(kind, name)))

    @staticmethod
    def _plausible(kind: str, name: str) -> str:
        """A value for an empty field, so that a hostile value in another field gets past "required"
        checks; addresses, passwords, hidden and URL fields stay empty (nothing may be looked up)."""
        if kind == "email" or "email" in name:
            return "fuzz@example.org"
        if kind in ("text", "search", "tel") and not any(w in name for w in ("host", "url", "domain", "token")):
            return "Fuzz"
        return ""

    def _button(self, a):
        self._names(a["name"])
        if not self._submitted and a.get("type", "submit").lower() == "submit":
            self._submitted = True
            self._form.fields.append((a["name"], a.get("value", "")))

    def _option(self, a):
        values, selected = self._select[1], self._select[2]
        value = a.get("value", "")
        values.append(value)
        if "selected" in a:
            selected.append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, values, selected = self._select
            self._form.choices.setdefault(name, []).extend(values)
            chosen = selected or [v for v in values if v][:1] or values[:1]
            self._form.fields.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._form.fields.append((name, "".join(text) or "Fuzz text"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)


def parse_page(url: str, html: str) -> FormParser:
    """The forms and links of one page."""
    parser = FormParser(url)
    parser.feed(html)
    parser.close()
    return parser


def local_path(href: str, host: str = "localhost") -> str | None:
    """The path and query of a link that stays on the site (relative, or absolute on ``host``, the test
    client's host), else None."""
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", host) or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# which keys a view reads -------------------------------------------------------------------------

class ReadKeys:
    """A mixin for request ``args``/``form`` storage that records every key a view looks up.

    :func:`recording_request_class` puts it in front of an app's own
    parameter storage; :attr:`seen` collects the keys until it is cleared.
    """

    seen: set[str] = set()

    def __getitem__(self, key):
        ReadKeys.seen.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's signature
        ReadKeys.seen.add(key)
        return super().getlist(key, type=type)

    def __contains__(self, key):
        ReadKeys.seen.add(key)
        return super().__contains__(key)


def recording_request_class(request_class: type) -> type:
    """``request_class`` whose ``args`` and ``form`` record the keys read (see :class:`ReadKeys`)."""
    storage = type("RecordingParameters", (ReadKeys, request_class.parameter_storage_class), {})
    return type("RecordingRequest", (request_class,), {"parameter_storage_class": storage})


VARIABLE = re.compile(r"<(?:(\w+)(?:\([^>]*\))?:)?(\w+)>")


def fill_rule(rule: str, values: dict[str, str]) -> str:
    """The rule's path with each ``<converter:name>`` replaced by ``values[name]`` (already URL-encoded)."""
    return VARIABLE.sub(lambda m: values[m.group(2)], rule)
