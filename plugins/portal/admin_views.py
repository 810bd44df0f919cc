"""Portal admin pages (admins only): each brand's portal, its branding, custom domain and single sign-on."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, StringField, TextAreaField

from crm.auth.permissions import admin_required
from crm.extensions import db
from crm.i18n import language_name, languages
from plugins.portal import branding, domains, sso
from plugins.portal.models import PortalSite
from plugins.portal.sites import ensure_sites, portal_url

admin_bp = Blueprint("portal_admin", __name__, url_prefix="/admin/portal", template_folder="templates")


@admin_bp.record_once
def _check_configuration(state):
    """A DNS resolver setting that cannot work stops the app at start-up, not at the first domain check."""
    domains.check_resolver_config(state.app.config)


@admin_bp.before_request
@admin_required
def _admins_only():
    """Every portal admin page is for admins only."""
    return None


class BrandingForm(FlaskForm):
    """A portal's branding in one language; empty fields use the default language's."""

    organisation_name = StringField(_l("Organisation name"))
    page_title = StringField(_l("Page title"))
    form_title = StringField(_l("Form title"))
    form_note = TextAreaField(_l("Note above the form"))
    colour_background = StringField(_l("Login and signup page background"), description="#rrggbb")
    colour_panel = StringField(_l("Login and signup panel"), description="#rrggbb")
    colour_button = StringField(_l("Buttons"), description="#rrggbb")
    colour_text = StringField(_l("Text"), description="#rrggbb")
    links = TextAreaField(_l("Links under the login and signup pages"),
                          description=_l("One per line: Label | https://address"))
    favicon = FileField(_l("Favicon (PNG or ICO, at most 256 KB)"))
    remove_favicon = BooleanField(_l("Remove the favicon"))


class DomainForm(FlaskForm):
    """The portal's custom subdomain."""

    custom_domain = StringField(_l("Custom domain"), description=_l("A subdomain such as support.example.com; "
                                                                    "leave empty to use none."))


class SsoForm(FlaskForm):
    """The company's own login page."""

    remote_login_url = StringField(_l("Company's login page"))
    remote_only = BooleanField(_l("Customers sign in only on the company's site (no local sign-in or "
                                  "registration)"))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


def _site(slug: str) -> PortalSite:
    site = db.session.scalar(select(PortalSite).where(PortalSite.slug == slug[:63]))
    if site is None:
        abort(404)
    return site


def _show_errors(form, errors: dict) -> None:
    for name, message in errors.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = list(target.errors or []) + [message]
        else:
            flash(message, "error")


@admin_bp.get("/")
def index():
    """Every brand's portal with its address, domain state and single sign-on."""
    sites = ensure_sites()
    db.session.commit()
    return render_template("portal/admin/index.html", sites=sites, portal_url=portal_url, sso_enabled=sso.enabled)


@admin_bp.route("/<slug>/branding", methods=["GET", "POST"])
def branding_page(slug: str):
    """A portal's branding in one language (``?locale=``, default: the default language)."""
    site = _site(slug)
    locale = request.args.get("locale") or branding.default_locale()
    if locale not in languages():
        abort(404)
    rows = branding.rows_of(site)
    row = rows.get(locale)
    form = BrandingForm() if request.method == "POST" else BrandingForm(formdata=None, obj=row)
    if request.method == "GET" and row is not None:
        form.links.data = branding.links_text(row)
    status = 200
    if request.method == "POST":
        if form.validate():
            values = {name: getattr(form, name).data for name in (*branding.TEXT_FIELDS, *branding.COLOUR_FIELDS,
                                                                  "links")}
            try:
                changes = branding.save(site, locale, values, favicon=form.favicon.data,
                                        remove_favicon=bool(form.remove_favicon.data), user=current_user)
            except branding.BrandingError as exc:
                db.session.rollback()
                _show_errors(form, exc.errors)
            else:
                db.session.commit()
                old = branding.replaced_favicon(changes)
                if old:
                    from crm.storage import storage

                    storage().delete(old)
                flash(_("Your changes were saved."), "success")
                return redirect(url_for("portal_admin.branding_page", slug=site.slug, locale=locale))
        status = 400
    return render_template("portal/admin/branding.html", site=site, form=form, locale=locale, row=row,
                           locales=[(code, language_name(code)) for code in languages()],
                           default=branding.default_locale()), status


@admin_bp.route("/<slug>/domain", methods=["GET", "POST"])
def domain_page(slug: str):
    """A portal's custom domain: the CNAME record to create and the domain's state."""
    site = _site(slug)
    form = DomainForm() if request.method == "POST" else DomainForm(formdata=None, obj=site)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                domains.set_domain(site, form.custom_domain.data or "", user=current_user)
            except domains.DomainError as exc:
                db.session.rollback()
                form.custom_domain.errors = list(form.custom_domain.errors) + [str(exc)]
            else:
                db.session.commit()
                flash(_("Your changes were saved."), "success")
                return redirect(url_for("portal_admin.domain_page", slug=site.slug))
        status = 400
    return render_template("portal/admin/domain.html", site=site, form=form, check_form=ActionForm(),
                           target=domains.cname_target()), status


@admin_bp.post("/<slug>/domain/check")
def domain_check(slug: str):
    """Check the portal's custom domain through DNS now."""
    site = _site(slug)
    if not ActionForm().validate():
        abort(400)
    if not site.custom_domain:
        flash(_("Enter a custom domain first."), "error")
        return redirect(url_for("portal_admin.domain_page", slug=site.slug))
    result = domains.check_site(site)
    db.session.commit()
    if not result.decided:
        flash(_("The DNS server did not answer; the state was kept. Try again later."), "error")
    elif result.state == domains.VALID:
        flash(_("The domain points to the desk: the portal is served there."), "success")
    elif result.targets:
        flash(_("The domain points to %(target)s, not to the desk.", target=", ".join(result.targets)), "error")
    else:
        flash(_("No CNAME record was found yet. DNS changes can take a while to be seen."), "error")
    return redirect(url_for("portal_admin.domain_page", slug=site.slug))


@admin_bp.route("/<slug>/sso", methods=["GET", "POST"])
def sso_page(slug: str):
    """A portal's single sign-on: the shared secret (shown once) and the company's login page."""
    site = _site(slug)
    row = sso.config_of(site)
    form = SsoForm() if request.method == "POST" else SsoForm(formdata=None, obj=row)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                sso.save_remote_login(site, form.remote_login_url.data or "", bool(form.remote_only.data),
                                      user=current_user)
            except sso.SsoError as exc:
                db.session.rollback()
                form.remote_login_url.errors = list(form.remote_login_url.errors) + [str(exc)]
            else:
                db.session.commit()
                flash(_("Your changes were saved."), "success")
                return redirect(url_for("portal_admin.sso_page", slug=site.slug))
        status = 400
    return _render_sso(site, form, new_secret=None), status


def _render_sso(site, form, new_secret):
    return render_template("portal/admin/sso.html", site=site, form=form, action_form=ActionForm(),
                           enabled=sso.enabled(site), masked=sso.masked(site), new_secret=new_secret,
                           entry_url=portal_url(site, "portal.sso_login"))


@admin_bp.post("/<slug>/sso/secret")
def sso_secret(slug: str):
    """Make a new shared secret and show it this once (the old one stops working)."""
    site = _site(slug)
    if not ActionForm().validate():
        abort(400)
    secret = sso.new_secret(site, user=current_user)
    db.session.commit()
    form = SsoForm(formdata=None, obj=sso.config_of(site))
    return _render_sso(site, form, new_secret=secret)


@admin_bp.post("/<slug>/sso/off")
def sso_off(slug: str):
    """Turn single sign-on off: the secret is forgotten and the portal's own sign-in returns."""
    site = _site(slug)
    if not ActionForm().validate():
        abort(400)
    sso.turn_off(site, user=current_user)
    db.session.commit()
    flash(_("Single sign-on is off."), "success")
    return redirect(url_for("portal_admin.sso_page", slug=site.slug))
