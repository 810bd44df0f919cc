"""The local folder backend: files under one directory (the instance's ``files/`` by default)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import Flask

from crm.storage.keys import check_key, new_key


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
