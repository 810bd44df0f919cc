"""Trusted hosts: the app answers only the hosts it is configured for, and 400 to any other ``Host`` header.

Allowed are the host of ``BASE_URL``, the names in ``ALLOWED_HOSTS`` (a name
starting with a dot allows its subdomains), outside production also
``localhost``, ``127.0.0.1`` and ``::1``, and any host a plugin answers
``crm_resolve_site`` for. The port is not compared (a proxy may change it).
The check runs before anything else of the request, so no page, redirect,
form or email ever sees an untrusted host.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request

from crm.sites import desk_site

DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class HostRules:
    """The desk's own host names: exact names and ``.suffix`` patterns."""

    names: frozenset[str]
    suffixes: tuple[str, ...]

    def allows(self, host: str) -> bool:
        """Whether ``host`` (lower case, no port) is one of the desk's own names."""
        return host in self.names or any(host.endswith(s) or host == s[1:] for s in self.suffixes)


def _idna(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def host_rules(app: Flask) -> HostRules:
    """The host names ``app`` answers on as the desk, from its configuration."""
    configured = [urlsplit(app.config["BASE_URL"]).hostname or "", *app.config["ALLOWED_HOSTS"]]
    if app.config["ENV"] != "production":
        configured += DEVELOPMENT_HOSTS
    names = {_idna(n) for n in configured if n and not n.startswith(".")}
    suffixes = tuple(sorted({"." + _idna(n[1:]) for n in configured if n.startswith(".") and len(n) > 1}))
    return HostRules(frozenset(names), suffixes)


def request_hostname() -> str:
    """The current request's host name in lower case without port; empty when the header is missing or invalid."""
    host = request.host  # werkzeug returns "" for a header with characters a host cannot have
    if not host:
        return ""
    try:
        return (urlsplit(f"//{host}").hostname or "").rstrip(".")
    except ValueError:
        return ""


def check_host():
    """``before_request``: answer 400 to a host that is neither the desk's nor one a plugin resolves to a site."""
    host = request_hostname()
    if not host:
        abort(400)
    if current_app.extensions["crm_hosts"].allows(host):
        g.crm_site = desk_site()
        return None
    site = current_app.extensions["crm"].hook.crm_resolve_site(host=host)
    if site is None:
        abort(400)
    g.crm_site = site
    return None


def init_app(app: Flask) -> None:
    """Check the host of every request; call before any other ``before_request`` of the host."""
    app.extensions["crm_hosts"] = host_rules(app)
    app.before_request(check_host)
