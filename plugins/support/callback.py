"""Fetch what the company's own system knows about a customer (SPEC S-33), never reaching internal addresses.

The admin sets ``support.callback_url``; staff opening a ticket ask it for a
customer by email (``GET <url>?email=...``) and see the JSON object it answers
as a list of keys and values. Every failure (no URL, refused address, timeout,
connection error, non-2xx status, an answer that is not a JSON object) comes
back as a localized message in :class:`CallbackResult`, never as an exception.

The request goes through the host's :mod:`crm.security.outbound`: the address
is checked on every resolution and redirect, ``support.callback_timeout``
bounds the whole exchange, and the answer is capped in size.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask_babel import gettext as _, ngettext

from crm.security import outbound

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


def _with_email(url: str, email: str) -> str:
    parts = urlsplit(url)
    query = "&".join(p for p in (parts.query, urlencode({"email": email})) if p)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


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


def _refusal(exc: outbound.OutboundError, timeout: float) -> str:
    """The message staff see for a refused or failed fetch."""
    if isinstance(exc, outbound.InvalidURL):
        return _("The callback URL must be an http or https address.")
    if isinstance(exc, outbound.HostNotFound):
        return _("The callback host %(host)s could not be found.", host=exc.host)
    if isinstance(exc, outbound.InternalAddress):
        return _("The callback address %(host)s is internal; an administrator must allow "
                 "private addresses to use it.", host=exc.host)
    if isinstance(exc, outbound.DeadlineExceeded):
        return ngettext("The callback did not answer within %(num)s second.",
                        "The callback did not answer within %(num)s seconds.", int(timeout))
    if isinstance(exc, outbound.TooManyRedirects):
        return _("The callback redirected too many times.")
    if isinstance(exc, outbound.ResponseTooLarge):
        return _("The callback's answer is too large.")
    return _("Could not connect to the callback.")


def fetch(url: str, email: str, *, timeout: float = 5, allow_private: bool = False,
          resolver: outbound.Resolver | None = None) -> CallbackResult:
    """Ask the callback at ``url`` about the customer ``email``; never raises.

    :param url: the configured callback URL (http or https).
    :param email: sent as the ``email`` query parameter.
    :param timeout: seconds for the whole exchange (resolving, connecting, redirects, reading).
    :param allow_private: whether loopback, private and link-local targets are allowed.
    :param resolver: ``resolver(host, port) -> addresses`` (default: the system's resolver).
    :return: a :class:`CallbackResult`.
    """
    try:
        response = outbound.fetch(_with_email(url, email), headers={"Accept": "application/json"},
                                  deadline=timeout, max_bytes=MAX_BODY_BYTES, allow_private=allow_private,
                                  max_redirects=MAX_REDIRECTS, resolver=resolver)
    except outbound.OutboundError as exc:
        log.info("callback %s failed: %s", url, exc)
        return CallbackResult(False, error=_refusal(exc, timeout))
    if not response.ok:
        return CallbackResult(False, error=_("The callback answered with an error (status %(status)s).",
                                             status=response.status))
    try:
        data = json.loads(response.body.decode("utf-8"))
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
