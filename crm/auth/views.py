"""Staff sign-in and sign-out, password reset by email, and the profile page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth import attempts, sessions
from crm.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, ResetPasswordForm, timezone_names
from crm.auth.passwords import verify_password
from crm.auth.permissions import staff_required
from crm.auth.reset import consume_reset_token, queue_reset_email, user_for_reset_token
from crm.database import unit_of_work
from crm.extensions import db
from crm.people.forms import show_errors
from crm.people.services import InvalidChange, change_password, normalize_email, update_profile, user_by_email
from crm.timeutil import utcnow

bp = Blueprint("auth", __name__)

DEFAULT_ACCOUNT_LIMIT = "20 per 15 minutes"


class LinkUsed(Exception):
    """The one-time link was used up by another request, revoked or expired."""


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@attempts.limit_posts("login-address", "LOGIN_RATE_LIMIT")
def login():
    """Email and password sign-in for staff, limited per address and per account.

    Every answer costs one password hash check, whether the account exists,
    is deactivated or has no password yet.
    """
    if current_user.is_authenticated and getattr(current_user, "is_staff_user", False):
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        if not attempts.allow("login-account", email,
                              current_app.config.get("LOGIN_ACCOUNT_RATE_LIMIT", DEFAULT_ACCOUNT_LIMIT)):
            abort(429)
        user = user_by_email(email)
        if not verify_password(user, form.password.data):
            flash(_("The email or password is wrong."), "error")
        else:
            with unit_of_work():
                sessions.start(user, remember=form.remember.data)
                user.last_login_at = utcnow()
            return redirect(_safe_next(request.args.get("next")) or url_for("core.index"))
    return render_template("crm/auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out (POST, so that a link on another site cannot sign anyone out); the session ends everywhere it was copied."""
    signed_in = current_user.is_authenticated
    sessions.end_current()
    db.session.commit()
    if signed_in:
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@attempts.limit_posts("forgot-password", "PASSWORD_RESET_RATE_LIMIT")
def forgot_password():
    """Ask for a reset link; the answer is the same whether the address belongs to an account or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        if user is not None and user.active:
            queue_reset_email(user)
            db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("crm/auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@attempts.limit_posts("reset-password", "PASSWORD_RESET_RATE_LIMIT")
def reset_password(token: str):
    """Choose a new password with the emailed link; the link works once, expires and dies with a newer one."""
    if user_for_reset_token(token) is None:
        return _link_expired()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = consume_reset_token(token)
                if user is None:
                    raise LinkUsed
                change_password(user, form.password.data, actor=user, reason="reset")
        except LinkUsed:
            return _link_expired()
        except InvalidChange as exc:
            show_errors(form, exc.errors)
        else:
            sessions.end_current()  # whoever was signed in on this browser signs in again
            db.session.commit()
            flash(_("Your password has been changed. You can sign in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("crm/auth/reset_password.html", form=form)


def _link_expired():
    flash(_("This link has expired or was already used. Ask for a new one."), "error")
    return redirect(url_for("auth.forgot_password"))


def _render_profile(profile_form: ProfileForm, password_form: ChangePasswordForm):
    this = sessions.current()
    return render_template("crm/auth/profile.html", form=profile_form, password_form=password_form,
                           timezones=timezone_names(), sessions=sessions.active_sessions(current_user.get_id()),
                           this_session_id=this.id if this is not None else None)


@bp.route("/profile", methods=["GET", "POST"])
@staff_required
def profile():
    """The signed-in person's name, language and timezone."""
    user = current_user._get_current_object()
    form = ProfileForm(prefix="profile", data={
        "name": user.name, "locale": user.locale or "", "timezone": user.timezone or "",
    } if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changes = update_profile(user, form.name.data, form.locale.data or None, (form.timezone.data or "").strip())
        except InvalidChange as exc:
            db.session.rollback()
            show_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Your profile has been saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(form, ChangePasswordForm(prefix="password"))


@bp.post("/profile/password")
@staff_required
@attempts.limit_posts("profile-password", "LOGIN_RATE_LIMIT")
def profile_password():
    """Change one's own password; the current password is required."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors = [_("The current password is wrong.")]
        else:
            remember = bool(sessions.current() and sessions.current().remembered)
            try:
                with unit_of_work():
                    change_password(user, form.password.data, actor=user)  # ends every session of the account
            except InvalidChange as exc:
                show_errors(form, exc.errors)
            else:
                with unit_of_work():
                    sessions.start(user, remember=remember)  # this browser stays signed in, with a new session
                flash(_("Your password has been changed. You were signed out everywhere else."), "success")
                return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(prefix="profile", formdata=None, data={
        "name": user.name, "locale": user.locale or "", "timezone": user.timezone or "",
    })
    return _render_profile(profile_form, form)


@bp.post("/profile/sessions/<session_id>/end")
@staff_required
def end_session(session_id: str):
    """End one of one's own sessions (another browser, or this one)."""
    account = current_user.get_id()
    this = sessions.current()
    is_this = this is not None and this.id == session_id
    if len(session_id) > 64 or not sessions.end_one(account, session_id):
        db.session.rollback()
        abort(404)
    if is_this:
        sessions.end_current()
    db.session.commit()
    flash(_("The session was ended."), "success")
    return redirect(url_for("auth.login") if is_this else url_for("auth.profile"))


@bp.post("/profile/sessions/end-all")
@staff_required
def end_all_sessions():
    """Sign out everywhere: end every session and remember cookie of one's account, this one included."""
    sessions.end_all(current_user.get_id())
    sessions.end_current()
    db.session.commit()
    flash(_("You have signed out everywhere."), "info")
    return redirect(url_for("auth.login"))
