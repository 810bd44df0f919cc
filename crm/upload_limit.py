"""The largest request body accepted, following the plugins' upload settings (``crm_upload_limit``).

``MAX_CONTENT_LENGTH`` is the limit while no enabled plugin names one; when
plugins do, the largest of their limits applies to the request. It is set
before anything reads the body, so a larger request gets the 413 page
without being read.
"""
from __future__ import annotations

from flask import Flask, current_app, request

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def request_limit() -> int | None:
    """The body limit in bytes for the current request: the largest plugin limit, else the configuration's."""
    limits = [limit for limit in current_app.extensions["crm"].caller("crm_upload_limit")()
              if isinstance(limit, int) and limit > 0]
    return max(limits) if limits else current_app.config.get("MAX_CONTENT_LENGTH")


def _apply_limit(endpoint, values) -> None:
    if request.method in _BODY_METHODS:
        request.max_content_length = request_limit()


def init_app(app: Flask) -> None:
    """Set the request's body limit first of all request hooks (ahead of the input guard that reads forms)."""
    app.url_value_preprocessors.setdefault(None, []).insert(0, _apply_limit)
