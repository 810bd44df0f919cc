"""Portal sign-in, registration with email verification, password reset, sign-out and auto-login links."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import get_locale, gettext as _

from crm import settings
from crm.auth import attempts, sessions
from crm.database import unit_of_work
from crm.extensions import db
from crm.people.forms import show_errors
from crm.people.services import InvalidChange, normalize_email
from plugins.portal import accounts, autologin
from plugins.portal.customers import current_customer
from plugins.portal.forms import ContinueForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm, VerifyForm
from plugins.portal.sites import current_portal, portal_url
from plugins.portal.views import bp

DEFAULT_ACCOUNT_LIMIT = "20 per 15 minutes"


def _home():
    return redirect(portal_url(current_portal(), "portal.tickets"))


def _safe_next(target: str | None) -> str | None:
    """Only paths of this portal are followed after sign-in."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target) or len(target) > 500:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
def home():
    """The portal's front page: the customer's tickets, or the sign-in page."""
    if current_customer() is not None:
        return _home()
    return redirect(portal_url(current_portal(), "portal.login"))


@bp.route("/login", methods=["GET", "POST"])
@attempts.limit_posts("portal-login-address", "LOGIN_RATE_LIMIT")
def login():
    """Email and password sign-in for customers (staff sign in on the desk's own page)."""
    if current_customer() is not None:
        return _home()
    site = current_portal()
    form = LoginForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        if not attempts.allow("portal-login-account", email,
                              current_app.config.get("LOGIN_ACCOUNT_RATE_LIMIT", DEFAULT_ACCOUNT_LIMIT)):
            abort(429)
        customer = accounts.authenticate(email, form.password.data)
        if customer is None:
            flash(_("The email or password is wrong."), "error")
        else:
            with unit_of_work():
                sessions.start(customer, remember=form.remember.data)
            target = _safe_next(request.args.get("next"))
            return redirect(target or portal_url(site, "portal.tickets"))
    return render_template("portal/login.html", form=form, site=site,
                           public_form=settings.get("portal.public_form_enabled"))


@bp.post("/logout")
def logout():
    """Sign out of the portal (POST only); the session ends wherever it was copied."""
    signed_in = current_customer() is not None
    if signed_in:
        sessions.end_current()
        db.session.commit()
        flash(_("You have signed out."), "info")
    return redirect(portal_url(current_portal(), "portal.login"))


@bp.route("/register", methods=["GET", "POST"])
@attempts.limit_posts("portal-register", "PASSWORD_RESET_RATE_LIMIT")
def register():
    """Open an account (when the portal allows it); the account works once the emailed link is followed."""
    site = current_portal()
    if not site.registration_open:
        abort(404)
    if current_customer() is not None:
        return _home()
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                accounts.register(site, name=form.name.data, email=form.email.data, password=form.password.data,
                                  locale=str(get_locale()))
        except InvalidChange as exc:
            show_errors(form, exc.errors)
        else:
            flash(_("Check your email: we have sent you a link to confirm your address."), "info")
            return redirect(portal_url(site, "portal.login"))
    return render_template("portal/register.html", form=form, site=site)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@attempts.limit_posts("portal-verify", "LOGIN_RATE_LIMIT")
def verify_email(token: str):
    """Finish registering: the emailed link plus the password chosen when registering; signs the customer in."""
    site = current_portal()
    if accounts.pending_verification(token) is None:
        flash(_("This link has expired or was already used."), "error")
        return redirect(portal_url(site, "portal.login"))
    form = VerifyForm()
    if form.validate_on_submit():
        with unit_of_work():
            customer = accounts.verify_email(token, form.password.data)
            if customer is not None:
                sessions.start(customer)
        if customer is not None:
            flash(_("Your email address is confirmed. Welcome!"), "success")
            return redirect(portal_url(site, "portal.tickets"))
        form.password.errors = [_("The password is wrong.")]
    return render_template("portal/verify.html", form=form, site=site)


@bp.route("/forgot-password", methods=["GET", "POST"])
@attempts.limit_posts("portal-forgot-password", "PASSWORD_RESET_RATE_LIMIT")
def forgot_password():
    """Ask for a reset link; the answer is the same whether the address has an account or not."""
    site = current_portal()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            accounts.request_reset(site, form.email.data)
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(portal_url(site, "portal.login"))
    return render_template("portal/forgot_password.html", form=form, site=site)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@attempts.limit_posts("portal-reset-password", "PASSWORD_RESET_RATE_LIMIT")
def reset_password(token: str):
    """Choose a new password with the emailed link (once, before it expires)."""
    site = current_portal()
    if accounts.customer_for_reset(token) is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(portal_url(site, "portal.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                customer = accounts.reset_password(token, form.password.data)
        except InvalidChange as exc:
            show_errors(form, exc.errors)
        else:
            if customer is None:
                flash(_("This link has expired or was already used. Ask for a new one."), "error")
                return redirect(portal_url(site, "portal.forgot_password"))
            sessions.end_current()
            db.session.commit()
            flash(_("Your password has been changed. You can sign in now."), "success")
            return redirect(portal_url(site, "portal.login"))
    return render_template("portal/reset_password.html", form=form, site=site)


@bp.route("/go/<token>", methods=["GET", "POST"])
@attempts.limit_posts("portal-auto-login", "LOGIN_RATE_LIMIT")
def auto_login(token: str):
    """An emailed auto-login link: signs the customer in once and opens the ticket it was made for.

    The link shows a button; only pressing it (a POST) uses the link up, so
    mail scanners that open links cannot spend it.
    """
    site = current_portal()
    if request.method == "GET":
        if autologin.peek(token) is None:
            return _link_dead(site)
        return render_template("portal/auto_login.html", site=site, form=ContinueForm())
    form = ContinueForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        found = autologin.use(token)
        if found is not None:
            sessions.start(found[0])
    if found is None:
        return _link_dead(site)
    return redirect(portal_url(site, "portal.ticket", number=found[1].number))


def _link_dead(site):
    flash(_("This sign-in link has expired or was already used. Sign in with your email and password, "
            "or ask for a new password."), "error")
    return redirect(portal_url(site, "portal.login"))
