"""File storage behind one interface; the local folder backend is the default.

Keys are opaque strings such as ``"support/2026/11/ab12...-invoice.pdf"``;
views that serve files check access first and then stream through
:func:`open_file`. A second backend (S3-compatible object storage) implements
the same four methods and is chosen by configuration.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

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
    """A file name reduced to safe characters (for keys, never for display)."""
    name = _SAFE.sub("_", os.path.basename(filename or "file")).strip("._") or "file"
    return name[-100:]


class LocalStorage:
    """Files in a folder (the instance's ``files/`` by default)."""

    def __init__(self, root: str):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise FileNotFoundError(key)
        return path

    def save(self, stream: BinaryIO, filename: str, prefix: str = "files") -> str:
        now = utcnow()
        key = f"{_SAFE.sub('_', prefix)}/{now:%Y/%m}/{secrets.token_hex(12)}-{safe_name(filename)}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            while chunk := stream.read(1024 * 256):
                out.write(chunk)
        return key

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except FileNotFoundError:
            return False


def storage() -> Storage:
    """The current app's storage backend."""
    ext = current_app.extensions
    if "crm_storage" not in ext:
        ext["crm_storage"] = LocalStorage(current_app.config["STORAGE_DIR"])
    return ext["crm_storage"]
