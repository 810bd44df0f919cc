"""Custom domains of portals (P-11): the CNAME record to create, and its check through DNS.

An admin enters a subdomain (``support.acme.example``) for a brand's portal.
The page shows the record to create, ``support.acme.example. CNAME
desk.example.com.``, whose target is the desk's own host (from
``CRM_BASE_URL``). :func:`check_site` asks DNS (dnspython) for the domain's
CNAME: when it names the desk's host the domain becomes ``valid`` and is
served (see :mod:`plugins.portal.sites`); otherwise it stays ``pending``.

- A definite answer decides: no such name, no CNAME, or a CNAME elsewhere
  makes (or keeps) the domain ``pending``, also a domain that was valid
  before (its record was removed or moved).
- An unreachable or failing DNS server decides nothing: the state is kept,
  so a resolver outage never takes a working portal offline.

The resolver is the system's, or the one named by ``DNS_RESOLVER``
(``CRM_DNS_RESOLVER``): ``"127.0.0.1"`` or ``"127.0.0.1:5353"`` or
``"[::1]:5353"``, several separated by commas. ``DNS_TIMEOUT`` (seconds,
default 5) bounds each check.

The periodic re-check is the command ``flask crm portal check-domains``.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.exception
import dns.name
import dns.resolver
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.timeutil import utcnow
from plugins.portal.models import PortalSite

NONE, PENDING, VALID = "none", "pending", "valid"
DOMAIN_MAX = 253


class DomainError(ValueError):
    """A domain an admin entered cannot be used; ``str(err)`` is the translated reason."""


@dataclass(frozen=True)
class CheckResult:
    """What one check found: the new state, and the CNAME targets DNS answered (empty: none)."""

    state: str
    targets: tuple[str, ...] = ()
    decided: bool = True  # False when DNS could not be asked: the state was kept


def cname_target() -> str:
    """The host a portal's CNAME record must point to: the desk's own host from ``CRM_BASE_URL``."""
    return (urlsplit(current_app.config["BASE_URL"]).hostname or "").lower()


def normalize_domain(text: str) -> str:
    """The domain as stored (lower case, ASCII, no trailing dot), or :class:`DomainError` with the reason.

    International names are stored in their ASCII (``xn--``) form. The domain
    must be a subdomain (three labels at least: a zone's apex cannot hold a
    CNAME record), and not the desk's own host.
    """
    raw = (text or "").strip().rstrip(".").lower()
    if not raw:
        raise DomainError(_("Enter a domain such as support.example.com."))
    try:
        ascii_name = raw.encode("idna").decode("ascii")
    except UnicodeError:
        raise DomainError(_("Enter a domain such as support.example.com.")) from None
    labels = ascii_name.split(".")
    if (len(ascii_name) > DOMAIN_MAX or len(labels) < 3
            or any(not 0 < len(label) <= 63 or label.startswith("-") or label.endswith("-")
                   or not all(c.isalnum() or c == "-" for c in label) for label in labels)
            or labels[-1].isdigit()):
        raise DomainError(_("Enter a subdomain such as support.example.com (a CNAME cannot be set on the "
                            "domain itself)."))
    if ascii_name == cname_target():
        raise DomainError(_("This is the desk's own address; choose another subdomain."))
    return ascii_name


def check_resolver_config(config) -> None:
    """Refuse a ``DNS_RESOLVER`` or ``DNS_TIMEOUT`` that cannot work (called at start-up): ValueError names it."""
    import ipaddress

    value = config.get("DNS_RESOLVER")
    if value:
        for part in str(value).split(","):
            try:
                host, port = _server(part.strip())
                ipaddress.ip_address(host)
                if not 0 < port < 65536:
                    raise ValueError
            except ValueError:
                raise ValueError(f"DNS_RESOLVER: {part.strip()!r} is not an address such as 127.0.0.1, "
                                 f"127.0.0.1:5353 or [::1]:53") from None
    try:
        if float(config.get("DNS_TIMEOUT", 5)) <= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError("DNS_TIMEOUT must be a number of seconds above 0") from None


def resolver() -> dns.resolver.Resolver:
    """A resolver for the checks: ``DNS_RESOLVER`` when configured, else the system's."""
    configured = current_app.config.get("DNS_RESOLVER")
    timeout = float(current_app.config.get("DNS_TIMEOUT", 5))
    if configured:
        res = dns.resolver.Resolver(configure=False)
        servers, port = [], 53
        for part in str(configured).split(","):
            host, port = _server(part.strip())
            servers.append(host)
        res.nameservers = servers
        res.port = port
    else:
        res = dns.resolver.Resolver()
    res.timeout = res.lifetime = timeout
    return res


def _server(text: str) -> tuple[str, int]:
    if text.startswith("["):  # [::1]:5353
        host, _sep, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 53
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 53


def lookup(domain: str) -> CheckResult:
    """Ask DNS for the CNAME of ``domain`` and say what state it earns."""
    target = dns.name.from_text(cname_target())
    try:
        answer = resolver().resolve(domain, "CNAME")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return CheckResult(PENDING)
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.exception.DNSException, OSError):
        return CheckResult(PENDING, decided=False)
    targets = tuple(rr.target for rr in answer)
    shown = tuple(t.to_text(omit_final_dot=True).lower() for t in targets)
    return CheckResult(VALID if any(t == target for t in targets) else PENDING, shown)


def set_domain(site: PortalSite, text: str, user=None) -> None:
    """Give ``site`` a new custom domain (pending until checked), or none with an empty ``text``.

    :raises DomainError: for a domain that is not a subdomain, is the desk's own
        host, or is used by another portal; nothing is changed then.
    The caller commits.
    """
    from plugins.portal.sites import forget_domains

    domain = normalize_domain(text) if (text or "").strip() else None
    if domain is not None:
        taken = db.session.scalar(select(func.count()).select_from(PortalSite).where(
            PortalSite.custom_domain == domain, PortalSite.brand_id != site.brand_id))
        if taken:
            raise DomainError(_("Another portal uses this domain."))
    if domain == site.custom_domain:
        return
    audit.record("portal.domain.changed", "portal", site.slug,
                 {"custom_domain": (site.custom_domain, domain)}, user=user)
    site.custom_domain = domain
    site.domain_state = PENDING if domain else NONE
    site.domain_checked_at = None
    forget_domains()


def check_site(site: PortalSite) -> CheckResult:
    """Check ``site``'s custom domain now and store the state (the caller commits); see the module's rules."""
    from plugins.portal.sites import forget_domains

    if not site.custom_domain:
        return CheckResult(NONE)
    result = lookup(site.custom_domain)
    site.domain_checked_at = utcnow()
    if result.decided and result.state != site.domain_state:
        audit.record("portal.domain.checked", "portal", site.slug, {"domain_state": (site.domain_state,
                                                                                      result.state)})
        site.domain_state = result.state
        forget_domains()
    return result


def check_all() -> list[tuple[PortalSite, CheckResult]]:
    """Check every portal that has a custom domain, committing after each; for the periodic command."""
    sites = list(db.session.scalars(select(PortalSite).where(PortalSite.custom_domain.is_not(None))
                                    .order_by(PortalSite.slug)))
    results = []
    for site in sites:
        results.append((site, check_site(site)))
        db.session.commit()
    return results
