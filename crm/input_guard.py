"""A request guard: input no view can store or look up is refused before any view or request hook runs.

Refused with a localized 400 page (nothing is read from or written to the
database for such a request):

- a NUL character anywhere in the path, a query or form key or value, or an
  uploaded file's name (PostgreSQL cannot store NUL in text, and no text a
  person types contains it);
- bytes that are not UTF-8 in the path, the query string or an
  ``application/x-www-form-urlencoded`` body (checked on the raw bytes; the
  form parser would otherwise drop the whole form or keep ``%FF`` as text),
  and in the text fields of a ``multipart/form-data`` body, where the parser
  puts U+FFFD, the replacement character, in place of such bytes: a multipart
  field containing it is refused;
- an integer URL variable (``<int:...>``) beyond the largest id an
  ``integer`` column holds (:data:`crm.parsing.MAX_ID`): it answers 404, as
  an id that does not exist.

The app's request class (:class:`Request`) also makes ``request.args.get(key,
type=int)`` and ``request.form.get(key, type=int)`` (and ``getlist``) strict:
only ASCII digits within an ``integer`` column's range count as a number, anything else
gives the default, as a value ``int()`` cannot read always did.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Request as FlaskRequest, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, NotFound

from crm.parsing import MAX_ID, strict_int

REPLACEMENT = "\ufffd"


class StrictIntParameters(ImmutableMultiDict):
    """Query and form values where ``type=int`` means :func:`crm.parsing.strict_int`."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        """Werkzeug's ``get``; with ``type=int`` only :func:`crm.parsing.parse_int` numbers convert, else
        ``default``."""
        return super().get(key, default, strict_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's signature
        """Werkzeug's ``getlist``; with ``type=int`` the values :func:`crm.parsing.parse_int` refuses are left
        out."""
        return super().getlist(key, strict_int if type is int else type)


class Request(FlaskRequest):
    """The app's request class: query and form values are :class:`StrictIntParameters`."""

    parameter_storage_class = StrictIntParameters


class UnreadableInput(BadRequest):
    """A request carrying NUL characters or bytes that are not UTF-8."""


def _bad_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _bad_encoded(raw: bytes) -> bool:
    """Whether a query string or urlencoded body has a key or value that decodes to NUL or to non-UTF-8 bytes."""
    return any(_bad_bytes(unquote_to_bytes(part.replace(b"+", b" ")))
               for pair in raw.split(b"&") for part in pair.split(b"=", 1))


def _path_bytes() -> bytes:
    # WSGI gives the path as its raw bytes decoded as latin-1
    return request.environ.get("PATH_INFO", "").encode("latin-1", "replace")


def _bad_urlencoded_body() -> bool:
    length, limit = request.content_length, request.max_form_memory_size
    if length is None or (limit is not None and length > limit):
        return False  # the form parser refuses it (413) or reads nothing
    return _bad_encoded(request.get_data(cache=True))  # cached: the form parser reads the same bytes


def _bad_multipart_fields() -> bool:
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value or REPLACEMENT in key or REPLACEMENT in value:
            return True
    return any("\x00" in key or "\x00" in (upload.filename or "") for key, upload in request.files.items(multi=True))


def unreadable_request() -> bool:
    """Whether the current request's path, query, form or file names carry NUL or bytes that are not UTF-8."""
    if _bad_bytes(_path_bytes()) or _bad_encoded(request.query_string):
        return True
    if request.mimetype == "application/x-www-form-urlencoded":
        return _bad_urlencoded_body()
    if request.mimetype == "multipart/form-data":
        return _bad_multipart_fields()
    return False


def guard_request(endpoint: str | None, values: dict | None) -> None:
    """The app's first URL value preprocessor, so it runs before every other request hook (plugins' URL
    value preprocessors and every ``before_request``, which may look up URL values in the database).

    Raises :class:`UnreadableInput` (400) for a request :func:`unreadable_request` refuses, and
    ``NotFound`` (404) for an integer URL variable beyond :data:`crm.parsing.MAX_ID`.
    """
    if unreadable_request():
        raise UnreadableInput()
    for value in (values or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_ID:
            raise NotFound()


def _unreadable_page(exc: UnreadableInput):
    message = _("The request contained characters that cannot be accepted (a NUL character or text that is "
                "not UTF-8). Please correct the text and try again.")
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": exc.name, "description": message}, 400
    return render_template("crm/error.html", code=400, title=message), 400


def init_app(app: Flask) -> None:
    """Install the guard: the strict request class and :func:`guard_request` ahead of every request hook."""
    app.request_class = Request
    app.url_value_preprocessors.setdefault(None, []).insert(0, guard_request)
    app.register_error_handler(UnreadableInput, _unreadable_page)
