"""Sites: the public addresses the app answers on, and absolute links built from configuration, never from a request.

The desk's address is ``BASE_URL`` (``CRM_BASE_URL``). A plugin may serve
other sites on hosts of their own (a brand's portal on its verified custom
domain) by answering ``crm_resolve_site``; a request's site is
:func:`current_site`. Links that leave the app, in emails above all, are
built with :func:`external_url`, so a forged ``Host`` header can never put
another address into them.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app, g, has_request_context

DESK = "desk"


@dataclass(frozen=True)
class Site:
    """One public address of the app: ``name`` says which site (``"desk"``, ``"portal:acme"``).

    ``base_url`` is its scheme, host, optional port and optional path prefix,
    without a trailing slash: ``https://support.acme.example``.
    """

    name: str
    base_url: str

    @property
    def host(self) -> str:
        """The lower-case host name of ``base_url``, without port."""
        return (urlsplit(self.base_url).hostname or "").lower()


def desk_site() -> Site:
    """The desk itself, at the configured ``BASE_URL``."""
    return Site(DESK, current_app.config["BASE_URL"])


def current_site() -> Site:
    """The site the current request arrived at (see ``crm_resolve_site``); the desk outside requests."""
    if has_request_context():
        site = g.get("crm_site")
        if site is not None:
            return site
    return desk_site()


def external_url(endpoint: str, *, site: Site | None = None, **values) -> str:
    """The absolute URL of ``endpoint`` on ``site`` (default: the desk), for emails and other messages.

    Takes the same arguments as :func:`flask.url_for` (``_anchor`` included)
    and works inside or outside a request, but the scheme, host and path
    prefix always come from the site's configured address, never from the
    request.

    Example: ``external_url("auth.reset_password", token=token)``.
    """
    parts = urlsplit((site or desk_site()).base_url)
    anchor = values.pop("_anchor", None)
    values.pop("_external", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="%!#$&'()*+,/:;=?@")
    return url
