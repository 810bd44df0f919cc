"""The portal's pages: one blueprint, ``portal``, under ``/portal/<slug>/`` (and a verified domain's root).

The slug picks the brand's portal (:func:`plugins.portal.sites.current_portal`);
unknown or disabled portals are 404. Pages for customers require a signed-in
customer (:func:`customer_required`): anonymous visitors and staff go to the
portal's login page, which is separate from the staff one.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, g, redirect, request, session

from crm.i18n import language_name, languages
from plugins.portal import sites
from plugins.portal.customers import current_customer
from plugins.support.statuses import status_label

bp = Blueprint("portal", __name__, url_prefix="/portal/<slug>", template_folder="../templates",
               static_folder="../static", static_url_path="/assets")

LOCALE_KEY = "portal_locale"


@bp.record_once
def _install(state):
    sites.install_domain_paths(state.app)


@bp.url_value_preprocessor
def _pick_portal(endpoint, values):
    slug = (values or {}).pop("slug", None)
    site = sites.site_by_slug(slug)
    if site is None:
        abort(404)
    g.portal_site = site
    chosen = request.args.get("lang")
    if chosen in languages():
        session[LOCALE_KEY] = chosen
    stored = session.get(LOCALE_KEY)
    g.portal_locale = stored if stored in languages() else None


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("portal_site") is not None:
        values["slug"] = g.portal_site.slug


@bp.context_processor
def _portal_context():
    site = g.get("portal_site")
    return {"portal": site, "portal_name": site.brand.name if site is not None else "",
            "customer": current_customer(), "language_name": language_name, "status_label": status_label}


@bp.app_template_global("portal_link")
def portal_link(endpoint: str, **values) -> str:
    """Template helper: the URL of a page of the current portal (see :func:`plugins.portal.sites.portal_url`)."""
    return sites.portal_url(sites.current_portal(), endpoint, **values)


def login_redirect(message: str | None = None):
    """Send the visitor to this portal's login page, back to the current page afterwards."""
    if message:
        flash(message, "info")
    target = request.full_path if request.method == "GET" else None
    return redirect(sites.portal_url(sites.current_portal(), "portal.login", next=_local_next(target)))


def _local_next(target: str | None) -> str | None:
    if not target:
        return None
    return target.rstrip("?")


def customer_required(view):
    """Decorate a portal view: only a signed-in customer; anonymous visitors and staff go to the portal login."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_customer() is None:
            return login_redirect()
        return view(*args, **kwargs)

    return wrapped


def blueprints():
    """The portal's blueprints (its views register on ``bp`` when imported)."""
    from plugins.portal.views import accounts, files, profile, public_form, ticket_fields, tickets  # noqa: F401
    from plugins.portal import branding_views, sso_views  # noqa: F401 (branding assets, single sign-on)
    from plugins.portal.admin_views import admin_bp

    return [bp, admin_bp]
