"""Sending a stored file as a download: streamed, with the same headers whatever the backend."""
from __future__ import annotations

import os
from typing import BinaryIO

from flask import Response, abort, send_file

from crm.storage.backends import storage


def open_file(key: str) -> BinaryIO:
    """Open a stored file for reading; FileNotFoundError if it is missing."""
    return storage().open(key)


def stream_size(stream: BinaryIO) -> int | None:
    """The length of an opened stored file: its ``size``, or a real file's size on disk; None if unknown."""
    size = getattr(stream, "size", None)
    if isinstance(size, int) and size >= 0:
        return size
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


def send_stored_file(key: str, download_name: str, mimetype: str | None = None,
                     as_attachment: bool = True) -> Response:
    """A response streaming a stored file; 404 when it is missing. Check access before calling.

    Whatever the backend, the response carries the content type (default
    ``application/octet-stream``), ``Content-Disposition`` with the download
    name, ``Content-Length``, ``X-Content-Type-Options: nosniff``, a
    sandboxing ``Content-Security-Policy`` (a file opened in the browser
    runs no script) and ``Cache-Control: private, no-store`` (files are
    access-checked; no shared cache may keep them).
    """
    try:
        stream = open_file(key)
    except FileNotFoundError:
        abort(404)
    size = stream_size(stream)
    response = send_file(stream, mimetype=mimetype or "application/octet-stream", as_attachment=as_attachment,
                         download_name=download_name, conditional=False, etag=False)
    if size is not None:
        response.content_length = size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
