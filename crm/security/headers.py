"""Security headers on every response: a Content Security Policy without inline scripts, no framing, no sniffing.

- HTML pages get :data:`CONTENT_SECURITY_POLICY` (or the ``CONTENT_SECURITY_POLICY``
  configuration value): scripts only from the app's own files, never inline
  or from attributes; styles from the app's files plus inline ``<style>``
  and ``style=""`` (pages colour badges that way; colours are validated as
  ``#rrggbb``, and ``img-src`` keeps a planted ``url(...)`` from loading
  anything from elsewhere); no plugins, no framing, forms post only here.
- Every other response that is not a static file gets a policy that allows
  nothing and sandboxes it, so a downloaded file opened in the browser
  cannot run script in the app's origin. A response that already carries a
  policy (a view's own, stricter one) keeps it.
- Every response: ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``
  and ``Referrer-Policy: same-origin`` (reset links carry tokens in the path);
  ``Strict-Transport-Security`` when ``BASE_URL`` is https.
- Every response but static files: ``Cache-Control: no-store``, so no
  browser or proxy keeps a page with personal data. A view that marks its
  answer ``immutable`` (a public asset at a versioned URL, such as a
  portal's branding stylesheet) keeps its own ``Cache-Control``.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
HSTS = "max-age=31536000"


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def add_security_headers(response: Response) -> Response:
    """``after_request``: set the headers described in this module's docstring."""
    headers = response.headers
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["BASE_URL"].startswith("https:"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _is_static():
        return response
    # A view that set its own (stricter) policy keeps it, e.g. a stored file served with a sandbox.
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy",
                           current_app.config.get("CONTENT_SECURITY_POLICY") or CONTENT_SECURITY_POLICY)
    else:
        headers.setdefault("Content-Security-Policy", NON_HTML_POLICY)
    own = headers.get("Cache-Control", "")
    if "no-store" not in own and "immutable" not in own:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response, error pages included."""
    app.after_request(add_security_headers)
