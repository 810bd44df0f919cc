"""Staff sign-in and sign-out, password reset by email, and the profile page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from crm.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, ResetPasswordForm, timezone_names
from crm.auth.permissions import staff_required
from crm.auth.reset import queue_reset_email
from crm.auth.tokens import user_for_reset_token
from crm.extensions import db, limiter
from crm.people.forms import show_errors
from crm.people.services import InvalidChange, change_password, update_profile, user_by_email
from crm.timeutil import utcnow

bp = Blueprint("auth", __name__)

# Checked when the email is unknown, so that a wrong email costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Email and password sign-in for staff."""
    if current_user.is_authenticated and getattr(current_user, "is_staff_user", False):
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        if user is None or not user.active or not user.check_password(form.password.data):
            flash(_("The email or password is wrong."), "error")
        else:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("core.index"))
    return render_template("crm/auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out (POST, so that a link on another site cannot sign anyone out)."""
    if current_user.is_authenticated:
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
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
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    """Choose a new password with the emailed link; the link works once and expires."""
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.password.data, actor=user, reason="reset")
        except InvalidChange as exc:
            show_errors(form, exc.errors)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password has been changed. You can sign in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("crm/auth/reset_password.html", form=form)


def _render_profile(profile_form: ProfileForm, password_form: ChangePasswordForm):
    return render_template("crm/auth/profile.html", form=profile_form, password_form=password_form,
                           timezones=timezone_names())


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
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def profile_password():
    """Change one's own password; the current password is required."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors = [_("The current password is wrong.")]
        else:
            try:
                change_password(user, form.password.data, actor=user)
            except InvalidChange as exc:
                show_errors(form, exc.errors)
            else:
                db.session.commit()
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(prefix="profile", formdata=None, data={
        "name": user.name, "locale": user.locale or "", "timezone": user.timezone or "",
    })
    return _render_profile(profile_form, form)
