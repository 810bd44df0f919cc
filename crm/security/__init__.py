"""The host's security plumbing: trusted hosts, response headers, and outbound requests that cannot reach inside.

- :mod:`crm.security.hosts`: 400 for a ``Host`` the app is not configured for;
- :mod:`crm.security.headers`: CSP, framing, sniffing, referrer and caching headers;
- :mod:`crm.security.outbound`: the safe HTTP client for callbacks and webhooks;
- :mod:`crm.security.addresses`: which IP addresses count as internal.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the host check and the response headers; call before other request hooks are registered."""
    from crm.security import headers, hosts

    hosts.init_app(app)
    headers.init_app(app)
