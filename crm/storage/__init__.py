"""File storage behind one interface; a local folder by default, S3-compatible object storage by configuration.

Keys are opaque strings such as ``"support/2026/11/ab12...-invoice.pdf"``;
views that serve files check access first and then stream through
:func:`send_stored_file` (or read with :func:`open_file`). Callers only ever
use :func:`storage`; which backend answers is configuration:

- ``STORAGE_URL`` (``CRM_STORAGE_URL``), when set, names the place:
  ``file:///srv/crm/files`` for a local folder, or
  ``s3://bucket/optional/prefix?endpoint=https://s3.example.com&region=eu-west-1``
  for a bucket on S3 or an S3-compatible server (:mod:`crm.storage.s3`;
  credentials from the standard ``AWS_*`` environment variables or the
  URL's ``access_key`` and ``secret_key``; see :func:`crm.storage.urls.parse_storage_url`).
  Every app machine pointed at the same bucket shares the files.
- Otherwise ``STORAGE_BACKEND`` names the class: ``"local"`` (the default,
  :class:`LocalStorage` in ``STORAGE_DIR``), ``"s3"``, or
  ``"package.module:ClassName"`` for a backend of your own.

A backend of your own is a class that

- has a ``from_app(app)`` class method building it from ``app.config``;
- implements the four methods of :class:`Storage` with the same key rules:
  :meth:`Storage.save` makes the key with :func:`new_key`, every method
  refuses a key that :func:`check_key` refuses, ``open`` raises
  FileNotFoundError for a missing key and returns a stream read in chunks
  (with a ``size`` attribute for ``Content-Length``), and ``delete``
  ignores a missing key.

Modules: :mod:`~crm.storage.keys` (key rules), :mod:`~crm.storage.local` and
:mod:`~crm.storage.s3` (the backends), :mod:`~crm.storage.urls`
(``STORAGE_URL``), :mod:`~crm.storage.backends` (choosing one per app) and
:mod:`~crm.storage.serving` (downloads).
"""
from __future__ import annotations

from crm.storage.backends import BACKENDS, backend_class, build_backend, init_app, storage
from crm.storage.base import Storage
from crm.storage.keys import check_key, new_key, safe_name
from crm.storage.local import LocalStorage
from crm.storage.serving import open_file, send_stored_file, stream_size

__all__ = [
    "BACKENDS", "LocalStorage", "Storage", "backend_class", "build_backend", "check_key", "init_app",
    "new_key", "open_file", "safe_name", "send_stored_file", "storage", "stream_size",
]
