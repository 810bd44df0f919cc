"""Which portal a request is for, and links to a portal's pages.

Each brand has a portal (:class:`~plugins.portal.models.PortalSite`, created
on demand). It is reachable

- under ``/portal/<slug>/...`` on the desk's own host, and
- once its custom domain is verified (``domain_state == "valid"``), at the
  root ``/...`` of that domain. The host's ``crm_resolve_site`` hook lets the
  domain through the trusted-host check (:func:`resolve_host`), and a small
  WSGI wrapper (:func:`install_domain_paths`) serves the domain's root paths
  from the portal's ``/portal/<slug>/`` routes, so every portal view exists
  once.

Every link to a portal page, on pages and in emails, is built by
:func:`portal_url`: on the verified domain when there is one, else under the
desk's configured address (``CRM_BASE_URL``), never from the request.

Emails ask for a ticket's portal on every message; :func:`link_site` answers
from a process cache of every portal's address (:class:`SiteRow`), kept until
a portal or a brand changes (the generation counters ``portal.sites`` and
``support.lookups``).
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from flask import abort, current_app, g, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm import generation
from crm.database import unit_of_work
from crm.extensions import db
from crm.sites import Site, current_site, external_url
from plugins.portal.models import PortalSite
from plugins.support import lookups
from plugins.support.models import Brand

PREFIX = "/portal"
DOMAIN_CACHE_SECONDS = 30
_SLUG_MAX = 50
SITES_KEY = "portal.sites"
generation.watch(SITES_KEY, PortalSite)  # brands move support's lookups counter, which the cache also follows


def slugify(name: str) -> str:
    """A lower-case ASCII slug of a brand name: ``"Açık Destek"`` → ``"acik-destek"``."""
    text = unicodedata.normalize("NFKD", name.replace("ı", "i").replace("İ", "I"))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:_SLUG_MAX].strip("-") or "portal"


def site_for_brand(brand: Brand) -> PortalSite:
    """The brand's portal, created (and flushed, not committed) the first time it is asked for."""
    site = db.session.get(PortalSite, brand.id)
    if site is not None:
        return site
    base = slugify(brand.name)
    taken = set(db.session.scalars(select(PortalSite.slug).where(PortalSite.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    site = PortalSite(brand_id=brand.id, slug=slug, enabled=True, registration_open=True, domain_state="none")
    db.session.add(site)
    db.session.flush()
    return site


def ensure_sites() -> list[PortalSite]:
    """Every brand's portal, creating the missing ones (flushed; the caller commits), in brand order."""
    brands = list(db.session.scalars(select(Brand).order_by(Brand.position, Brand.id)))
    return [site_for_brand(b) for b in brands]


def default_site() -> PortalSite | None:
    """The portal of the first brand (the one used for tickets without a brand); None without brands."""
    brand = db.session.scalar(select(Brand).order_by(Brand.position, Brand.id).limit(1))
    return site_for_brand(brand) if brand is not None else None


def site_for_ticket(ticket) -> PortalSite | None:
    """The portal a ticket's customer uses: the ticket's brand's, else the default portal."""
    if ticket.brand_id is not None:
        brand = db.session.get(Brand, ticket.brand_id)
        if brand is not None:
            return site_for_brand(brand)
    return default_site()


@dataclass(frozen=True, slots=True)
class SiteRow:
    """A portal's address as links need it (:func:`portal_url` takes it like a :class:`PortalSite`)."""

    brand_id: int
    slug: str
    enabled: bool
    custom_domain: str | None
    domain_state: str


@dataclass(frozen=True)
class _Sites:
    by_brand: dict[int, SiteRow]  # the brands' portals that exist
    brand_ids: frozenset[int]
    default_brand_id: int | None  # the first brand's (tickets without a brand)


@generation.cached(SITES_KEY, lookups.KEY)
def _sites() -> _Sites:
    brand_ids = list(db.session.scalars(select(Brand.id).order_by(Brand.position, Brand.id)))
    rows = db.session.execute(select(PortalSite.brand_id, PortalSite.slug, PortalSite.enabled,
                                     PortalSite.custom_domain, PortalSite.domain_state))
    return _Sites({r.brand_id: SiteRow(*r) for r in rows}, frozenset(brand_ids),
                  brand_ids[0] if brand_ids else None)


def link_site(ticket) -> SiteRow | PortalSite | None:
    """The portal a ticket's customer uses (as :func:`site_for_ticket`), for building links to it.

    From the process's cache of portals, no query; only a brand whose portal
    was never made goes through :func:`site_for_ticket`, which makes it.
    """
    sites = _sites()
    brand_id = ticket.brand_id if ticket.brand_id in sites.brand_ids else sites.default_brand_id
    if brand_id is None:
        return None
    return sites.by_brand.get(brand_id) or site_for_ticket(ticket)


def _find(slug: str) -> PortalSite | None:
    return db.session.scalar(select(PortalSite).where(PortalSite.slug == slug, PortalSite.enabled.is_(True)))


def _brands_without_site() -> bool:
    return db.session.scalar(select(Brand.id).where(Brand.id.not_in(select(PortalSite.brand_id))).limit(1)) \
        is not None


def site_by_slug(slug: str) -> PortalSite | None:
    """The enabled portal with this slug, or None; portals of brands that have none yet are made first."""
    if not isinstance(slug, str) or not slug or len(slug) > 63:
        return None
    site = _find(slug)
    if site is None and _brands_without_site():
        try:
            with unit_of_work():
                ensure_sites()
        except IntegrityError:  # another request made them at the same time
            db.session.rollback()
        site = _find(slug)
    return site


def current_portal() -> PortalSite:
    """The portal of the current request (set by the blueprint from the URL's slug); 404 outside one."""
    site = g.get("portal_site") if has_request_context() else None
    if site is None:
        abort(404)
    return site


def verified_host(site: PortalSite) -> str | None:
    """The site's custom domain when it is verified, else None."""
    if site.custom_domain and site.domain_state == "valid":
        return site.custom_domain
    return None


def _domain_base(host: str) -> str:
    scheme = urlsplit(current_app.config["BASE_URL"]).scheme or "https"
    return f"{scheme}://{host}"


def site_address(site: PortalSite) -> Site:
    """The :class:`crm.sites.Site` of a portal: its verified domain, or the desk."""
    host = verified_host(site)
    if host is None:
        return Site("desk", current_app.config["BASE_URL"].rstrip("/"))
    return Site(f"portal:{site.slug}", _domain_base(host))


def portal_url(site: PortalSite, endpoint: str, **values) -> str:
    """The absolute URL of a portal page (``endpoint`` of the ``portal`` blueprint) on ``site``.

    On the verified custom domain, at its root; otherwise under
    ``/portal/<slug>/`` of ``CRM_BASE_URL``. A page of the portal that was
    asked for on the desk's own host links to that host, so its links and
    forms stay on the page's origin. Use it for every portal link, on pages
    and in emails.

    Example: ``portal_url(site, "portal.ticket", number=ticket.number)``.
    """
    values["slug"] = site.slug
    host = verified_host(site)
    if host is None or _visited_on_the_desk(site):
        return external_url(endpoint, **values)
    url = external_url(endpoint, site=site_address(site), **values)
    parts = urlsplit(url)
    path = parts.path
    own = f"{PREFIX}/{site.slug}"
    if path == own or path.startswith(own + "/"):
        path = path[len(own):] or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def _visited_on_the_desk(site: PortalSite) -> bool:
    """Whether the current request is a page of ``site`` asked for under the desk's host."""
    if not has_request_context():
        return False
    shown = g.get("portal_site")
    return shown is not None and shown.brand_id == site.brand_id and current_site().name != f"portal:{site.slug}"


class _DomainCache:
    """Verified custom domain → portal slug, re-read from the database every few seconds."""

    def __init__(self):
        self._lock = threading.Lock()
        self._read_at = 0.0
        self._domains: dict[str, str] = {}

    def get(self, app, host: str) -> str | None:
        now = time.monotonic()
        if now - self._read_at > DOMAIN_CACHE_SECONDS:
            with app.app_context():
                rows = db.session.execute(select(PortalSite.custom_domain, PortalSite.slug).where(
                    PortalSite.domain_state == "valid", PortalSite.enabled.is_(True),
                    PortalSite.custom_domain.is_not(None))).all()
                db.session.remove()
            with self._lock:
                self._domains = {d.lower(): s for d, s in rows}
                self._read_at = now
        return self._domains.get(host)

    def forget(self) -> None:
        with self._lock:
            self._read_at = 0.0


_EXTENSION = "portal_domains"


def forget_domains() -> None:
    """Re-read the verified domains on the next request (call after a domain is verified or removed)."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is not None:
        cache.forget()


def resolve_host(host: str) -> Site | None:
    """``crm_resolve_site``: the portal's :class:`Site` for a verified custom domain, else None."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        return None
    slug = cache.get(current_app._get_current_object(), host)
    if slug is None:
        return None
    return Site(f"portal:{slug}", _domain_base(host))


def _hostname(environ) -> str:
    raw = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
    try:
        return (urlsplit(f"//{raw}").hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def install_domain_paths(app) -> None:
    """Wrap ``app.wsgi_app``: on a verified custom domain, ``/x`` is served by ``/portal/<slug>/x``.

    Requests for the desk's own hosts are untouched. Paths that already start
    with the domain's ``/portal/<slug>`` are left as they are.
    """
    if _EXTENSION in app.extensions:
        return
    cache = app.extensions[_EXTENSION] = _DomainCache()
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        host = _hostname(environ)
        if host and not app.extensions["crm_hosts"].allows(host):
            slug = cache.get(app, host)
            if slug is not None:
                own = f"{PREFIX}/{slug}"
                path = environ.get("PATH_INFO") or "/"
                if not (path == own or path.startswith(own + "/")):
                    environ["PATH_INFO"] = own + (path if path.startswith("/") else "/" + path)
        return inner(environ, start_response)

    app.wsgi_app = wsgi
