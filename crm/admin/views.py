"""The admin blueprint; every route in it is for admins only (checked once, before each request)."""
from flask import Blueprint, render_template

from crm.auth.permissions import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@admin_required
def _admins_only():
    """Every admin route requires an admin; views below need no decorator of their own."""
    return None


@bp.get("/")
def index():
    """The admin start page."""
    return render_template("crm/admin/index.html")


# The pages of each admin feature live in their own module and add routes to ``bp``.
from crm.admin import audit, outbox, people, plugins, settings, staff_sessions  # noqa: E402,F401
