"""Admin pages: settings."""
from flask import render_template

from crm.admin.views import bp


@bp.get("/settings")
def settings_index():
    return render_template("crm/admin/index.html")
