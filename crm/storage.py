"""File storage behind one interface; the local folder backend is the default.

Keys are opaque strings such as ``"support/2026/11/ab12...-invoice.pdf"``;
views that serve files check access first and then stream through
:func:`send_stored_file` (or read with :func:`open_file`).

Backends. ``STORAGE_BACKEND`` names the class: ``"local"`` (the default,
:class:`LocalStorage` in ``STORAGE_DIR``) or ``"package.module:ClassName"``.
A second backend, such as S3-compatible object storage with boto3, is a class
that

- has a ``from_app(app)`` class method building it from ``app.config``
  (its own keys, e.g. ``STORAGE_S3_BUCKET``, ``STORAGE_S3_ENDPOINT_URL``);
- implements the four methods of :class:`Storage` with the same key rules:
  :meth:`Storage.save` makes the key with :func:`new_key`, every method
  refuses a key that :func:`check_key` refuses, ``open`` raises
  FileNotFoundError for a missing key and ``delete`` ignores one.

Every app machine then shares the files, and callers do not change: they
only ever use :func:`storage`.
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import Flask, abort, current_app, send_file
from werkzeug.utils import import_string, secure_filename

from crm.timeutil import utcnow


class Storage(Protocol):
    """What every storage backend offers."""

    def save(self, stream: BinaryIO, filename: str, prefix: str = "files") -> str:
        """Store the stream's bytes; return the new key."""

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; raise FileNotFoundError if missing."""

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing key is not an error."""

    def exists(self, key: str) -> bool:
        """Whether the key is stored."""


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str) -> str:
    """A file name reduced to safe ASCII characters (for keys, never for display)."""
    name = secure_filename(os.path.basename((filename or "").replace("\\", "/"))) or "file"
    name = _SAFE.sub("_", name).strip("._") or "file"
    return name[-100:]


def new_key(filename: str, prefix: str = "files") -> str:
    """A fresh, unguessable key under ``prefix/<year>/<month>/`` ending in the file's safe name."""
    now = utcnow()
    prefix = "/".join(p for p in (_SAFE.sub("_", part).strip(".") for part in prefix.split("/")) if p) or "files"
    return f"{prefix}/{now:%Y/%m}/{secrets.token_hex(12)}-{safe_name(filename)}"


def check_key(key: str) -> str:
    """Return ``key`` if it is a relative path inside the store; raise FileNotFoundError otherwise."""
    if not isinstance(key, str) or not key or "\x00" in key or "\\" in key:
        raise FileNotFoundError(key)
    path = PurePosixPath(key)
    if path.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
        raise FileNotFoundError(key)
    return key


class LocalStorage:
    """Files in a folder (the instance's ``files/`` by default)."""

    def __init__(self, root: str):
        self.root = Path(root).resolve()

    @classmethod
    def from_app(cls, app: Flask) -> "LocalStorage":
        """The backend for ``app``: its ``STORAGE_DIR``."""
        return cls(app.config["STORAGE_DIR"])

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise FileNotFoundError(key)
        return path

    def save(self, stream: BinaryIO, filename: str, prefix: str = "files") -> str:
        """Store the stream's bytes under a new key (written completely or not at all)."""
        key = new_key(filename, prefix)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(1024 * 256):
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; FileNotFoundError if it is missing or the key is refused."""
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return open(path, "rb")

    def delete(self, key: str) -> None:
        """Remove a stored file; missing files and refused keys are ignored."""
        try:
            self._path(key).unlink()
        except (FileNotFoundError, IsADirectoryError):
            pass

    def exists(self, key: str) -> bool:
        """Whether the key names a stored file."""
        try:
            return self._path(key).is_file()
        except FileNotFoundError:
            return False


BACKENDS = {"local": LocalStorage}


def backend_class(name: str):
    """The backend class named by ``STORAGE_BACKEND``: a short name or ``"package.module:Class"``."""
    if name in BACKENDS:
        return BACKENDS[name]
    if ":" not in name:
        raise RuntimeError(f"unknown STORAGE_BACKEND {name!r}; use 'local' or 'package.module:Class'")
    return import_string(name.replace(":", "."))


def storage() -> Storage:
    """The current app's storage backend."""
    ext = current_app.extensions
    if "crm_storage" not in ext:
        cls = backend_class(current_app.config.get("STORAGE_BACKEND") or "local")
        ext["crm_storage"] = cls.from_app(current_app)
    return ext["crm_storage"]


def open_file(key: str) -> BinaryIO:
    """Open a stored file for reading; FileNotFoundError if it is missing."""
    return storage().open(key)


def send_stored_file(key: str, download_name: str, mimetype: str | None = None, as_attachment: bool = True):
    """A response streaming a stored file; 404 when it is missing. Check access before calling."""
    try:
        stream = open_file(key)
    except FileNotFoundError:
        abort(404)
    return send_file(stream, mimetype=mimetype or "application/octet-stream", as_attachment=as_attachment,
                     download_name=download_name)
