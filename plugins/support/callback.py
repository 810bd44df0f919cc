"""Fetch what the company's own system knows about a customer (SPEC S-33), never reaching internal addresses.

The admin sets ``support.callback_url``; staff opening a ticket ask it for a
customer by email (``GET <url>?email=...``) and see the JSON object it answers
as a list of keys and values. Every failure (no URL, refused address, timeout,
connection error, non-2xx status, an answer that is not a JSON object) comes
back as a localized message in :class:`CallbackResult`, never as an exception.

The host name is resolved once, every address is checked, and the connection
goes to the checked address, so a name that resolves differently on the
second lookup cannot slip past the check; redirects are followed by hand and
each hop is checked the same way.
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from flask_babel import gettext as _, ngettext

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
MAX_BODY_BYTES = 1024 * 1024
MAX_ITEMS = 100


@dataclass(frozen=True)
class CallbackResult:
    """The outcome of one fetch: ``items`` (key, value) pairs when ``ok``, else a translated ``error``."""

    ok: bool
    items: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict:
        """A JSON-safe form, for keeping the result with the wizard's state."""
        return {"ok": self.ok, "items": [list(i) for i in self.items], "error": self.error}


class _Refused(Exception):
    """An error already phrased for staff; ``str(exc)`` is the translated message."""


def address_is_internal(address: str) -> bool:
    """Whether an IP address is loopback, private, link-local, reserved or otherwise not public.

    IPv4 addresses mapped into IPv6 (``::ffff:127.0.0.1``) are judged as IPv4.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (not ip.is_global or ip.is_multicast or ip.is_loopback or ip.is_private
            or ip.is_link_local or ip.is_reserved or ip.is_unspecified)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an already checked address, keeping the host name for the Host header."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to an already checked address; the certificate is verified against the host name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _with_email(url: str, email: str) -> str:
    parts = urlsplit(url)
    query = "&".join(p for p in (parts.query, urlencode({"email": email})) if p)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def _checked_address(url: str, allow_private: bool) -> tuple[str, int, str]:
    """Return (host, port, address to connect to) for ``url``, or raise :class:`_Refused`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Refused(_("The callback URL must be an http or https address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _Refused(_("The callback URL must be an http or https address.")) from None
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise _Refused(_("The callback host %(host)s could not be found.", host=parts.hostname)) from None
    if not addresses:
        raise _Refused(_("The callback host %(host)s could not be found.", host=parts.hostname))
    if not allow_private and any(address_is_internal(a) for a in addresses):
        raise _Refused(_("The callback address %(host)s is internal; an administrator must allow "
                         "private addresses to use it.", host=parts.hostname))
    return parts.hostname, port, addresses[0]


def _request(url: str, allow_private: bool, timeout: float) -> tuple[int, str | None, bytes]:
    host, port, address = _checked_address(url, allow_private)
    parts = urlsplit(url)
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address, timeout)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request("GET", target, headers={"Accept": "application/json", "User-Agent": "crm-desk-callback"})
        response = conn.getresponse()
        body = response.read(MAX_BODY_BYTES + 1)
        return response.status, response.getheader("Location"), body
    finally:
        conn.close()


def _flatten(data: dict) -> list[tuple[str, str]]:
    items = []
    for key, value in list(data.items())[:MAX_ITEMS]:
        if isinstance(value, str):
            shown = value
        elif value is None:
            shown = ""
        elif isinstance(value, (bool, int, float)):
            shown = json.dumps(value)
        else:
            shown = json.dumps(value, ensure_ascii=False)
        items.append((str(key), shown))
    return items


def fetch(url: str, email: str, *, timeout: float = 5, allow_private: bool = False) -> CallbackResult:
    """Ask the callback at ``url`` about the customer ``email``; never raises.

    :param url: the configured callback URL (http or https).
    :param email: sent as the ``email`` query parameter.
    :param timeout: seconds to wait for connecting and for each read.
    :param allow_private: whether loopback, private and link-local targets are allowed.
    :return: a :class:`CallbackResult`.
    """
    current = _with_email(url, email)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            status, location, body = _request(current, allow_private, timeout)
            if status in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            break
        else:
            return CallbackResult(False, error=_("The callback redirected too many times."))
    except _Refused as exc:
        return CallbackResult(False, error=str(exc))
    except (TimeoutError, socket.timeout):
        return CallbackResult(False, error=ngettext("The callback did not answer within %(num)s second.",
                                                    "The callback did not answer within %(num)s seconds.",
                                                    int(timeout)))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        log.info("callback %s failed: %s", url, exc)
        return CallbackResult(False, error=_("Could not connect to the callback."))
    if not 200 <= status < 300:
        return CallbackResult(False, error=_("The callback answered with an error (status %(status)s).",
                                             status=status))
    if len(body) > MAX_BODY_BYTES:
        return CallbackResult(False, error=_("The callback's answer is too large."))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return CallbackResult(False, error=_("The callback did not answer with JSON."))
    if not isinstance(data, dict):
        return CallbackResult(False, error=_("The callback did not answer with a JSON object."))
    return CallbackResult(True, items=_flatten(data))


def fetch_customer_info(email: str) -> CallbackResult:
    """Ask the configured callback (``support.callback_url``) about a customer, with the configured limits."""
    from crm import settings

    url = settings.get("support.callback_url")
    if not url:
        return CallbackResult(False, error=_("No callback URL is configured."))
    if not email:
        return CallbackResult(False, error=_("Enter the customer's email first."))
    return fetch(url, email, timeout=settings.get("support.callback_timeout"),
                 allow_private=settings.get("support.callback_allow_private"))
