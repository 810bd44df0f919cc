"""Storage keys: how a new key is made from a file name, and which keys every backend refuses."""
from __future__ import annotations

import os
import re
import secrets
from pathlib import PurePosixPath

from werkzeug.utils import secure_filename

from crm.timeutil import utcnow

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
