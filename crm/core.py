"""The host's root pages: the start page and health check."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from crm.web import navigation

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    """Send people to the first page they may use: the staff area, else admin, else login."""
    if not current_user.is_authenticated or not getattr(current_user, "is_staff_user", False):
        return redirect(url_for("auth.login"))
    items = navigation("staff")
    if items:
        return redirect(url_for(items[0].endpoint, **items[0].url_values))
    if current_user.is_admin:
        return redirect(url_for("admin.index"))
    return redirect(url_for("auth.profile"))


@bp.get("/healthz")
def health():
    """Liveness probe for load balancers."""
    return {"status": "ok"}
