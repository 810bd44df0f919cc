"""Portal branding on pages: the per-portal stylesheet and favicon, page variables and template slots."""
from __future__ import annotations

from flask import Response, abort, g, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from crm.storage import send_stored_file
from plugins.portal import branding
from plugins.portal.branding import PortalBranding
from plugins.portal.views import bp
from crm.extensions import db

CSS_MAX_AGE = 365 * 24 * 3600  # the URL carries the branding's version: a change gets a new URL


def current_branding() -> branding.Branding | None:
    """The branding of the current portal in the page's language (read once per request)."""
    site = g.get("portal_site")
    if site is None:
        return None
    found = g.get("portal_branding")
    if found is None:
        found = g.portal_branding = branding.for_site(site, str(get_locale()))
    return found


@bp.context_processor
def _branding_context():
    found = current_branding()
    if found is None:
        return {}
    return {"branding": found, "portal_name": found.organisation_name}


@bp.get("/branding.css")
def branding_css():
    """The portal's colours as CSS (``?locale=`` picks the language, ``?v=`` the version in the URL)."""
    site = g.portal_site
    locale = request.args.get("locale") or None
    found = branding.for_site(site, locale)
    response = Response(branding.stylesheet(found), mimetype="text/css")
    if request.args.get("v") == found.version:
        response.headers["Cache-Control"] = f"public, max-age={CSS_MAX_AGE}, immutable"
    return response


@bp.get("/favicon")
def favicon():
    """The portal's uploaded favicon in a language (``?locale=``, falling back to the default language)."""
    site = g.portal_site
    found = branding.for_site(site, request.args.get("locale") or None)
    if found.favicon_locale is None:
        abort(404)
    row = db.session.get(PortalBranding, (site.brand_id, found.favicon_locale))
    return send_stored_file(row.favicon_key, "favicon", mimetype=row.favicon_type, as_attachment=False)


def head_slot(site) -> Markup:
    """``portal.head``: the stylesheet and favicon links of the portal's branding."""
    found = current_branding()
    if found is None:
        return Markup("")
    lang = str(get_locale())
    return Markup(render_template("portal/branding_head.html", branding=found, lang=lang,
                                  css_url=url_for("portal.branding_css", locale=lang, v=found.version),
                                  favicon_url=url_for("portal.favicon", locale=lang, v=found.version)))


def links_slot(site) -> Markup:
    """``portal.login.links``: the page links shown under the login and signup forms."""
    found = current_branding()
    if found is None or not found.links:
        return Markup("")
    return Markup(render_template("portal/branding_links.html", links=found.links))


def form_slot(site) -> Markup:
    """``portal.public_form``: the form's title and the note above it."""
    found = current_branding()
    if found is None or not (found.form_title or found.form_note):
        return Markup("")
    return Markup(render_template("portal/branding_form.html", branding=found))
