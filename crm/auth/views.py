"""Staff login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from crm.auth.forms import LoginForm
from crm.extensions import db, limiter
from crm.people.models import User
from crm.timeutil import utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
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
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None or not user.active or not user.check_password(form.password.data):
            flash(_("The email or password is wrong."), "error")
        else:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("core.index"))
    return render_template("crm/auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST, so that a link on another site cannot sign anyone out)."""
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/profile")
@login_required
def profile():
    """The signed-in person's own preferences."""
    return render_template("crm/auth/login.html", form=LoginForm())
