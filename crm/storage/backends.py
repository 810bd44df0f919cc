"""Choosing the app's storage backend from its configuration, once per app."""
from __future__ import annotations

from flask import Flask, current_app
from werkzeug.utils import import_string

from crm.storage.base import Storage
from crm.storage.local import LocalStorage
from crm.storage.urls import LocalLocation, parse_storage_url

BACKENDS = {"local": LocalStorage, "s3": "crm.storage.s3:S3Storage"}


def backend_class(name: str):
    """The backend class named by ``STORAGE_BACKEND``: a short name or ``"package.module:Class"``."""
    target = BACKENDS.get(name, name)
    if not isinstance(target, str):
        return target
    if ":" not in target:
        raise RuntimeError(f"unknown STORAGE_BACKEND {name!r}; use 'local', 's3' or 'package.module:Class'")
    return import_string(target.replace(":", "."))


def build_backend(app: Flask) -> Storage:
    """A new backend for ``app``: from ``STORAGE_URL`` when it is set, else from ``STORAGE_BACKEND``."""
    url = (app.config.get("STORAGE_URL") or "").strip()
    if url:
        location = parse_storage_url(url)
        if isinstance(location, LocalLocation):
            return LocalStorage(location.path)
        from crm.storage.s3 import S3Storage

        return S3Storage(location)
    return backend_class(app.config.get("STORAGE_BACKEND") or "local").from_app(app)


def init_app(app: Flask) -> None:
    """Check ``STORAGE_URL`` when the app starts (without connecting), so a mistyped one fails at once."""
    url = (app.config.get("STORAGE_URL") or "").strip()
    if url:
        parse_storage_url(url)


def storage() -> Storage:
    """The current app's storage backend (made on first use, then shared by the app's threads)."""
    ext = current_app.extensions
    if "crm_storage" not in ext:
        ext["crm_storage"] = build_backend(current_app)
    return ext["crm_storage"]
